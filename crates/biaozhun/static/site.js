/* biaozhun — progressive enhancement only. Works under CSP script-src 'self'.
 * Captcha refresh: without JS, the "?refresh=1" link reloads the page with a new captcha. */
(function () {
  "use strict";

  function refreshCaptcha(form, trigger) {
    if (form.getAttribute("data-captcha-busy") === "1") return;
    var idInput = form.querySelector("input[data-captcha-id]");
    var img = form.querySelector("img[data-captcha-img]");
    var answer = form.querySelector('input[name="captcha_answer"]');
    if (!idInput || !img) {
      // Not enough structure to update in place: fall back to the plain link.
      if (trigger && trigger.href) window.location.href = trigger.href;
      return;
    }
    form.setAttribute("data-captcha-busy", "1");
    fetch("/api/v1/captcha", {
      method: "GET",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Accept": "application/json" }
    })
      .then(function (res) {
        if (!res.ok) throw new Error("captcha HTTP " + res.status);
        return res.json();
      })
      .then(function (data) {
        if (!data || typeof data.id !== "string" || typeof data.image !== "string") {
          throw new Error("captcha: bad response");
        }
        idInput.value = data.id;
        img.src = data.image;
        if (answer) {
          answer.value = "";
          answer.focus();
        }
      })
      .catch(function () {
        // Network/API failure: degrade to the no-JS behaviour (full reload).
        if (trigger && trigger.href) window.location.href = trigger.href;
      })
      .then(function () {
        form.removeAttribute("data-captcha-busy");
      });
  }

  function init() {
    if (!window.fetch) return; // old browser: links keep working as plain links

    var links = document.querySelectorAll("form [data-captcha-refresh]");
    Array.prototype.forEach.call(links, function (link) {
      var form = link.closest ? link.closest("form") : null;
      if (!form) return;
      link.addEventListener("click", function (ev) {
        ev.preventDefault();
        refreshCaptcha(form, link);
      });
    });

    var imgs = document.querySelectorAll("form img[data-captcha-img]");
    Array.prototype.forEach.call(imgs, function (img) {
      var form = img.closest ? img.closest("form") : null;
      if (!form) return;
      var link = form.querySelector("[data-captcha-refresh]");
      if (link && link.textContent) img.title = link.textContent.trim();
      img.addEventListener("click", function (ev) {
        ev.preventDefault();
        refreshCaptcha(form, link);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

/* Search facets: open beside the results on a wide screen, a closed drawer on a phone. */
(function () {
  "use strict";
  function init() {
    if (!window.matchMedia) return;
    var narrow = window.matchMedia("(max-width: 800px)");
    var drawers = document.querySelectorAll("details[data-drawer]");
    function apply() {
      Array.prototype.forEach.call(drawers, function (d) {
        if (narrow.matches) d.removeAttribute("open");
        else d.setAttribute("open", "");
      });
    }
    apply();
    if (narrow.addEventListener) narrow.addEventListener("change", apply);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

/* A print button where a page is a document (a validity report); shown only with JS. */
(function () {
  "use strict";
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { window.print(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
