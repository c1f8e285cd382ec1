// The products' multi-select: narrowing it never changes what is chosen (select-filter.js
// picks the single match of a one-choice select, which would drop the other choices here).
(function () {
  var input = document.getElementById("products-filter");
  if (!input) return;
  var select = document.getElementById(input.dataset.filterOptions);
  var count = document.getElementById("products-filter-count");
  input.addEventListener("input", function () {
    var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    Array.prototype.forEach.call(select.options, function (option) {
      var text = option.textContent.toLowerCase();
      var visible = option.selected || words.every(function (w) { return text.indexOf(w) !== -1; });
      option.hidden = !visible;
      if (visible) shown += 1;
    });
    count.textContent = words.length ? shown + " / " + select.options.length : "";
  });
})();
