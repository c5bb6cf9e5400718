// Onlooker's service worker: after the user's consent, injects the content script on the listed
// origins only, and forwards what those pages observe to the native host (stdin/stdout, no port).
// Nothing is sent, and no page is touched, before consent.
"use strict";

const api = globalThis.browser ?? globalThis.chrome;
const HOST = "org.onlooker.browser";
const SCRIPT_ID = "onlooker-pages";
const BROWSER = (navigator.userAgent.includes("Firefox") ? "firefox" : "chromium");

let port = null;
let hostOrigins = [];          // origins the user added in config.toml (sent by the host)
const backlog = [];            // messages while the host starts (bounded)

async function settings() {
  const s = await api.storage.local.get(["consent", "origins", "sendQuery"]);
  return { consent: s.consent === true, origins: Array.isArray(s.origins) ? s.origins : [],
           sendQuery: s.sendQuery === true };
}

function defaults() {
  // the manifest's host permissions, minus the loopback ones (those are for the probe page and
  // for origins the user adds): the default watch list
  return api.runtime.getManifest().host_permissions.filter(
    (p) => !p.startsWith("http://127.0.0.1") && !p.startsWith("http://localhost"));
}

let registering = Promise.resolve();

function register() {
  // one registration at a time: consent, the host's config and option edits can all ask at once
  registering = registering.then(registerNow, registerNow);
  return registering;
}

async function registerNow() {
  const s = await settings();
  const matches = [...new Set([...defaults(), ...s.origins, ...hostOrigins])];
  const existing = await api.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] });
  if (!s.consent) {
    if (existing.length) await api.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
    return;
  }
  const script = { id: SCRIPT_ID, matches, js: ["content.js"], runAt: "document_start", allFrames: false };
  if (existing.length) await api.scripting.updateContentScripts([script]);
  else await api.scripting.registerContentScripts([script]);
  // pages already open on the list (a meeting joined before consent) get it now too
  const open = await api.tabs.query({ url: matches }).catch(() => []);
  for (const tab of open) {
    api.scripting.executeScript({ target: { tabId: tab.id }, files: ["content.js"] }).catch(() => {});
  }
}

function send(msg) {
  if (port) { port.postMessage(msg); return; }
  if (backlog.length < 200) backlog.push(msg);
}

function connect() {
  if (port) return;
  port = api.runtime.connectNative(HOST);
  port.onMessage.addListener((msg) => {
    if (msg && msg.kind === "config" && Array.isArray(msg.origins)) {
      hostOrigins = msg.origins.filter((o) => typeof o === "string");
      api.storage.local.set({ hostConnected: Date.now() });
      register();
    }
  });
  port.onDisconnect.addListener(() => {
    const err = api.runtime.lastError;
    api.storage.local.set({ hostError: err ? String(err.message) : "disconnected" });
    port = null;
  });
  port.postMessage({ v: 1, kind: "hello", browser: BROWSER, version: api.runtime.getManifest().version });
  while (backlog.length) port.postMessage(backlog.shift());
}

async function start() {
  const s = await settings();
  if (!s.consent) return;
  await register();
  connect();
}

api.runtime.onInstalled.addListener(async (details) => {
  const s = await settings();
  if (!s.consent) api.tabs.create({ url: api.runtime.getURL("consent.html") });
  start();
});
api.runtime.onStartup.addListener(start);

// consent given or withdrawn, origins edited (consent and options pages write the settings)
api.storage.onChanged.addListener((changes, area) => {
  if (area !== "local" || !("consent" in changes || "origins" in changes)) return;
  settings().then((s) => {
    if (s.consent) { start(); return; }
    register();  // withdrawn: unregisters the content script
    if (port) { port.disconnect(); port = null; }
  });
});

const tabsSeen = new Set();

api.runtime.onMessage.addListener((msg, sender, reply) => {
  if (sender.id !== api.runtime.id) return;
  if (!msg || msg.kind !== "page" || !sender.tab || sender.frameId !== 0) return;
  settings().then((s) => {
    if (!s.consent) return;
    const url = msg.url + (s.sendQuery && msg.search ? msg.search : "");
    tabsSeen.add(sender.tab.id);
    connect();
    send({ v: 1, kind: "page", cause: msg.cause, tab: sender.tab.id, doc: msg.doc, seq: msg.seq,
           time: msg.time, url, query: s.sendQuery && !!msg.search, state: msg.state });
  });
});

api.tabs.onRemoved.addListener((tabId) => {
  if (!tabsSeen.has(tabId)) return;
  tabsSeen.delete(tabId);
  send({ v: 1, kind: "closed", tab: tabId, time: Date.now() });
});

start();
