// Small behaviours the whole intranet shares. No inline scripts: the CSP forbids them.
document.addEventListener("htmx:afterSwap", (event) => {
  // After an invalid form comes back (422), put the cursor on the first field to fix.
  if (event.detail.xhr && event.detail.xhr.status === 422) {
    const invalid = event.detail.target.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
  }
});

document.addEventListener("keydown", (event) => {
  // Escape cancels an inline edit, as the Cancel button would.
  if (event.key !== "Escape") return;
  const row = event.target.closest && event.target.closest(".row--editing");
  if (!row) return;
  const cancel = row.querySelector("button[hx-get]");
  if (cancel) cancel.click();
});
