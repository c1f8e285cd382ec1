// At a phone's width the side navigation folds behind its "Menu" button, so a page's content
// starts on the first screen; at a wider window the links are always shown. Without
// JavaScript the button stays hidden and the links shown.
(function () {
  var button = document.querySelector("[data-nav-toggle]");
  if (!button) return;
  var links = document.getElementById(button.getAttribute("aria-controls"));
  var phone = window.matchMedia("(max-width: 720px)");

  function fold(folded) {
    links.classList.toggle("folded", folded);
    button.setAttribute("aria-expanded", folded ? "false" : "true");
  }

  function fit() {
    button.hidden = !phone.matches;
    fold(phone.matches);
  }

  button.addEventListener("click", function () {
    fold(!links.classList.contains("folded"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && phone.matches && !links.classList.contains("folded")) {
      fold(true);
      button.focus();
    }
  });
  if (phone.addEventListener) phone.addEventListener("change", fit);
  fit();
})();
