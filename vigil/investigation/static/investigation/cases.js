// The case form's sources picker: a ticked search result moves up into the
// chosen rows, so that a new search does not drop it. The picker is shown
// for a contact only (an F0 has no source).
(function () {
  "use strict";

  function movePicked(event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("source-check") || !box.checked) return;
    var results = document.getElementById("source-results");
    var chosen = document.getElementById("chosen-rows");
    var row = box.closest("tr");
    if (!results || !chosen || !row || !results.contains(row)) return;
    chosen.appendChild(row);
    var date = row.querySelector("input[type=text]");
    if (date) date.focus();
  }

  function showSources() {
    var kind = document.getElementById("id_kind");
    var section = document.getElementById("sources-section");
    if (!kind || !section) return;
    section.hidden = kind.value === "confirmed";
  }

  document.addEventListener("change", function (event) {
    movePicked(event);
    if (event.target && event.target.id === "id_kind") showSources();
  });
  document.addEventListener("DOMContentLoaded", showSources);
  // Rows already chosen are not offered again by the search.
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail || event.detail.elt.id !== "source-q") return;
    var ids = [];
    document.querySelectorAll("#chosen-rows .source-check").forEach(function (box) {
      ids.push(box.value);
    });
    event.detail.parameters.chosen = ids;
  });
})();
