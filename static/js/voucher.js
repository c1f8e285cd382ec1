// The purchase form's vouchers: lists each chosen file or photo with its size (and a small
// preview of a picture), warns at once about a file the server will refuse (too large, not a
// PDF, JPEG or PNG: a HEIC photo, say) rather than after a long upload over a phone's network,
// and lets the "Take a photo" input take several photos: each photo keeps its own input (all
// named like the file input, so the server receives them together) and a fresh one takes the
// next. The server still decides (portal/uploads.py); without JavaScript both inputs work,
// one photo at a time.
(function () {
  var ACCEPTED_TYPES = ["application/pdf", "image/jpeg", "image/png"];
  var ACCEPTED_NAMES = /\.(pdf|jpe?g|png)$/i;
  var PREVIEWED = ["image/jpeg", "image/png"];

  function say(template, name) {
    return template.replace("{name}", name);
  }

  function humanSize(bytes) {
    if (bytes >= 1024 * 1024) return (bytes / (1024 * 1024)).toFixed(1) + " MB";
    if (bytes >= 1024) return Math.round(bytes / 1024) + " KB";
    return bytes + " B";
  }

  function accepted(file) {
    // The browser's type is a guess from the name; an empty one falls back on the name.
    return file.type ? ACCEPTED_TYPES.indexOf(file.type) !== -1 : ACCEPTED_NAMES.test(file.name);
  }

  function problemOf(file, list) {
    var limit = parseInt(list.dataset.maxBytes, 10);
    if (limit && file.size > limit) return say(list.dataset.msgTooLarge, file.name);
    if (!accepted(file)) return say(list.dataset.msgWrongType, file.name);
    return "";
  }

  function entry(file, list) {
    var item = document.createElement("li");
    item.className = "voucher-chosen";
    var problem = problemOf(file, list);
    if (!problem && PREVIEWED.indexOf(file.type) !== -1) {
      // A data: URL, not a blob: one: the CSP's img-src allows 'self' and data: only.
      var picture = document.createElement("img");
      picture.alt = "";
      picture.className = "voucher-thumb";
      var reader = new FileReader();
      reader.onload = function () { picture.src = reader.result; };
      reader.readAsDataURL(file);
      item.appendChild(picture);
    }
    var text = document.createElement("span");
    text.className = "voucher-name";
    text.textContent = file.name + " (" + humanSize(file.size) + ")";
    item.appendChild(text);
    if (problem) {
      item.classList.add("has-problem");
      var warning = document.createElement("span");
      warning.className = "field-error";
      warning.textContent = "! " + problem;
      item.appendChild(warning);
    }
    return item;
  }

  function showChosen(input, list) {
    Array.prototype.forEach.call(list.querySelectorAll("[data-from-chooser]"), function (old) {
      old.remove();
    });
    var first = list.firstChild;
    Array.prototype.forEach.call(input.files, function (file) {
      var item = entry(file, list);
      item.setAttribute("data-from-chooser", "");
      list.insertBefore(item, first);
    });
  }

  function keepPhoto(input, list) {
    var file = input.files[0];
    var fresh = input.cloneNode(false);
    fresh.value = "";
    input.parentNode.insertBefore(fresh, input);
    // The taken photo's input leaves the label to the fresh one and moves into its list entry.
    input.removeAttribute("id");
    input.removeAttribute("aria-describedby");
    input.removeAttribute("data-voucher-camera");
    input.hidden = true;
    input.tabIndex = -1;
    var item = entry(file, list);
    item.appendChild(input);
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "link-button voucher-remove";
    remove.textContent = list.dataset.msgRemove;
    // Which photo it removes, for a screen reader: the visible word stays the name's start.
    var which = document.createElement("span");
    which.className = "visually-hidden";
    which.textContent = " " + file.name;
    remove.appendChild(which);
    remove.addEventListener("click", function () {
      item.remove();
      fresh.focus();
    });
    item.appendChild(remove);
    list.appendChild(item);
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-voucher-input]")) return;
    var list = input.form && input.form.querySelector("[data-voucher-preview]");
    if (!list) return;
    if (input.hasAttribute("data-voucher-camera")) {
      if (input.files.length) keepPhoto(input, list);
    } else {
      showChosen(input, list);
    }
  });
})();
