"""Opt-in desktop notifications: "a 2020 Zoom host would now see the clock icon next to your
name". Sent over D-Bus (org.freedesktop.Notifications) while the dashboard is open."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

INTERVAL_S = 2.0


def dbus_sender(env=None) -> Callable[[str, str], None] | None:
    """A function sending one notification, or None where there is no session bus."""
    env = os.environ if env is None else env
    address = env.get("DBUS_SESSION_BUS_ADDRESS")
    if not address:
        return None

    def send(summary: str, body: str) -> None:
        from jeepney import DBusAddress, new_method_call
        from jeepney.io.blocking import open_dbus_connection

        target = DBusAddress("/org/freedesktop/Notifications", bus_name="org.freedesktop.Notifications",
                             interface="org.freedesktop.Notifications")
        with open_dbus_connection(bus=address) as conn:
            msg = new_method_call(target, "Notify", "susssasa{sv}i",
                                  ("Onlooker", 0, "", summary, body, [], {}, 8000))
            conn.send_and_get_reply(msg, timeout=5)
    return send


class Notifier:
    """Checks, every couple of seconds while enabled, which flags hold right now; tells the user
    once about each new one. Which profiles are live, and what to say, is each profile's
    ``presentation.live`` (the dashboard API's ``live()`` passes it on)."""

    def __init__(self, api, send: Callable[[str, str], None] | None, interval: float = INTERVAL_S):
        self.api = api
        self.send = send
        self.interval = interval
        self._seen: set[tuple[str, float]] = set()
        self._stop = threading.Event()

    def check_once(self) -> None:
        if not self.api.settings()["notify"] or not self.api.overview()["recording"]:
            return
        for flag in self.api.live()["active"]:
            key = (flag["profile"], round(flag["since"], 1))
            if key in self._seen:
                continue
            self._seen.add(key)
            summary = flag["sentence"]  # the profile's own live sentence, from the registry
            if self.send is not None:
                try:
                    self.send(summary, flag["what"])
                except Exception as exc:  # no notification daemon: the page's banner still shows it
                    log.info("desktop notification not shown: %r", exc)

    def start(self) -> "Notifier":
        def loop():
            while not self._stop.wait(self.interval):
                try:
                    self.check_once()
                except Exception:  # a busy database: the next check tries again
                    log.warning("notification check failed", exc_info=True)
        threading.Thread(target=loop, name="onlooker-notify", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
