// A search box that narrows a long <select> (suppliers) to the options whose text contains
// what was typed: name or credit code, anywhere in the label. Without JavaScript the
// plain select still works.
(function () {
  function matches(option, words) {
    var text = option.textContent.toLowerCase();
    return words.every(function (word) { return text.indexOf(word) !== -1; });
  }
  function apply(input) {
    var select = document.getElementById(input.dataset.filterSelect);
    if (!select) return;
    var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0, first = null;
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) return; // the "choose" line stays
      var visible = matches(option, words);
      option.hidden = !visible;
      option.disabled = !visible && !option.selected;
      if (visible) { shown += 1; first = first || option; }
    });
    var count = document.getElementById(input.getAttribute("aria-describedby"));
    if (count) count.textContent = words.length ? shown + " / " + (select.options.length - 1) : "";
    if (words.length && shown === 1 && select.value !== first.value) {
      select.value = first.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-filter-select]")) apply(event.target);
  });
})();
