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

// Device set-up (kiosk, counter tablet): staff open the page with #token=...(&seniors=1).
// The part after # never reaches a server or its logs; it leaves the address bar at once
// and is posted once through the page's set-up form.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.location.hash.startsWith("#token=")) return;
  const params = new URLSearchParams(window.location.hash.slice(1));
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  const form = document.querySelector("form[data-token-from-fragment]");
  if (!form) return; // already set up: the token only leaves the address
  form.querySelector("[name='token']").value = params.get("token") || "";
  const seniors = form.querySelector("[name='seniors']");
  if (seniors) seniors.checked = params.get("seniors") === "1";
  form.submit();
});
