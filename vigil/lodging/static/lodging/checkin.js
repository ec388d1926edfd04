// The guest's QR card: the print button prints the page (the rest of the
// page is hidden in print by d-print-none). No inline handlers (CSP).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-qr");
  if (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  }
});
