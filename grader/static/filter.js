// Live filtering of a list as one types, served from this site (no CDN). The page filters
// on the server too (GET ?q=): without this script the form's button does the same.
// An <input data-filter="LIST-ID" data-filter-count="COUNT-ID"> hides the items of the list
// whose text (and data-filter-also, e.g. an email not shown) lacks one of the typed words
// (case ignored), and says in the count element how many are shown.
(function () {
  "use strict";
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    const list = document.getElementById(input.dataset.filter);
    const count = document.getElementById(input.dataset.filterCount || "");
    if (!list) return;
    const items = Array.from(list.children);
    const texts = items.map(function (li) {
      return (li.textContent + " " + (li.dataset.filterAlso || "")).toLowerCase();
    });
    function apply() {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      items.forEach(function (li, i) {
        const ok = words.every(function (w) { return texts[i].includes(w); });
        li.hidden = !ok;
        if (ok) shown += 1;
      });
      if (count) {
        count.textContent = words.length
          ? shown + " of " + items.length + " shown match \u201c" + input.value.trim() + "\u201d."
          : "";
      }
    }
    input.addEventListener("input", apply);
  });
})();
