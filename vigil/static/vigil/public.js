// The citizens' pages (/khai-bao/), loaded as a file: the Content-Security-Policy
// forbids inline script. Everything here is a convenience; the pages work without it.

// "Print" buttons.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-print]");
  if (button) {
    event.preventDefault();
    window.print();
  }
});

// A second tap on "Send" while the first is on its way does nothing. (The
// server would return the same declaration anyway: the form's idempotency key.)
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || !form.hasAttribute("data-once")) {
    return;
  }
  if (form.dataset.sent) {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "1";
});

// Coming back with the browser's Back button shows the page from its cache:
// let the form be sent again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    delete form.dataset.sent;
  });
});
