// Runs only on pages whose origin is on the user's list, and only after consent. Reports what the
// page itself can observe, each time with the whole state, so the receiver can rebuild it even if
// messages arrive out of order. Sends the origin and path, never the query (unless opted in),
// the fragment, the title or anything on the page.
"use strict";
(() => {
  if (globalThis.__onlooker) return;  // injected once per page (registration and open tabs)
  globalThis.__onlooker = true;
  const api = globalThis.browser ?? globalThis.chrome;
  const doc = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2)).slice(0, 18);
  let seq = 0;
  let pointer = null;   // unknown until the pointer first enters or leaves

  function snapshot() {
    return { visible: document.visibilityState === "visible", focused: document.hasFocus(),
             fullscreen: !!document.fullscreenElement, pointer };
  }

  function report(cause, timeStamp) {
    seq += 1;
    const time = performance.timeOrigin + (timeStamp ?? performance.now());
    try {
      api.runtime.sendMessage({ kind: "page", cause, doc, seq, time,
        url: location.origin + location.pathname, search: location.search, state: snapshot() });
    } catch (e) { /* the extension was reloaded: this page's script is orphaned */ }
  }

  document.addEventListener("visibilitychange", (e) => report("visibilitychange", e.timeStamp));
  window.addEventListener("blur", (e) => { if (e.target === window) report("blur", e.timeStamp); });
  window.addEventListener("focus", (e) => { if (e.target === window) report("focus", e.timeStamp); });
  document.addEventListener("fullscreenchange", (e) => report("fullscreenchange", e.timeStamp));
  // the pointer left / entered the page: an out/over event with no element on the other side
  // (window-level, since at document_start there may be no <html> element yet to listen on)
  window.addEventListener("mouseout", (e) => { if (!e.relatedTarget) { pointer = false; report("mouseleave", e.timeStamp); } });
  window.addEventListener("mouseover", (e) => { if (!e.relatedTarget && pointer !== true) { pointer = true; report("mouseenter", e.timeStamp); } });
  window.addEventListener("pagehide", (e) => report("pagehide", e.timeStamp));
  report("load");
})();
