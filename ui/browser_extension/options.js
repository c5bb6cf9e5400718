"use strict";
const api = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);
const PATTERN = /^(\*|https?):\/\/(\*|(\*\.)?[a-z0-9.\-]+|\[[0-9a-f:]+\])(:(\d{1,5}|\*))?\/.*$/;

function say(text) { $("status").textContent = text; $("status").hidden = false; }

async function load() {
  const m = api.runtime.getManifest();
  $("defaults").textContent = m.host_permissions.filter((p) => !/127\.0\.0\.1|localhost/.test(p)).join(", ");
  const s = await api.storage.local.get(["consent", "origins", "sendQuery", "hostConnected", "hostError"]);
  $("consent").checked = s.consent === true;
  $("origins").value = (s.origins || []).join("\n");
  $("sendQuery").checked = s.sendQuery === true;
  const w = await api.storage.session?.get?.("watching");
  if (w && w.watching) $("fromhost").textContent = w.watching.filter((p) => !m.host_permissions.includes(p)).join(", ") || "—";
  if (s.hostConnected) say("Connected to Onlooker on this computer (" + new Date(s.hostConnected).toLocaleString() + ").");
  else if (s.hostError) say("Not connected: " + s.hostError + " — run 'onlooker browser install'.");
}

$("save").addEventListener("click", async () => {
  const lines = $("origins").value.split("\n").map((l) => l.trim().toLowerCase()).filter(Boolean);
  const bad = lines.filter((l) => !PATTERN.test(l));
  if (bad.length) { say("Not an origin pattern: " + bad[0] + " — write it like https://*.example.edu/*"); return; }
  if (lines.length) {
    // a permission the browser asks you for, for exactly these sites (needs this click)
    const granted = await api.permissions.request({ origins: lines }).catch(() => false);
    if (!granted) { say("The browser did not grant access to those sites; nothing saved."); return; }
  }
  await api.storage.local.set({ consent: $("consent").checked, origins: lines, sendQuery: $("sendQuery").checked });
  say("Saved.");
});
load();
