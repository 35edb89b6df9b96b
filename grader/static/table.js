// The gradebook's search box filters the rows as one types, when every student is on the
// page (the server's ?q= search works without this file, and on every page size).
// Sorting is done by the server: each column heading is a button in a GET form.
(function () {
  "use strict";
  const box = document.querySelector("input[data-filter]");
  const table = box && document.getElementById(box.dataset.filter);
  const count = document.getElementById("student-count");
  if (!table || !table.hasAttribute("data-live-filter") || !count) return;
  const rows = Array.from(table.tBodies[0].rows).filter(function (r) { return r.cells.length > 2; });
  const everyone = rows.length;
  const said = count.innerHTML;
  box.addEventListener("input", function () {
    const q = box.value.trim().toLowerCase();
    let shown = 0;
    rows.forEach(function (r) {
      // the student's name (the row's heading) and email (its first cell)
      const text = (r.cells[0].textContent + " " + r.cells[1].textContent).toLowerCase();
      const match = !q || text.indexOf(q) !== -1;
      r.hidden = !match;
      if (match) shown += 1;
    });
    if (!q) {
      count.innerHTML = said;
    } else {
      count.textContent = shown + " of " + everyone + " student" + (everyone === 1 ? "" : "s") +
        " match “" + box.value.trim() + "”.";
    }
  });
})();
