// Shows under every text field with a maximum length how many characters it holds of how many it may
// (textareas, and inputs marked data-counter), so nobody types a long record only to have it refused.
(function () {
  "use strict";

  function attach(root) {
    root.querySelectorAll("textarea[maxlength], input[data-counter][maxlength]").forEach(function (field) {
      if (field.dataset.counterAttached) {
        return;
      }
      field.dataset.counterAttached = "1";
      var limit = parseInt(field.getAttribute("maxlength"), 10);
      var counter = document.createElement("div");
      counter.className = "form-text text-end small char-counter";
      counter.setAttribute("aria-live", "polite");
      field.insertAdjacentElement("afterend", counter);
      function update() {
        var length = field.value.length;
        counter.textContent = length + " / " + limit;
        counter.classList.toggle("text-danger", length >= limit);
      }
      field.addEventListener("input", update);
      update();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    attach(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    attach(event.target);
  });
})();
