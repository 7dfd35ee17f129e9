// Frontdesk staff console: live updates of the page's live part. Every
// page works without this script; it only saves a reload. The server
// renders (and escapes) every part; this fetches it and swaps it in.
"use strict";
// "Copy" buttons (a link code, the link that opens the bot with it).
document.addEventListener("click", function (event) {
  const button = event.target.closest && event.target.closest("button.copy");
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(button.dataset.copy).then(function () {
    button.textContent = "Copied";
  }, function () {});
});
(function () {
  const live = document.querySelector("[data-live]");
  if (!live || !window.EventSource) return;
  let busy = false;
  let again = false;
  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const response = await fetch(live.dataset.live, { credentials: "same-origin" });
      if (response.redirected || response.status === 401) {
        window.location.assign("/login");
        return;
      }
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const part = page.querySelector(".live-part");
      if (part) {
        // A reply being written survives the refresh, with its cursor.
        const draft = live.querySelector("#reply-text");
        const writing = draft && document.activeElement === draft;
        live.replaceChildren(document.adoptNode(part));
        const fresh = live.querySelector("#reply-text");
        if (draft && fresh) {
          fresh.value = draft.value;
          if (writing) {
            fresh.focus();
            fresh.setSelectionRange(draft.selectionStart, draft.selectionEnd);
          }
        }
      }
      live.dataset.updates = String(Number(live.dataset.updates || "0") + 1);
    } finally {
      busy = false;
      if (again) { again = false; refresh(); }
    }
  }
  // While staff write a reply, a web patient's panel says so (at most
  // every few seconds).
  let told = 0;
  live.addEventListener("input", function (event) {
    const form = event.target.closest && event.target.closest("form.reply");
    if (!form || Date.now() - told < 4000) return;
    told = Date.now();
    const body = new URLSearchParams({ csrf: form.elements.csrf.value });
    fetch(form.action.replace(/\/reply$/, "/typing"), {
      method: "POST", credentials: "same-origin", body: body,
    }).catch(function () {});
  });
  // From the last event before the page was read (a reconnection sends
  // Last-Event-ID, which the server prefers).
  const events = new EventSource(live.dataset.events || "/events");
  events.onmessage = refresh;
  events.addEventListener("reset", refresh);
})();
