// Intake pages (registration, the agent console, reception): picking an earlier case in the
// citizen's history marks the new matter as its repeat.
document.addEventListener("change", function (event) {
  if (!event.target.classList.contains("pick-repeat")) return;
  const repeatOf = document.querySelector("input[name=repeat_of]");
  if (repeatOf) repeatOf.value = event.target.value;
});

// Picking a category preselects its default department (the dispatch catalogue) on any intake form
// with both fields; the page carries the catalogue as JSON in #category-departments.
document.addEventListener("change", function (event) {
  if (event.target.name !== "category" || !event.target.form) return;
  const catalogue = document.getElementById("category-departments");
  const lead = event.target.form.querySelector("[name=lead_department]");
  if (!catalogue || !lead) return;
  const department = JSON.parse(catalogue.textContent)[event.target.value];
  if (department) lead.value = String(department);
});
