// What every page of the gallery shares: the api, its problems, and the edit tokens this
// browser was given (localStorage), which alone let it change or delete a meme.

import { paintPlaceholder } from "/static/placeholder.js";

const TOKENS = "memes.editTokens";
// Problems about the picture that carry no field of their own.
const IMAGE_CODES = new Set(["payload-too-large", "unsupported-image-type", "invalid-image"]);

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

export function tokens() {
  try {
    return JSON.parse(localStorage.getItem(TOKENS)) || {};
  } catch {
    return {};
  }
}

export function tokenOf(id) {
  return tokens()[id] || null;
}

export function keepToken(id, token) {
  localStorage.setItem(TOKENS, JSON.stringify({ ...tokens(), [id]: token }));
}

export function forgetToken(id) {
  const kept = tokens();
  delete kept[id];
  localStorage.setItem(TOKENS, JSON.stringify(kept));
}

export class Problem extends Error {
  constructor(status, body) {
    super(body.detail || body.title || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function bodyOf(response) {
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return { detail: text.slice(0, 200) };
  }
}

export async function api(url, options = {}) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, ...options });
  const body = response.status === 204 ? {} : await bodyOf(response);
  if (!response.ok) throw new Problem(response.status, body);
  return body;
}

// A form sent with XMLHttpRequest, for the progress of its upload, said in `said` (a short
// status line): how much is sent, then that the api is storing it (its answer waits for the
// picture to be checked, cleaned and stored: a full bar would sit still meanwhile).
export function sendForm(method, url, data, headers, said) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, url);
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.setRequestHeader("Accept", "application/json");
    said.textContent = "Sending the picture…";
    request.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return;
      said.textContent = event.loaded < event.total
        ? `Sending the picture… ${Math.floor((100 * event.loaded) / event.total)}%`
        : "Sent. Checking and storing the picture…";
    });
    request.addEventListener("load", () => {
      let body = {};
      try {
        body = JSON.parse(request.responseText || "{}");
      } catch {
        body = { detail: request.responseText.slice(0, 200) };
      }
      said.textContent = "";
      if (request.status >= 200 && request.status < 300) resolve(body);
      else reject(new Problem(request.status, body));
    });
    request.addEventListener("error", () => {
      said.textContent = "";
      reject(new Problem(0, { detail: "The server cannot be reached. Try again." }));
    });
    request.send(data);
  });
}

export function clearErrors(form) {
  for (const message of form.querySelectorAll("[data-error-for]")) message.textContent = "";
  for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
}

// The problem's message next to the field at fault (`errors[].loc` is ["body", field, ...]),
// or above the button when no field is at fault; focus goes to the first field at fault.
export function showProblem(form, problem) {
  clearErrors(form);
  const body = problem.body || {};
  const byField = new Map();
  for (const error of body.errors || []) {
    const [where, field] = error.loc || [];
    if (where === "body" && form.querySelector(`[data-error-for="${field}"]`)) {
      byField.set(field, [...(byField.get(field) || []), error.msg]);
    }
  }
  if (!byField.size && IMAGE_CODES.has(body.code)) byField.set("image", [problem.message]);
  if (!byField.size) byField.set("form", [problem.message]);
  let first = null;
  for (const [field, messages] of byField) {
    form.querySelector(`[data-error-for="${field}"]`).textContent = messages.join("; ");
    const input = form.elements.namedItem(field);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    }
  }
  (first || form.querySelector('[data-error-for="form"]')).focus?.();
}

// In binary units, as the upload limit is said (MAX_UPLOAD_BYTES: "at most 10 MiB").
export function humanSize(bytes) {
  const units = ["bytes", "KiB", "MiB", "GiB"];
  let size = bytes;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return unit ? `${size.toFixed(1)} ${units[unit]}` : `${size} bytes`;
}

// A picture chooser: the file input, or a file dropped on its label; shows a preview.
export function pictureChooser(input, zone, preview, text) {
  let previewUrl = null;
  const show = () => {
    const file = input.files[0];
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = file ? URL.createObjectURL(file) : null;
    preview.hidden = !file;
    if (file) preview.src = previewUrl;
    text.textContent = file ? `${file.name} (${humanSize(file.size)})` : text.dataset.empty;
  };
  input.addEventListener("change", show);
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  }
  for (const name of ["dragleave", "drop"]) {
    zone.addEventListener(name, () => zone.classList.remove("dragging"));
  }
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      show();
    }
  });
  text.dataset.empty = text.textContent;
}

// A thumbnail in its frame: a shimmer until it loads, a plain tint if it cannot. `srcset`: the
// same picture for 2x screens.
export function thumbnail(src, alt, srcset = null) {
  const picture = el("img", {
    src, alt, loading: "lazy", decoding: "async", width: "160", height: "120",
    ...(srcset ? { srcset } : {}),
  });
  const frame = el("span", { class: "frame" }, picture);
  picture.addEventListener("load", () => frame.classList.add("loaded"));
  picture.addEventListener("error", () => frame.classList.add("broken"));
  return frame;
}

// A sensitive meme's picture (its NSFW score, or marked so) is blurred, under a veil that
// says why, until a click on it shows it; `reveal` is then called (the card's link waits
// for a second click).
export function veiled(frame, meme, reveal = () => {}) {
  if (!meme.sensitive) return frame;
  frame.classList.add("sensitive");
  const veil = el("span", { class: "veil" }, el("strong", {}, "Sensitive"), "Click to show");
  frame.append(veil);
  frame.addEventListener("click", (event) => {
    if (!frame.classList.contains("sensitive")) return;
    event.preventDefault();
    frame.classList.remove("sensitive");
    veil.remove();
    reveal();
  });
  return frame;
}

// A meme's thumbnail in the grid: the grid's crop (by its content's URL, kept a year), at 2x
// on HiDPI screens, its placeholder painted until it loads, and a badge on a GIF.
function memeThumbnail(meme) {
  const grid = `${meme.content_url}?size=grid`;
  const frame = thumbnail(grid, meme.title, `${grid} 1x, ${meme.content_url}?size=grid2x 2x`);
  paintPlaceholder(frame, frame.querySelector("img"), meme);
  if (meme.content_type === "image/gif") frame.append(el("span", { class: "gif" }, "GIF"));
  return frame;
}

// A meme's card: its thumbnail and title, linking to its page; then `extras` (tags, a badge).
export function memeCard(meme, ...extras) {
  return el(
    "li",
    { class: "card", "data-id": meme.id },
    el("a", { class: "open", href: `/m/${meme.id}` },
       veiled(memeThumbnail(meme), meme),
       el("span", { class: "title" }, meme.title)),
    ...extras,
  );
}

// A list read a page at a time, following the api's `next` cursor: `load(cursor)` shows a
// page and returns the next cursor (null at the end, or when it failed and said so). The
// next page comes with the `more` button, or when `end` (after the list) nears the window as
// the reader scrolls. On load only one page is read unless it leaves `end` in the window: the
// observer's margin alone would count a page that fills the window as "near the end" and read
// a second page nobody scrolled to.
export function pager(more, end, load) {
  let next = null;
  let loading = false;
  let nearEnd = false;
  const endShows = () => end.getBoundingClientRect().top < innerHeight;
  async function loadPage() {
    if (loading) return;
    loading = true;
    more.disabled = true;
    try {
      next = await load(next);
    } finally {
      loading = false;
      more.disabled = false;
      more.hidden = !next;
    }
    if (next && endShows()) loadPage(); // a page that does not fill the window yet
  }
  more.addEventListener("click", loadPage);
  new IntersectionObserver(
    (entries) => {
      nearEnd = entries.some((entry) => entry.isIntersecting);
      if (nearEnd && next && scrollY > 0) loadPage();
    },
    { rootMargin: "800px 0px" },
  ).observe(end);
  // The observer says nothing while `end` stays near: scrolling toward it reads on.
  addEventListener("scroll", () => { if (nearEnd && next) loadPage(); }, { passive: true });
  loadPage();
}
