// The grid: the memes that match the URL's `q`, `tag`s and `template`, a page at a time, the
// next page loaded when the end of the grid comes into view (following the api's `next`).
import { api, el, memeCard, pager } from "/static/common.js";

const PAGE = 24;
const TOP_TAGS = 16;
const params = new URLSearchParams(location.search);
const q = (params.get("q") || "").trim();
const chosen = [...new Set(params.getAll("tag"))];
const template = params.get("template"); // a template's id (/t links here), or null

const grid = document.getElementById("grid");
const status = document.getElementById("status");
const notice = params.has("deleted") ? "The meme was deleted. " : "";
let shown = 0;

// A gallery URL: these words, tags and template (shared as a link, kept by the back button).
function galleryUrl(words, tags, templateId = template) {
  const query = new URLSearchParams();
  if (words) query.set("q", words);
  for (const tag of tags) query.append("tag", tag);
  if (templateId) query.set("template", templateId);
  const text = query.toString();
  return text ? `/?${text}` : "/";
}

function toggled(tag) {
  return chosen.includes(tag) ? chosen.filter((t) => t !== tag) : [...chosen, tag];
}

function tagLink(tag, count) {
  const active = chosen.includes(tag);
  const label = active ? `Remove the tag filter ${tag}` : `Show only memes tagged ${tag}`;
  return el(
    "a",
    { class: active ? "tag active" : "tag", href: galleryUrl(q, toggled(tag)),
      "aria-current": active ? "true" : null, "aria-label": label },
    `#${tag}`,
    count === undefined ? null : el("span", { class: "count" }, String(count)),
  );
}

// The template filter, as an active chip: a click clears it.
function templateLink() {
  return el(
    "a",
    { class: "tag active template", href: galleryUrl(q, chosen, null), "aria-current": "true",
      "aria-label": `Remove the filter: template ${template}` },
    `template ${template}`,
    el("span", { class: "clear", "aria-hidden": "true" }, "×"),
  );
}

function card(meme) {
  const tags = meme.tags.map((tag) => tagLink(tag));
  return memeCard(meme, tags.length ? el("span", { class: "card-tags" }, ...tags) : null);
}

function listUrl(cursor) {
  const query = new URLSearchParams({ limit: PAGE });
  if (q) query.set("q", q);
  for (const tag of chosen) query.append("tags_all", tag);
  if (template) query.set("template", template);
  if (cursor) query.set("cursor", cursor);
  return `/memes?${query}`;
}

function describe(total) {
  const what = [q && `“${q}”`, ...chosen.map((tag) => `#${tag}`),
                template && `template ${template}`].filter(Boolean).join(" ");
  if (!shown) return what ? `No memes match ${what}.` : "No memes yet: upload the first one.";
  const count = total === null ? `${shown}+` : String(total);
  const noun = total === 1 ? "meme" : "memes";
  return what ? `${count} ${noun} match ${what}` : `${count} ${noun}`;
}

async function loadPage(cursor) {
  try {
    const page = await api(listUrl(cursor));
    for (const meme of page.items) grid.append(card(meme));
    shown += page.items.length;
    status.textContent = notice + describe(page.total ?? (page.next ? null : shown));
    return page.next;
  } catch (problem) {
    status.textContent = `The memes could not be loaded: ${problem.message}`;
    return null;
  } finally {
    grid.setAttribute("aria-busy", "false");
  }
}

async function loadTags() {
  const nav = document.getElementById("tags");
  const filter = template ? [templateLink()] : [];
  try {
    const { items } = await api("/tags");
    const top = items.slice(0, TOP_TAGS);
    const names = new Set(top.map((tag) => tag.name));
    const links = [...chosen.filter((tag) => !names.has(tag)).map((tag) => tagLink(tag)),
                   ...top.map((tag) => tagLink(tag.name, tag.memes))];
    nav.replaceChildren(...filter, ...links);
  } catch {
    nav.replaceChildren(...filter);
  }
}

function start() {
  document.getElementById("q").value = q;
  // A search from this page keeps its tags and template.
  const kept = chosen.map((tag) => ["tag", tag]).concat(template ? [["template", template]] : []);
  document.getElementById("kept-tags").replaceChildren(
    ...kept.map(([name, value]) => el("input", { type: "hidden", name, value })),
  );
  grid.setAttribute("aria-busy", "true");
  loadTags();
  pager(document.getElementById("more"), document.getElementById("end"), loadPage);
}

start();
