// Guidance desk: print buttons, and the card-swipe field that keeps its focus.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-print]");
    if (trigger) {
      event.preventDefault();
      window.print();
    }
  });

  // A text field or a list has the keyboard; a ticked checkbox or a button does not.
  function isTyping(element) {
    if (!element || element === document.body) return false;
    if (element.tagName === "INPUT") return !/^(checkbox|radio|button|submit|reset)$/.test(element.type);
    return /TEXTAREA|SELECT/.test(element.tagName) || element.isContentEditable;
  }

  // Card readers type like a keyboard: the swipe field has the focus when the page opens
  // and after a swipe, unless the officer is typing somewhere else.
  function refocus() {
    var field = document.querySelector("[data-swipe-field]");
    if (field && !isTyping(document.activeElement)) {
      field.focus();
    }
  }
  document.addEventListener("DOMContentLoaded", refocus);

  // An answer (tickets issued, documents missing, a check-in) appears where the guide is
  // looking: it gets the focus and is scrolled into view, instead of the swipe field at the
  // top of a long form pulling the screen away from it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    var region = target && target.closest && target.closest("[data-desk-answer]");
    if (!region) {
      refocus();
      return;
    }
    var answer = region.querySelector("[tabindex='-1']");
    if (answer) {
      answer.focus({ preventScroll: true });
      answer.scrollIntoView({ block: "start" });
    }
  });

  // ... and the swipe field stays one key away: the first character a card reader (or the
  // guide) types outside a field goes into it.
  document.addEventListener("keydown", function (event) {
    var field = document.querySelector("[data-swipe-field]");
    if (!field || isTyping(document.activeElement)) return;
    if (event.key.length !== 1 || event.key === " " || event.ctrlKey || event.metaKey || event.altKey) return;
    field.value = "";
    field.focus();
  });
})();

// After a good swipe the number has been read: clear the field for the next card.
document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.detail.elt;
  if (form && form.id === "desk-swipe-form" && event.detail.successful) {
    form.reset();
  }
});

// Triage: show the checklist of each chosen service, hide the others.
function showChosenChecklists(form) {
  var chosen = {};
  form.querySelectorAll("[data-service-choices] input[name=services]").forEach(function (box) {
    chosen[box.value] = box.checked;
  });
  form.querySelectorAll(".desk-checklist[data-service]").forEach(function (list) {
    list.hidden = !chosen[list.getAttribute("data-service")];
  });
}
document.addEventListener("change", function (event) {
  var form = event.target.closest("[data-js-checklists]");
  if (form && event.target.name === "services") {
    showChosenChecklists(form);
  }
});
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("[data-js-checklists]");
  if (form) {
    showChosenChecklists(form);
  }
});

// A swipe may suggest a need (the senior lane from the card's birth date): tick it once,
// visibly, so the guide only has to untick it when the visitor declines.
document.addEventListener("htmx:afterSettle", function () {
  document.querySelectorAll("[data-suggest-need]").forEach(function (hint) {
    if (hint.dataset.applied) return;
    hint.dataset.applied = "true";
    var box = document.querySelector('#desk-triage-form input[name=needs][value="' + hint.dataset.suggestNeed + '"]');
    if (box) box.checked = true;
  });
});
