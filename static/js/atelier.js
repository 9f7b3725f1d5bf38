// Small behaviours that the CSP keeps out of inline attributes.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form.confirm-submit");
  if (form && !window.confirm(form.dataset.confirm || "Are you sure?")) {
    event.preventDefault();
  }
}, true);

// htmx answers with 4xx/5xx for refused actions: swap them in anyway so the message shows.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status >= 400 && event.detail.xhr.status < 500) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
  // The bell's poll swaps in only a bell: a signed-out session answers with the sign-in page
  // (after a redirect), which must not land in the top bar.
  const bell = event.detail.elt.closest && event.detail.elt.closest(".notification-bell");
  if (bell && !event.detail.xhr.getResponseHeader("X-Notification-Bell")) {
    event.detail.shouldSwap = false;
  }
});

// Product list: "select all on this page".
document.addEventListener("change", (event) => {
  const all = event.target.closest("input.select-all");
  if (!all) return;
  all.closest("table").querySelectorAll("input.row-select").forEach((box) => {
    box.checked = all.checked;
  });
});

// Review page: "a" approves, "n" opens the next item (not while typing). A person may turn
// single-key shortcuts off in their preferences: <body data-shortcuts="off">, and then they are
// never bound.
function onShortcutKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
  if (event.key === "a") {
    const approve = document.getElementById("review-approve");
    if (approve) { event.preventDefault(); approve.click(); }
  } else if (event.key === "n") {
    const next = document.getElementById("review-next");
    if (next) { event.preventDefault(); window.location.assign(next.href); }
  }
}
if (document.body.dataset.shortcuts !== "off") {
  document.addEventListener("keydown", onShortcutKey);
}

// Photo studio: the before/after slider reveals the "after" image from the slider's position
// (clip-path set through the CSSOM, which the CSP allows; no style="" attributes).
document.addEventListener("input", (event) => {
  const range = event.target.closest("input.ba-range");
  if (!range) return;
  const after = range.closest(".ba-viewer").querySelector(".ba-after");
  if (after) after.style.clipPath = `inset(0 0 0 ${range.value}%)`;
});
