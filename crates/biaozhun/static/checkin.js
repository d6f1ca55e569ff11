/* biaozhun — the check-in page's camera scan, progressive enhancement only: where the
 * browser has BarcodeDetector (no library is loaded), a button opens the camera and a QR
 * code found in the picture fills the code field and sends the form. Without it, or without
 * a camera, the form works as it is: type or paste the code. */
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("checkin-scan");
    var form = document.getElementById("checkin-form");
    if (!box || !form || !("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
    var button = document.getElementById("checkin-scan-button");
    var video = document.getElementById("checkin-video");
    var status = document.getElementById("checkin-scan-status");
    var input = document.getElementById("code");
    var stream = null, timer = null, detector = null;
    box.hidden = false;
    function stop() {
      if (timer) { clearInterval(timer); timer = null; }
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
      video.hidden = true;
      button.textContent = box.getAttribute("data-label-start");
    }
    function tick() {
      if (!detector || video.readyState < 2) return;
      detector.detect(video).then(function (codes) {
        if (!codes || !codes.length) return;
        var value = codes[0].rawValue || "";
        if (!value) return;
        stop();
        input.value = value;
        form.submit();
      }).catch(function () {});
    }
    button.addEventListener("click", function () {
      if (stream) { stop(); return; }
      try { detector = new window.BarcodeDetector({ formats: ["qr_code"] }); } catch (e) { box.hidden = true; return; }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        video.play();
        button.textContent = box.getAttribute("data-label-stop");
        status.textContent = "";
        timer = setInterval(tick, 300);
      }).catch(function () {
        status.textContent = box.getAttribute("data-label-denied");
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
