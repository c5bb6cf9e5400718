"""``onlooker tray``: a status icon over the StatusNotifierItem D-Bus protocol, with its menu over
com.canonical.dbusmenu.

It shows whether the recorder runs, is paused, or whether a tracker would flag you right now,
and offers Pause 30 min, Resume, Open dashboard and Quit recording. Hosts that show such items:
KDE Plasma, most wlroots bars (waybar, sfwbar, ...), XFCE with its StatusNotifier plugin, and
GNOME only with the AppIndicator extension; plain GNOME and XEmbed-only trays show nothing.

jeepney (pure-Python D-Bus, already used for lock signals) with one blocking loop on one
thread: incoming method calls are answered in order, and the state is re-read every
``POLL_S`` seconds when no call arrives. Nothing here ever blocks on a reply: the watcher's
answer to our registration arrives in the same loop.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

POLL_S = 2.0
PAUSE_S = 30 * 60
ITEM_PATH = "/StatusNotifierItem"
MENU_PATH = "/MenuBar"
ITEM_IFACE = "org.kde.StatusNotifierItem"
MENU_IFACE = "com.canonical.dbusmenu"
WATCHER = "org.kde.StatusNotifierWatcher"
PROPS_IFACE = "org.freedesktop.DBus.Properties"
NOT_SHOWN = ("no StatusNotifierWatcher on the session bus, so no tray shows the icon yet (KDE "
             "Plasma, waybar and XFCE's StatusNotifier plugin have one; GNOME needs the "
             "AppIndicator extension); it appears as soon as one starts")


class TrayError(Exception):
    """One line saying what to do."""


# --- what the icon says (pure) ----------------------------------------------------------------

@dataclass(frozen=True)
class Look:
    status: str      # the SNI Status: Active, or NeedsAttention while a tracker would flag you
    icon: str        # a freedesktop icon name every theme has
    title: str       # the tooltip's title and the menu's first line
    detail: str
    recording: bool
    paused: bool


def look(recording: bool, paused_until: float | None, flags: list[str],
         now: float | None = None) -> Look:
    """The icon's state from the recorder's pid, the pause setting and the flags holding now."""
    if paused_until is not None:
        when = ("until resumed" if paused_until == math.inf else
                "until " + time.strftime("%H:%M", time.localtime(paused_until)))
        return Look("Active", "media-playback-pause", f"Onlooker is paused {when}",
                    "Nothing is recorded meanwhile.", recording, True)
    if not recording:
        return Look("Active", "media-playback-stop", "Onlooker is not recording",
                    "Start it with 'onlooker watch' or 'onlooker autostart enable'.", False, False)
    if flags:
        return Look("NeedsAttention", "dialog-warning", "A tracker would flag you now",
                    flags[0], True, False)
    return Look("Active", "media-record", "Onlooker is recording",
                "Activity yes/no only: never keys, text or pointer positions.", True, False)


@dataclass(frozen=True)
class Item:
    id: int
    label: str = ""
    enabled: bool = True
    separator: bool = False


PAUSE, RESUME, DASHBOARD, QUIT_RECORDING, CLOSE = 3, 4, 5, 7, 8


def menu(state: Look) -> list[Item]:
    """The menu's items for a state; ids are stable, so a click names the same action always."""
    return [
        Item(1, state.title, enabled=False),
        Item(2, separator=True),
        Item(PAUSE, "Pause 30 min", enabled=not state.paused),
        Item(RESUME, "Resume", enabled=state.paused),
        Item(DASHBOARD, "Open dashboard"),
        Item(6, separator=True),
        Item(QUIT_RECORDING, "Quit recording", enabled=state.recording),
        Item(CLOSE, "Close this icon"),
    ]


def _item_props(item: Item) -> dict:
    if item.separator:
        return {"type": ("s", "separator")}
    return {"label": ("s", item.label.replace("_", "__")),  # a single _ marks an access key
            "enabled": ("b", item.enabled), "visible": ("b", True)}


def layout(items: list[Item]) -> tuple:
    """The dbusmenu layout ``(ia{sv}av)``: a root (id 0) holding the items."""
    children = [("(ia{sv}av)", (i.id, _item_props(i), [])) for i in items]
    return (0, {"children-display": ("s", "submenu")}, children)


# --- the effects it offers --------------------------------------------------------------------

class Actions:
    """What the menu does to a database: the same Service calls as the CLI's pause and resume,
    a dashboard process, and SIGTERM to the recorder (it stops cleanly, as on Ctrl-C)."""

    def __init__(self, db_path: Path, config_path: Path, launch: list[str]):
        self.db_path, self.config_path, self.launch = db_path, config_path, launch
        self._reader = None
        self._children: list[subprocess.Popen] = []

    def _service(self, readonly: bool):
        from onlooker.storage.db import connect
        from onlooker.storage.store import Store

        from .service import Service

        return Service(Store(connect(self.db_path, readonly=readonly, check=not readonly)),
                       self.db_path)

    def state(self) -> Look:
        from onlooker.storage.lockfile import holder

        recording = bool(holder(self.db_path))
        if not self.db_path.exists():
            return look(recording, None, [])
        if self._reader is None:
            from .dashboard.api import DashboardAPI

            self._reader = DashboardAPI(self._service(readonly=True), self.config_path)
        paused = self._reader.store.paused_until()
        flags = ([f["sentence"] for f in self._reader.live()["active"]]
                 if recording and paused is None else [])
        return look(recording, paused, flags)

    def pause(self) -> None:
        self._write(lambda s: s.pause(PAUSE_S))

    def resume(self) -> None:
        self._write(lambda s: s.resume())

    def _write(self, change: Callable) -> None:
        service = self._service(readonly=False)
        try:
            change(service)
        finally:
            service.store.conn.close()

    def open_dashboard(self) -> None:
        self._children = [p for p in self._children if p.poll() is None]
        self._children.append(subprocess.Popen(
            [*self.launch, "dashboard"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True))

    def quit_recording(self) -> bool:
        from onlooker.storage.lockfile import signal_recorder

        # only a process the kernel shows is our recorder holding the lock (see lockfile)
        return signal_recorder(self.db_path, signal.SIGTERM)


# --- D-Bus ------------------------------------------------------------------------------------

_INTROSPECT = {
    ITEM_PATH: f"""<interface name="{ITEM_IFACE}">
  <property name="Category" type="s" access="read"/><property name="Id" type="s" access="read"/>
  <property name="Title" type="s" access="read"/><property name="Status" type="s" access="read"/>
  <property name="WindowId" type="i" access="read"/>
  <property name="IconName" type="s" access="read"/>
  <property name="IconPixmap" type="a(iiay)" access="read"/>
  <property name="AttentionIconName" type="s" access="read"/>
  <property name="ToolTip" type="(sa(iiay)ss)" access="read"/>
  <property name="ItemIsMenu" type="b" access="read"/>
  <property name="Menu" type="o" access="read"/>
  <method name="ContextMenu"><arg type="i" direction="in"/><arg type="i" direction="in"/></method>
  <method name="Activate"><arg type="i" direction="in"/><arg type="i" direction="in"/></method>
  <method name="SecondaryActivate"><arg type="i" direction="in"/>
    <arg type="i" direction="in"/></method>
  <method name="Scroll"><arg type="i" direction="in"/><arg type="s" direction="in"/></method>
  <signal name="NewTitle"/><signal name="NewIcon"/><signal name="NewToolTip"/>
  <signal name="NewStatus"><arg type="s"/></signal>
</interface>""",
    MENU_PATH: f"""<interface name="{MENU_IFACE}">
  <property name="Version" type="u" access="read"/>
  <property name="TextDirection" type="s" access="read"/>
  <property name="Status" type="s" access="read"/>
  <property name="IconThemePath" type="as" access="read"/>
  <method name="GetLayout"><arg type="i" direction="in"/><arg type="i" direction="in"/>
    <arg type="as" direction="in"/><arg type="u" direction="out"/>
    <arg type="(ia{{sv}}av)" direction="out"/></method>
  <method name="GetGroupProperties"><arg type="ai" direction="in"/><arg type="as" direction="in"/>
    <arg type="a(ia{{sv}})" direction="out"/></method>
  <method name="GetProperty"><arg type="i" direction="in"/><arg type="s" direction="in"/>
    <arg type="v" direction="out"/></method>
  <method name="Event"><arg type="i" direction="in"/><arg type="s" direction="in"/>
    <arg type="v" direction="in"/><arg type="u" direction="in"/></method>
  <method name="EventGroup"><arg type="a(isvu)" direction="in"/>
    <arg type="ai" direction="out"/></method>
  <method name="AboutToShow"><arg type="i" direction="in"/><arg type="b" direction="out"/></method>
  <method name="AboutToShowGroup"><arg type="ai" direction="in"/><arg type="ai" direction="out"/>
    <arg type="ai" direction="out"/></method>
  <signal name="ItemsPropertiesUpdated"><arg type="a(ia{{sv}})"/><arg type="a(ias)"/></signal>
  <signal name="LayoutUpdated"><arg type="u"/><arg type="i"/></signal>
</interface>""",
}


def _introspection(path: str) -> str:
    body = _INTROSPECT.get(path, "")
    if path == "/":
        body = '<node name="StatusNotifierItem"/><node name="MenuBar"/>'
    return ('<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN" '
            '"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">\n<node>'
            '<interface name="org.freedesktop.DBus.Introspectable"><method name="Introspect">'
            '<arg type="s" direction="out"/></method></interface>' + body + "</node>")


class Tray:
    """The icon on one session bus. ``run()`` blocks until ``stop`` is set or "Close this icon"."""

    def __init__(self, actions: Actions, address: str, *, echo=print,
                 stop: threading.Event | None = None):
        self.actions, self.address, self.echo = actions, address, echo
        self.stop = stop or threading.Event()
        self.state = look(False, None, [])
        self.revision = 1
        self.name = f"org.kde.StatusNotifierItem-{os.getpid()}-1"
        self.registered = False
        self._conn = None
        self._waiting: dict[int, Callable] = {}

    # the loop

    def run(self) -> None:
        from jeepney import DBusErrorResponse, MatchRule, MessageType
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        try:
            self._conn = open_dbus_connection(bus=self.address)
            self._conn.send_and_get_reply(message_bus.RequestName(self.name), timeout=5)
            # a watcher that starts (or restarts) later: register with it then
            rule = MatchRule(type="signal", sender="org.freedesktop.DBus",
                             member="NameOwnerChanged")
            rule.add_arg_condition(0, WATCHER)
            self._conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=5)
        except (OSError, ValueError, TimeoutError, DBusErrorResponse) as exc:
            raise TrayError(f"cannot use the D-Bus session bus ({exc}); the tray needs a "
                            "desktop session (DBUS_SESSION_BUS_ADDRESS)") from None
        try:
            self.state = self.actions.state()
            self._register()
            next_poll = time.monotonic() + POLL_S
            while not self.stop.is_set():
                try:
                    msg = self._conn.receive(timeout=max(0.05, next_poll - time.monotonic()))
                except TimeoutError:
                    msg = None
                if msg is not None:
                    kind = msg.header.message_type
                    if kind == MessageType.method_call:
                        self._answer(msg)
                    elif kind in (MessageType.method_return, MessageType.error):
                        self._replied(msg)
                    elif kind == MessageType.signal:
                        self._signal(msg)
                if time.monotonic() >= next_poll:
                    self.refresh()
                    next_poll = time.monotonic() + POLL_S
        finally:
            self._conn.close()

    def refresh(self) -> None:
        try:
            new = self.actions.state()
        except Exception as exc:  # a busy or missing database: say so in the icon, try again
            log.warning("tray state not read: %r", exc)
            new = Look("Active", "dialog-error", "Onlooker cannot read its database", str(exc),
                       self.state.recording, self.state.paused)
        if new != self.state:
            self.state = new
            self._changed()

    def _changed(self) -> None:
        from jeepney import DBusAddress, new_signal

        self.revision += 1
        item = DBusAddress(ITEM_PATH, interface=ITEM_IFACE)
        for member in ("NewIcon", "NewTitle", "NewToolTip"):
            self._conn.send(new_signal(item, member))
        self._conn.send(new_signal(item, "NewStatus", "s", (self.state.status,)))
        self._conn.send(new_signal(DBusAddress(MENU_PATH, interface=MENU_IFACE), "LayoutUpdated",
                                   "ui", (self.revision, 0)))

    def _call(self, message, on_reply: Callable) -> None:
        serial = next(self._conn.outgoing_serial)
        self._waiting[serial] = on_reply
        self._conn.send(message, serial=serial)

    def _register(self) -> None:
        from jeepney import DBusAddress, new_method_call

        watcher = DBusAddress("/StatusNotifierWatcher", bus_name=WATCHER, interface=WATCHER)
        self._call(new_method_call(watcher, "RegisterStatusNotifierItem", "s", (self.name,)),
                   self._on_registered)

    def _on_registered(self, msg) -> None:
        from jeepney import MessageType

        if msg.header.message_type == MessageType.error:
            self.registered = False
            log.info("not registered: %r", msg.body)
            self.echo(f"onlooker: {NOT_SHOWN}", err=True)
        else:
            self.registered = True
            self.echo("onlooker: the status icon is in the tray (Ctrl-C removes it)", err=True)

    def _replied(self, msg) -> None:
        from jeepney import HeaderFields

        handler = self._waiting.pop(msg.header.fields.get(HeaderFields.reply_serial), None)
        if handler:
            handler(msg)

    def _signal(self, msg) -> None:
        from jeepney import HeaderFields

        fields = msg.header.fields
        if fields.get(HeaderFields.member) == "NameOwnerChanged" and msg.body[0] == WATCHER \
                and msg.body[2]:
            self._register()  # a new watcher knows nothing of us

    # answering calls

    def _answer(self, msg) -> None:
        from jeepney import HeaderFields, new_error, new_method_return

        f = msg.header.fields
        path, iface, member = f.get(HeaderFields.path), f.get(HeaderFields.interface), \
            f.get(HeaderFields.member)
        try:
            sig, body = self._dispatch(path, iface, member, msg.body)
        except _DBusError as exc:
            self._conn.send(new_error(msg, exc.name, "s", (exc.text,)))
            return
        except Exception as exc:  # a failed action must not end the icon; the caller hears why
            log.warning("tray call %s.%s failed", iface, member, exc_info=True)
            self._conn.send(new_error(msg, "org.freedesktop.DBus.Error.Failed", "s", (str(exc),)))
            return
        self._conn.send(new_method_return(msg, sig, body))

    def _dispatch(self, path, iface, member, args) -> tuple[str | None, tuple]:
        if iface == "org.freedesktop.DBus.Introspectable" or member == "Introspect":
            return "s", (_introspection(path),)
        if iface == "org.freedesktop.DBus.Peer":
            return (("s", ("onlooker",)) if member == "GetMachineId" else (None, ()))
        if path not in (ITEM_PATH, MENU_PATH):
            raise _DBusError("org.freedesktop.DBus.Error.UnknownObject", f"no object {path}")
        if iface == PROPS_IFACE:
            props = self._item_properties() if path == ITEM_PATH else self._menu_properties()
            if member == "GetAll":
                return "a{sv}", (props,)
            if member == "Get":
                if args[1] not in props:
                    raise _DBusError("org.freedesktop.DBus.Error.UnknownProperty", args[1])
                return "v", (props[args[1]],)
            raise _DBusError("org.freedesktop.DBus.Error.PropertyReadOnly", "read-only")
        if path == ITEM_PATH:
            if member == "Activate":  # a left click: the dashboard, like the menu item
                self.actions.open_dashboard()
            return None, ()  # ContextMenu, SecondaryActivate, Scroll: the host shows the menu
        return self._menu_call(member, args)

    def _item_properties(self) -> dict:
        s = self.state
        return {
            "Category": ("s", "ApplicationStatus"), "Id": ("s", "onlooker"),
            "Title": ("s", f"Onlooker: {s.title}"), "Status": ("s", s.status),
            "WindowId": ("i", 0), "IconName": ("s", s.icon), "IconPixmap": ("a(iiay)", []),
            "OverlayIconName": ("s", ""), "AttentionIconName": ("s", "dialog-warning"),
            "AttentionIconPixmap": ("a(iiay)", []), "AttentionMovieName": ("s", ""),
            "IconThemePath": ("s", ""),
            "ToolTip": ("(sa(iiay)ss)", (s.icon, [], s.title, s.detail)),
            "ItemIsMenu": ("b", True), "Menu": ("o", MENU_PATH),
        }

    @staticmethod
    def _menu_properties() -> dict:
        return {"Version": ("u", 3), "TextDirection": ("s", "ltr"), "Status": ("s", "normal"),
                "IconThemePath": ("as", [])}

    def _menu_call(self, member, args) -> tuple[str | None, tuple]:
        items = {i.id: i for i in menu(self.state)}
        if member == "GetLayout":
            return "u(ia{sv}av)", (self.revision, layout(list(items.values())))
        if member == "GetGroupProperties":
            ids = args[0] or list(items)
            return "a(ia{sv})", ([(i, _item_props(items[i])) for i in ids if i in items],)
        if member == "GetProperty":
            props = _item_props(items[args[0]]) if args[0] in items else {}
            if args[1] not in props:
                raise _DBusError("com.canonical.dbusmenu.Error", f"no property {args[1]}")
            return "v", (props[args[1]],)
        if member == "Event":
            self._event(args[0], args[1])
            return None, ()
        if member == "EventGroup":
            bad = [e[0] for e in args[0] if e[0] not in items]
            for id_, event, *_ in args[0]:
                self._event(id_, event)
            return "ai", (bad,)
        if member == "AboutToShow":
            return "b", (False,)
        if member == "AboutToShowGroup":
            return "aiai", ([], [i for i in args[0] if i not in items and i != 0])
        raise _DBusError("org.freedesktop.DBus.Error.UnknownMethod", f"no method {member}")

    def _event(self, id_: int, event: str) -> None:
        if event != "clicked":
            return
        item = {i.id: i for i in menu(self.state)}.get(id_)
        if item is None or not item.enabled:
            return  # a stale menu: what it offered no longer applies
        log.info("tray: %s", item.label)
        if id_ == PAUSE:
            self.actions.pause()
        elif id_ == RESUME:
            self.actions.resume()
        elif id_ == DASHBOARD:
            self.actions.open_dashboard()
        elif id_ == QUIT_RECORDING:
            self.actions.quit_recording()
        elif id_ == CLOSE:
            self.stop.set()
        self.refresh()


class _DBusError(Exception):
    def __init__(self, name: str, text: str):
        super().__init__(text)
        self.name, self.text = name, text


def session_address(env=None) -> str:
    env = os.environ if env is None else env
    address = env.get("DBUS_SESSION_BUS_ADDRESS")
    if not address:
        raise TrayError("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set); start the "
                        "tray from within your desktop session")
    return address
