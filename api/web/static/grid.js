// The grid: the memes that match the URL's `q` and `tag`s, a page at a time, the next page
// loaded when the end of the grid comes into view (following the api's `next` cursor).
import { api, el } from "/static/common.js";

const PAGE = 24;
const TOP_TAGS = 16;
const params = new URLSearchParams(location.search);
const q = (params.get("q") || "").trim();
const chosen = [...new Set(params.getAll("tag"))];

const grid = document.getElementById("grid");
const status = document.getElementById("status");
const more = document.getElementById("more");
const notice = params.has("deleted") ? "The meme was deleted. " : "";
let next = null;
let loading = false;
let shown = 0;
let endInView = false;

// A gallery URL: these words and tags (shared as a link, kept by the back button).
function galleryUrl(words, tags) {
  const query = new URLSearchParams();
  if (words) query.set("q", words);
  for (const tag of tags) query.append("tag", tag);
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

function card(meme) {
  const picture = el("img", {
    src: `/memes/${meme.id}/image?size=thumb`, alt: meme.title, loading: "lazy",
    decoding: "async", width: "160", height: "120",
  });
  const frame = el("span", { class: "frame" }, picture);
  picture.addEventListener("load", () => frame.classList.add("loaded"));
  picture.addEventListener("error", () => frame.classList.add("broken"));
  const tags = meme.tags.map((tag) => tagLink(tag));
  return el(
    "li",
    { class: "card", "data-id": meme.id },
    el("a", { class: "open", href: `/m/${meme.id}` }, frame, el("span", { class: "title" }, meme.title)),
    tags.length ? el("span", { class: "card-tags" }, ...tags) : null,
  );
}

function listUrl() {
  const query = new URLSearchParams({ limit: PAGE });
  if (q) query.set("q", q);
  for (const tag of chosen) query.append("tags_all", tag);
  if (next) query.set("cursor", next);
  return `/memes?${query}`;
}

function describe(total) {
  const what = [q && `“${q}”`, ...chosen.map((tag) => `#${tag}`)].filter(Boolean).join(" ");
  if (!shown) return what ? `No memes match ${what}.` : "No memes yet: upload the first one.";
  const count = total === null ? `${shown}+` : String(total);
  const noun = total === 1 ? "meme" : "memes";
  return what ? `${count} ${noun} match ${what}` : `${count} ${noun}`;
}

async function loadPage() {
  if (loading) return;
  loading = true;
  more.disabled = true;
  try {
    const page = await api(listUrl());
    for (const meme of page.items) grid.append(card(meme));
    shown += page.items.length;
    next = page.next;
    status.textContent = notice + describe(page.total ?? (next ? null : shown));
  } catch (problem) {
    status.textContent = `The memes could not be loaded: ${problem.message}`;
    next = null;
  } finally {
    loading = false;
    more.disabled = false;
    more.hidden = !next;
    grid.setAttribute("aria-busy", "false");
  }
  if (next && endInView) loadPage(); // a page that does not fill the window yet
}

async function loadTags() {
  const nav = document.getElementById("tags");
  try {
    const { items } = await api("/tags");
    const top = items.slice(0, TOP_TAGS);
    const names = new Set(top.map((tag) => tag.name));
    const links = [...chosen.filter((tag) => !names.has(tag)).map((tag) => tagLink(tag)),
                   ...top.map((tag) => tagLink(tag.name, tag.memes))];
    nav.replaceChildren(...links);
  } catch {
    nav.replaceChildren();
  }
}

function start() {
  document.getElementById("q").value = q;
  document.getElementById("kept-tags").replaceChildren(
    ...chosen.map((tag) => el("input", { type: "hidden", name: "tag", value: tag })),
  );
  grid.setAttribute("aria-busy", "true");
  more.addEventListener("click", loadPage);
  // The end of the grid in view (or nearly): the next page.
  new IntersectionObserver(
    (entries) => {
      endInView = entries.some((entry) => entry.isIntersecting);
      if (endInView && next) loadPage();
    },
    { rootMargin: "800px 0px" },
  ).observe(document.getElementById("end"));
  loadTags();
  loadPage();
}

start();
