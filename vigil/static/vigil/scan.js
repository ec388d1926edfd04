// Camera scanning with html5-qrcode (vendored). On a read, the decoded text is
// put in the payload field and the form submitted, exactly as if typed.
document.addEventListener("DOMContentLoaded", function () {
  var reader = document.getElementById("reader");
  var button = document.getElementById("start-camera");
  if (!reader || !button || typeof Html5Qrcode === "undefined") {
    return;
  }
  var input = document.querySelector(reader.dataset.scanTarget);
  var form = document.querySelector(reader.dataset.scanForm);
  var scanner = null;
  button.addEventListener("click", function () {
    if (scanner) {
      return;
    }
    scanner = new Html5Qrcode("reader");
    scanner
      .start(
        { facingMode: "environment" },
        { fps: 10, qrbox: 250 },
        function (text) {
          scanner.stop().finally(function () {
            input.value = text;
            form.submit();
          });
        },
        function () {}
      )
      .catch(function (err) {
        scanner = null;
        showCameraError(err);
      });
  });
});

// The camera did not open: say so in the interface language (the messages
// come from includes/camera_messages.html), never the browser's raw English
// ("NotAllowedError: Permission denied").
function cameraErrorKind(err) {
  var text = String(err && err.name ? err.name + ": " + err.message : err);
  if (/NotAllowed|Permission|SecurityError/i.test(text)) {
    return "denied";
  }
  if (/NotFound|not found|Overconstrained|not supported|mediaDevices|secure context/i.test(text)) {
    return "missing";
  }
  if (/NotReadable|TrackStart|in use|Could not start/i.test(text)) {
    return "busy";
  }
  return "other";
}

function showCameraError(err) {
  var messages = document.getElementById("camera-messages");
  var box = document.getElementById("camera-error");
  if (!messages || !box) {
    return;
  }
  var kind = cameraErrorKind(err);
  box.textContent = messages.dataset[kind];
  box.dataset.kind = kind;
  box.classList.remove("d-none");
  if (window.console) {
    console.info("Camera:", String(err));
  }
}
