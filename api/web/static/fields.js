// The meme form's fields (upload and edit), checked in the browser before anything is sent:
// every field's problem at once, in plain words, each cleared as soon as its field is right.
// The api checks the same rules again (its problems still show, under the field at fault).
import { el } from "/static/common.js";

// The api's rules (api/values/meme_text.py, api/web/forms.py).
const MAX_TITLE = 200;
const MAX_DESCRIPTION = 2000;
const MAX_TAGS = 20;
const TAG = /^[a-z0-9_-]{1,50}$/;
const TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

// Commas separate tags; the spaces inside one become dashes ("Test Run" is #test-run, not
// #test and #run), upper case lower case. The chips under the field show the result as typed.
export function tagsOf(text) {
  const tags = text.split(",").map((tag) => tag.trim().toLowerCase().replace(/\s+/g, "-"));
  return [...new Set(tags.filter(Boolean))];
}

// In the unit of the limit's own hint (api/web/gallery.py): "at most 10 MiB".
function mebibytes(bytes, digits = 1) {
  return `${(bytes / 1048576).toFixed(digits).replace(/\.0+$/, "")} MiB`;
}

const CHECKS = {
  title(form) {
    const title = form.elements.title.value.trim();
    if (!title) return "The title can't be empty.";
    if (title.length > MAX_TITLE) {
      return `The title can be ${MAX_TITLE} characters at most; it has ${title.length}.`;
    }
    return "";
  },
  description(form) {
    const { length } = form.elements.description.value;
    return length > MAX_DESCRIPTION
      ? `The description can be ${MAX_DESCRIPTION} characters at most; it has ${length}.`
      : "";
  },
  tags(form) {
    const tags = tagsOf(form.elements.tags.value);
    const bad = tags.filter((tag) => !TAG.test(tag));
    if (bad.length) {
      const named = bad.map((tag) => `“${tag}”`).join(", ");
      const long = bad.some((tag) => tag.length > 50);
      return long
        ? `A tag can be 50 characters at most: ${named} is longer.`
        : `A tag holds only letters a-z, digits, - and _: ${named} can't be one.`;
    }
    if (tags.length > MAX_TAGS) return `A meme can have ${MAX_TAGS} tags at most; this has ${tags.length}.`;
    return "";
  },
  image(form, required) {
    const input = form.elements.image;
    const file = input.files[0];
    if (!file) return required ? "Choose a picture to upload." : "";
    if (!TYPES.has(file.type)) {
      return `The picture must be a JPEG, PNG, GIF or WebP file; ${file.name} is not.`;
    }
    const limit = Number(input.dataset.maxBytes);
    if (limit && file.size > limit) {
      const most = mebibytes(limit);
      const size = mebibytes(file.size) === most ? mebibytes(file.size, 3) : mebibytes(file.size);
      return `The picture is ${size}: the limit is ${most}. Choose a smaller one.`;
    }
    if (!file.size) return "The picture is empty (0 bytes).";
    return "";
  },
};

function say(form, field, message) {
  form.querySelector(`[data-error-for="${field}"]`).textContent = message;
  const input = form.elements.namedItem(field);
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

function showChips(form) {
  const chips = form.querySelector(".chips");
  const tags = tagsOf(form.elements.tags.value);
  chips.replaceChildren(
    ...(tags.length ? ["Tags: "] : []),
    ...tags.map((tag) => el("span", { class: TAG.test(tag) ? "tag" : "tag bad" }, `#${tag}`)),
  );
}

// Checks `form`'s fields: a field's error shows when the form is sent (the picture's when it
// is chosen), and goes as soon as the field is right. `check()` (before sending) shows them all and returns whether
// there are none, focusing the first field at fault.
export function checkedFields(form, { pictureRequired }) {
  const shown = new Set(); // the fields whose problem is said (or was, and may come back)
  const checkOne = (field) => {
    const message = CHECKS[field](form, pictureRequired);
    if (message || shown.has(field)) say(form, field, message);
    return message;
  };
  for (const field of Object.keys(CHECKS)) {
    const input = form.elements.namedItem(field);
    input.addEventListener("input", () => {
      if (field === "tags") showChips(form);
      if (shown.has(field)) checkOne(field);
    });
  }
  // A picture too big or of another type is said as soon as it is chosen. (The text fields
  // wait for the first send: an error appearing as a field is left moves the button away
  // from under the pointer pressing it.)
  form.elements.image.addEventListener("change", () => {
    shown.add("image");
    checkOne("image");
  });
  const refresh = () => showChips(form);
  refresh();
  return {
    refresh,
    check() {
      let first = null;
      for (const field of Object.keys(CHECKS)) {
        shown.add(field);
        if (checkOne(field)) first = first || form.elements.namedItem(field);
      }
      first?.focus();
      return !first;
    },
  };
}
