// When a form comes back with errors, move focus to the summary of what is wrong,
// so that screen readers read it out and keyboard users start from it.
const errorSummary = document.querySelector(".error-summary");
if (errorSummary) {
  errorSummary.focus();
}
