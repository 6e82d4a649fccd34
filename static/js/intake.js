// Intake pages (registration, the agent console, reception): picking an earlier case in the
// citizen's history marks the new matter as its repeat.
document.addEventListener("change", function (event) {
  if (!event.target.classList.contains("pick-repeat")) return;
  const repeatOf = document.querySelector("input[name=repeat_of]");
  if (repeatOf) repeatOf.value = event.target.value;
});
