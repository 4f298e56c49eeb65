// A meme's "Copy link" panel: its page, its picture, and Markdown that shows the picture, as
// absolute URLs at the api's public address (the page's canonical link, made by the server),
// each copied with a click. Where the clipboard is out of reach (a page served over plain http
// to another machine), the text is selected for Ctrl+C.

const SAID_FOR = 2500; // ms a Copy button says "Copied"

// The address people reach the api at: the server put it in the canonical link. A hidden
// meme's page (a moderator's) has none: it is this page's own then.
function publicOrigin() {
  const canonical = document.querySelector('link[rel="canonical"]');
  return new URL(canonical ? canonical.href : location.href).origin;
}

// Markdown's alt text ends at "]": escape what would end it early or start an escape.
function markdownText(text) {
  return text.replace(/[\\[\]]/g, "\\$&");
}

async function copied(input) {
  input.focus();
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    // No clipboard API here (not a secure context), or it was refused: the old way, if any.
    return document.execCommand("copy");
  }
}

export function shareButton() {
  const button = document.getElementById("share");
  const panel = document.getElementById("share-links");
  const said = document.getElementById("share-status");
  button.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    button.setAttribute("aria-expanded", String(!panel.hidden));
    said.textContent = "";
  });
  for (const copy of panel.querySelectorAll("button[data-copy]")) {
    copy.addEventListener("click", async () => {
      const input = document.getElementById(copy.dataset.copy);
      const what = copy.dataset.what;
      if (await copied(input)) {
        said.textContent = `Copied the ${what}.`;
        copy.textContent = "Copied";
        setTimeout(() => { copy.textContent = "Copy"; }, SAID_FOR);
      } else {
        said.textContent = `The ${what} is selected: press Ctrl+C (⌘C on a Mac) to copy it.`;
      }
    });
  }
}

// The links of the meme as it is now (after a save too: the title may have changed).
export function showLinks(meme) {
  const origin = publicOrigin();
  const picture = new URL(meme.image_url, origin).href;
  document.getElementById("share-page").value = new URL(`/m/${meme.id}`, origin).href;
  document.getElementById("share-picture").value = picture;
  document.getElementById("share-markdown").value = `![${markdownText(meme.title)}](${picture})`;
}
