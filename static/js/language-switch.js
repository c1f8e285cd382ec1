// The header's language select sends its form as soon as a language is chosen
// (the <noscript> button does it without script). No inline handler: the CSP forbids them.
(function () {
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
})();
