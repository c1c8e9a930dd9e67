// Fills the turn assignment form from the transcript: «assign from here» on a turn sets the
// first turn of the run, on a later turn the last; the form works without it by typing numbers.
const form = document.getElementById("turn-assign");

if (form && !form.dataset.ready) {
  form.dataset.ready = "1";
  const { first, last, count, participant } = form.elements;
  const status = form.querySelector("[data-assign-status]");
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_m, key) => values[key]);

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.assign-from");
    if (!link) return;
    event.preventDefault();
    const turn = Number(new URL(link.href).searchParams.get("first"));
    if (first.value && !last.value && turn > Number(first.value)) {
      last.value = turn;
      count.value = "";
      status.textContent = fill(form.dataset.run, { first: first.value, last: turn });
    } else {
      first.value = turn;
      last.value = "";
      count.value = "";
      status.textContent = fill(form.dataset.one, { first: turn });
    }
    const panel = form.closest("details");
    if (panel) panel.open = true;
  });

  participant.addEventListener("change", () => {
    if (participant.value === "new") {
      const details = document.getElementById("assign-new");
      details.open = true;
      form.elements.label.focus();
    }
  });
}
