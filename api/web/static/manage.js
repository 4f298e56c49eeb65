// Owning a meme from another device: its edit token as a private link to keep,
// /m/{id}#token=..., offered on its page to whoever holds the token. Opening the link keeps
// the token in this browser (localStorage, as after an upload here) and takes it out of the
// address bar and of this history entry at once (history.replaceState). A fragment is never
// sent to a server nor in a Referer; but whoever holds the link owns the meme (docs/api.md).
import { keepToken, tokenOf } from "/static/common.js";

const id = Number(location.pathname.split("/").pop());
const hash = new URLSearchParams(location.hash.slice(1));
const given = hash.get("token");
// Read at once, before any other module asks for the token: meme.js imports this one.
if (given) keepToken(id, given);
export const uploaded = hash.has("uploaded");
export const adopted = Boolean(given);
if (location.hash) history.replaceState(history.state, "", location.pathname + location.search);
// The link pasted into this very page's address bar only changes its fragment: no new load.
addEventListener("hashchange", () => {
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (!token) return;
  keepToken(id, token);
  history.replaceState(history.state, "", location.pathname + location.search);
  location.reload();
});

export function manageLink() {
  const token = tokenOf(id);
  return token && `${location.origin}/m/${id}#token=${encodeURIComponent(token)}`;
}

// The link in its box, with a Copy button; shown while this browser holds the token.
export function showManageLink() {
  const link = manageLink();
  const box = document.getElementById("manage");
  box.hidden = !link;
  if (!link) return;
  const field = document.getElementById("manage-link");
  field.value = link;
  field.addEventListener("focus", () => field.select());
  const copy = document.getElementById("copy-manage");
  const said = document.getElementById("manage-said");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(link);
      said.textContent = "Copied. Keep it somewhere private.";
    } catch {
      field.focus(); // selected: copy it with the keyboard
      said.textContent = "Select the link and copy it (Ctrl+C or ⌘C).";
    }
  });
}
