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
