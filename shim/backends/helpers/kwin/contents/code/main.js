// Onlooker helper for KWin (Plasma 5.27 and 6). Event-driven only: it reacts to KWin's
// signals and never polls. Each change is a D-Bus call to Onlooker's bus name only.
// Plasma 6 names: windowActivated/windowAdded/activeWindow; Plasma 5: client*.
var SERVICE = "org.onlooker.Recorder";
var PATH = "/org/onlooker/Recorder";
var IFACE = "org.onlooker.Helper1";

function describe(w) {
    return [String(w.internalId), String(w.resourceClass || w.desktopFileName || ""), String(w.caption || "")];
}

function send(event, w) {
    var d = w ? describe(w) : ["", "", ""];
    callDBus(SERVICE, PATH, IFACE, "Window", event, d[0], d[1], d[2]);
}

function isWindow(w) {
    return w && (w.normalWindow || w.dialog) && !w.skipTaskbar;
}

function track(w) {
    if (!isWindow(w))
        return;
    send("seen", w);
    if (w.minimized)
        send("minimize", w);
    var minimized = w.minimizedChanged;
    if (minimized) {
        minimized.connect(function () { send(w.minimized ? "minimize" : "restore", w); });
    } else {  // Plasma 5 without minimizedChanged
        w.clientMinimized.connect(function () { send("minimize", w); });
        w.clientUnminimized.connect(function () { send("restore", w); });
    }
    w.captionChanged.connect(function () { send("seen", w); });
}

var ws = workspace;
var windows = ws.windowList ? ws.windowList() : ws.clientList();
callDBus(SERVICE, PATH, IFACE, "Hello", "kwin-script", "1");
for (var i = 0; i < windows.length; i++)
    track(windows[i]);
(ws.windowAdded || ws.clientAdded).connect(track);
(ws.windowRemoved || ws.clientRemoved).connect(function (w) { if (isWindow(w)) send("gone", w); });
(ws.windowActivated || ws.clientActivated).connect(function (w) {
    send(isWindow(w) ? "focus" : "none", isWindow(w) ? w : null);
});
var active = ws.activeWindow !== undefined ? ws.activeWindow : ws.activeClient;
send(isWindow(active) ? "focus" : "none", isWindow(active) ? active : null);
