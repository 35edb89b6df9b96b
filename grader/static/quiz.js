// A timed quiz's clock and drafts. Served from this site (no CDN); the pages work without it
// (they show the end time as text, and a "Save draft" button).
// - The clock counts down from the seconds left that the server wrote into the page, and
//   asks the server again every 30 s (and when the tab comes back into view): the server's
//   time is the truth, the browser's own clock is never used for the end.
// - At 1 minute left a polite status says so; at 0 the last draft is sent and the page
//   reloads, to show what was graded.
// - What is typed into the answer boxes is sent as a draft a second after typing stops.
(function () {
  "use strict";
  const box = document.getElementById("quiz-clock");
  const form = document.getElementById("quiz-answers");
  const status = document.getElementById("draft-status");
  let pending = null;
  let inFlight = null;

  function saveDraft() {
    if (!form) return Promise.resolve();
    clearTimeout(pending);
    pending = null;
    const body = new FormData(form);
    inFlight = fetch(form.dataset.draftUrl, {
      method: "POST",
      body: body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (r) {
        return r.json().then(function (data) {
          if (!status) return;
          if (r.ok) {
            const t = new Date(data.saved_at);
            status.textContent = "Draft saved at " + t.toLocaleTimeString() + " (not submitted).";
            status.classList.remove("error");
          } else {
            status.textContent = data.message || "The draft could not be saved.";
            status.classList.add("error");
          }
        });
      })
      .catch(function () {
        if (status) {
          status.textContent = "Not saved: the connection was lost. Keep the page open; it will try again.";
          status.classList.add("error");
        }
      });
    return inFlight;
  }

  if (form) {
    form.addEventListener("input", function () {
      clearTimeout(pending);
      pending = setTimeout(saveDraft, 1000);
    });
    // A submission supersedes the draft: nothing pending is sent after it.
    form.addEventListener("submit", function () {
      clearTimeout(pending);
      pending = null;
    });
  }

  if (!box) return;
  const left = document.getElementById("quiz-left");
  const warning = document.getElementById("quiz-warning");
  let endsAt = performance.now() + Number(box.dataset.secondsLeft) * 1000;
  let finished = false;

  function show(seconds) {
    left.textContent = Math.floor(seconds / 60) + " min " + String(seconds % 60).padStart(2, "0") + " s";
    if (seconds <= 60 && warning && !warning.textContent.trim()) {
      warning.textContent = "1 minute left: your answers are saved.";
    }
  }

  function tick() {
    const seconds = Math.max(0, Math.ceil((endsAt - performance.now()) / 1000));
    show(seconds);
    if (seconds > 0) {
      setTimeout(tick, 1000 - ((endsAt - performance.now()) % 1000) + 5);
    } else if (!finished) {
      finished = true;
      if (warning) warning.textContent = "Time is up: your saved answers are being graded.";
      // The server ends the quiz a moment after 0:00 (it counts whole seconds down): send
      // what is pending, then reload to show what was graded.
      const last = pending ? saveDraft() : inFlight || Promise.resolve();
      last.finally(function () { setTimeout(function () { location.reload(); }, 1500); });
    }
  }

  function sync() {
    fetch(box.dataset.clockUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || data.seconds_left === null) return;
        endsAt = performance.now() + data.seconds_left * 1000;
        if (data.over && !finished) tick();
      })
      .catch(function () { /* offline: keep counting; the server decides at the end */ });
  }

  tick();
  setInterval(sync, 30000);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) sync();
  });
})();
