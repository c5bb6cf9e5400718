// Onlooker helper for GNOME Shell 45 and later (ES module format).
// Event-driven only: it reacts to focus, minimize and window signals and never polls.
// Each change goes to Onlooker's bus name only (a unicast signal), never to the whole bus.
import Gio from 'gi://Gio';
import GLib from 'gi://GLib';
import {Extension} from 'resource:///org/gnome/shell/extensions/extension.js';

const DESTINATION = 'org.onlooker.Recorder';
const PATH = '/org/onlooker/Helper';
const IFACE = 'org.onlooker.Helper1';
const XML = `<node><interface name="${IFACE}">
  <method name="Resend"/>
  <property name="Version" type="s" access="read"/>
</interface></node>`;

export default class OnlookerHelper extends Extension {
    enable() {
        this._windows = new Map();   // MetaWindow -> [signal ids]
        this._exported = Gio.DBusExportedObject.wrapJSObject(XML, this);
        this._exported.export(Gio.DBus.session, PATH);
        this._display = [
            global.display.connect('notify::focus-window', () => this._focus()),
            global.display.connect('window-created', (_d, w) => this._track(w, true)),
        ];
        for (const actor of global.get_window_actors())
            this._track(actor.meta_window, false);
        this._send('hello', null);
    }

    disable() {
        for (const id of this._display)
            global.display.disconnect(id);
        for (const [w, ids] of this._windows)
            ids.forEach(id => w.disconnect(id));
        this._windows.clear();
        this._exported.unexport();
        this._exported = null;
    }

    get Version() {
        return '1';
    }

    Resend() {
        for (const w of this._windows.keys())
            this._send('seen', w);
        for (const w of this._windows.keys()) {
            if (w.minimized)
                this._send('minimize', w);
        }
        this._focus();
    }

    _track(w, announce) {
        if (!w || this._windows.has(w) || w.is_skip_taskbar())
            return;
        this._windows.set(w, [
            w.connect('notify::minimized', () => this._send(w.minimized ? 'minimize' : 'restore', w)),
            w.connect('notify::title', () => this._send('seen', w)),
            w.connect('unmanaged', () => {
                this._windows.delete(w);
                this._send('gone', w);
            }),
        ]);
        if (announce)
            this._send('seen', w);
    }

    _focus() {
        const w = global.display.focus_window;
        this._send(w ? 'focus' : 'none', w);
    }

    _send(event, w) {
        const app = w ? (w.get_gtk_application_id() || w.get_wm_class() || w.get_sandboxed_app_id() || '') : '';
        const member = event === 'hello' ? 'Hello' : 'Window';
        const body = event === 'hello'
            ? new GLib.Variant('(ss)', ['gnome-shell-extension', '1'])
            : new GLib.Variant('(ssss)', [event, w ? String(w.get_id()) : '', app, w ? (w.get_title() || '') : '']);
        try {
            Gio.DBus.session.emit_signal(DESTINATION, PATH, IFACE, member, body);
        } catch (e) {
            // Onlooker is not recording: nobody to tell.
        }
    }
}
