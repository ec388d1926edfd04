// Lists: label each cell of a stacked table with its column header, so that a
// record read on a phone (one card per row) says what each value is.
(function () {
  "use strict";

  function headerText(th) {
    var copy = th.cloneNode(true);
    copy.querySelectorAll(".visually-hidden, .sort-arrow").forEach(function (el) { el.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  function isEmpty(td) {
    return td.textContent.trim() === "" && !td.querySelector("input, select, button, img, svg, a, form");
  }

  function labelTable(table) {
    var heads = [];
    var row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!row) { return; }
    Array.prototype.forEach.call(row.cells, function (th) {
      var text = headerText(th);
      for (var n = 0; n < (th.colSpan || 1); n++) { heads.push(text); }
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (tr) {
        // A row of one cell across the table ("nothing here") keeps no label.
        if (tr.cells.length === 1 && tr.cells[0].colSpan > 1) { return; }
        var i = 0;
        Array.prototype.forEach.call(tr.cells, function (td) {
          if (!td.hasAttribute("data-label") && heads[i]) { td.setAttribute("data-label", heads[i]); }
          td.classList.toggle("cell-empty", isEmpty(td));
          i += td.colSpan || 1;
        });
      });
    });
  }

  function labelAll(root) {
    if (root.matches && root.matches("table.table-responsive-stack")) { labelTable(root); }
    if (root.querySelectorAll) { root.querySelectorAll("table.table-responsive-stack").forEach(labelTable); }
  }

  document.addEventListener("DOMContentLoaded", function () { labelAll(document); });
  // Rows htmx swaps in later (a search as you type) are labelled too.
  document.addEventListener("htmx:load", function (event) {
    var table = event.target.closest && event.target.closest("table.table-responsive-stack");
    labelAll(table || event.target);
  });
})();
