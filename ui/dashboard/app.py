"""Open the dashboard: the loopback server, then a pywebview window (GTK) or a printed URL."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from ..service import Service
from .api import DashboardAPI
from .server import DashboardServer


def open_dashboard(service: Service, config_path: Path, *, browser: bool = False, echo=print,
                   day: tuple[float, float] | None = None, title: str | None = None,
                   demo: bool = False, scenarios: dict[str, Path] | None = None,
                   scenario: str | None = None, stop: threading.Event | None = None) -> None:
    """Blocks until the window closes (or Ctrl-C, or ``stop`` is set, in browser mode); the port
    closes with it."""
    api = DashboardAPI(service, config_path, title=title, default_range=day,
                       demo=demo, scenarios=scenarios, scenario=scenario)
    server = DashboardServer(api).start()
    from ..notify import Notifier, dbus_sender

    notifier = Notifier(api, dbus_sender()).start()
    stop = stop or threading.Event()
    try:
        if browser or not os.environ.get("DISPLAY"):
            if not browser:
                echo("onlooker: no display here, so the dashboard is served for a browser instead")
            echo(f"dashboard: {server.url()}")
            echo("(the address holds a one-time key: open it in a browser on this machine; "
                 "Ctrl-C stops)")
            try:
                stop.wait()
            except KeyboardInterrupt:
                pass
        else:
            try:
                _window(server, title or "dashboard", stop)
            except KeyboardInterrupt:  # Ctrl-C in the terminal closes the window: a normal end
                pass
    finally:
        notifier.stop()
        server.stop()


def serve_probe(service: Service, config_path: Path, *, record: bool = False, echo=print,
                stop: threading.Event | None = None) -> None:
    """``onlooker probe``: the probe page on the dashboard's hardened server, until Ctrl-C."""
    api = DashboardAPI(service, config_path, title="probe")
    api.probe_record = record
    server = DashboardServer(api).start()
    stop = stop or threading.Event()
    try:
        echo(f"probe: {server.url().replace('/#', '/probe.html#')}")
        echo("(open it in a browser on this machine; the address holds a one-time key; "
             f"{'its events are recorded' if record else 'nothing is recorded'}; Ctrl-C stops)")
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    finally:
        server.stop()


def _window(server: DashboardServer, title: str, stop: threading.Event) -> None:
    import webview  # imported only here: GTK loads on import

    webview.settings["ALLOW_FILE_URLS"] = False
    webview.settings["OPEN_EXTERNAL_LINKS_IN_BROWSER"] = True
    webview.settings["REMOTE_DEBUGGING_PORT"] = None
    window = webview.create_window(f"Onlooker — {title}", url=server.url(), width=1280,
                                   height=860, min_size=(900, 600))

    def close_on_stop() -> None:  # SIGTERM closes the window as the user would
        stop.wait()
        window.destroy()

    threading.Thread(target=close_on_stop, name="onlooker-window-stop", daemon=True).start()
    webview.start(gui="gtk", debug=False, private_mode=True)
