// The home page's guided first visit (templates/portal/help/_tour.html): the "Getting
// started" panel's steps become a modal dialog that walks through them one at a time,
// outlining the element each step points at. Finishing, skipping or Esc tells the server
// (POST with the panel's CSRF token), so no device shows the tour again. Without JavaScript
// (or without <dialog>) the panel and its "Got it" button stay as they are.
(function () {
  var panel = document.querySelector("[data-tour]");
  var dialog = document.querySelector("[data-tour-dialog]");
  if (!panel || !dialog || typeof dialog.showModal !== "function") return;

  var form = panel.querySelector("[data-tour-form]");
  var steps = Array.prototype.map.call(panel.querySelectorAll("[data-tour-step]"), function (li) {
    return {
      title: li.querySelector("[data-step-title]").textContent,
      text: li.querySelector("[data-step-text]").textContent,
      progress: li.dataset.progress,
      target: li.dataset.target
    };
  });
  if (!steps.length) return;

  var title = dialog.querySelector("[data-tour-title]");
  var text = dialog.querySelector("[data-tour-text]");
  var progress = dialog.querySelector("[data-tour-progress]");
  var back = dialog.querySelector("[data-tour-back]");
  var next = dialog.querySelector("[data-tour-next]");
  var skip = dialog.querySelector("[data-tour-skip]");
  var current = 0;
  var outlined = null;
  var returnFocus = null;

  // The element a step points at, if it is on the page and shown. At a phone's width the
  // navigation is folded behind its Menu button (nav.js): a step about a menu entry points at
  // that button; with neither shown, the step is shown without one.
  function shown(element) {
    return element && element.getClientRects().length ? element : null;
  }

  function targetOf(step) {
    if (!step.target) return null;
    var element = document.querySelector(step.target);
    if (!element) return null;
    if (!shown(element) && element.closest(".side-nav")) {
      return shown(document.querySelector("[data-nav-toggle]"));
    }
    return shown(element);
  }

  function unmark() {
    if (outlined) outlined.classList.remove("tour-target");
    outlined = null;
  }

  // The dialog sits at the bottom of the window: the element pointed at is scrolled into the
  // middle of the space above it, and where it cannot be (the page ends), the dialog moves to
  // the top.
  function place(element) {
    dialog.classList.remove("tour-top");
    dialog.classList.toggle("tour-unanchored", !element);
    if (!element) return;
    element.scrollIntoView({ block: "nearest", inline: "nearest" });
    var box = dialog.getBoundingClientRect();
    var target = element.getBoundingClientRect();
    window.scrollBy(0, target.top - Math.max(8, (box.top - target.height) / 2));
    target = element.getBoundingClientRect();
    if (target.bottom > box.top && target.top < box.bottom) dialog.classList.add("tour-top");
  }

  function show(index) {
    current = index;
    var step = steps[index];
    var last = index === steps.length - 1;
    title.textContent = step.title;
    text.textContent = step.text;
    progress.textContent = step.progress;
    // A Back button disabled under the focus would drop it outside the dialog.
    var backHadFocus = document.activeElement === back;
    back.disabled = index === 0;
    if (back.disabled && backHadFocus) next.focus();
    next.textContent = last ? next.dataset.finishLabel : next.dataset.nextLabel;
    unmark();
    var element = targetOf(step);
    if (element) {
      element.classList.add("tour-target");
      outlined = element;
    }
    place(element);
  }

  function record() {
    var body = new FormData(form);
    return fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
    });
  }

  function close() {
    unmark();
    if (dialog.open) dialog.close();
    var focus = returnFocus && document.contains(returnFocus) ? returnFocus : document.getElementById("main");
    if (focus) focus.focus({ preventScroll: true });
    // A replay (/?tour=replay) is over: reloading the page must not start it again.
    if (/[?&]tour=replay/.test(window.location.search)) {
      window.history.replaceState(null, "", window.location.pathname);
    }
    // Not recorded (offline, the session ended): the panel comes back, its "Got it" button
    // sends the form the way it does without JavaScript.
    record().catch(function () { panel.hidden = false; });
  }

  back.addEventListener("click", function () {
    if (current > 0) show(current - 1);
  });
  next.addEventListener("click", function () {
    if (current < steps.length - 1) show(current + 1);
    else close();
  });
  skip.addEventListener("click", close);
  // Esc: the browser's "cancel" of a modal dialog, taken as skipping the tour.
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    close();
  });
  // Tab and Shift+Tab go round the dialog's buttons, never behind it.
  dialog.addEventListener("keydown", function (event) {
    if (event.key !== "Tab") return;
    var focusable = Array.prototype.filter.call(dialog.querySelectorAll("button"), function (b) {
      return !b.disabled;
    });
    var first = focusable[0];
    var final = focusable[focusable.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      final.focus();
    } else if (!event.shiftKey && document.activeElement === final) {
      event.preventDefault();
      first.focus();
    }
  });

  returnFocus = document.activeElement !== document.body ? document.activeElement : null;
  panel.hidden = true;
  dialog.showModal();
  show(0);
  next.focus();
})();
