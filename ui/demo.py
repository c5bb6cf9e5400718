"""``onlooker demo``: a bundled scenario through the real pipeline into the dashboard."""

from __future__ import annotations

import tempfile
from pathlib import Path

from shim.model import LogHeader
from shim.obslog import parse
from shim.replay import replay_events
from storage.db import connect
from storage.loadlog import load_log
from storage.store import Store

from .render import table


def load_scenario(store: Store, log_path: Path) -> tuple[float, float, str]:
    """Parse a log and store it as if it had been recorded; (start, end, title)."""
    with open(log_path, encoding="utf-8") as fh:
        header, events = parse(fh)
    start = header.start if header.start is not None else 0.0
    load_log(store, header, events, start)
    end = start + max((e.end for e in events), default=0.0)
    return start, end, header.title or log_path.stem


def load_demo(log_path: Path, db_path: Path) -> tuple[Store, float, float, str]:
    """A fresh database holding one scenario: (store, start, end, title)."""
    store = Store(connect(db_path))
    return (store, *load_scenario(store, log_path))


def run_demo(log_path: Path, *, browser: bool = False, once: bool = False, echo=print,
             serve_for: float | None = None, scenarios: dict[str, Path] | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="onlooker-demo-") as tmp:
        store, start, end, title = load_demo(log_path, Path(tmp) / "demo.db")
        header, events = store.events(start, end + 0.001)  # the range's end is exclusive
        result = replay_events(header, events, until=end - start)
        result.header = LogHeader(start=start, title=title)
        echo(table(result))
        if once:
            return
        from .dashboard.app import open_dashboard

        open_dashboard(store, Path(tmp) / "demo.db", browser=browser, echo=echo, day=(start, end),
                       title=title, demo=True, serve_for=serve_for,
                       scenarios=scenarios, scenario=log_path.stem)
