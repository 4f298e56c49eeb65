// A meme's Report button: a small form (a reason, an optional note) sent to the moderators.
import { api, clearErrors, showProblem } from "/static/common.js";

const NOTE = 500; // characters, as the api takes

export function reportButton(id) {
  const button = document.getElementById("report");
  const form = document.getElementById("report-form");
  const note = form.elements.note;
  const count = document.getElementById("report-note-count");
  const reasonError = document.getElementById("reason-error");
  const said = document.getElementById("report-status");

  const counted = () => {
    count.textContent = `${note.value.length} of ${NOTE} characters`;
  };
  const open = (opening) => {
    form.hidden = !opening;
    button.setAttribute("aria-expanded", String(opening));
    if (opening) {
      said.textContent = "";
      form.querySelector('input[name="reason"]').focus();
    }
  };
  const done = (text) => {
    open(false);
    button.disabled = true;
    button.textContent = "Reported";
    said.textContent = text;
    said.focus();
  };

  button.addEventListener("click", () => open(form.hidden));
  document.getElementById("report-cancel").addEventListener("click", () => {
    open(false);
    button.focus();
  });
  note.addEventListener("input", counted);
  form.querySelector(".reasons").addEventListener("change", () => {
    reasonError.textContent = "";
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    reasonError.textContent = "";
    const reason = form.elements.reason.value;
    if (!reason) {
      reasonError.textContent = "Choose what is wrong with it.";
      form.querySelector('input[name="reason"]').focus();
      return;
    }
    const send = document.getElementById("report-send");
    send.disabled = true;
    try {
      await api(`/memes/${id}/reports`, {
        method: "POST",
        headers: { Accept: "application/json", "Content-Type": "application/json" },
        body: JSON.stringify({ reason, ...(note.value.trim() && { note: note.value }) }),
      });
      done("Reported. Thank you: a moderator will look at it.");
    } catch (problem) {
      if (problem.status === 409) {
        done("You reported this meme already: a moderator will look at it.");
      } else {
        showProblem(form, problem);
      }
    } finally {
      send.disabled = false;
    }
  });
  counted();
}
