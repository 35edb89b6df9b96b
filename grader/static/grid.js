// Answer grids: pasting "[0, 5, 4]" or "[[1, 2], [3, 4]]" into a box fills the grid from it;
// a timed quiz's clock is static/quiz.js. Served from this site (no CDN); the page works without it.
(function () {
  "use strict";
  function entries(text) {
    const rows = [];
    const inner = text.trim().replace(/^\[/, "").replace(/\]$/, "");
    if (inner.includes("[")) {
      inner.split(/\]\s*[,;]?\s*\[/).forEach(function (r) {
        rows.push(r.replace(/[\[\]]/g, "").split(/[,;]\s*|\s+/).filter(Boolean));
      });
    } else {
      rows.push(inner.split(/[,;]\s*|\s+/).filter(Boolean));
    }
    return rows;
  }
  document.querySelectorAll("table.grid").forEach(function (grid) {
    const inputs = Array.from(grid.querySelectorAll("input"));
    const cols = grid.rows[0].cells.length;
    inputs.forEach(function (input, start) {
      input.addEventListener("paste", function (event) {
        const text = (event.clipboardData || window.clipboardData).getData("text");
        if (!/[\[,;\s]/.test(text.trim())) return;
        const rows = entries(text);
        const flat = rows.length > 1 || cols > 1 ? [].concat.apply([], rows) : rows[0];
        if (flat.length < 2) return;
        event.preventDefault();
        flat.forEach(function (value, k) {
          if (inputs[start + k]) inputs[start + k].value = value;
        });
      });
    });
  });
})();
