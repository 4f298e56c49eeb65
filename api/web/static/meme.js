// A meme's page: its picture and facts, its template and the memes like it; edit and delete
// when this browser holds its token.
// First: it keeps a token given in the URL (a manage link) before this module reads it.
import { showManageLink, uploaded } from "/static/manage.js";
import {
  api, clearErrors, el, forgetToken, humanSize, pictureChooser, sendForm, showProblem,
  memeCard, tokenOf, veiled,
} from "/static/common.js";
import { checkedFields, tagsOf } from "/static/fields.js";
import { showNeighbours } from "/static/neighbours.js";
import { zoomable } from "/static/zoom.js";
import { asModerator, moderatorActions } from "/static/moderator.js";
import { paintPlaceholder } from "/static/placeholder.js";
import { reportButton } from "/static/report.js";
import { shareButton, showLinks } from "/static/share.js";

const SIMILAR = 8; // one or two rows of thumbnails
// The relations that make a repost (the same meme posted again); `same-template` is another
// caption, as the section's heading says.
const BADGES = { "same-picture": "Same picture", repost: "Repost" };
const PROCESSING_LOOKS = [1, 2, 3, 5, 8, 13, 21]; // seconds apart: about a minute in all

const id = Number(location.pathname.split("/").pop());
const token = tokenOf(id);
const status = document.getElementById("status");
const form = document.getElementById("edit-form");
const input = document.getElementById("image");
const processing = document.getElementById("processing");
let fields = null; // the edit form's checks, once it shows

function show(meme) {
  document.title = `${meme.title} · memes`;
  const picture = document.getElementById("picture");
  // The picture's URL changes with its content, so a new picture shows at once; page-sized, in
  // the format this browser takes best, its placeholder painted until it loads.
  picture.src = `${meme.content_url}?size=page`;
  paintPlaceholder(picture, picture, meme);
  picture.alt = meme.title;
  picture.width = meme.width;
  picture.height = meme.height;
  const figure = picture.parentElement;
  figure.querySelector(".veil")?.remove();
  figure.classList.remove("sensitive");
  if (!figure.dataset.shown) veiled(figure, meme, () => { figure.dataset.shown = "yes"; });
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
  // The original, named by the api after the title (Content-Disposition).
  download.href = `${meme.image_url}?download=true`;
  form.elements.title.value = meme.title;
  form.elements.description.value = meme.description;
  form.elements.tags.value = meme.tags.join(", ");
  showLinks(meme);
  fields?.refresh();
  // The words read in the picture (OCR), once processed; none read: no section.
  document.getElementById("picture-text").textContent = meme.text ?? "";
  document.getElementById("read-text").hidden = !meme.text;
  document.getElementById("meme").hidden = false;
}

function memes(count) {
  return `${count} ${count === 1 ? "meme" : "memes"}`;
}

async function showTemplate(meme) {
  const line = document.getElementById("template");
  if (meme.template_id === null) {
    line.textContent = {
      pending: "Found once the picture is processed",
      failed: `None: the picture could not be processed (${meme.processing_error ?? "no reason given"})`,
    }[meme.processing] ?? "Not found yet";
    return;
  }
  try {
    const template = await api(`/templates/${meme.template_id}`);
    line.replaceChildren(
      el("a", { href: `/?template=${template.id}` }, `${memes(template.memes)} with this template`),
    );
  } catch (problem) {
    // Gone: every picture of it went (or moved) since this meme was read.
    line.textContent = problem.status === 404
      ? "Gone (it is no longer listed)"
      : `Not known now: ${problem.message}`;
  }
}

function similarCard(meme) {
  const badge = BADGES[meme.relation];
  return memeCard(meme, badge ? el("span", { class: `badge ${meme.relation}` }, badge) : null);
}

// The memes like this one, reposts badged; this one marked a repost when one of them is the
// same meme posted before it.
async function showSimilar() {
  const section = document.getElementById("similar");
  const repostOf = document.getElementById("repost-of");
  let items = [];
  try {
    ({ items } = await api(`/memes/${id}/similar?limit=${SIMILAR}`));
  } catch {
    // Nothing to show: the rest of the page stands without it.
  }
  document.getElementById("similar-grid").replaceChildren(...items.map(similarCard));
  section.hidden = !items.length;
  const first = items.filter((meme) => BADGES[meme.relation] && meme.id < id)
    .sort((a, b) => a.id - b.id)[0];
  repostOf.hidden = !first;
  if (first) {
    repostOf.replaceChildren(el("span", { class: "badge repost" }, "Repost"), " of ",
                             el("a", { href: `/m/${first.id}` }, first.title));
  }
}

// Its template and similar memes, once its picture is processed (looked at again meanwhile).
let looking = 0;
async function showRelated(meme) {
  const mine = ++looking;
  const waited = meme.processing === "pending";
  if (waited) showTemplate(meme); // says it comes
  for (const seconds of PROCESSING_LOOKS) {
    if (meme.processing !== "pending") break;
    processing.textContent = "Processing the picture: reading its text, finding its template"
      + " and similar memes…";
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    if (mine !== looking) return; // a newer look (after a save) took over
    try {
      meme = await api(`/memes/${id}`);
    } catch {
      return;
    }
  }
  if (mine !== looking) return;
  processing.textContent = {
    pending: "Still processing: look again in a minute.",
    failed: "The picture could not be processed: no text, template or similar memes.",
    done: waited ? "Processed." : "",
  }[meme.processing];
  if (waited && meme.processing === "done") {
    document.getElementById("picture-text").textContent = meme.text ?? "";
    document.getElementById("read-text").hidden = !meme.text;
  }
  showTemplate(meme);
  showSimilar();
}

async function save(event) {
  event.preventDefault();
  clearErrors(form);
  if (!fields.check()) return;
  const save = document.getElementById("save");
  save.disabled = true;
  const auth = { Authorization: `Bearer ${token}` };
  const changes = {
    title: form.elements.title.value,
    description: form.elements.description.value,
    tags: tagsOf(form.elements.tags.value),
  };
  try {
    let meme;
    if (input.files[0]) {
      const data = new FormData();
      data.append("title", changes.title);
      data.append("description", changes.description);
      for (const tag of changes.tags) data.append("tags", tag);
      data.append("image", input.files[0]);
      const said = document.getElementById("sending");
      meme = await sendForm("PATCH", `/memes/${id}`, data, auth, said);
    } else {
      meme = await api(`/memes/${id}`, {
        method: "PATCH",
        headers: { ...auth, "Content-Type": "application/merge-patch+json", Accept: "application/json" },
        body: JSON.stringify(changes),
      });
    }
    show(meme);
    showRelated(meme);
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
    // A moderator's token shows a hidden meme too.
    const meme = await api(`/memes/${id}`, { headers: asModerator() });
    status.textContent = ""; // a hidden meme's page says there is none, but to a moderator
    show(meme);
    zoomable(document.getElementById("picture"));
    showRelated(meme);
    showNeighbours(id);
    reportButton(id);
    shareButton();
    const said = document.getElementById("report-status");
    moderatorActions(meme, (text) => { said.textContent = text; });
  } catch (problem) {
    status.textContent = problem.status === 404 ? "There is no such meme." : problem.message;
    return;
  }
  if (!token) return;
  document.getElementById("owner").hidden = false;
  showManageLink();
  if (uploaded) {
    status.replaceChildren("Uploaded. ", el("a", { href: "#manage" }, "Your private link"),
                           " lets you manage it from another device.");
  }
  fields = checkedFields(form, { pictureRequired: false });
  pictureChooser(input, document.getElementById("drop"), document.getElementById("preview"),
                 document.getElementById("drop-text"));
  form.addEventListener("submit", save);
  document.getElementById("delete").addEventListener("click", () => askToDelete(true));
  document.getElementById("keep").addEventListener("click", () => askToDelete(false));
  document.getElementById("really-delete").addEventListener("click", remove);
}

start();
