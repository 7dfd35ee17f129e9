// Frontdesk web chat panel (inside the clinic site's frame). Every line of
// the conversation comes from the server's mailbox as a numbered event, so
// a reload or a lost connection shows each line once. Nothing is stored in
// the browser until the patient first writes: then the visitor's signed id
// and the count of messages sent. Every text is set with textContent.
"use strict";
(function () {
  const list = document.getElementById("messages");
  const form = document.getElementById("send");
  const input = document.getElementById("text");
  const status = document.getElementById("status");
  const typing = document.getElementById("typing");
  const confirm = document.getElementById("confirm");
  const words = document.body.dataset;
  const store = window.localStorage;
  const lang = document.documentElement.lang || "en";
  let visitor = store.getItem("frontdesk.visitor");
  let shown = 0;          // the last mailbox number shown
  let events = null;
  let typingUntil = 0;
  const pending = [];     // the patient's lines not yet back from the mailbox

  function line(text, kind) {
    const item = document.createElement("li");
    item.className = kind;
    item.textContent = text;
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
    return item;
  }

  function setTyping(on, seconds) {
    typingUntil = on ? Date.now() + seconds * 1000 : 0;
    typing.hidden = !on;
    if (on) setTimeout(function () { if (Date.now() >= typingUntil) typing.hidden = true; }, seconds * 1000);
  }

  function show(posted) {
    if (posted.number <= shown) return;
    shown = posted.number;
    if (posted.from === "patient") {
      const mine = pending.shift();
      const item = mine || line(posted.text, "me");
      item.classList.remove("pending");
      item.dataset.number = String(posted.number);
      return;
    }
    setTyping(false);
    const kind = posted.kind === "emergency" || posted.kind === "urgent"
      ? "bot " + posted.kind : posted.kind === "from_staff" ? "bot staff" : "bot";
    const item = line(posted.text, kind);
    item.dataset.number = String(posted.number);
    item.dataset.kind = posted.kind;
    if (posted.choices && posted.choices.length) {
      const choices = document.createElement("div");
      choices.className = "choices";
      for (const choice of posted.choices) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = choice.label;
        button.dataset.choice = choice.id;
        button.addEventListener("click", function () {
          send({ choice: choice.id }, choice.label);
        });
        choices.appendChild(button);
      }
      item.appendChild(choices);
    }
  }

  function follow() {
    if (events || !visitor) return;
    const url = "/chat/api/events?visitor=" + encodeURIComponent(visitor) + "&after=" + shown;
    events = new EventSource(url);
    events.onmessage = function (event) { show(JSON.parse(event.data)); status.textContent = ""; };
    events.addEventListener("typing", function () { setTyping(true, 8); });
    events.onerror = function () {
      status.textContent = words.reconnecting;
      // The browser retries by itself unless the server refused: then so do we.
      if (events.readyState === EventSource.CLOSED) {
        events = null;
        setTimeout(follow, 3000);
      }
    };
    events.onopen = function () { status.textContent = ""; };
  }

  async function send(body, text) {
    const mine = line(text, "me pending");
    pending.push(mine);
    const seq = Number(store.getItem("frontdesk.seq") || "0") + 1;
    const message = Object.assign({ seq: seq, language: lang }, body);
    if (visitor) {
      message.visitor = visitor;
      store.setItem("frontdesk.seq", String(seq));
    }
    setTyping(true, 15);
    for (let attempt = 0; attempt < 6; attempt++) {
      try {
        const response = await fetch("/chat/api/messages", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(message),
        });
        if (response.ok) {
          const taken = await response.json();
          if (taken.visitor !== visitor) {
            // The first message (or an id that had expired): from now on
            // this browser keeps the visitor's id, and its count.
            visitor = taken.visitor;
            store.setItem("frontdesk.visitor", visitor);
            store.setItem("frontdesk.seq", String(seq));
            if (events) { events.close(); events = null; }
            shown = 0;
          }
          status.textContent = "";
          follow();
          return;
        }
        refused(mine, response.status === 413 ? words.tooLong
          : response.status === 429 ? words.tooMany : words.notSent);
        return;
      } catch (_) {
        // A network error: the same message (same number) again, taken once.
        status.textContent = words.reconnecting;
        await new Promise(function (done) { setTimeout(done, 1000 * (attempt + 1)); });
      }
    }
    refused(mine, words.notSent);
  }

  function refused(mine, why) {
    setTyping(false);
    const at = pending.indexOf(mine);
    if (at >= 0) pending.splice(at, 1);
    mine.classList.remove("pending");
    mine.classList.add("not-sent");
    status.textContent = why;
  }

  async function startOver() {
    confirm.hidden = true;
    if (visitor) {
      try {
        await fetch("/chat/api/start-over", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ visitor: visitor }),
        });
      } catch (_) {
        status.textContent = words.notSent;
        return;
      }
    }
    if (events) { events.close(); events = null; }
    store.removeItem("frontdesk.visitor");
    store.removeItem("frontdesk.seq");
    visitor = null;
    shown = 0;
    pending.length = 0;
    list.replaceChildren();
    status.textContent = "";
    input.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ text: text }, text);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  document.getElementById("start-over").addEventListener("click", function () {
    confirm.hidden = false;
    document.getElementById("confirm-no").focus();
  });
  document.getElementById("confirm-yes").addEventListener("click", startOver);
  document.getElementById("confirm-no").addEventListener("click", function () {
    confirm.hidden = true;
    input.focus();
  });
  function close() { window.parent.postMessage("frontdesk:close", "*"); }
  document.getElementById("close").addEventListener("click", close);
  // A dialog: Escape closes it, and Tab stays inside it.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { close(); return; }
    if (event.key !== "Tab") return;
    const inside = Array.from(document.querySelectorAll("#panel button, #panel textarea"))
      .filter(function (e) { return !e.disabled && e.offsetParent !== null; });
    if (!inside.length) return;
    const first = inside[0], last = inside[inside.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault(); last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault(); first.focus();
    }
  });
  follow();
  input.focus();
})();
