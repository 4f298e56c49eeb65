// The upload form: the picture from the file picker or dropped on the zone, sent with
// XMLHttpRequest for its progress; the new meme's edit token is kept in this browser.
import { clearErrors, keepToken, pictureChooser, sendForm, showProblem, splitTags } from "/static/common.js";

const form = document.getElementById("upload-form");
const input = document.getElementById("image");
const submit = document.getElementById("submit");
pictureChooser(input, document.getElementById("drop"), document.getElementById("preview"),
               document.getElementById("drop-text"));

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  const data = new FormData();
  data.append("title", form.elements.title.value);
  data.append("description", form.elements.description.value);
  for (const tag of splitTags(form.elements.tags.value)) data.append("tags", tag);
  if (input.files[0]) data.append("image", input.files[0]);
  if (form.elements.sensitive.checked) data.append("sensitive", "true");
  submit.disabled = true;
  try {
    const meme = await sendForm("POST", "/memes", data, {}, document.getElementById("progress"));
    keepToken(meme.id, meme.edit_token);
    location.assign(`/m/${meme.id}`);
  } catch (problem) {
    showProblem(form, problem);
    submit.disabled = false;
  }
});
