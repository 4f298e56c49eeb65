// The upload form: the picture from the file picker or dropped on the zone, every field
// checked before sending (fields.js), sent with XMLHttpRequest for a short status of its
// progress; the new meme's edit token is kept in this browser, and its page then offers it
// as a private link to keep.
import { clearErrors, keepToken, pictureChooser, sendForm, showProblem } from "/static/common.js";
import { checkedFields, tagsOf } from "/static/fields.js";

const form = document.getElementById("upload-form");
const input = document.getElementById("image");
const submit = document.getElementById("submit");
pictureChooser(input, document.getElementById("drop"), document.getElementById("preview"),
               document.getElementById("drop-text"));
const fields = checkedFields(form, { pictureRequired: true });

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  if (!fields.check()) return;
  const data = new FormData();
  data.append("title", form.elements.title.value);
  data.append("description", form.elements.description.value);
  for (const tag of tagsOf(form.elements.tags.value)) data.append("tags", tag);
  data.append("image", input.files[0]);
  if (form.elements.sensitive.checked) data.append("sensitive", "true");
  submit.disabled = true;
  try {
    const meme = await sendForm("POST", "/memes", data, {}, document.getElementById("sending"));
    keepToken(meme.id, meme.edit_token);
    // Its page says it was just uploaded (and offers the private link), once.
    location.assign(`/m/${meme.id}#uploaded`);
  } catch (problem) {
    showProblem(form, problem);
    submit.disabled = false;
  }
});
