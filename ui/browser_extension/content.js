// Runs only on pages whose origin is on the user's list, and only after consent. Reports what the
// page itself can observe, each time with the whole state, so the receiver can rebuild it even if
// messages arrive out of order. Sends the origin and path (without ";parameters" such as
// jsessionid), never the query (unless opted in), the fragment, the title or anything on the page.
// Only events the browser itself raised count (isTrusted): a page's script can dispatch synthetic
// ones, and must not be able to forge what it reports nor flood the database.
"use strict";
(() => {
  if (globalThis.__onlooker) return;  // injected once per page (registration and open tabs)
  globalThis.__onlooker = true;
  const api = globalThis.browser ?? globalThis.chrome;
  const doc = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2)).slice(0, 18);
  const POINTER_GAP_MS = 100;   // pointer in/out reports at most this often (a jittery edge)
  let seq = 0;
  let pointer = null;   // unknown until the pointer first enters or leaves
  let lastSent = null;  // what the last report said: an unchanged state sends nothing
  let lastPointerReport = -Infinity;
  let pointerTimer = null;

  function snapshot() {
    return { visible: document.visibilityState === "visible", focused: document.hasFocus(),
             fullscreen: !!document.fullscreenElement, pointer };
  }

  function path() {
    return location.pathname.split("/").map((seg) => seg.split(";")[0]).join("/");
  }

  function report(cause, timeStamp) {
    const state = snapshot();
    const url = location.origin + path();
    const said = JSON.stringify([url, state]);
    if (said === lastSent && cause !== "load" && cause !== "pagehide") return;
    lastSent = said;
    seq += 1;
    const time = performance.timeOrigin + (timeStamp ?? performance.now());
    try {
      api.runtime.sendMessage({ kind: "page", cause, doc, seq, time, url,
        search: location.search, state });
    } catch (e) { /* the extension was reloaded: this page's script is orphaned */ }
  }

  function reportPointer(cause, timeStamp) {
    if (pointerTimer !== null) return;  // a report is already due; it will say the latest state
    const wait = lastPointerReport + POINTER_GAP_MS - performance.now();
    if (wait <= 0) {
      lastPointerReport = performance.now();
      report(cause, timeStamp);
      return;
    }
    pointerTimer = setTimeout(() => {
      pointerTimer = null;
      lastPointerReport = performance.now();
      report(pointer ? "mouseenter" : "mouseleave");
    }, wait);
  }

  const trusted = (fn) => (e) => { if (e.isTrusted) fn(e); };
  document.addEventListener("visibilitychange", trusted((e) => report("visibilitychange", e.timeStamp)));
  window.addEventListener("blur", trusted((e) => { if (e.target === window) report("blur", e.timeStamp); }));
  window.addEventListener("focus", trusted((e) => { if (e.target === window) report("focus", e.timeStamp); }));
  document.addEventListener("fullscreenchange", trusted((e) => report("fullscreenchange", e.timeStamp)));
  // the pointer left / entered the page: an out/over event with no element on the other side
  // (window-level, since at document_start there may be no <html> element yet to listen on)
  window.addEventListener("mouseout", trusted((e) => {
    if (!e.relatedTarget && pointer !== false) { pointer = false; reportPointer("mouseleave", e.timeStamp); }
  }));
  window.addEventListener("mouseover", trusted((e) => {
    if (!e.relatedTarget && pointer !== true) { pointer = true; reportPointer("mouseenter", e.timeStamp); }
  }));
  window.addEventListener("pagehide", trusted((e) => report("pagehide", e.timeStamp)));
  report("load");
})();
