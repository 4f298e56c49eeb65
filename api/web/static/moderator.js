// A moderator's token, kept in this tab's sessionStorage (gone when the tab closes: a token
// that hides and bans should not outlive the tab); the header's Moderate link while it is
// kept; and, on a meme's page, the moderator's buttons beside Report.
import { api, el } from "/static/common.js";

const TOKEN = "memes.moderatorToken";

export function moderatorToken() {
  return sessionStorage.getItem(TOKEN);
}

export function keepModeratorToken(token) {
  sessionStorage.setItem(TOKEN, token);
  showModerateLink();
}

export function forgetModeratorToken() {
  sessionStorage.removeItem(TOKEN);
  document.getElementById("moderate-link")?.remove();
}

// The headers of a request made as the moderator (plain ones when no token is kept).
export function asModerator(headers = {}) {
  const token = moderatorToken();
  const authorization = token && { Authorization: `Bearer ${token}` };
  return { Accept: "application/json", ...headers, ...authorization };
}

export function showModerateLink() {
  if (!moderatorToken() || document.getElementById("moderate-link")) return;
  const link = el("a", { id: "moderate-link", href: "/mod" }, "Moderate");
  if (location.pathname === "/mod") link.setAttribute("aria-current", "page");
  document.querySelector(".bar .links").prepend(link);
}

// A picture only a moderator may see (a hidden meme's): fetched with the token, shown from a
// blob: URL (an <img> cannot send the Authorization header).
export async function privatePicture(image, url) {
  const response = await fetch(url, { headers: asModerator({ Accept: "image/*" }) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const source = URL.createObjectURL(await response.blob());
  image.addEventListener("load", () => URL.revokeObjectURL(source), { once: true });
  image.src = source;
}

function jsonRequest(method, body) {
  return {
    method,
    headers: asModerator({ "Content-Type": "application/json" }),
    body: JSON.stringify(body),
  };
}

export function setVisibility(id, visibility, reason) {
  return api(`/memes/${id}`, jsonRequest("PATCH", { visibility, ...(reason && { reason }) }));
}

export function closeReports(id, action, reason) {
  return api(`/reports/${id}/close`, jsonRequest("POST", { action, ...(reason && { reason }) }));
}

export function ban(id, reason) {
  return api("/bans", jsonRequest("POST", { meme_id: id, ...(reason && { reason }) }));
}

// A meme's page, for a moderator: Hide (or Restore) and Ban (asked to confirm) beside Report;
// a hidden meme's picture through the token. `said(text)` puts what was done in the status.
export function moderatorActions(meme, said) {
  const box = document.getElementById("moderator-actions");
  if (!moderatorToken() || !box) return;
  const toggle = document.getElementById("mod-visibility");
  const banButton = document.getElementById("mod-ban");
  const confirm = document.getElementById("mod-confirm");
  const picture = document.getElementById("picture");
  let visibility = meme.visibility;
  const label = () => {
    toggle.textContent = visibility === "hidden" ? "Make it public again" : "Hide it from everyone";
  };
  const showPicture = () => {
    if (visibility === "hidden") privatePicture(picture, meme.image_url).catch(() => {});
  };
  const asking = (yes) => {
    confirm.hidden = !yes;
    banButton.hidden = yes;
    document.getElementById(yes ? "mod-ban-no" : "mod-ban").focus();
  };
  const failed = (problem) => said(`That did not work: ${problem.message}`);
  label();
  showPicture();
  if (visibility === "hidden") said("Hidden: only moderators see it.");
  box.hidden = false;
  toggle.addEventListener("click", async () => {
    const next = visibility === "hidden" ? "public" : "hidden";
    toggle.disabled = true;
    try {
      ({ visibility } = await setVisibility(meme.id, next));
      label();
      said(visibility === "hidden"
        ? "Hidden: only moderators see it now." : "Public again: everyone sees it.");
    } catch (problem) {
      failed(problem);
    } finally {
      toggle.disabled = false;
    }
  });
  banButton.addEventListener("click", () => asking(true));
  document.getElementById("mod-ban-no").addEventListener("click", () => asking(false));
  document.getElementById("mod-ban-yes").addEventListener("click", async () => {
    try {
      await ban(meme.id);
      document.getElementById("meme").hidden = true;
      said("Banned: the meme is deleted and its picture is refused at upload.");
    } catch (problem) {
      asking(false);
      failed(problem);
    }
  });
}

showModerateLink();
