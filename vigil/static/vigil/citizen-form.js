// The declaration form on the citizens' pages (/khai-bao/), loaded as a file:
// the Content-Security-Policy forbids inline script. Everything here is a
// shortcut; without it the form works as before (every row answered one by one,
// the date typed).

(function () {
  "use strict";

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function ddmmyyyy(date) {
    return pad(date.getDate()) + "/" + pad(date.getMonth() + 1) + "/" + date.getFullYear();
  }

  function changed(input) {
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // "None of these": every row of its group answered "No" in one tap. The
  // answers are explicit (the radios are checked as if tapped one by one) and
  // a row can still be changed to "Yes" afterwards.
  function setUpNoneOf(form) {
    form.querySelectorAll("[data-none-of]").forEach(function (button) {
      var group = button.closest("[data-question-group]");
      function refresh() {
        var rows = group.querySelectorAll("tbody tr").length;
        var no = group.querySelectorAll('input[type=radio][value="0"]:checked').length;
        button.setAttribute("aria-pressed", rows > 0 && no === rows ? "true" : "false");
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        group.querySelectorAll('input[type=radio][value="0"]').forEach(function (radio) {
          radio.checked = true;
          changed(radio);
        });
        refresh();
      });
      group.addEventListener("change", refresh);
      refresh();
    });
  }

  // The arrival date: typed as dd/mm/yyyy or as digits only (the server reads
  // both), "Today" in one tap, or the phone's own calendar.
  function setUpDate(form) {
    form.querySelectorAll("[data-date-tools]").forEach(function (tools) {
      var field = document.getElementById(tools.getAttribute("data-date-tools"));
      var native = tools.querySelector("input[type=date]");
      if (!field) {
        return;
      }
      tools.hidden = false;
      tools.querySelector("[data-date-today]").addEventListener("click", function () {
        field.value = ddmmyyyy(new Date());
        changed(field);
      });
      var pick = tools.querySelector("[data-date-pick]");
      if (!native || typeof native.showPicker !== "function") {
        pick.hidden = true;
        return;
      }
      pick.addEventListener("click", function () {
        try {
          native.showPicker();
        } catch (error) {
          native.focus();
        }
      });
      native.addEventListener("change", function () {
        var parts = native.value.split("-"); // yyyy-mm-dd
        if (parts.length === 3) {
          field.value = parts[2] + "/" + parts[1] + "/" + parts[0];
          changed(field);
        }
      });
    });
  }

  // The ID number's keyboard follows its kind: digits for the ID cards
  // (CMND, CCCD), letters for a passport or another document.
  function setUpIdKeyboard(form) {
    var kind = form.querySelector("select[name$=id_kind]");
    var number = form.querySelector("input[name$=id_number]");
    if (!kind || !number) {
      return;
    }
    function refresh() {
      var digits = kind.value === "cccd" || kind.value === "cmnd";
      number.setAttribute("inputmode", digits ? "numeric" : "text");
    }
    kind.addEventListener("change", refresh);
    refresh();
  }

  // Places that are required only when the list has entries (the district and
  // commune of departure, the village): the label shows "*" when it has.
  function refreshRequiredMarks(form) {
    form.querySelectorAll("select[data-required-if-options]").forEach(function (select) {
      var label = form.querySelector('label[for="' + select.id + '"]');
      if (!label) {
        return;
      }
      var hasOptions = Array.prototype.some.call(select.options, function (option) {
        return option.value !== "";
      });
      var mark = label.querySelector(".text-danger");
      if (hasOptions && !mark) {
        mark = document.createElement("span");
        mark.className = "text-danger";
        mark.textContent = "*";
        label.appendChild(document.createTextNode(" "));
        label.appendChild(mark);
      } else if (!hasOptions && mark) {
        mark.remove();
      }
    });
  }

  document.querySelectorAll("form[data-citizen-form]").forEach(function (form) {
    setUpNoneOf(form);
    setUpDate(form);
    setUpIdKeyboard(form);
    refreshRequiredMarks(form);
    document.body.addEventListener("htmx:afterSwap", function () {
      refreshRequiredMarks(form);
    });
  });
})();
