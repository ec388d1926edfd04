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
        button.insertAdjacentText("afterend", " " + err);
      });
  });
});
