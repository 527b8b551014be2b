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

// Device set-up (kiosk, counter tablet): staff open the page with #token=...(&seniors=1).
// The part after # never reaches a server or its logs; it leaves the address bar at once
// and is posted once through the page's set-up form.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.location.hash.startsWith("#token=")) return;
  const params = new URLSearchParams(window.location.hash.slice(1));
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  // A device already set up has nothing to post; the token still leaves the address bar.
  const form = document.querySelector("form[data-token-from-fragment]");
  if (!form) return;
  form.querySelector("[name='token']").value = params.get("token") || "";
  const seniors = form.querySelector("[name='seniors']");
  if (seniors) seniors.checked = params.get("seniors") === "1";
  form.submit();
});

// The staff header on narrow screens: one row with a menu button that opens the menu and
// the person's buttons. CSS folds it (only where scripts run); this opens and closes it.
document.addEventListener("DOMContentLoaded", () => {
  const header = document.querySelector("[data-site-header]");
  const button = document.getElementById("site-menu-button");
  if (!header || !button) return;
  const setOpen = (open) => {
    header.classList.toggle("is-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  };
  button.addEventListener("click", () => setOpen(!header.classList.contains("is-open")));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && header.classList.contains("is-open")) {
      setOpen(false);
      button.focus();
    }
  });
});
