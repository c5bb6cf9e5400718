"""Open the dashboard: the loopback server, then a pywebview window (GTK) or a printed URL."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from storage.paths import default_config_path
from storage.store import Store

from .api import DashboardAPI
from .server import DashboardServer


def open_dashboard(store: Store, db_path: Path, *, browser: bool = False, echo=print,
                   day: tuple[float, float] | None = None, title: str | None = None,
                   demo: bool = False, serve_for: float | None = None,
                   scenarios: dict[str, Path] | None = None, scenario: str | None = None) -> None:
    """Blocks until the window closes (or Ctrl-C in browser mode); the port closes with it."""
    api = DashboardAPI(store, db_path, default_config_path(), title=title, default_range=day,
                       demo=demo, scenarios=scenarios, scenario=scenario)
    server = DashboardServer(api).start()
    from ..notify import Notifier, dbus_sender

    notifier = Notifier(api, dbus_sender()).start()
    try:
        if browser or not os.environ.get("DISPLAY"):
            if not browser:
                echo("onlooker: no display here, so the dashboard is served for a browser instead")
            echo(f"dashboard: {server.url()}")
            echo("(the address holds a one-time key: open it in a browser on this machine; "
                 "Ctrl-C stops)")
            stop = threading.Event()
            try:
                stop.wait(serve_for)
            except KeyboardInterrupt:
                pass
        else:
            _window(server, title or "dashboard")
    finally:
        notifier.stop()
        server.stop()


def _window(server: DashboardServer, title: str) -> None:
    import webview  # imported only here: GTK loads on import

    webview.settings["ALLOW_FILE_URLS"] = False
    webview.settings["OPEN_EXTERNAL_LINKS_IN_BROWSER"] = True
    webview.settings["REMOTE_DEBUGGING_PORT"] = None
    webview.create_window(f"Onlooker — {title}", url=server.url(), width=1280, height=860,
                          min_size=(900, 600))
    webview.start(gui="gtk", debug=False, private_mode=True)
