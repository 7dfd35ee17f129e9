// Frontdesk web chat: the one tag a clinic adds to its site loads this. It
// adds a launcher button and, when pressed, the chat panel in an iframe
// served by the clinic's own Frontdesk. Nothing is stored and nothing is
// asked of any other host; the panel stores nothing until the patient writes.
"use strict";
(function (texts) {
  const script = document.currentScript;
  if (!script) return;
  const language = (navigator.language || "en").slice(0, 2).toLowerCase();
  const words = (texts && (texts[language] || texts.en)) || { launcher: "Chat", title: "Chat" };
  const base = new URL(script.src).origin;
  const sheet = document.createElement("link");
  sheet.rel = "stylesheet";
  sheet.href = base + "/chat/widget.css";
  document.head.appendChild(sheet);

  const launcher = document.createElement("button");
  launcher.type = "button";
  launcher.className = "frontdesk-launcher";
  launcher.setAttribute("aria-haspopup", "dialog");
  launcher.setAttribute("aria-expanded", "false");
  launcher.textContent = words.launcher;

  let frame = null;
  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.className = "frontdesk-panel";
      frame.title = words.title;
      frame.src = base + "/chat/?lang=" + encodeURIComponent(navigator.language || "");
      document.body.appendChild(frame);
    }
    frame.hidden = false;
    fit();
    launcher.setAttribute("aria-expanded", "true");
    frame.focus();
  }
  function close() {
    if (frame) frame.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  launcher.addEventListener("click", function () {
    if (frame && !frame.hidden) close(); else open();
  });
  // On a phone the panel takes the whole screen, and the keyboard must not
  // cover its input: the frame follows the part of the page in view.
  function fit() {
    const view = window.visualViewport;
    if (!frame || !view) return;
    const phone = window.matchMedia("(max-width: 32rem)").matches;
    frame.style.height = phone ? view.height + "px" : "";
    frame.style.top = phone ? view.offsetTop + "px" : "";
  }
  if (window.visualViewport) {
    window.visualViewport.addEventListener("resize", fit);
    window.visualViewport.addEventListener("scroll", fit);
  }
  // The panel asks to be closed (its close button, or Escape).
  window.addEventListener("message", function (event) {
    if (event.origin === base && event.data === "frontdesk:close") close();
  });
  document.body.appendChild(launcher);
})(/*TEXTS*/null);
