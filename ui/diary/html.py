"""The diary as one self-contained HTML file: inline CSS and SVG, no script, a print stylesheet
(each day starts a page), readable on a phone. Every text goes in through ``escape``."""

from __future__ import annotations

from html import escape
from typing import Any

from . import svg, text, words
from .zone import Names

CSS = """
html{font-family:system-ui,-apple-system,"Segoe UI","DejaVu Sans",sans-serif;line-height:1.45;
color:#1b1f24;background:#fff}
body{margin:0}
main{max-width:62rem;margin:0 auto;padding:1rem 1.25rem 3rem}
h1{font-size:1.7rem;margin:.5rem 0 .25rem}
h2{font-size:1.3rem;margin:2rem 0 .5rem;border-bottom:2px solid #d8dee4;padding-bottom:.2rem}
h3{font-size:1.05rem;margin:1.2rem 0 .3rem}
h3 small{font-weight:normal;color:#57606a}
.period{font-size:1.15rem;margin:0}
.meta,.muted{color:#57606a;font-size:.92rem}
ul.facts{padding-left:1.2rem}
ul.facts li{margin:.45rem 0;font-size:1.08rem}
ol.flags{list-style:none;padding:0;margin:.3rem 0}
ol.flags li{padding:.15rem 0 .15rem .6rem;border-left:3px solid #cf222e;margin:.2rem 0;
break-inside:avoid;font-variant-numeric:tabular-nums}
time{font-variant-numeric:tabular-nums;white-space:nowrap;font-weight:600}
table{border-collapse:collapse;width:100%;margin:.4rem 0;font-size:.93rem}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #d8dee4;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
dl.metrics{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:.3rem 0;
font-size:.93rem}
dl.metrics dt{color:#57606a}
dl.metrics dd{margin:0;font-variant-numeric:tabular-nums}
svg{width:100%;height:auto;display:block;margin:.4rem 0}
svg text{font-size:11px;fill:#1b1f24}
svg .lbl{text-anchor:end}
svg .tl{text-anchor:middle;fill:#57606a;font-size:10px}
svg .lane{fill:#f3f4f6}
svg .gap{fill:#8c959f;opacity:.55}
svg .meet{fill:#0969da;opacity:.6}
svg .flag{fill:#cf222e}
svg .mark{fill:#cf222e}
svg .bar{fill:#0969da}
svg .tick{stroke:#d0d7de;stroke-width:1}
svg .axis{stroke:#8c959f}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:.8rem}
.charts figure{margin:0}
.charts figcaption{font-size:.85rem;color:#57606a}
a{color:#0969da}
.notes li{margin:.5rem 0;font-size:.9rem;overflow-wrap:anywhere}
.contents{font-size:.92rem}
@media (max-width:40rem){
 main{padding:.75rem}
 h1{font-size:1.4rem}
 dl.metrics{grid-template-columns:1fr auto}
 .wide{display:block;overflow-x:auto}
 .wide svg.timeline{min-width:44rem}
}
@media print{
 @page{margin:14mm}
 main{max-width:none;padding:0}
 section.day,section.summary,section.notes{break-before:page}
 h2,h3{break-after:avoid}
 a{color:inherit;text-decoration:none}
 .contents{display:none}
 /* a month holds thousands of flags: compact on paper, half the pages to lay out */
 h2{margin:0 0 .4rem}
 h3{margin:.6rem 0 .2rem;font-size:.95rem}
 ol.flags li{padding:0 0 0 .4rem;margin:0;border-left-width:2px;font-size:.8rem;line-height:1.25}
 dl.metrics{font-size:.8rem}
}
"""


def render(diary: dict[str, Any]) -> str:
    names = Names(diary["zone_names"])
    notes = {p["id"]: (i + 1, p) for i, p in enumerate(diary["profiles"])}
    title = f"Privacy diary: {text.period_name(diary)}"
    out = ['<!doctype html><html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>"]
    out += _first_page(diary, names)
    shorts = {pid: p["short"] for pid, (_, p) in notes.items()}
    for day in diary["days"]:
        out += _day(day, names, notes, shorts)
    out += _summary(diary, notes)
    out += ['<section class="stored" id="stored"><h2>What Onlooker stored</h2><table>']
    out += [f'<tr><th scope="row">{escape(k)}</th><td>{escape(v)}</td></tr>'
            for k, v in text.stored_rows(diary["stored"], names)]
    out += ["</table></section>", '<section class="notes" id="notes">',
            "<h2>Sources and assumptions</h2><ol>"]
    for p in diary["profiles"]:
        links = ", ".join(f'<a href="{escape(u)}">{escape(u)}</a>' for u in p["sources"])
        out.append(f'<li id="src-{escape(p["id"])}"><strong>{escape(p["name"])}</strong>, seen by '
                   f'{escape(words.audience(p["seen_by"]))}.<br>Sources: {links}.<br>Assumptions: '
                   f'{escape(" ".join(p["assumptions"]))}</li>')
    out.append("</ol></section></main></body></html>\n")
    return "".join(out)


def _first_page(diary: dict[str, Any], names: Names) -> list[str]:
    out = ['<section class="first"><h1>Privacy diary</h1>',
           f'<p class="period">{escape(text.period_name(diary))}</p>']
    if diary["period"]["title"]:
        out.append(f'<p><em>{escape(diary["period"]["title"])}</em></p>')
    out.append(f'<p class="meta">{escape(text.zone_sentence(diary))} '
               f'{escape(text.source_sentence(diary))}</p>')
    out.append('<h2>At a glance</h2><ul class="facts">')
    out += [f"<li>{escape(s)}</li>" for s in diary["first_page"]]
    out.append("</ul>")
    days = [d for d in diary["days"] if not d["empty"]]
    if 1 < len(days) <= 62:
        out.append('<p class="contents">Days: ' + ", ".join(
            f'<a href="#d-{d["date"]}">{escape(d["date"])}</a>' for d in days) + "</p>")
    out.append("</section>")
    return out


def _clock(iso: str, names: Names) -> str:
    return f'<time datetime="{escape(iso)}">{escape(names.clock(iso))}</time>'


def _day(day: dict[str, Any], names: Names, notes: dict, shorts: dict) -> list[str]:
    head = f'<section class="day" id="d-{day["date"]}"><h2>{escape(Names.day_text(day["date"]))}</h2>'
    if day["empty"]:
        return [head, "<p>Nothing was recorded this day.</p></section>"]
    obs = day["observed"]
    out = [head, f"<p>Observed from {_clock(obs['from'], names)} to {_clock(obs['until'], names)}; "
                 f"recorded {escape(words.duration(day['recorded_s']))}.</p>"]
    if day["not_recorded"]:
        out.append('<p class="muted">Not recorded (no tracker is judged on this time): ' + "; ".join(
            f"{_clock(n['from'], names)} to {_clock(n['until'], names)}" for n in day["not_recorded"])
            + ".</p>")
    out.append(f'<div class="wide">{svg.timeline(day, shorts, names)}</div>')
    if day["meetings"]:
        out.append('<h3>Meetings</h3><div class="wide"><table><tr><th>App</th><th>Start</th>'
                   "<th>End</th><th>Screen sharing</th></tr>")
        for m in day["meetings"]:
            sharing = (f"marked, {words.duration(m['shared_s'])}" if m["sharing"] == "marked"
                       else "unknown (not marked)")
            out.append(f"<tr><td>{escape(m['app'])}</td><td>{_clock(m['from'], names)}</td>"
                       f"<td>{_clock(m['until'], names)}</td><td>{escape(sharing)}</td></tr>")
        out.append("</table></div>")
    idle = []
    for p in day["profiles"]:
        n, note = notes[p["id"]]
        if not p["applies"]:
            idle.append(f'{escape(note["short"])} (<a href="#src-{escape(p["id"])}">{n}</a>): '
                        f'{escape(p["missing"] or "")}')
            continue
        out.append(f'<article class="profile"><h3>{escape(note["short"])} <small>seen by '
                   f'{escape(words.audience(note["seen_by"]))}</small><sup><a href="#src-{escape(p["id"])}">'
                   f"{n}</a></sup></h3>")
        if p["flags"]:
            out.append('<ol class="flags">')
            # plain times, no <time> element: a month has thousands of flags, and each element
            # is a node in the PDF's accessibility tags, which took a third of the print
            for f in p["flags"]:
                until = f" to {escape(names.clock(f['until']))}" if f["until"] else ""
                out.append(f"<li>{escape(names.clock(f['at']))}{until}: {escape(f['what'])}</li>")
            out.append("</ol>")
        else:
            out.append('<p class="muted">Nothing flagged.</p>')
        out.append('<dl class="metrics">')
        for m in note["metrics"]:
            if m["key"] in p["metrics"]:
                value = text.metric_value(p["metrics"][m["key"]], m["unit"],
                                          p["metric_times"].get(m["key"]), names)
                out.append(f"<dt>{escape(m['label'])}</dt><dd>{escape(value)}</dd>")
        out.append("</dl></article>")
    if idle:
        out.append('<p class="muted">Does not apply this day: ' + "; ".join(idle) + ".</p>")
    out.append("</section>")
    return out


def _summary(diary: dict[str, Any], notes: dict) -> list[str]:
    s = diary["summary"]
    out = ['<section class="summary" id="summary"><h2>Summary of the period</h2>',
           f"<p>{escape(words.plural(s['days_with_data'], 'day'))} with data of {s['days']}; "
           f"recorded {escape(words.duration(s['recorded_s']))}, not recorded "
           f"{escape(words.duration(s['not_recorded_s']))}; "
           f"{escape(words.plural(s['meetings'], 'meeting'))}.</p>",
           '<div class="wide"><table><tr><th>Tracker</th><th>Metric</th><th>Period total</th>'
           "<th>Days</th></tr>"]
    charts = []
    for p in s["profiles"]:
        short = notes[p["id"]][1]["short"]
        for m in p["metrics"]:
            total = text.period_total(m)
            out.append(f"<tr><td>{escape(short)}</td><td>{escape(m['label'])}</td>"
                       f'<td class="n">{escape(total)}</td><td class="n">{len(m["per_day"])}</td></tr>')
            if s["days_with_data"] > 1 and m["per_day"]:
                label = f"{short}: {m['label']}"
                charts.append(f"<figure>{svg.bars(m['per_day'], m['unit'], label)}"
                              f"<figcaption>{escape(label)}</figcaption></figure>")
    out.append("</table></div>")
    if charts:
        out.append('<h3>Per day</h3><div class="charts">' + "".join(charts) + "</div>")
    out.append("</section>")
    return out
