// Onlooker's tests only: lets a test focus and minimize windows by app id, over D-Bus.
'use strict';
const { Gio } = imports.gi;
const XML = `<node><interface name="org.onlooker.TestDriver">
  <method name="Activate"><arg type="s" direction="in"/><arg type="b" direction="out"/></method>
  <method name="Minimize"><arg type="s" direction="in"/><arg type="b" direction="out"/></method>
  <method name="Windows"><arg type="as" direction="out"/></method>
</interface></node>`;

function find(app) {
    return global.get_window_actors().map(a => a.meta_window)
        .find(w => (w.get_gtk_application_id() || w.get_wm_class()) === app);
}

class Driver {
    enable() {
        this._obj = Gio.DBusExportedObject.wrapJSObject(XML, this);
        this._obj.export(Gio.DBus.session, '/org/onlooker/TestDriver');
    }
    disable() {
        this._obj.unexport();
    }
    Activate(app) {
        const w = find(app);
        if (w)
            w.activate(global.get_current_time());
        return !!w;
    }
    Minimize(app) {
        const w = find(app);
        if (w)
            w.minimize();
        return !!w;
    }
    Windows() {
        return global.get_window_actors().map(a => a.meta_window.get_wm_class() || '');
    }
}

function init() {
    return new Driver();
}
