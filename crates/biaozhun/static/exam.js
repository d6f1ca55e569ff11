/* biaozhun — an exam's paper: saves each answer as it changes (one small PUT per answer to
 * /api/v1/attempts/{id}/answers/{question}) and counts the time down. The page works without
 * it (one form, a save button); the server's clock decides the deadline either way.
 * Sequence numbers start from the server's clock when the page was drawn, so a save made later
 * in any tab is the newer one, and a slow earlier save never overwrites it. */
(function () {
  "use strict";
  var timer = document.getElementById("timer");
  var form = document.getElementById("paper");
  if (!timer || !form) return;
  var attempt = timer.getAttribute("data-attempt");
  var base = parseInt(timer.getAttribute("data-server-ms"), 10) || Date.now();
  var t0 = (window.performance && performance.now) ? performance.now() : 0;
  var left = parseInt(timer.getAttribute("data-remaining"), 10) || 0;
  var started = Date.now();
  var shown = document.getElementById("remaining");
  var csrf = (form.querySelector('input[name="_csrf"]') || {}).value || "";

  function seq() {
    var now = (window.performance && performance.now) ? performance.now() : (Date.now() - started);
    return base + Math.round(now - t0);
  }

  function tick() {
    var rest = Math.max(0, left - Math.floor((Date.now() - started) / 1000));
    var m = Math.floor(rest / 60), s = rest % 60;
    if (shown) shown.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    if (rest <= 0) {
      // The server submits at the deadline; the reload shows the result.
      window.location.reload();
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();

  function answerOf(fs) {
    var q = fs.getAttribute("data-question");
    var inputs = fs.querySelectorAll('[name="q' + q + '"]');
    var vals = [];
    for (var i = 0; i < inputs.length; i++) {
      var el = inputs[i];
      if (el.type === "radio" || el.type === "checkbox") { if (el.checked) vals.push(el.value); }
      else vals.push(el.value);
    }
    return vals.join(",");
  }

  function save(fs) {
    var q = fs.getAttribute("data-question");
    var answer = answerOf(fs);
    var state = fs.querySelector(".save-state");
    var was = fs.querySelector('input[name="was' + q + '"]');
    if (state) state.textContent = "…";
    fetch("/api/v1/attempts/" + attempt + "/answers/" + q, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ answer: answer, seq: seq() })
    }).then(function (res) {
      if (res.status === 409) { window.location.reload(); return null; }
      if (!res.ok) throw new Error("HTTP " + res.status);
      return res.json();
    }).then(function (out) {
      if (!out) return;
      if (was && out.applied) was.value = out.answer;
      if (state) state.textContent = document.documentElement.lang === "en" ? "Saved" : "已保存";
      left = out.remaining_seconds; started = Date.now();
    }).catch(function () {
      // Offline or the server restarting: the form's save button still works, and the next change tries again.
      if (state) state.textContent = document.documentElement.lang === "en" ? "Not saved yet" : "尚未保存";
    });
  }

  var timers = {};
  form.addEventListener("change", function (ev) {
    var fs = ev.target.closest("fieldset[data-question]");
    if (fs) save(fs);
  });
  form.addEventListener("input", function (ev) {
    if (ev.target.tagName !== "TEXTAREA") return;
    var fs = ev.target.closest("fieldset[data-question]");
    if (!fs) return;
    var q = fs.getAttribute("data-question");
    clearTimeout(timers[q]);
    timers[q] = setTimeout(function () { save(fs); }, 800);
  });
})();
