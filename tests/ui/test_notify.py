"""Opt-in desktop notifications over a real D-Bus session bus."""

import subprocess
import threading
import time

import pytest

from onlooker.shim.model import Observation
from onlooker.storage.db import connect
from onlooker.storage.lockfile import RecorderLock
from onlooker.storage.store import Store
from onlooker.ui.dashboard.api import DashboardAPI
from onlooker.ui.notify import Notifier, dbus_sender
from onlooker.ui.service import Service
from onlooker.ui.service import Service


@pytest.fixture
def session_bus():
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address"],
                           stdout=subprocess.PIPE, text=True)
    address = bus.stdout.readline().strip()
    yield address
    bus.kill()
    bus.wait()


def notification_daemon(address, received, ready):
    """A minimal org.freedesktop.Notifications service that records Notify calls."""
    from jeepney import MessageType, new_method_return
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    conn = open_dbus_connection(bus=address)  # jeepney accepts an address here
    conn.send_and_get_reply(message_bus.RequestName("org.freedesktop.Notifications"))
    ready.set()
    try:
        while True:
            msg = conn.receive()
            if msg.header.message_type == MessageType.method_call:
                received.append(msg.body)
                conn.send(new_method_return(msg, "u", (len(received),)))
    except OSError:  # the bus went away at the end of the test
        pass


def test_notification_when_zoom_would_show_the_icon_now(db_path, tmp_path, session_bus):
    now = time.time()
    store = Store(connect(db_path))
    store.record([Observation(now - 100, "meeting_start", app="zoom", category="meeting"),
                  Observation(now - 100, "share_start"), Observation(now - 100, "focus", app="zoom"),
                  Observation(now - 60, "focus", app="mail")], [])
    api = DashboardAPI(Service(store, db_path), tmp_path / "c.toml")
    received, ready = [], threading.Event()
    threading.Thread(target=notification_daemon, args=(session_bus, received, ready), daemon=True).start()
    assert ready.wait(5)
    lock = RecorderLock(db_path).acquire()  # a recorder is running
    try:
        notifier = Notifier(api, dbus_sender({"DBUS_SESSION_BUS_ADDRESS": session_bus}))
        notifier.check_once()
        assert received == []  # off until the user opts in
        api.set_settings({"notify": True})
        notifier.check_once()
        notifier.check_once()  # the same flag is told once
        deadline = time.time() + 5
        while len(received) < 2 and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
    finally:
        lock.release()
    summaries = {r[3]: r for r in received}
    assert len(received) == 2  # Zoom's icon and GoTo's 'not attentive', each told once
    zoom = summaries["A 2020 Zoom host would now see the clock icon next to your name"]
    assert zoom[0] == "Onlooker" and "clock icon" in zoom[4]
    assert "A GoTo Webinar organizer would now see you as 'not attentive'" in summaries


def test_no_notification_without_a_running_recorder(db_path, tmp_path):
    api = DashboardAPI(Service(Store(connect(db_path)), db_path), tmp_path / "c.toml")
    api.set_settings({"notify": True})
    sent = []
    n = Notifier(api, lambda summary, body: sent.append(summary))  # the seam: what would be sent
    n.check_once()
    assert sent == []
