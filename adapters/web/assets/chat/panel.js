// Frontdesk web chat panel (inside the clinic site's frame). Replies come
// from the server's mailbox as numbered events, so a reload or a lost
// connection shows each reply once. Nothing is stored in the browser until
// the patient first writes: then the visitor's signed id and counters.
"use strict";
(function () {
  const list = document.getElementById("messages");
  const form = document.getElementById("send");
  const input = document.getElementById("text");
  const status = document.getElementById("status");
  const store = window.localStorage;
  const lang = document.documentElement.lang || "en";
  let visitor = store.getItem("frontdesk.visitor");
  let shown = 0;
  let events = null;

  function say(text, kind) {
    const item = document.createElement("li");
    item.className = kind;
    item.textContent = text;
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
    return item;
  }

  function showReply(reply) {
    if (reply.number <= shown) return;
    shown = reply.number;
    const item = say(reply.text, reply.kind === "emergency" ? "bot emergency" : "bot");
    item.dataset.number = String(reply.number);
    if (reply.choices && reply.choices.length) {
      const choices = document.createElement("div");
      choices.className = "choices";
      for (const choice of reply.choices) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = choice.label;
        button.addEventListener("click", function () {
          say(choice.label, "me");
          send({ choice: choice.id });
        });
        choices.appendChild(button);
      }
      item.appendChild(choices);
    }
  }

  function follow() {
    if (events || !visitor) return;
    events = new EventSource("/chat/api/events?visitor=" + encodeURIComponent(visitor) + "&after=0");
    events.onmessage = function (event) { showReply(JSON.parse(event.data)); };
    events.onerror = function () {
      status.textContent = navigator.onLine ? "" : "Offline: your messages will be sent when you are back.";
    };
  }

  async function send(body) {
    const seq = Number(store.getItem("frontdesk.seq") || "0") + 1;
    store.setItem("frontdesk.seq", String(seq));
    const message = Object.assign({ seq: seq, language: lang }, body);
    if (visitor) message.visitor = visitor;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const response = await fetch("/chat/api/messages", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(message),
        });
        if (response.ok) {
          const taken = await response.json();
          if (taken.visitor !== visitor) {
            visitor = taken.visitor;
            store.setItem("frontdesk.visitor", visitor);
            if (events) { events.close(); events = null; }
          }
          status.textContent = "";
          follow();
          return;
        }
        status.textContent = response.status === 413
          ? "That message is too long: please keep it shorter."
          : response.status === 429
            ? "Too many messages at once: please wait a minute, or call the clinic."
            : "The message could not be sent. Please try again, or call the clinic.";
        return;
      } catch (_) {
        // A network error: the same message (same number) again, taken once.
        status.textContent = "Reconnecting…";
        await new Promise(function (done) { setTimeout(done, 1000 * (attempt + 1)); });
      }
    }
    status.textContent = "The message could not be sent. Please try again, or call the clinic.";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    say(text, "me");
    send({ text: text });
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  document.getElementById("close").addEventListener("click", function () {
    window.parent.postMessage("frontdesk:close", "*");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") window.parent.postMessage("frontdesk:close", "*");
  });
  follow();
  input.focus();
})();
