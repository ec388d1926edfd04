// Vigil's small behaviours, loaded as a file: the Content-Security-Policy
// forbids inline script.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
