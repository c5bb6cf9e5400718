// Onlooker dashboard. Every string from the data is set with textContent: window titles and app
// names are attacker-controlled text. The API key arrives in the URL fragment, moves to
// sessionStorage and is sent only in the Authorization header.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const state = { token: null, overview: null, day: null, dayData: null, view: [0, 1], settings: null,
                version: null, tab: "timeline", hostT: null, playing: null, trends: null, renders: 0,
                looks: {}, measureKinds: new Set() };

// ---------------------------------------------------------------- helpers
function el(tag, attrs, ...kids) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") n.textContent = v;
    else if (k.startsWith("on")) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids) if (kid !== null && kid !== undefined) n.append(kid);
  return n;
}
function sv(tag, attrs, ...kids) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === "text") n.textContent = v; else n.setAttribute(k, v);
  }
  for (const kid of kids) if (kid) n.append(kid);
  return n;
}
const pad = (n) => String(n).padStart(2, "0");
function clock(epoch) {
  const d = new Date(epoch * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
function dur(s) {
  s = Math.round(s);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const out = [];
  if (h) out.push(`${h} h`);
  if (m) out.push(`${m} min`);
  if (r || !out.length) out.push(`${r} s`);
  return out.join(" ");
}
function clear(n) { while (n.firstChild) n.removeChild(n.firstChild); return n; }
function showError(msg) {
  const e = document.getElementById("error");
  e.textContent = msg; e.hidden = !msg;
}

async function api(path, body) {
  const opts = { headers: { Authorization: `Bearer ${state.token}` }, cache: "no-store" };
  if (body !== undefined) {
    opts.method = "POST";
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  if (!r.ok) {
    let msg = `${r.status}`;
    try { msg = (await r.json()).error || msg; } catch (_) { /* not JSON */ }
    throw new Error(msg);
  }
  return r;
}
const getJSON = async (path) => (await api(path)).json();
const postJSON = async (path, body) => (await api(path, body || {})).json();

function takeToken() {
  const m = /(?:^#|&)token=([0-9a-f]{32})/.exec(location.hash);
  if (m) {
    sessionStorage.setItem("onlooker-token", m[1]);
    history.replaceState(null, "", location.pathname);  // the key leaves the address bar
  }
  return sessionStorage.getItem("onlooker-token");
}

// ---------------------------------------------------------------- tabs (arrow keys move between)
const TABS = ["timeline", "saw", "host", "trends", "data", "settings"];
function selectTab(name, focus) {
  state.tab = name;
  for (const t of TABS) {
    const b = document.getElementById(`tab-${t}`), p = document.getElementById(`view-${t}`);
    const on = t === name;
    b.setAttribute("aria-selected", on ? "true" : "false");
    b.tabIndex = on ? 0 : -1;
    p.hidden = !on;
    if (on && focus) b.focus();
  }
  render();
}
function setupTabs() {
  for (const t of TABS) {
    const b = document.getElementById(`tab-${t}`);
    b.addEventListener("click", () => selectTab(t));
    b.addEventListener("keydown", (ev) => {
      const i = TABS.indexOf(t);
      if (ev.key === "ArrowRight") selectTab(TABS[(i + 1) % TABS.length], true);
      else if (ev.key === "ArrowLeft") selectTab(TABS[(i + TABS.length - 1) % TABS.length], true);
      else if (ev.key === "Home") selectTab(TABS[0], true);
      else if (ev.key === "End") selectTab(TABS[TABS.length - 1], true);
      else return;
      ev.preventDefault();
    });
  }
}

// ---------------------------------------------------------------- loading
async function loadDay(day) {
  const data = await getJSON(`/api/day?day=${encodeURIComponent(day)}`);
  // another day or scenario: the hover text described the old one (a live update keeps it)
  const old = state.dayData;
  if (!old || state.day !== data.day || old.start !== data.start) {
    document.getElementById("tl-info").textContent = "Point at the timeline to see what happened.";
  }
  state.day = data.day;
  state.dayData = data;
  document.getElementById("day").value = data.day;
  const span = Math.max(1, data.observed_until - data.start);
  const first = firstActivity(data.lanes), last = lastActivity(data.lanes, span);
  state.view = first < last ? [Math.max(0, first - 60), Math.min(span, last + 60)] : [0, span];
  state.hostT = null;
  render();
}
function firstActivity(l) {
  const all = [].concat(l.foreground, l.input, l.meeting, l.lock, l.tabs);
  return all.length ? Math.min(...all.map((s) => s.a)) : 0;
}
function lastActivity(l, span) {
  const all = [].concat(l.foreground, l.input, l.meeting, l.lock, l.tabs);
  return all.length ? Math.max(...all.map((s) => s.b)) : span;
}

function render() {
  if (!state.dayData) return;
  if (state.tab === "timeline") renderTimeline();
  else if (state.tab === "saw") renderSaw();
  else if (state.tab === "host") renderHost();
  else if (state.tab === "trends") renderTrends();
  else if (state.tab === "data") renderData();
  else if (state.tab === "settings") renderSettings();
}

function shownProfiles() {
  const shown = new Set(state.dayData.shown);
  return state.dayData.profiles.filter((p) => shown.has(p.id));
}
// How each profile presents itself (short label, headline and trend metrics, live sentence)
// comes from the profile registry through /api/profiles, asked once: no table of ids here.
async function loadLooks() {
  const data = await getJSON("/api/profiles");
  state.looks = Object.fromEntries(data.profiles.map((p) => [p.id, p]));
  state.measureKinds = new Set(data.measure_kinds);
}
const looks = (p) => state.looks[p.id] || { short: p.name, headlines: [], trend: null, live: null };
// slots and sessions measure a period; every other observation is something flagged
const isMeasure = (o) => state.measureKinds.has(o.kind);
const unitWord = (unit) => (unit === "%" ? "% " : "");  // durations carry their units (dur)

// ---------------------------------------------------------------- timeline
const LANES = [
  ["foreground", "In front"], ["meeting", "Meeting window"], ["input", "Keyboard / mouse"],
  ["idle", "Idle (60 s+)"], ["lock", "Locked"], ["tabs", "Tab hidden / page blurred / out of full screen"],
  ["not_recorded", "Not recorded"],
];
const APP_SHADES = ["#1f4e79", "#6b6b6b", "#2e7d32", "#8e44ad", "#a0522d", "#37474f", "#00695c", "#5d4037"];
function appShade(app) {
  let h = 0;
  for (const c of app || "") h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return APP_SHADES[h % APP_SHADES.length];
}

function renderTimeline() {
  const d = state.dayData, box = clear(document.getElementById("timeline"));
  const flagged = shownProfiles().filter((p) => p.observations.some((o) => !isMeasure(o)));
  const lanesShown = LANES.concat(flagged.map((p) => [`flag:${p.id}`, `▲ ${looks(p).short}`]));
  const W = Math.max(600, box.clientWidth || 1000), left = 170, right = 14, laneH = 30, top = 24;
  const H = top + lanesShown.length * laneH + 8;
  const [v0, v1] = state.view;
  const x = (t) => left + ((t - v0) / (v1 - v0)) * (W - left - right);
  const svg = sv("svg", { viewBox: `0 0 ${W} ${H}`, role: "img",
                          "aria-label": `Timeline from ${clock(d.start + v0)} to ${clock(d.start + v1)}` });
  const defs = sv("defs");
  defs.append(sv("pattern", { id: "hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse",
                              patternTransform: "rotate(45)" },
                 sv("rect", { width: 6, height: 6, fill: "#f4d7a8" }),
                 sv("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#9c5b00", "stroke-width": 3 })));
  defs.append(sv("pattern", { id: "dots", width: 5, height: 5, patternUnits: "userSpaceOnUse" },
                 sv("rect", { width: 5, height: 5, fill: "#e8d6f0" }),
                 sv("circle", { cx: 2.5, cy: 2.5, r: 1.3, fill: "#5b1f73" })));
  defs.append(sv("pattern", { id: "gap", width: 8, height: 8, patternUnits: "userSpaceOnUse",
                              patternTransform: "rotate(-45)" },
                 sv("rect", { width: 8, height: 8, fill: "#eeeeee" }),
                 sv("line", { x1: 0, y1: 0, x2: 0, y2: 8, stroke: "#9e9e9e", "stroke-width": 2 })));
  svg.append(defs);
  // axis
  const axis = sv("g", { class: "axis" });
  const span = v1 - v0, steps = [60, 300, 600, 900, 1800, 3600, 7200, 10800];
  const step = steps.find((s) => span / s <= 10) || 21600;
  for (let t = Math.ceil((d.start + v0) / step) * step; t <= d.start + v1; t += step) {
    const px = x(t - d.start);
    axis.append(sv("line", { x1: px, x2: px, y1: top - 4, y2: H }));
    // a label too close to the right edge ends at its line instead of being cut off
    const nearEdge = px + 40 > W;
    axis.append(sv("text", { x: nearEdge ? px - 2 : px + 2, y: 14, "text-anchor": nearEdge ? "end" : "start",
                             text: clock(t).slice(0, step < 60 ? 8 : 5) }));
  }
  svg.append(axis);
  const info = document.getElementById("tl-info");
  const segs = [];
  function seg(lane, a, b, fill, label, text, darkText) {
    if (b < v0 || a > v1) return;
    const y = top + lane * laneH + 4, x0 = x(Math.max(a, v0)), x1 = x(Math.min(b, v1));
    const w = Math.max(1.5, x1 - x0);
    const r = sv("rect", { x: x0, y, width: w, height: laneH - 8, fill, "data-lane": lanesShown[lane][0] });
    r.append(sv("title", { text: label }));
    svg.append(r);
    segs.push({ a, b, lane, label });
    if (text && w > 7 * text.length + 8) {
      svg.append(sv("text", { x: x0 + 4, y: y + laneH / 2, class: `seg-label${darkText ? " dark" : ""}`,
                              "dominant-baseline": "middle", text }));
    }
  }
  lanesShown.forEach(([, name], i) => svg.append(sv("text", { x: 8, y: top + i * laneH + laneH / 2 + 4,
                                                          class: "lane-label", text: name })));
  const when = (s) => `${clock(d.start + s.a)}–${clock(d.start + s.b)} (${dur(s.b - s.a)})`;
  for (const s of d.lanes.foreground) seg(0, s.a, s.b, appShade(s.app), `${when(s)}: ${s.app} in front`, s.app);
  for (const s of d.lanes.meeting) {
    const inF = s.focus === "in";
    seg(1, s.a, s.b, inF ? "var(--focus-in)" : "url(#hatch)",
        `${when(s)}: ${s.app} meeting window ${inF ? "in focus" : "out of focus"}${s.sharing ? ", screen shared" : ""}`,
        inF ? (s.sharing ? "in focus · shared" : "in focus") : (s.sharing ? "OUT · shared" : "out"), !inF);
  }
  for (const s of d.lanes.input) seg(2, s.a, s.b, "var(--input)", `${when(s)}: input (${[s.keys ? "keyboard" : "", s.pointer ? "pointer" : ""].filter(Boolean).join(" and ") || "kind not known"})`);
  for (const s of d.lanes.idle) seg(3, s.a, s.b, "var(--idle)", `${when(s)}: no input for 60 s or more`, "idle", true);
  for (const s of d.lanes.lock) seg(4, s.a, s.b, "var(--locked)", `${when(s)}: screen locked`, "locked");
  const TAB_KINDS = { hidden: ["url(#dots)", "tab hidden"], blurred: ["#b48bc4", "window blurred"],
                      windowed: ["#d9a441", "left full screen"], pointer_out: ["#c9c2d6", "pointer outside the page"] };
  for (const s of d.lanes.tabs) {
    const [fill, words] = TAB_KINDS[s.kind] || TAB_KINDS.blurred;
    seg(5, s.a, s.b, fill, `${when(s)}: ${words} (${s.url})`);
  }
  // Unrecorded time is unknown, not idle: its own lane, and a veil across every lane above it.
  const gapLane = LANES.findIndex(([k]) => k === "not_recorded");
  for (const s of d.lanes.not_recorded || []) {
    if (s.b < v0 || s.a > v1) continue;
    const x0 = x(Math.max(s.a, v0)), x1 = x(Math.min(s.b, v1));
    svg.append(sv("rect", { x: x0, y: top, width: Math.max(1.5, x1 - x0), height: gapLane * laneH,
                            fill: "url(#gap)", opacity: 0.55, class: "not-recorded" }));
    seg(gapLane, s.a, s.b, "url(#gap)", `${when(s)}: not recorded (no recorder running, or paused) - unknown, not idle`, "not recorded", true);
  }
  // each shown profile's flags on a lane of its own: a mark where it starts, a bar while it lasts
  flagged.forEach((p, k) => {
    const lane = LANES.length + k, fy = top + lane * laneH;
    for (const o of p.observations) {
      if (isMeasure(o)) continue;
      if (o.at > v1 || (o.until ?? o.at) < v0) continue;
      const px = x(Math.max(o.at, v0));
      const mark = sv("path", { d: `M${px} ${fy + 4} l6 10 l-12 0 z`, fill: "var(--flag)", "data-profile": p.id,
                                class: "flag" });
      const label = `${clock(d.start + o.at)} — ${p.name}: ${o.what}`;
      mark.append(sv("title", { text: label }));
      svg.append(mark);
      if (o.until !== null && o.until > o.at) {
        svg.append(sv("rect", { x: px, y: fy + 16, width: Math.max(1, x(Math.min(o.until, v1)) - px), height: 4,
                                fill: "var(--flag)", opacity: 0.55 }));
      }
      segs.push({ a: o.at, b: o.until ?? o.at, lane, label });
    }
  });
  // hover and drag-to-zoom
  let dragFrom = null;
  const sel = sv("rect", { y: top, height: H - top, fill: "#000", opacity: 0.12, width: 0, x: 0 });
  svg.append(sel);
  const toT = (ev) => {
    const r = svg.getBoundingClientRect();
    const px = ((ev.clientX - r.left) / r.width) * W;
    return v0 + ((px - left) / (W - left - right)) * (v1 - v0);
  };
  svg.addEventListener("pointermove", (ev) => {
    const r = svg.getBoundingClientRect(), t = toT(ev);
    const lane = Math.floor((((ev.clientY - r.top) / r.height) * H - top) / laneH);
    if (dragFrom !== null) {
      const a = Math.min(dragFrom, t), b = Math.max(dragFrom, t);
      sel.setAttribute("x", x(a)); sel.setAttribute("width", Math.max(0, x(b) - x(a)));
    }
    const tol = (v1 - v0) / 200;
    const hit = segs.filter((s) => s.lane === lane && s.a - tol <= t && t <= s.b + tol).pop();
    info.textContent = t >= v0 && t <= v1 ? `${clock(d.start + t)} — ${hit ? hit.label : "nothing on this lane"}` : "";
  });
  svg.addEventListener("pointerdown", (ev) => { dragFrom = toT(ev); svg.setPointerCapture(ev.pointerId); });
  svg.addEventListener("pointerup", (ev) => {
    if (dragFrom === null) return;
    const t = toT(ev), a = Math.max(0, Math.min(dragFrom, t)), b = Math.min(d.observed_until - d.start, Math.max(dragFrom, t));
    dragFrom = null;
    if (b - a > 5) { state.view = [a, b]; renderTimeline(); } else sel.setAttribute("width", 0);
  });
  box.append(svg);
  if (d.empty) info.textContent = "Nothing was recorded on this day.";
  renderLegend();
}
function renderLegend() {
  const ul = clear(document.getElementById("legend"));
  const item = (fill, text) => el("li", {}, (() => {
    const s = sv("svg", { width: 18, height: 12, "aria-hidden": "true" });
    if (fill === "hatch") {
      s.append(sv("rect", { width: 18, height: 12, fill: "#f4d7a8" }));
      for (let i = -12; i < 18; i += 5) s.append(sv("line", { x1: i, y1: 12, x2: i + 12, y2: 0, stroke: "#9c5b00", "stroke-width": 2 }));
    } else if (fill === "gap") {
      s.append(sv("rect", { width: 18, height: 12, fill: "#eeeeee" }));
      for (let i = -12; i < 18; i += 6) s.append(sv("line", { x1: i, y1: 0, x2: i + 12, y2: 12, stroke: "#9e9e9e", "stroke-width": 2 }));
    } else s.append(sv("rect", { width: 18, height: 12, fill }));
    return s;
  })(), text);
  ul.append(item("var(--focus-in)", "meeting window in focus"), item("hatch", "meeting window out of focus"),
            item("var(--input)", "input in that second"), item("var(--idle)", "idle"),
            item("var(--locked)", "locked"), item("gap", "not recorded: unknown, never counted as idle"),
            item("var(--flag)", "flagged moment (▲) and how long it lasted"));
}
function zoom(f) {
  const [a, b] = state.view, span = state.dayData.observed_until - state.dayData.start;
  const mid = (a + b) / 2, half = Math.max(30, ((b - a) / 2) * f);
  state.view = [Math.max(0, mid - half), Math.min(span, mid + half)];
  renderTimeline();
}
function pan(dir) {
  const [a, b] = state.view, span = state.dayData.observed_until - state.dayData.start;
  const w = b - a, shift = (w / 4) * dir;
  const na = Math.min(Math.max(0, a + shift), Math.max(0, span - w));
  state.view = [na, na + w];
  renderTimeline();
}

// ---------------------------------------------------------------- what they saw
function headline(p) {
  const hs = looks(p).headlines, m = p.metrics;
  if (!hs.length || m.applies === false) return null;
  const out = el("p", { class: "metric" });
  const fmt = (v, unit) => (v === null || v === undefined ? "—" : typeof v !== "number" ? String(v)
    : unit === "s" ? dur(v) : !Number.isInteger(v) ? v.toFixed(1) : String(v));
  hs.forEach((h, i) => out.append(i ? "  " : "", fmt(m[h.key], h.unit), " ", el("small", { text: `${unitWord(h.unit)}${h.label}` })));
  return out;
}
function renderSaw() {
  const d = state.dayData, box = clear(document.getElementById("saw"));
  for (const p of shownProfiles()) {
    const card = el("article", { class: "card", "data-profile": p.id, "aria-labelledby": `h-${p.id}` });
    const applies = p.metrics.applies !== false, listed = p.observations.length;
    card.append(el("h2", { id: `h-${p.id}` }, p.name, " ",
                   el("span", { class: `flagcount${applies && listed ? "" : " none"}`,
                                "aria-label": applies ? `${listed} listed` : "does not apply",
                                text: applies ? String(listed) : "n/a" })));
    card.append(el("p", { class: "seen", text: `Seen by: ${p.seen_by}` }));
    if (p.metrics.applies === false) {
      card.append(el("p", { class: "na", text: `Does not apply to this day: ${p.metrics.missing}.` }));
    } else {
      const h = headline(p);
      if (h) card.append(h);
      const list = el("ol", { "aria-label": `${p.name}: flagged moments` });
      const items = p.observations;  // measured slots too: they are what the product reports
      if (!items.length) list.append(el("li", { class: "muted", text: "Nothing would have been flagged." }));
      for (const o of items.slice(0, 200)) {
        const stayed = o.until !== null && o.until > o.at && !isMeasure(o) && !/stayed|for \d/.test(o.what) ? ` It lasted ${dur(o.until - o.at)}.` : "";
        list.append(el("li", { "data-at": String(o.at) },
                       el("time", { datetime: new Date((d.start + o.at) * 1000).toISOString(), text: clock(d.start + o.at) }),
                       `— ${o.what}${stayed}`,
                       " ", el("button", { type: "button", class: "show", "aria-label": `Show ${clock(d.start + o.at)} on the timeline`,
                                           onclick: () => { const pad = Math.max(60, (o.until ?? o.at) - o.at);
                                                            state.view = [Math.max(0, o.at - pad), (o.until ?? o.at) + pad];
                                                            selectTab("timeline", true); } }, "show")));
      }
      card.append(list);
    }
    const det = el("details", {}, el("summary", { text: "Sources and assumptions" }));
    const ul = el("ul");
    for (const a of p.assumptions) ul.append(el("li", { text: a }));
    for (const s of p.sources) ul.append(el("li", {}, el("a", { href: s, rel: "noreferrer noopener", target: "_blank", text: s })));
    det.append(ul);
    card.append(det);
    box.append(card);
  }
}

// ---------------------------------------------------------------- the host's view
function meetings() {
  const segs = state.dayData.lanes.meeting, out = [];
  for (const s of segs) {
    const last = out[out.length - 1];
    if (last && Math.abs(last.b - s.a) < 0.01) { last.b = s.b; last.segs.push(s); }
    else out.push({ a: s.a, b: s.b, app: s.app, segs: [s] });
  }
  return out;
}
function renderHost() {
  const d = state.dayData, box = clear(document.getElementById("host"));
  const ms = meetings();
  if (!ms.length) {
    box.append(el("p", { class: "na", text: "No meeting on this day. Meetings are recognised from meeting windows, or marked with 'onlooker meeting start'." }));
    return;
  }
  if (state.hostMeeting === undefined || state.hostMeeting >= ms.length) state.hostMeeting = 0;
  const m = ms[state.hostMeeting];
  if (state.hostT === null || state.hostT < m.a || state.hostT > m.b) state.hostT = m.a;
  const zoomP = d.profiles.find((p) => p.id === "zoom-2020");
  const gotoP = d.profiles.find((p) => p.id === "gotowebinar");
  const pick = el("select", { id: "meeting-pick", onchange: (ev) => { state.hostMeeting = +ev.target.value; state.hostT = null; stopPlay(); renderHost(); } });
  ms.forEach((x, i) => pick.append(el("option", { value: String(i), selected: i === state.hostMeeting,
                                                  text: `${clock(d.start + x.a)}–${clock(d.start + x.b)} ${x.app}` })));
  box.append(el("div", { class: "toolbar" }, el("label", { for: "meeting-pick", text: "Meeting" }), pick));
  const t = state.hostT;
  const segAt = m.segs.find((s) => s.a <= t && t < s.b) || m.segs[m.segs.length - 1];
  // as marked only: the "had someone shared throughout" variant is not what a host saw
  const icon = zoomP && zoomP.observations.find((o) => !(o.data && o.data.variant) && o.at <= t && t < (o.until ?? o.at));
  const notAtt = gotoP && gotoP.observations.find((o) => o.at <= t && t < (o.until ?? o.at));
  // the Zoom rule's own session says whether this meeting had any share marked
  const session = zoomP && (zoomP.sessions || []).find((s) => s.start < m.b && s.end > m.a);
  const marked = session ? session.sharing === "marked" : m.segs.some((s) => s.sharing);
  const stage = el("div", { class: "stage", "aria-label": "The meeting" },
                   el("div", { class: "share", text: segAt.sharing ? "Someone is sharing a screen."
                     : marked ? "Nobody is sharing a screen now." : "No screen sharing was marked in this meeting." }),
                   el("div", { class: "clock", id: "host-clock", text: clock(d.start + t) }),
                   el("div", { text: segAt.focus === "in" ? "Your meeting window is in front." : "Your meeting window is NOT in front." }));
  const people = [["Ms. Rivera", "Host", false], ["You", "me", true], ["Jordan K.", "", false],
                  ["Priya S.", "", false], ["Sam T.", "", false]];
  const list = el("ul", { "aria-label": "Participants" });
  for (const [name, role, me] of people) {
    const li = el("li", { class: me ? "me" : "" },
                  el("span", { class: "avatar", "aria-hidden": "true", text: name.split(" ").map((w) => w[0]).join("").slice(0, 2) }),
                  el("span", { class: "name", text: `${name}${role ? ` (${role})` : ""}` }));
    if (me && icon) {
      const s = sv("svg", { class: "att", viewBox: "0 0 24 24", role: "img", "aria-label": "clock icon: not paying attention", id: "attention-icon" });
      s.append(sv("circle", { cx: 12, cy: 12, r: 10, fill: "#777", stroke: "#000", "stroke-width": 1.5 }),
               sv("path", { d: "M12 6v6l4 3", stroke: "#fff", "stroke-width": 2.5, fill: "none", "stroke-linecap": "round" }),
               sv("title", { text: "Not paying attention (Zoom's 2020 attention indicator)" }));
      li.append(s);
    }
    const mic = sv("svg", { viewBox: "0 0 24 24", width: 16, height: 16, "aria-hidden": "true" });
    mic.append(sv("rect", { x: 9, y: 3, width: 6, height: 11, rx: 3, fill: "#555" }),
               sv("path", { d: "M6 11a6 6 0 0 0 12 0M12 17v4", stroke: "#555", "stroke-width": 2, fill: "none" }));
    li.append(mic);
    list.append(li);
  }
  const panel = el("div", { class: "panel" }, el("h2", { text: `Participants (${people.length})` }), list,
                   el("p", { class: "muted", style: null, text: notAtt ? "A GoTo organizer would see you as 'not attentive' now." :
                             "A GoTo organizer would see you as attentive now." }));
  box.append(el("div", { class: "hostwrap" }, stage, panel));
  const range = el("input", { type: "range", id: "scrubber", min: String(Math.floor(m.a)), max: String(Math.ceil(m.b)), step: "1",
                              value: String(Math.round(t)), "aria-label": "Meeting time",
                              "aria-valuetext": clock(d.start + t),
                              oninput: (ev) => { state.hostT = +ev.target.value; renderHost(); document.getElementById("scrubber").focus(); } });
  const speed = el("select", { id: "speed", "aria-label": "Playback speed" },
                   ...[10, 30, 60, 120].map((v) => el("option", { value: String(v), selected: v === (state.speed || 30), text: `${v}×` })));
  speed.addEventListener("change", (ev) => { state.speed = +ev.target.value; });
  const play = el("button", { type: "button", id: "play", onclick: () => (state.playing ? stopPlay() : startPlay(m)),
                              text: state.playing ? "Pause" : "Play" });
  box.append(el("div", { class: "scrub" }, play, range, speed,
                el("output", { for: "scrubber", text: `${clock(d.start + t)} — ${icon ? "clock icon shown" : "no icon"}` })));
  // where in the meeting the icon showed, under the scrubber
  const strip = sv("svg", { class: "iconstrip", viewBox: "0 0 1000 14", preserveAspectRatio: "none", role: "img",
                            "aria-label": "When the clock icon showed during this meeting" });
  const icons = zoomP ? zoomP.observations.filter((o) => !(o.data && o.data.variant)) : [];
  for (const o of icons) {
    if (o.until === null || o.until < m.a || o.at > m.b) continue;
    const x0 = ((Math.max(o.at, m.a) - m.a) / (m.b - m.a)) * 1000, x1 = ((Math.min(o.until, m.b) - m.a) / (m.b - m.a)) * 1000;
    strip.append(sv("rect", { x: x0, y: 2, width: Math.max(2, x1 - x0), height: 10, fill: "var(--flag)" }));
  }
  box.append(strip);
  box.append(el("p", { class: "muted", text: zoomP && zoomP.metrics.applies === false ? `Zoom's rule does not apply: ${zoomP.metrics.missing}.` :
    `In this meeting the clock icon would have appeared ${icons.filter((o) => o.at >= m.a && o.at < m.b).length} times. ` +
    "It appeared after more than 30 s out of focus while someone shared a screen, and is assumed to clear when you came back." }));
}
function startPlay(m) {
  state.playing = setInterval(() => {
    state.hostT = Math.min(m.b, (state.hostT ?? m.a) + (state.speed || 30) / 5);
    if (state.hostT >= m.b) stopPlay();
    if (state.tab === "host") renderHost();
  }, 200);
  renderHost();
}
function stopPlay() {
  if (state.playing) clearInterval(state.playing);
  state.playing = null;
  if (state.tab === "host") renderHost();
}

// ---------------------------------------------------------------- trends
async function renderTrends() {
  const box = document.getElementById("trends");
  const days = document.getElementById("trend-days").value;
  const data = await getJSON(`/api/trends?days=${days}`);
  clear(box);
  if (!data.days.length) { box.append(el("p", { class: "na", text: "Nothing recorded yet." })); return; }
  for (const p of shownProfiles()) {
    const trend = looks(p).trend;
    if (!trend) continue;
    const key = trend.key, inMin = trend.scale === "min";  // seconds read better as minutes
    const unit = `${trend.scale === "min" ? "min " : trend.scale === "%" ? "% " : ""}${trend.label}`;
    const pts = data.days.filter((r) => r.metrics[p.id] && r.metrics[p.id][key] !== undefined && r.metrics[p.id][key] !== null)
                         .map((r) => [r.day, inMin ? Math.round(r.metrics[p.id][key] / 6) / 10 : r.metrics[p.id][key]]);
    const card = el("article", { class: "card", "data-profile": p.id }, el("h2", { text: p.name }),
                    el("p", { class: "seen", text: `${unit}, per day` }));
    if (!pts.length) { card.append(el("p", { class: "na", text: "No day in this period had what this rule needs." })); box.append(card); continue; }
    const W = 400, H = 150, max = trend.scale === "%" ? 100 : Math.max(1, ...pts.map((q) => q[1]));
    const svg = sv("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `${p.name}: ${unit} per day` });
    const bw = Math.min(36, Math.max(2, (W - 30) / pts.length - 2));
    pts.forEach(([day, v], i) => {
      const h = ((H - 30) * v) / max, x0 = 28 + i * (bw + 2);
      const r = sv("rect", { class: "bar", x: x0, y: H - 18 - h, width: bw, height: Math.max(1, h) });
      r.append(sv("title", { text: `${day}: ${v}` }));
      svg.append(r);
    });
    svg.append(sv("text", { x: 0, y: 12, text: String(max) }), sv("text", { x: 0, y: H - 18, text: "0" }),
               sv("text", { x: 28, y: H - 4, text: pts[0][0] }));
    if (pts.length > 1) {
      const lastX = 28 + (pts.length - 1) * (bw + 2);
      if (lastX > 28 + 75) svg.append(sv("text", { x: Math.min(lastX, W - 60), y: H - 4, text: pts[pts.length - 1][0] }));
    }
    card.append(svg);
    const t = el("table", { class: "sr-only" }, el("caption", { text: `${p.name} per day` }));
    for (const [day, v] of pts) t.append(el("tr", {}, el("th", { text: day }), el("td", { text: String(v) })));
    card.append(t);
    box.append(card);
  }
}

// ---------------------------------------------------------------- your data
function confirmDialog(text) {
  return new Promise((resolve) => {
    const dlg = document.getElementById("confirm");
    document.getElementById("confirm-text").textContent = text;
    const yes = document.getElementById("confirm-yes"), no = document.getElementById("confirm-no");
    const done = (v) => { dlg.close(); yes.onclick = no.onclick = null; resolve(v); };
    yes.onclick = () => done(true);
    no.onclick = () => done(false);
    dlg.showModal();
    no.focus();
  });
}
async function download(fmt) {
  const r = await api(`/api/export?format=${fmt}`);
  const blob = await r.blob();
  const a = el("a", { href: URL.createObjectURL(blob), download: fmt === "csv" ? "onlooker-diary-metrics.csv" : "onlooker-diary.jsonl" });
  document.body.append(a); a.click(); a.remove();
}
async function renderData() {
  const box = document.getElementById("data");
  const data = await getJSON("/api/data");
  const ov = await getJSON("/api/overview");
  clear(box);
  const t = el("table", { class: "facts" });
  const row = (k, v) => t.append(el("tr", {}, el("th", { scope: "row", text: k }), el("td", { text: v })));
  row("Database", data.path);
  row("Size", `${(data.size_bytes / 1024).toFixed(1)} KiB`);
  row("Desktop events (focus, minimize, lock, meetings)", `${data.tables.events} rows`);
  row("Input activity (spans of seconds with input; keyboard and pointer as yes/no only)", `${data.tables.input_spans} rows`);
  row("Oldest record", data.oldest ? new Date(data.oldest * 1000).toLocaleString() : "—");
  row("Newest record", data.newest ? new Date(data.newest * 1000).toLocaleString() : "—");
  row("Browser events (tabs, page focus, full screen, pointer; from the extension or the probe)", `${data.browser_rows ?? 0} rows`);
  row("Window titles kept", data.keep_titles ? `yes (${data.titles_stored} stored)` : "no");
  row("Never stored", data.never_stored.join("; "));
  box.append(el("h2", { text: "What Onlooker keeps" }), t);
  const rec = el("fieldset", {}, el("legend", { text: "Recording" }),
                 el("p", { id: "rec-state", text: ov.paused ? "Paused." : (ov.recording ? "Recording is running." : "No recorder is running ('onlooker watch' starts one).") }));
  const howLong = el("select", { id: "pause-for", "aria-label": "Pause for" },
                     el("option", { value: "15", text: "15 minutes" }), el("option", { value: "30", text: "30 minutes" }),
                     el("option", { value: "60", text: "1 hour" }), el("option", { value: "", text: "until I resume" }));
  rec.append(el("div", { class: "row" }, howLong,
    el("button", { type: "button", id: "pause", onclick: async () => { const v = howLong.value; await postJSON("/api/pause", { minutes: v ? +v : null }); renderData(); refreshStatus(); } }, "Pause"),
    el("button", { type: "button", id: "resume", onclick: async () => { await postJSON("/api/resume"); renderData(); refreshStatus(); } }, "Resume")));
  const from = el("input", { type: "datetime-local", id: "forget-from", step: "1" });
  const to = el("input", { type: "datetime-local", id: "forget-to", step: "1" });
  // kept across re-renders (a live update re-draws this view) until the next action replaces it
  const msg = el("p", { id: "forget-msg", role: "status", text: state.dataMsg || "" });
  const forget = el("fieldset", {}, el("legend", { text: "Forget" }),
    el("p", { class: "muted", text: "Deleted rows are overwritten in the database and its write-ahead log, not just unlinked." }),
    el("div", { class: "row" }, el("label", { for: "forget-from", text: "From" }), from, el("label", { for: "forget-to", text: "to" }), to,
       el("button", { type: "button", id: "forget-range", class: "danger", onclick: async () => {
         const a = Date.parse(from.value) / 1000, b = Date.parse(to.value) / 1000;
         if (!(a < b)) { msg.textContent = "Choose a start before the end."; return; }
         if (!(await confirmDialog(`Delete everything recorded from ${from.value} to ${to.value}? This cannot be undone.`))) return;
         msg.textContent = state.dataMsg = "Deleting…";  // the last result is not this one's
         const r = await postJSON("/api/forget", { from: a, to: b }); state.dataMsg = `Deleted ${r.deleted} rows.`; await reloadAll(); } }, "Forget this range")),
    el("div", { class: "row" }, el("button", { type: "button", id: "forget-all", class: "danger", onclick: async () => {
         if (!(await confirmDialog("Delete everything Onlooker has recorded? This cannot be undone."))) return;
         msg.textContent = state.dataMsg = "Deleting…";
         const r = await postJSON("/api/forget", { all: true }); state.dataMsg = `Deleted ${r.deleted} rows.`; await reloadAll(); } }, "Forget everything")),
    msg);
  const exp = el("fieldset", {}, el("legend", { text: "Export the diary" }),
    el("div", { class: "row" },
       el("button", { type: "button", id: "export-jsonl", onclick: () => download("jsonl") }, "Observation log (JSON Lines)"),
       el("button", { type: "button", id: "export-csv", onclick: () => download("csv") }, "Daily metrics (CSV)")));
  // the privacy diary: the same file as `onlooker diary` (a day or a range, any format)
  const shown = state.day || ov.default_day;
  const dFrom = el("input", { type: "date", id: "diary-from", value: shown });
  const dTo = el("input", { type: "date", id: "diary-to", value: shown });
  const dFmt = el("select", { id: "diary-format", "aria-label": "Diary format" },
                  ...[["html", "Web page (HTML)"], ["pdf", "PDF"], ["md", "Markdown"], ["json", "JSON"], ["csv", "CSV"]]
                    .map(([v, t]) => el("option", { value: v, text: t })));
  const dAnon = el("input", { type: "checkbox", id: "diary-anonymize" });
  const dMsg = el("p", { id: "diary-msg", role: "status" });
  exp.append(el("div", { class: "row" },
    el("label", { for: "diary-from", text: "Diary from" }), dFrom, el("label", { for: "diary-to", text: "to" }), dTo, dFmt,
    el("label", {}, dAnon, " anonymise"),
    el("button", { type: "button", id: "diary", onclick: async () => {
      dMsg.textContent = "";
      const q = new URLSearchParams({ format: dFmt.value, from: dFrom.value, to: dTo.value, anonymize: dAnon.checked ? "1" : "0" });
      try {
        const r = await api(`/api/diary?${q}`);
        const name = (r.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
        const a = el("a", { href: URL.createObjectURL(await r.blob()), download: name ? name[1] : `onlooker-diary.${dFmt.value}` });
        document.body.append(a); a.click(); a.remove();
      } catch (e) { dMsg.textContent = `No diary: ${e.message}`; }
    } }, "Diary")), dMsg);
  box.append(rec, forget, exp);
}

// ---------------------------------------------------------------- settings
async function renderSettings() {
  const box = document.getElementById("settings");
  const s = state.settings = await getJSON("/api/settings");
  clear(box);
  const titles = el("input", { type: "checkbox", id: "keep-titles", checked: s.keep_titles });
  titles.addEventListener("change", async () => { state.settings = await postJSON("/api/settings", { keep_titles: titles.checked }); });
  box.append(el("fieldset", {}, el("legend", { text: "Window titles" }),
    el("div", { class: "row" }, titles, el("label", { for: "keep-titles", text: "Keep window titles (cleaned; private windows never)" })),
    el("p", { class: "muted", text: `Takes effect when the recorder next starts. Stored in ${s.config_path}.` })));
  const notify = el("input", { type: "checkbox", id: "notify", checked: s.notify });
  notify.addEventListener("change", async () => { state.settings = await postJSON("/api/settings", { notify: notify.checked }); });
  box.append(el("fieldset", {}, el("legend", { text: "Notifications" }),
    el("div", { class: "row" }, notify, el("label", { for: "notify", text: "Tell me when a tracker would flag me right now (while recording)" }))));
  const prof = el("fieldset", {}, el("legend", { text: "Profiles to show" }));
  for (const p of state.overview.profiles) {
    const cb = el("input", { type: "checkbox", id: `show-${p.id}`, checked: s.profiles_shown.includes(p.id) });
    cb.addEventListener("change", async () => {
      const shown = state.overview.profiles.map((q) => q.id).filter((id) => document.getElementById(`show-${id}`).checked);
      state.settings = await postJSON("/api/settings", { profiles_shown: shown });
      state.dayData.shown = shown;
    });
    prof.append(el("div", { class: "row" }, cb, el("label", { for: `show-${p.id}`, text: `${p.name} — seen by ${p.seen_by}` })));
  }
  box.append(prof);
  const rules = el("fieldset", {}, el("legend", { text: "Meeting rules" }),
    el("p", { class: "muted", text: "A window is a meeting window when its app (and, if given, its title) matches. Titles are read at capture time only." }));
  const t = el("table", { class: "facts" }, el("tr", {}, el("th", { text: "Name" }), el("th", { text: "App pattern" }), el("th", { text: "Title pattern" })));
  for (const r of s.meeting_rules) t.append(el("tr", {}, el("td", { text: r.name }), el("td", { text: r.app }), el("td", { text: r.title || "any" })));
  const name = el("input", { id: "rule-name", placeholder: "Jitsi in a browser" });
  const app = el("input", { id: "rule-app", placeholder: "firefox|chromium" });
  const title = el("input", { id: "rule-title", placeholder: "jitsi" });
  const out = el("p", { role: "status" });
  rules.append(t, el("div", { class: "row" }, el("label", { for: "rule-name", text: "Name" }), name,
                     el("label", { for: "rule-app", text: "App" }), app, el("label", { for: "rule-title", text: "Title" }), title,
                     el("button", { type: "button", id: "add-rule", onclick: async () => {
                       try { await postJSON("/api/settings", { add_rule: { name: name.value, app: app.value, title: title.value } }); renderSettings(); }
                       catch (e) { out.textContent = e.message; } } }, "Add rule")), out);
  box.append(rules);
  const br = s.browser || { origins: [] };
  const last = br.last_message ? new Date(br.last_message * 1000).toLocaleString() : "never";
  box.append(el("fieldset", { id: "browser-box" }, el("legend", { text: "Browser extension" }),
    el("p", { id: "browser-state", text: br.connected ? `Connected (${br.browser}); last message ${last}.`
      : `Not connected; last message ${last}. 'onlooker browser install' connects it.` }),
    el("p", { class: "muted", text: "Pages it watches (add more under [browser] origins in the config file):" }),
    el("ul", { id: "browser-origins" }, ...br.origins.map((o) => el("li", { text: o })))));
  box.dataset.rendered = String(++state.renders);
}

// ---------------------------------------------------------------- status, live updates
async function refreshStatus() {
  const ov = state.overview = await getJSON("/api/overview");
  const box = document.getElementById("scenario-box"), pick = document.getElementById("scenario");
  box.hidden = !ov.scenarios.length;
  if (ov.scenarios.length && pick.options.length !== ov.scenarios.length) {
    clear(pick);
    for (const name of ov.scenarios) pick.append(el("option", { value: name, text: name.replace(/-/g, " ") }));
  }
  if (ov.scenario) pick.value = ov.scenario;
  const chips = clear(document.getElementById("status"));
  if (ov.demo) chips.append(el("span", { class: "chip", text: "demonstration data" }));
  if (ov.recording) chips.append(el("span", { class: "chip live", text: "recording" }));
  if (ov.paused) chips.append(el("span", { class: "chip", text: "paused" }));
}
async function reloadAll() {
  await refreshStatus();
  await loadDay(state.day || state.overview.default_day);
}
async function poll() {
  try {
    const v = (await getJSON("/api/version")).v;
    if (state.version !== null && v !== state.version) {
      await refreshStatus();
      const today = new Date(); const iso = `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}`;
      if (state.day === iso || state.overview.demo) {
        const keep = state.view, oldSpan = state.dayData.observed_until - state.dayData.start;
        await loadDay(state.day);
        const span = state.dayData.observed_until - state.dayData.start;
        if (keep[1] >= oldSpan - 1) keep[1] = span;  // the view showed the live edge: follow it
        state.view = [Math.max(0, Math.min(keep[0], span - 1)), Math.min(keep[1], span)];
        render();
      }
      if (state.tab === "data") renderData();
    }
    state.version = v;
    if (state.settings && state.settings.notify && state.overview.recording) {
      const live = await getJSON("/api/live");
      const banner = document.getElementById("banner");
      banner.hidden = !live.active.length;
      banner.textContent = [...new Set(live.active.map((a) => a.sentence))].join("  ·  ");
    }
    showError("");
  } catch (e) {
    showError(`Lost touch with Onlooker (${e.message}). Is it still running?`);
  }
}

async function main() {
  setupTabs();
  state.token = takeToken();
  if (!state.token) {
    showError("This page needs the address Onlooker printed (it carries a one-time key). Start 'onlooker dashboard' again.");
    return;
  }
  try {
    const settings = getJSON("/api/settings");  // in parallel with the overview
    const profileLooks = loadLooks();
    await refreshStatus();
    await profileLooks;
    document.getElementById("title").textContent = state.overview.title;
    state.settings = await settings;
    await loadDay(state.overview.default_day);
  } catch (e) {
    showError(`Cannot load the dashboard: ${e.message}`);
    return;
  }
  document.getElementById("day").addEventListener("change", (ev) => ev.target.value && loadDay(ev.target.value));
  const step = (n) => { const d = new Date(`${state.day}T12:00:00`); d.setDate(d.getDate() + n);
                        loadDay(`${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`); };
  document.getElementById("prev-day").addEventListener("click", () => step(-1));
  document.getElementById("next-day").addEventListener("click", () => step(1));
  document.getElementById("zoom-in").addEventListener("click", () => zoom(0.5));
  document.getElementById("zoom-out").addEventListener("click", () => zoom(2));
  document.getElementById("zoom-all").addEventListener("click", () => { state.view = [0, state.dayData.observed_until - state.dayData.start]; renderTimeline(); });
  document.getElementById("trend-days").addEventListener("change", renderTrends);
  document.getElementById("scenario").addEventListener("change", async (ev) => {
    await postJSON("/api/scenario", { name: ev.target.value });
    await refreshStatus();
    document.getElementById("title").textContent = state.overview.title;
    state.day = null;
    await loadDay(state.overview.default_day);
  });
  document.getElementById("timeline").addEventListener("keydown", (ev) => {
    if (ev.key === "+" || ev.key === "=") zoom(0.5);
    else if (ev.key === "-") zoom(2);
    else if (ev.key === "0") document.getElementById("zoom-all").click();
    else if (ev.key === "ArrowRight") pan(1);
    else if (ev.key === "ArrowLeft") pan(-1);
    else return;
    ev.preventDefault();
  });
  window.addEventListener("resize", () => state.tab === "timeline" && renderTimeline());
  setInterval(poll, 1000);
  poll();
}
document.addEventListener("DOMContentLoaded", main);
