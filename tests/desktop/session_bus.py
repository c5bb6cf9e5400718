"""A private D-Bus session bus (a real dbus-daemon) and a test StatusNotifierWatcher on it: the
part of a desktop panel that trays register with."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading

import pytest

WATCHER = "org.kde.StatusNotifierWatcher"


@pytest.fixture
def session_bus():
    """The address of a fresh session bus, stopped after the test."""
    if shutil.which("dbus-daemon") is None:
        pytest.fail("the tray tests need dbus-daemon; run ./bootstrap test (it installs dbus)")
    out = subprocess.run(["dbus-daemon", "--session", "--print-address=1", "--print-pid=1",
                          "--fork", "--nopidfile"], capture_output=True, text=True, timeout=10,
                         check=True).stdout.split()
    address, pid = out[0], int(out[1])
    yield address
    os.kill(pid, signal.SIGTERM)


class StatusNotifierWatcher:
    """Owns org.kde.StatusNotifierWatcher and records every item that registers (bus name and
    object path), as a panel's watcher would; ``registered`` is set at the first."""

    def __init__(self, address: str):
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        self.conn = open_dbus_connection(bus=address)
        reply = self.conn.send_and_get_reply(message_bus.RequestName(WATCHER), timeout=5)
        assert reply.body[0] == 1, "could not own the watcher's name"
        self.items: list[tuple[str, str]] = []
        self.registered = threading.Event()
        self._stop = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        from jeepney import DBusAddress, HeaderFields, MessageType, new_method_return, new_signal

        while not self._stop:
            try:
                msg = self.conn.receive(timeout=0.2)
            except TimeoutError:
                continue
            except OSError:
                return
            if msg.header.message_type != MessageType.method_call:
                continue
            f = msg.header.fields
            member = f.get(HeaderFields.member)
            if member == "RegisterStatusNotifierItem":
                service = msg.body[0]
                sender = f[HeaderFields.sender]
                item = (sender, service) if service.startswith("/") else \
                    (service, "/StatusNotifierItem")
                self.items.append(item)
                self.conn.send(new_method_return(msg))
                me = DBusAddress("/StatusNotifierWatcher", interface=WATCHER)
                self.conn.send(new_signal(me, "StatusNotifierItemRegistered", "s",
                                          (f"{item[0]}{item[1]}",)))
                self.registered.set()
            elif member == "Get":
                value = {"IsStatusNotifierHostRegistered": ("b", True),
                         "ProtocolVersion": ("i", 0),
                         "RegisteredStatusNotifierItems": ("as", [a + p for a, p in self.items])}
                self.conn.send(new_method_return(msg, "v", (value[msg.body[1]],)))
            else:
                self.conn.send(new_method_return(msg))

    def close(self) -> None:
        self._stop = True
        self.thread.join(2)
        self.conn.close()


class Host:
    """The panel's other half: reads an item's properties and its menu, clicks menu items."""

    def __init__(self, address: str, bus_name: str, path: str):
        from jeepney.io.blocking import open_dbus_connection

        self.conn = open_dbus_connection(bus=address)
        self.bus_name, self.path = bus_name, path

    def _call(self, path, iface, member, sig=None, body=()):
        from jeepney import DBusAddress, new_method_call

        addr = DBusAddress(path, bus_name=self.bus_name, interface=iface)
        reply = self.conn.send_and_get_reply(new_method_call(addr, member, sig, body), timeout=10)
        from jeepney import MessageType

        assert reply.header.message_type == MessageType.method_return, reply.body
        return reply.body

    def properties(self) -> dict:
        body = self._call(self.path, "org.freedesktop.DBus.Properties", "GetAll", "s",
                          ("org.kde.StatusNotifierItem",))
        return {k: v[1] for k, v in body[0].items()}

    def menu(self) -> dict[str, tuple[int, bool]]:
        """Label -> (id, enabled) of the menu's items."""
        menu_path = self.properties()["Menu"]
        _rev, (_root, _props, children) = self._call(
            menu_path, "com.canonical.dbusmenu", "GetLayout", "iias", (0, -1, []))
        out = {}
        for _sig, (id_, props, _kids) in children:
            if "label" in props:
                out[props["label"][1]] = (id_, props.get("enabled", ("b", True))[1])
        return out

    def click(self, label: str) -> None:
        menu_path = self.properties()["Menu"]
        id_, enabled = self.menu()[label]
        assert enabled, f"{label} is disabled"
        self._call(menu_path, "com.canonical.dbusmenu", "Event", "isvu",
                   (id_, "clicked", ("i", 0), 0))

    def close(self) -> None:
        self.conn.close()
