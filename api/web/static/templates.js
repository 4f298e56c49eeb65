// The Templates page: the templates most used first, each its example's thumbnail and how
// many memes use it, linking to the grid of those memes; a page at a time, as the grid.
import { api, el, pager, thumbnail } from "/static/common.js";

const PAGE = 24;
const list = document.getElementById("templates");
const status = document.getElementById("status");
let shown = 0;

function memes(count) {
  return `${count} ${count === 1 ? "meme" : "memes"}`;
}

function card(template) {
  // A template whose example has no meme left to show has no picture: a tinted frame.
  const picture = template.example_url
    ? thumbnail(template.example_url, `The example of template ${template.id}`)
    : el("span", { class: "frame broken" });
  return el(
    "li",
    { class: "card", "data-id": template.id },
    el("a", { class: "open", href: `/?template=${template.id}` },
       picture,
       el("span", { class: "title count" }, memes(template.memes)),
       el("span", { class: "subtitle" }, `template ${template.id}`)),
  );
}

async function loadPage(cursor) {
  const query = new URLSearchParams({ limit: PAGE });
  if (cursor) query.set("cursor", cursor);
  try {
    const page = await api(`/templates?${query}`);
    for (const template of page.items) list.append(card(template));
    shown += page.items.length;
    status.textContent = shown
      ? `${shown}${page.next ? "+" : ""} ${shown === 1 ? "template" : "templates"}`
      : "No templates yet: a picture gets its template once it is processed.";
    return page.next;
  } catch (problem) {
    status.textContent = `The templates could not be loaded: ${problem.message}`;
    return null;
  } finally {
    list.setAttribute("aria-busy", "false");
  }
}

document.querySelector('.bar a[href="/t"]').setAttribute("aria-current", "page");
list.setAttribute("aria-busy", "true");
pager(document.getElementById("more"), document.getElementById("end"), loadPage);
