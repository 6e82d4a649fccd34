// The agent console: pick a knowledge-base answer, pick a repeat, show the fields of the chosen
// outcome, and submit with Ctrl+Enter. Everything also works without this script, with more typing.
(function () {
  const form = document.getElementById("intake");
  if (!form) return;
  const answer = form.querySelector("[name=answer]");
  const article = form.querySelector("[name=article]");

  function showOutcome() {
    const chosen = form.querySelector("[name=outcome]:checked");
    form.querySelectorAll("[data-outcome]").forEach(function (part) {
      part.hidden = !chosen || part.dataset.outcome !== chosen.value;
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "outcome") showOutcome();
  });
  showOutcome();

  document.addEventListener("click", function (event) {
    const button = event.target.closest(".use-article");
    if (!button) return;
    answer.value = button.dataset.answer;
    article.value = button.dataset.article;
    form.querySelector("[name=outcome][value=answer]").checked = true;
    showOutcome();
    document.getElementById("article-used").textContent = "✓ " + button.dataset.title;
    answer.focus();
  });
  // The category's default department (the dispatch catalogue) is preselected for dispatch.
  // A call that ends without a case: log it under the number already typed.
  document.getElementById("no-case").addEventListener("submit", function () {
    const number = this.querySelector("[name=number]");
    if (!number.value) number.value = form.querySelector("[name=citizen_phone]").value;
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && form.contains(document.activeElement)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
