// Small behaviours the whole intranet shares. No inline scripts: the CSP forbids them.
document.addEventListener("htmx:afterSettle", (event) => {
  // After an htmx update, put focus where the answer is. Settle events fire on the new
  // content, so this also works for outerHTML swaps, whose old target is gone.
  const root = event.target instanceof Element && event.target.isConnected ? event.target : document;
  if (event.detail.xhr && event.detail.xhr.status === 422) {
    // An invalid form came back: the cursor goes to the first field to fix.
    const invalid = root.querySelector('[aria-invalid="true"]') || document.querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
    return;
  }
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
