// Small enhancements on every page, served from this site (no CDN); each page works without it.
// - Times are written in UTC by the server; beside each, the reader's own local time when it
//   differs ("2026-11-20 12:00 UTC (Fri 20 Nov, 13:00 your time)").
// - A table or formula wider than the screen scrolls inside its own box; such a box is made
//   focusable (and named), so that a keyboard user can scroll it too.
// - After an answer is sent the page opens at #result: focus goes there, so that a screen
//   reader reads the result and Tab continues from it.
(function () {
  "use strict";
  document.querySelectorAll("time.utc[datetime]").forEach(function (el) {
    const t = new Date(el.getAttribute("datetime"));
    if (isNaN(t.getTime()) || t.getTimezoneOffset() === 0) return;
    const local = t.toLocaleString(undefined, {
      weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    });
    const span = document.createElement("span");
    span.className = "local-time";
    span.textContent = " (" + local + " your time)";
    el.after(span);
  });

  function scrollable() {
    document.querySelectorAll("main table, main .math, main .scroll").forEach(function (el) {
      const wide = el.scrollWidth > el.clientWidth + 1 &&
        /(auto|scroll)/.test(getComputedStyle(el).overflowX);
      if (wide && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.dataset.scrollFocus = "1";
        if (!el.hasAttribute("aria-label") && !el.hasAttribute("aria-labelledby")) {
          el.setAttribute("role", "region");
          el.setAttribute("aria-label", el.tagName === "TABLE" ? "Table (scrolls sideways)" :
            "Formula (scrolls sideways)");
        }
      } else if (!wide && el.dataset.scrollFocus) {
        el.removeAttribute("tabindex");
        delete el.dataset.scrollFocus;
      }
    });
  }
  scrollable();
  // MathML is wider once its font has loaded (font-display: swap): look again then.
  window.addEventListener("load", scrollable);
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(scrollable);
  let pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(scrollable, 150);
  });

  if (location.hash === "#result") {
    const result = document.getElementById("result");
    if (result) result.focus();
  }
})();
