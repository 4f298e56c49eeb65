// A meme's previous and next: the memes just newer and older in the gallery's first order
// (`/memes/{id}/neighbours`), as links and with the arrow keys (← newer, → older).
import { api } from "/static/common.js";

function typing(target) {
  return target.closest?.("input, textarea, select, [contenteditable]") !== null;
}

export async function showNeighbours(id) {
  let found;
  try {
    found = await api(`/memes/${id}/neighbours`);
  } catch {
    return; // a hidden meme (a moderator's look) or the database away: no links, no keys
  }
  const links = { newer: document.getElementById("newer"), older: document.getElementById("older") };
  for (const [side, link] of Object.entries(links)) {
    const meme = found[side];
    link.hidden = !meme;
    if (!meme) continue;
    link.href = `/m/${meme.id}`;
    link.title = meme.title;
    link.querySelector(".neighbour-title").textContent = meme.title;
  }
  document.getElementById("neighbours").hidden = !found.newer && !found.older;
  addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.shiftKey || typing(event.target)) return;
    const link = { ArrowLeft: links.newer, ArrowRight: links.older }[event.key];
    if (!link || link.hidden) return;
    event.preventDefault();
    location.assign(link.href);
  });
}
