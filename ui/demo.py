"""``onlooker demo``: a bundled scenario through the real pipeline into the dashboard.

Everything lives in a temporary directory (database and config): a demonstration never touches
the user's own recordings or settings, even when the class changes settings on the page."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from onlooker.storage.db import connect
from onlooker.storage.store import Store

from .render import table
from .service import Service


def demo_service(log_path: Path, db_path: Path) -> tuple[Service, float, float, str]:
    """A fresh database holding one scenario: (service, start, end, title)."""
    service = Service(Store(connect(db_path)), db_path)
    return (service, *service.load_scenario(log_path))


def run_demo(log_path: Path, *, browser: bool = False, once: bool = False, echo=print,
             scenarios: dict[str, Path] | None = None,
             stop: threading.Event | None = None, live: bool = False) -> None:
    if live:
        return _run_live(log_path, browser=browser, echo=echo, stop=stop)
    with tempfile.TemporaryDirectory(prefix="onlooker-demo-") as tmp:
        service, start, end, title = demo_service(log_path, Path(tmp) / "demo.db")
        echo(table(service.replay_range(start, end, title=title).replay))
        if once:
            return
        from .dashboard.app import open_dashboard

        open_dashboard(service, Path(tmp) / "config.toml", browser=browser, echo=echo,
                       day=(start, end), title=title, demo=True, scenarios=scenarios,
                       scenario=log_path.stem, stop=stop)


def _run_live(log_path: Path, *, browser: bool, echo, stop: threading.Event | None) -> None:
    """The scenario recorded as it happens (the fake backend) while the dashboard follows."""
    from .config import Config
    from .dashboard.app import open_dashboard
    from .watch import replaying

    with tempfile.TemporaryDirectory(prefix="onlooker-demo-") as tmp:
        db = Path(tmp) / "demo.db"
        with replaying(log_path, db, Config(), echo=echo) as recorder:
            fake = recorder.backend
            echo(f"onlooker: recording '{fake.title}' live ({fake.end / fake.speed:.0f} s at "
                 f"{fake.speed:g}x; ONLOOKER_FAKE_SPEED changes it)")
            open_dashboard(Service(Store(connect(db)), db), Path(tmp) / "config.toml",
                           browser=browser, echo=echo, day=(fake.started, fake.started + fake.end),
                           title=fake.title, demo=True, stop=stop)
