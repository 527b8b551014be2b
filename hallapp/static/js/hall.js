// Small behaviours the whole intranet shares. No inline scripts: the CSP forbids them.
document.addEventListener("htmx:afterSwap", (event) => {
  // After an invalid form comes back (422), put the cursor on the first field to fix.
  if (event.detail.xhr && event.detail.xhr.status === 422) {
    const invalid = event.detail.target.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
  }
});

document.addEventListener("htmx:afterSettle", () => {
  // A success message swapped in asks for focus, so keyboard and screen-reader users land on
  // what changed instead of on a button that no longer exists.
  const target = document.querySelector("[data-hx-focus]");
  if (!target) return;
  target.removeAttribute("data-hx-focus");
  target.focus();
  if (target.scrollIntoView) target.scrollIntoView({ block: "nearest" });
});

document.addEventListener("keydown", (event) => {
  // Escape cancels an inline edit, as the Cancel button would.
  if (event.key !== "Escape") return;
  const row = event.target.closest && event.target.closest(".row--editing");
  if (!row) return;
  const cancel = row.querySelector("button[hx-get]");
  if (cancel) cancel.click();
});
