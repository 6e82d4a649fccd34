// The reception record: show the fields of the chosen outcome only (all stay in the form, so nothing
// typed is lost when the clerk changes their mind).
(function () {
  const form = document.getElementById("reception-record");
  if (!form) return;
  function show() {
    const picked = form.querySelector("input[name=outcome]:checked");
    const outcome = picked ? picked.value : "";
    form.querySelectorAll("[data-outcome]").forEach(function (block) {
      block.hidden = !block.dataset.outcome.split(" ").includes(outcome);
    });
    const kind = form.querySelector("select[name=kind]");
    if (outcome === "complaint" && kind && kind.value !== "complaint" && kind.value !== "report") {
      kind.value = "complaint";
    }
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "outcome") show();
  });
  show();
})();
