// Counter console: single-key shortcuts for the buttons, and focus kept after each swap.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  const target = event.target;
  if (target.closest && target.closest("input, select, textarea")) return;
  const control = document.querySelector(`.console [data-key="${event.key.toLowerCase()}"]`);
  if (!control || control.disabled) return;
  event.preventDefault();
  // A list's key (W: the waiting list) only puts the cursor there: Tab and Enter choose.
  if (control.tagName === "SELECT" || control.hasAttribute("data-key-focus")) {
    control.focus();
    return;
  }
  // A key pressed right after a swap can beat htmx to the new button: bind it first.
  if (window.htmx) window.htmx.process(control);
  control.click();
});

document.addEventListener("htmx:afterSwap", (event) => {
  // The panel was replaced: put the cursor on the step that comes next.
  const panel = event.detail.target;
  if (!panel || !panel.classList || !panel.classList.contains("console__panel")) return;
  const next = document.querySelector(".console__panel [data-autofocus]");
  if (next) next.focus();
});
