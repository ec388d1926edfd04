// Staff entry at speed: Enter saves the form from any field, not only from
// text inputs (browsers submit implicitly from those alone). A textarea keeps
// Enter for new lines; an open <select> list keeps it for choosing.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Enter" || event.isComposing || event.defaultPrevented) {
    return;
  }
  var field = event.target;
  var form = field.form;
  if (!form || !form.hasAttribute("data-enter-submits")) {
    return;
  }
  var isChoice =
    field.tagName === "SELECT" ||
    (field.tagName === "INPUT" && (field.type === "radio" || field.type === "checkbox"));
  if (!isChoice) {
    return;
  }
  event.preventDefault();
  var button = form.querySelector("button[type=submit], input[type=submit]");
  if (form.requestSubmit) {
    form.requestSubmit(button || undefined);
  } else {
    form.submit();
  }
});

// "Use this person" under the form reloads it with the person's record: take
// along what was typed of the paper form or checkpoint, which the record
// cannot know.
document.addEventListener("click", function (event) {
  var link = event.target.closest ? event.target.closest("a[data-carry]") : null;
  var form = document.getElementById("entry-form");
  if (!link || !form) {
    return;
  }
  var url = new URL(link.href, window.location.href);
  link.getAttribute("data-carry").split(" ").forEach(function (name) {
    var field = form.elements[name];
    if (field && field.value) {
      url.searchParams.set(name, field.value);
    }
  });
  link.href = url.toString();
});
