// A meme's page: its picture and facts; edit and delete when this browser holds its token.
import {
  api, clearErrors, el, forgetToken, humanSize, pictureChooser, sendForm, showProblem,
  splitTags, tokenOf,
} from "/static/common.js";

const id = Number(location.pathname.split("/").pop());
const token = tokenOf(id);
const status = document.getElementById("status");
const form = document.getElementById("edit-form");
const input = document.getElementById("image");

function show(meme) {
  document.title = `${meme.title} · memes`;
  const picture = document.getElementById("picture");
  // The picture's URL changes with its content, so a new picture shows at once.
  picture.src = meme.content_url;
  picture.alt = meme.title;
  picture.width = meme.width;
  picture.height = meme.height;
  document.getElementById("meme-title").textContent = meme.title;
  document.getElementById("meme-description").textContent = meme.description;
  document.getElementById("meme-tags").replaceChildren(
    ...meme.tags.map((tag) => el("a", { class: "tag", href: `/?tag=${encodeURIComponent(tag)}` }, `#${tag}`)),
  );
  document.getElementById("size").textContent = humanSize(meme.size);
  document.getElementById("dimensions").textContent = `${meme.width} × ${meme.height} pixels`;
  document.getElementById("type").textContent = meme.content_type;
  const created = new Date(meme.created_at);
  document.getElementById("created").textContent = created.toLocaleString();
  const download = document.getElementById("download");
  download.href = meme.image_url;
  download.setAttribute("download", `meme-${meme.id}.${meme.content_type.split("/")[1]}`);
  form.elements.title.value = meme.title;
  form.elements.description.value = meme.description;
  form.elements.tags.value = meme.tags.join(", ");
  document.getElementById("meme").hidden = false;
}

async function save(event) {
  event.preventDefault();
  clearErrors(form);
  const save = document.getElementById("save");
  save.disabled = true;
  const auth = { Authorization: `Bearer ${token}` };
  const fields = {
    title: form.elements.title.value,
    description: form.elements.description.value,
    tags: splitTags(form.elements.tags.value),
  };
  try {
    let meme;
    if (input.files[0]) {
      const data = new FormData();
      data.append("title", fields.title);
      data.append("description", fields.description);
      for (const tag of fields.tags) data.append("tags", tag);
      data.append("image", input.files[0]);
      meme = await sendForm("PATCH", `/memes/${id}`, data, auth, document.getElementById("progress"));
    } else {
      meme = await api(`/memes/${id}`, {
        method: "PATCH",
        headers: { ...auth, "Content-Type": "application/merge-patch+json", Accept: "application/json" },
        body: JSON.stringify(fields),
      });
    }
    show(meme);
    input.value = "";
    input.dispatchEvent(new Event("change"));
    status.textContent = "Saved.";
  } catch (problem) {
    showProblem(form, problem);
  } finally {
    save.disabled = false;
  }
}

function askToDelete(asking) {
  document.getElementById("confirm").hidden = !asking;
  document.getElementById("delete").hidden = asking;
  document.getElementById(asking ? "keep" : "delete").focus();
}

async function remove() {
  try {
    await api(`/memes/${id}`, { method: "DELETE", headers: { Authorization: `Bearer ${token}` } });
    forgetToken(id);
    location.assign("/?deleted=1");
  } catch (problem) {
    if (problem.status === 404) forgetToken(id);
    showProblem(form, problem);
    askToDelete(false);
  }
}

async function start() {
  try {
    show(await api(`/memes/${id}`));
  } catch (problem) {
    status.textContent = problem.status === 404 ? "There is no such meme." : problem.message;
    return;
  }
  if (!token) return;
  document.getElementById("owner").hidden = false;
  pictureChooser(input, document.getElementById("drop"), document.getElementById("preview"),
                 document.getElementById("drop-text"));
  form.addEventListener("submit", save);
  document.getElementById("delete").addEventListener("click", () => askToDelete(true));
  document.getElementById("keep").addEventListener("click", () => askToDelete(false));
  document.getElementById("really-delete").addEventListener("click", remove);
}

start();
