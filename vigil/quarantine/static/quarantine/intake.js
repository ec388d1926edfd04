// Quarantine intake: "None of the others" answers "No" to every yes/no
// question of the form that is still unanswered, and only when clicked: no
// question is ever pre-answered. Loaded as a file: the Content-Security-Policy
// forbids inline script.
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-answer-rest-no]") : null;
  if (!button || !button.form) {
    return;
  }
  var tables = button.form.querySelectorAll("table.questions");
  tables.forEach(function (table) {
    var names = {};
    table.querySelectorAll("input[type=radio]").forEach(function (radio) {
      names[radio.name] = true;
    });
    Object.keys(names).forEach(function (name) {
      var group = table.querySelectorAll('input[type=radio][name="' + name + '"]');
      var answered = Array.prototype.some.call(group, function (radio) {
        return radio.checked;
      });
      if (!answered) {
        group.forEach(function (radio) {
          if (radio.value === "0") {
            radio.checked = true;
          }
        });
      }
    });
  });
});
