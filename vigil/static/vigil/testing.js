// Rows of the "enter results" table: add a row from the empty form, remove a
// row and number the rest again so that the formset sees no gaps. Without
// script the page still saves the row it shows.
(function () {
  function rows(form) {
    return form.querySelectorAll("#entry-rows tbody tr.result-row");
  }

  function renumber(form) {
    var prefix = form.getAttribute("data-formset");
    var pattern = new RegExp("^" + prefix + "-(\\d+|__prefix__)-");
    var all = rows(form);
    all.forEach(function (row, index) {
      row.setAttribute("data-row", prefix + "-" + index);
      row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) {
            el.setAttribute(attr, value.replace(pattern, prefix + "-" + index + "-")
              .replace(new RegExp("^id_" + prefix + "-(\\d+|__prefix__)-"), "id_" + prefix + "-" + index + "-"));
          }
        });
      });
    });
    form.querySelector("#id_" + prefix + "-TOTAL_FORMS").value = all.length;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-formset]");
    var button = document.getElementById("add-row");
    var template = document.getElementById("empty-row");
    if (!form || !button || !template) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var body = form.querySelector("#entry-rows tbody");
      body.appendChild(template.content.cloneNode(true));
      renumber(form);
      var added = rows(form);
      var first = added[added.length - 1].querySelector("input, select");
      if (first) {
        first.focus();
      }
    });
    form.addEventListener("click", function (event) {
      var remove = event.target.closest ? event.target.closest(".remove-row") : null;
      if (!remove) {
        return;
      }
      if (rows(form).length > 1) {
        remove.closest("tr").remove();
        renumber(form);
      }
    });
  });
})();
