"use strict";
const api = globalThis.browser ?? globalThis.chrome;
const status = document.getElementById("status");

function say(text) { status.textContent = text; status.hidden = false; }

document.getElementById("agree").addEventListener("click", async () => {
  await api.storage.local.set({ consent: true, consentAt: Date.now() });  // the worker follows
  say("Started. Pages on your list are now observed; you can close this tab. " +
      "Change the list or withdraw consent in the extension's options.");
});
document.getElementById("decline").addEventListener("click", async () => {
  await api.storage.local.set({ consent: false });
  say("Nothing is recorded. Open the extension's options to agree later.");
});
api.storage.local.get("consent").then((s) => {
  if (s.consent === true) say("You agreed earlier; pages on your list are observed.");
});
