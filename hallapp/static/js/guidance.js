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

  // Card readers type like a keyboard: keep the swipe field focused after each swap,
  // unless the officer is typing somewhere else.
  function refocus() {
    var field = document.querySelector("[data-swipe-field]");
    var active = document.activeElement;
    var typing = active && active !== document.body && /INPUT|TEXTAREA|SELECT/.test(active.tagName);
    if (field && !typing) {
      field.focus();
    }
  }
  document.addEventListener("DOMContentLoaded", refocus);
  document.addEventListener("htmx:afterSettle", refocus);
})();
