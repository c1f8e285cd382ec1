// The accessibility toolbar (无障碍, templates/base.html): "Larger text" steps the text size up
// (112.5%, 125%, then back to normal), "High contrast" switches the black-and-yellow theme,
// "Reset" returns to the normal look. The choice is classes on <html> (portal.css) and the
// portal_a11y cookie, which the server reads to render the next page with the same classes
// (portal/accessibility.py). Without JavaScript the buttons post their form instead.
(function () {
  var form = document.querySelector("[data-a11y-toolbar]");
  if (!form) return;
  var root = document.documentElement;
  var COOKIE = "portal_a11y";
  var ONE_YEAR = 365 * 24 * 60 * 60;
  var STEPS = 2;
  var SIZES = { 1: "112.5%", 2: "125%" };
  var size = document.getElementById("a11y-text-size");

  // The same defensive reading as the server's: anything unknown is ignored.
  function parse(value) {
    var chosen = { text: 0, contrast: false };
    if (!value || value.length > 64) return chosen;
    value.split("|").forEach(function (part) {
      var pair = part.split(":");
      if (pair[0] === "text" && (pair[1] === "1" || pair[1] === "2")) chosen.text = Number(pair[1]);
      if (pair[0] === "contrast" && pair[1] === "1") chosen.contrast = true;
    });
    return chosen;
  }

  function fromCookie() {
    var found = null;
    document.cookie.split(";").forEach(function (cookie) {
      var at = cookie.indexOf("=");
      if (cookie.slice(0, at).trim() === COOKIE) found = cookie.slice(at + 1).trim();
    });
    return found === null ? null : parse(found);
  }

  // The page's own classes, where the cookie cannot be read (cookies refused, or reset in
  // another tab): what the reader sees is what the next press starts from.
  function fromPage() {
    var text = 0;
    for (var step = 1; step <= STEPS; step++) {
      if (root.classList.contains("a11y-text-" + step)) text = step;
    }
    return { text: text, contrast: root.classList.contains("a11y-contrast") };
  }

  function current() {
    return fromCookie() || fromPage();
  }

  function write(chosen) {
    var parts = [];
    if (chosen.text) parts.push("text:" + chosen.text);
    if (chosen.contrast) parts.push("contrast:1");
    var secure = window.location.protocol === "https:" ? "; Secure" : "";
    var age = parts.length ? ONE_YEAR : 0;
    document.cookie =
      COOKIE + "=" + parts.join("|") + "; Max-Age=" + age + "; Path=/; SameSite=Lax" + secure;
  }

  function show(chosen) {
    for (var step = 1; step <= STEPS; step++) {
      root.classList.toggle("a11y-text-" + step, chosen.text === step);
    }
    root.classList.toggle("a11y-contrast", chosen.contrast);
    form.querySelectorAll("[data-a11y-action]").forEach(function (button) {
      var action = button.getAttribute("data-a11y-action");
      if (action === "text") button.setAttribute("aria-pressed", chosen.text ? "true" : "false");
      if (action === "contrast") button.setAttribute("aria-pressed", chosen.contrast ? "true" : "false");
    });
    if (size) size.textContent = SIZES[chosen.text] || "";
  }

  function after(chosen, action) {
    if (action === "text") return { text: (chosen.text + 1) % (STEPS + 1), contrast: chosen.contrast };
    if (action === "contrast") return { text: chosen.text, contrast: !chosen.contrast };
    if (action === "reset") return { text: 0, contrast: false };
    return chosen;
  }

  // Enter and Space on a button fire its click too.
  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-a11y-action]");
    if (!button) return;
    event.preventDefault();
    var chosen = after(current(), button.getAttribute("data-a11y-action"));
    write(chosen);
    show(chosen);
  });

  // A page brought back by the Back button may predate a later choice: show the cookie's.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) show(current());
  });
})();
