// Upload progress for the import form: htmx reports the upload's progress; once the file
// is sent, the server checks every row, which the label says while it waits.
document.addEventListener("htmx:xhr:progress", function (event) {
  var form = event.target.closest("[data-import-form]");
  if (!form || !event.detail.lengthComputable) return;
  var percent = Math.round((event.detail.loaded / event.detail.total) * 100);
  form.querySelector("[data-upload-progress]").value = percent;
  if (percent >= 100) {
    form.querySelector("[data-upload-label]").hidden = true;
    form.querySelector("[data-checking-label]").hidden = false;
  }
});
document.addEventListener("htmx:beforeRequest", function (event) {
  var form = event.target.closest("[data-import-form]");
  if (!form) return;
  form.querySelector("[data-upload-progress]").value = 0;
  form.querySelector("[data-upload-label]").hidden = false;
  form.querySelector("[data-checking-label]").hidden = true;
});
// The answer replaces only the result below the form: mark the file input invalid (and
// described by the problems listed) while the answer lists any, so a screen reader on the
// field hears why (WCAG 3.3.1); a clean answer takes the mark off again.
document.addEventListener("htmx:afterSettle", function (event) {
  if (event.target.id !== "import-result") return;
  var form = document.querySelector("[data-import-form]");
  var input = form && form.querySelector("input[type=file]");
  if (!input) return;
  if (input.dataset.describedby === undefined) {
    input.dataset.describedby = input.getAttribute("aria-describedby") || "";
  }
  var ids = [];
  event.target.querySelectorAll(".error-summary").forEach(function (summary, index) {
    if (!summary.id) summary.id = "import-result-error-" + index;
    ids.push(summary.id);
  });
  var own = input.dataset.describedby.split(/\s+/).filter(function (id) {
    return id && !id.startsWith("import-result-error-") && document.getElementById(id);
  });
  if (ids.length) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", own.concat(ids).join(" "));
  } else {
    input.removeAttribute("aria-invalid");
    if (own.length) input.setAttribute("aria-describedby", own.join(" "));
    else input.removeAttribute("aria-describedby");
  }
});
