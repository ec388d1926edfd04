// Vigil's small behaviours, loaded as a file: the Content-Security-Policy
// forbids inline script.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// A table wider than the screen scrolls inside its .table-responsive box; a
// keyboard user must be able to reach that box to scroll it (WCAG 2.1.1,
// issue #16). Boxes that overflow and hold nothing focusable join the tab
// order, and leave it again when the window grows wide enough.
(function () {
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";

  function reachScrollBoxes(root) {
    var boxes = (root || document).querySelectorAll(".table-responsive");
    Array.prototype.forEach.call(boxes, function (box) {
      var overflows = box.scrollWidth > box.clientWidth + 1;
      var ours = box.hasAttribute("data-scroll-stop");
      if (overflows && !ours && !box.querySelector(FOCUSABLE) && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-stop", "");
      } else if (!overflows && ours) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-stop");
      }
    });
  }

  var timer = null;
  document.addEventListener("DOMContentLoaded", function () { reachScrollBoxes(); });
  document.addEventListener("htmx:load", function () { reachScrollBoxes(); });
  window.addEventListener("resize", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(reachScrollBoxes, 200);
  });
})();
