// When a form comes back with errors, move focus to the summary of what is wrong,
// so that screen readers read it out and keyboard users start from it.
const errorSummary = document.querySelector(".error-summary");
if (errorSummary) {
  errorSummary.focus();
}

// Ask before leaving a page with words typed but not saved. A form opts in with the
// attribute data-warn-unsaved; its text boxes count as unsaved when they differ from what
// the page arrived with (so a box that htmx swapped in after saving counts as saved), or
// always with data-warn-unsaved="pending": the page came back with words not yet saved
// (a form with errors). A single box marked data-unsaved came back with words not yet
// saved while the others on the page hold what is saved (another box's button was
// pressed). Either way the words count while the box is not empty. Submitting the form
// itself is not leaving it: its words go with it.
const TEXT_BOXES = "textarea, input:not([type]), input[type=text], input[type=email], input[type=url], input[type=search]";
let submitting = null;

function hasUnsavedWords(form) {
  if (form === submitting) {
    return false;
  }
  const boxes = Array.from(form.elements).filter((element) => element.matches(TEXT_BOXES));
  if (form.dataset.warnUnsaved === "pending") {
    return boxes.some((box) => box.value.trim() !== "");
  }
  return boxes.some(
    (box) => box.value !== box.defaultValue || (box.hasAttribute("data-unsaved") && box.value.trim() !== ""),
  );
}

document.addEventListener("submit", (event) => {
  // htmx sends its forms without leaving the page (it cancels the submit before it gets here).
  if (!event.defaultPrevented) {
    submitting = event.target;
  }
});

window.addEventListener("pageshow", () => {
  submitting = null; // Back on the page (the back button): its forms count again.
});

window.addEventListener("beforeunload", (event) => {
  const forms = document.querySelectorAll("form[data-warn-unsaved]");
  if (Array.from(forms).some(hasUnsavedWords)) {
    event.preventDefault();
    event.returnValue = ""; // Older browsers ask only when this is set.
  }
});

// A list's filters fold away behind "Filter" so that on a phone the list comes first; on a wider screen
// there is room for them, so they start open. Without JavaScript they start closed, one tap away.
if (window.matchMedia("(min-width: 37.5em)").matches) {
  document.querySelectorAll("details[data-open-wide]").forEach((details) => {
    details.open = true;
  });
}
