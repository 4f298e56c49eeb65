// The moderators' page (/mod): signed in with a moderator's token (kept in this tab only),
// the queue of reported memes with one-click actions, the hidden memes to restore, and the
// moderation log; each list a page at a time (the api's `next`).
import { api, clearErrors, el, showProblem, veiled } from "/static/common.js";
import {
  asModerator, closeReports, forgetModeratorToken, keepModeratorToken, moderatorToken,
  privatePicture, setVisibility,
} from "/static/moderator.js";

const PAGE = 12;
const LOG_PAGE = 20;
const REASONS = {
  spam: "Spam", nsfw: "Not safe for work", illegal: "Illegal", harassment: "Harassment",
  other: "Other",
};
// What each action did, as the status line and the log say it.
const DONE = {
  dismiss: "its reports dismissed: it stays",
  hide: "hidden from everyone but moderators",
  remove: "deleted",
  ban: "deleted, and its picture banned from upload",
};
const LOGGED = {
  dismiss: "Dismissed the reports", hide: "Hid", restore: "Restored", remove: "Removed",
  ban: "Banned the picture", unban: "Lifted a ban", "mark-sensitive": "Marked sensitive",
  "unmark-sensitive": "Unmarked sensitive",
};

const status = document.getElementById("status");
const signIn = document.getElementById("sign-in");
const desk = document.getElementById("desk");

function moderatorApi(url, options = {}) {
  return api(url, { ...options, headers: asModerator(options.headers) });
}

// A list a page at a time: `load(cursor)` shows a page and returns the next cursor; the
// button loads the next page. `reset()` empties it and loads the first page again.
function paged(list, button, load) {
  let next = null;
  const loadPage = async (cursor) => {
    button.disabled = true;
    try {
      next = await load(cursor);
    } catch (problem) {
      if (signedOutBy(problem)) return;
      next = null;
      throw problem;
    } finally {
      button.disabled = false;
      button.hidden = !next;
    }
  };
  button.addEventListener("click", () => loadPage(next).catch(() => {}));
  return {
    reset() {
      list.replaceChildren();
      return loadPage(null);
    },
  };
}

function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}

function when(iso) {
  return el("time", { datetime: iso }, new Date(iso).toLocaleString());
}

// A meme's thumbnail through the token (a hidden meme's picture is for moderators only).
function memeThumbnail(meme) {
  const image = el("img", { alt: meme.title, width: "160", height: "120", decoding: "async" });
  const frame = el("span", { class: "frame" }, image);
  image.addEventListener("load", () => frame.classList.add("loaded"));
  privatePicture(image, `/memes/${meme.id}/image?size=thumb`)
    .catch(() => frame.classList.add("broken"));
  return veiled(frame, meme);
}

function facts(meme) {
  const nsfw = meme.nsfw === null ? "NSFW not scored yet" : `NSFW ${meme.nsfw.toFixed(2)}`;
  return [
    el("span", { class: `visibility ${meme.visibility}` },
       meme.visibility === "hidden" ? "Hidden" : "Public"),
    el("span", {}, nsfw + (meme.sensitive ? " · sensitive" : "")),
  ];
}

// --- The queue ---------------------------------------------------------------------------

const queue = document.getElementById("queue");
const queueStatus = document.getElementById("queue-status");

function queueCard(item) {
  const { meme } = item;
  const why = `why-${meme.id}`;
  const reasons = Object.entries(item.by_reason).filter(([, count]) => count > 0);
  const button = (text, action, extra = {}) =>
    el("button", { type: "button", "data-action": action, ...extra }, text);
  const confirm = el("span", { class: "actions confirm", hidden: "" });
  const buttons = el(
    "div",
    { class: "actions", role: "group", "aria-label": `Actions on “${meme.title}”` },
    button("Dismiss the reports", "dismiss"),
    button(meme.visibility === "hidden" ? "Keep it hidden" : "Hide", "hide"),
    button("Remove…", "remove", { class: "danger" }),
    button("Ban…", "ban", { class: "danger" }),
    confirm,
  );
  const card = el(
    "li",
    { class: "report-card", "data-id": meme.id },
    el("a", { class: "thumb", href: `/m/${meme.id}`, tabindex: "-1", "aria-hidden": "true" },
       memeThumbnail(meme)),
    el("div", { class: "report-body" },
       el("h3", {}, el("a", { href: `/m/${meme.id}` }, meme.title)),
       el("p", { class: "report-facts" },
          ...facts(meme),
          el("span", {}, `${plural(item.reports, "report")} from `
                         + plural(item.clients, "address", "addresses")),
          el("span", {}, "last reported ", when(item.last_reported))),
       el("ul", { class: "reasons", "aria-label": "Open reports by reason" },
          ...reasons.map(([reason, count]) =>
            el("li", { class: "tag" }, REASONS[reason],
               el("span", { class: "count" }, String(count))))),
       item.notes.length
         ? el("ul", { class: "notes", "aria-label": "The newest notes" },
              ...item.notes.map((note) => el("li", {},
                el("q", {}, note.note), " ",
                el("span", { class: "note-meta" }, `${REASONS[note.reason]}, `, when(note.at)))))
         : null,
       el("div", { class: "field why" },
          el("label", { for: why },
             "Why ", el("span", { class: "optional" }, "(for the log, optional)")),
          el("input", { id: why, type: "text", maxlength: "500", autocomplete: "off" })),
       buttons,
       el("p", { class: "error", tabindex: "-1", "aria-live": "polite" })),
  );
  buttons.addEventListener("click", (event) => {
    const action = event.target.closest("button")?.dataset.action;
    if (!action) return;
    if (action === "remove" || action === "ban") ask(card, item, action, confirm);
    else act(card, item, action);
  });
  return card;
}

// Remove and Ban ask first, in the card: what it will do, Yes or Cancel.
function ask(card, item, action, confirm) {
  const yes = el("button", { type: "button", class: "danger primary" },
                 action === "ban" ? "Yes, delete it and ban its picture" : "Yes, delete it");
  const no = el("button", { type: "button" }, "Cancel");
  confirm.replaceChildren(yes, no);
  confirm.hidden = false;
  yes.addEventListener("click", () => act(card, item, action));
  no.addEventListener("click", () => {
    confirm.hidden = true;
    card.querySelector(`[data-action="${action}"]`).focus();
  });
  yes.focus();
}

async function act(card, item, action) {
  const buttons = [...card.querySelectorAll("button")];
  const reason = card.querySelector(".why input").value.trim();
  for (const button of buttons) button.disabled = true;
  try {
    await closeReports(item.meme_id, action, reason || null);
  } catch (problem) {
    for (const button of buttons) button.disabled = false;
    if (signedOutBy(problem)) return;
    const error = card.querySelector(".error");
    error.textContent = `Not done: ${problem.message}`;
    error.focus();
    return;
  }
  // The next card (or the heading) takes the focus of the card that goes.
  const after = card.nextElementSibling || card.previousElementSibling;
  card.remove();
  (after?.querySelector("button") || document.getElementById("queue-heading")).focus();
  queueStatus.textContent = `“${item.meme.title}”: ${DONE[action]}.`
    + (queue.children.length ? "" : " No more reported memes here.");
  hiddenList.reset().catch(() => {});
  logList.reset().catch(() => {});
}

const queueList = paged(queue, document.getElementById("queue-more"), async (cursor) => {
  const query = new URLSearchParams({ limit: PAGE });
  if (cursor) query.set("cursor", cursor);
  try {
    const page = await moderatorApi(`/reports?${query}`);
    queue.append(...page.items.map(queueCard));
    if (!cursor) {
      queueStatus.textContent = queue.children.length
        ? `${queue.children.length}${page.next ? "+" : ""} reported memes, most reported first.`
        : "No reported memes: nothing to do.";
    }
    return page.next;
  } catch (problem) {
    queueStatus.textContent = `The reports could not be loaded: ${problem.message}`;
    throw problem;
  }
});

// --- Hidden memes -------------------------------------------------------------------------

const hiddenMemes = document.getElementById("hidden-memes");
const hiddenStatus = document.getElementById("hidden-status");

function hiddenCard(meme) {
  const restore = el(
    "button", { type: "button", "aria-label": `Make “${meme.title}” public again` }, "Restore",
  );
  const card = el(
    "li",
    { class: "card", "data-id": meme.id },
    el("a", { class: "open", href: `/m/${meme.id}` },
       memeThumbnail(meme), el("span", { class: "title" }, meme.title)),
    el("p", { class: "card-actions" }, restore),
  );
  restore.addEventListener("click", async () => {
    restore.disabled = true;
    try {
      await setVisibility(meme.id, "public");
    } catch (problem) {
      restore.disabled = false;
      if (!signedOutBy(problem)) hiddenStatus.textContent = `Not restored: ${problem.message}`;
      return;
    }
    const after = card.nextElementSibling || card.previousElementSibling;
    card.remove();
    (after?.querySelector("button") || document.getElementById("hidden-heading")).focus();
    hiddenStatus.textContent = `“${meme.title}” is public again.`;
    logList.reset().catch(() => {});
  });
  return card;
}

const hiddenList = paged(hiddenMemes, document.getElementById("hidden-more"), async (cursor) => {
  const query = new URLSearchParams({ visibility: "hidden", limit: PAGE });
  if (cursor) query.set("cursor", cursor);
  try {
    const page = await moderatorApi(`/memes?${query}`);
    hiddenMemes.append(...page.items.map(hiddenCard));
    if (!hiddenMemes.children.length) hiddenStatus.textContent = "No hidden memes.";
    else if (!cursor) hiddenStatus.textContent = "";
    return page.next;
  } catch (problem) {
    hiddenStatus.textContent = `The hidden memes could not be loaded: ${problem.message}`;
    throw problem;
  }
});

// --- The log ------------------------------------------------------------------------------

const log = document.getElementById("log");
const logStatus = document.getElementById("log-status");

function logRow(entry) {
  const closed = entry.details?.reports;
  const what = (LOGGED[entry.action] ?? entry.action)
    + (closed ? ` (closed ${plural(closed, "report")})` : "");
  return el(
    "tr",
    {},
    el("td", {}, when(entry.at)),
    el("td", {}, entry.moderator),
    el("td", { "data-action": entry.action }, what),
    el("td", {}, entry.meme_id === null
      ? "" : el("a", { href: `/m/${entry.meme_id}` }, `#${entry.meme_id}`)),
    el("td", { class: "reason" }, entry.reason ?? ""),
  );
}

const logList = paged(log, document.getElementById("log-more"), async (cursor) => {
  const query = new URLSearchParams({ limit: LOG_PAGE });
  if (cursor) query.set("cursor", cursor);
  try {
    const page = await moderatorApi(`/moderation/log?${query}`);
    log.append(...page.items.map(logRow));
    logStatus.textContent = log.children.length ? "" : "Nothing done yet.";
    return page.next;
  } catch (problem) {
    logStatus.textContent = `The log could not be loaded: ${problem.message}`;
    throw problem;
  }
});

// --- Signing in and out -------------------------------------------------------------------

function signedOut(text) {
  forgetModeratorToken();
  for (const list of [queue, hiddenMemes, log]) list.replaceChildren();
  desk.hidden = true;
  signIn.hidden = false;
  signIn.elements.token.value = "";
  status.textContent = text;
}

// The token stopped being a moderator's (taken out of MODERATOR_TOKENS): signed out, saying so.
function signedOutBy(problem) {
  if (problem.status !== 401 && problem.status !== 403) return false;
  signedOut("This token is no longer a moderator's: sign in again.");
  return true;
}

function signedIn() {
  signIn.hidden = true;
  desk.hidden = false;
  status.textContent = "";
  queueList.reset().catch(() => {});
  hiddenList.reset().catch(() => {});
  logList.reset().catch(() => {});
}

signIn.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(signIn);
  const token = signIn.elements.token.value.trim();
  const button = document.getElementById("sign-in-button");
  button.disabled = true;
  try {
    // Any moderator route tells a moderator's token from others; this one reads the least.
    await api("/moderation/log?limit=1", {
      headers: { Accept: "application/json", Authorization: `Bearer ${token}` },
    });
  } catch (problem) {
    const notOurs = problem.status === 401 || problem.status === 403;
    showProblem(signIn, notOurs
      ? { body: { errors: [{ loc: ["body", "token"], msg: "This is not a moderator's token." }] } }
      : problem);
    return;
  } finally {
    button.disabled = false;
  }
  keepModeratorToken(token);
  signedIn();
  document.getElementById("queue-heading").focus();
});

document.getElementById("sign-out").addEventListener("click", () => {
  signedOut("Signed out. The token is no longer kept in this tab.");
  signIn.elements.token.focus();
});

if (moderatorToken()) {
  signedIn();
} else {
  signIn.hidden = false;
}
