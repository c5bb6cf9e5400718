// The probe: uses exactly the APIs a meeting or exam page uses and shows what it learns. Every
// value is set as text. Events are posted to Onlooker only when it was started with --record.
"use strict";

const probe = { token: null, record: false, counts: {} };

function takeToken() {
  const m = /(?:^#|&)token=([0-9a-f]{32})/.exec(location.hash);
  if (m) {
    sessionStorage.setItem("onlooker-probe-token", m[1]);
    history.replaceState(null, "", location.pathname);  // the key leaves the address bar
  }
  return sessionStorage.getItem("onlooker-probe-token");
}

function set(id, text, on) {
  const el = document.getElementById(id);
  el.textContent = text;
  el.className = on === undefined ? "" : on ? "on" : "off";
}

function bump(key) {
  probe.counts[key] = (probe.counts[key] || 0) + 1;
  set("c-" + key, String(probe.counts[key]));
}

function note(text, event, extra) {
  const li = document.createElement("li");
  li.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
  const list = document.getElementById("events");
  list.prepend(li);
  while (list.children.length > 200) list.lastChild.remove();
  if (probe.record && event) {
    fetch("/api/probe/event", { method: "POST", cache: "no-store",
      headers: { Authorization: `Bearer ${probe.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ event, time: Date.now(), ...(extra || {}) }) }).catch(() => {});
  }
}

function showVisibility() { const v = document.visibilityState === "visible"; set("s-visible", v ? "visible" : "hidden", v); return v; }
function showFocus() { const f = document.hasFocus(); set("s-focus", f ? "focused" : "not focused", f); return f; }
function showFullscreen() { const f = !!document.fullscreenElement; set("s-fullscreen", f ? "full screen" : "windowed", f); return f; }

function wire() {
  document.addEventListener("visibilitychange", () => {
    const v = showVisibility(); showFocus(); bump("visible");
    note(v ? "tab visible again" : "tab hidden: you switched away", "tab", { state: v ? "visible" : "hidden" });
  });
  window.addEventListener("blur", (e) => {
    if (e.target !== window) return;
    showFocus(); bump("focus"); note("window lost focus (blur)", "page_blur");
  });
  window.addEventListener("focus", (e) => {
    if (e.target !== window) return;
    showFocus(); bump("focus"); note("window focused again", "page_focus");
  });
  document.addEventListener("fullscreenchange", () => {
    const f = showFullscreen(); bump("fullscreen");
    note(f ? "entered full screen" : "left full screen", f ? "fullscreen_enter" : "fullscreen_exit");
  });
  document.documentElement.addEventListener("mouseleave", () => {
    set("s-pointer", "outside the page", false); bump("pointer"); note("pointer left the page", "pointer_leave");
  });
  document.documentElement.addEventListener("mouseenter", () => {
    set("s-pointer", "over the page", true); bump("pointer"); note("pointer back over the page", "pointer_enter");
  });
  document.getElementById("fs").addEventListener("click", () => {
    document.documentElement.requestFullscreen().catch((e) => note("full screen refused: " + e.message));
  });
  document.getElementById("idle").addEventListener("click", askIdle);
}

async function askIdle() {
  if (!("IdleDetector" in window)) { set("s-idle", "not offered by this browser", false); return; }
  try {
    const answer = await IdleDetector.requestPermission();
    if (answer !== "granted") { set("s-idle", "permission " + answer, false); return; }
    const detector = new IdleDetector();
    detector.addEventListener("change", () => {
      set("s-idle", `${detector.userState}, screen ${detector.screenState}`, detector.userState === "active");
      bump("idle"); note(`Idle Detection: user ${detector.userState}, screen ${detector.screenState}`);
    });
    await detector.start({ threshold: 60000 });  // the API's minimum
    set("s-idle", "watching (60 s threshold)", true);
  } catch (e) { set("s-idle", "refused: " + e.message, false); }
}

function fmtBytes(n) { return n >= 1e9 ? (n / 1e9).toFixed(1) + " GB" : (n / 1e6).toFixed(0) + " MB"; }

// navigator.deviceMemory is the memory rounded to a power of two and clamped; only the top of
// the range means "or more": 8 GB up to Chrome 146, 32 GB on desktops from Chrome 147.
function memoryText(gb, userAgent) {
  if (!gb) return "not given";
  const m = /Chrom(?:e|ium)\/(\d+)/.exec(userAgent || ""), top = m && +m[1] >= 147 ? 32 : 8;
  return gb >= top ? `${gb} GB or more` : `about ${gb} GB`;
}

async function device() {
  const ua = navigator.userAgentData;
  let hints = {};
  try { hints = ua ? await ua.getHighEntropyValues(["platformVersion", "model", "architecture"]) : {}; } catch (e) { hints = {}; }
  let storage = "not available";
  try { const est = await navigator.storage.estimate(); storage = `quota ${fmtBytes(est.quota)} (a share of free disk space, not the disk size)`; } catch (e) { /* none */ }
  const rows = [
    ["OS type and version", "navigator.platform, userAgentData", `${navigator.platform || "?"} ${hints.platformVersion ? "(version " + hints.platformVersion + ")" : ""}`.trim(), true],
    ["Time zone", "Intl time zone", Intl.DateTimeFormat().resolvedOptions().timeZone, true],
    ["Device model", "userAgentData model (mostly empty on desktops)", hints.model || "not given", !!hints.model],
    ["Phone carrier", "cannot read", "no web API tells a page the carrier", false],
    ["Screen size", "screen.width × height, devicePixelRatio", `${screen.width} × ${screen.height} at ${devicePixelRatio}×`, true],
    ["Processor cores", "navigator.hardwareConcurrency", String(navigator.hardwareConcurrency ?? "not given"), navigator.hardwareConcurrency != null],
    ["Disk space", "navigator.storage.estimate()", storage, true],
    ["(also) Memory", "navigator.deviceMemory (rounded to a power of two; at most 8 GB before Chrome 147, 32 GB since)",
     memoryText(navigator.deviceMemory, navigator.userAgent), !!navigator.deviceMemory],
    ["(also) Language", "navigator.languages", (navigator.languages || [navigator.language]).join(", "), true],
    ["(also) Advertising id", "cannot read", "pages have no device advertising identifier", false],
  ];
  const body = document.getElementById("device");
  for (const [item, how, value, can] of rows) {
    const tr = document.createElement("tr");
    for (const [text, cls] of [[item], [how, can ? "yes" : "no"], [value]]) {
      const td = document.createElement("td");
      td.textContent = text;
      if (cls) td.className = cls;
      tr.append(td);
    }
    body.append(tr);
  }
}

async function start() {
  probe.token = takeToken();
  wire();
  showVisibility(); showFocus(); showFullscreen();
  set("s-pointer", "not known yet");
  device();
  try {
    const r = await fetch("/api/probe", { cache: "no-store", headers: { Authorization: `Bearer ${probe.token}` } });
    probe.record = r.ok && (await r.json()).record === true;
  } catch (e) { probe.record = false; }
  document.getElementById("recording").textContent = probe.record
    ? "Recording these events into your Onlooker database (started with --record)"
    : "Not recording: only shown here (start with 'onlooker probe --record' to keep them)";
}
start();
