"""Debian's Firefox ESR with the Onlooker extension installed from the profile's extensions folder
(an unsigned XPI, which ESR accepts when the profile says so), driven over WebDriver BiDi with
websocket-client. The native-messaging manifest is what ``onlooker browser install --browser
firefox`` wrote under $HOME/.mozilla (HOME is the test's temporary directory)."""

from __future__ import annotations

import json
import os
import socket
import time
import zipfile
from pathlib import Path

from .harness import EXT_DIR, BrowserProcess, RemoteControl, ScriptTab

FIREFOX_BIN = os.environ.get("ONLOOKER_FIREFOX_BIN", "/usr/bin/firefox-esr")
FIREFOX_ID = "onlooker@onlooker.invalid"

# Unsigned add-ons from the profile's own folder, enabled without a prompt; no first-run pages,
# no network chatter that could slow a test down.
USER_JS = """\
user_pref("xpinstall.signatures.required", false);
user_pref("extensions.autoDisableScopes", 0);
user_pref("extensions.enabledScopes", 15);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.aboutwelcome.enabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("app.update.disabledForTesting", true);
user_pref("browser.tabs.warnOnClose", false);
"""


def build_xpi(dest: Path) -> Path:
    """The extension folder as an XPI (a zip with manifest.json at its root)."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(EXT_DIR.iterdir()):
            if f.is_file():
                z.write(f, f.name)
    return dest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BiDi(RemoteControl):
    """WebDriver BiDi, Firefox's remote protocol."""

    def send(self, method: str, params: dict | None = None) -> dict:
        return self._call({"method": method, "params": params or {}})

    def error_of(self, reply: dict) -> str | None:
        if reply.get("type") == "error":
            return f"{reply.get('error')}: {reply.get('message')}"
        return None


class FxTab(ScriptTab):
    wait_s = 15.0

    def __init__(self, bidi: BiDi, context: str):
        self.bidi, self.context = bidi, context

    def js(self, expression: str, *, gesture: bool = False):
        r = self.bidi.send("script.evaluate", {"expression": expression, "awaitPromise": True,
                                               "target": {"context": self.context},
                                               "userActivation": gesture})
        if r.get("type") == "exception":
            raise RuntimeError(r.get("exceptionDetails", {}).get("text", "exception"))
        return r.get("result", {}).get("value")

    def activate(self) -> None:
        self.bidi.send("browsingContext.activate", {"context": self.context})

    def close(self) -> None:
        self.bidi.send("browsingContext.close", {"context": self.context})


class Firefox(BrowserProcess):
    name = "firefox"
    listening = r"WebDriver BiDi listening on (ws://\S+)"
    start_timeout_s = 60.0

    def __init__(self, tmp: Path, env: dict):
        self.profile = tmp / "firefox-profile"
        (self.profile / "extensions").mkdir(parents=True, exist_ok=True)
        build_xpi(self.profile / "extensions" / f"{FIREFOX_ID}.xpi")
        (self.profile / "user.js").write_text(USER_JS)
        args = [FIREFOX_BIN, "--headless", "--no-remote", "--profile", str(self.profile),
                f"--remote-debugging-port={_free_port()}", "about:blank"]
        self._launch(args, {**env, "MOZ_CRASHREPORTER_DISABLE": "1"}, tmp / "firefox.log",
                     self._session)

    def _session(self, url: str) -> None:
        self.bidi = BiDi(url + "/session")
        self.bidi.send("session.new", {"capabilities": {}})

    def contexts(self) -> list[dict]:
        return self.bidi.send("browsingContext.getTree", {"maxDepth": 0})["contexts"]

    def find(self, predicate, timeout: float = 20.0) -> FxTab:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for c in self.contexts():
                if predicate(c):
                    return FxTab(self.bidi, c["context"])
            time.sleep(0.1)
        raise AssertionError("no such tab: " + json.dumps(self.contexts()))

    def open(self, url: str) -> FxTab:
        """A new tab in front, loaded."""
        ctx = self.bidi.send("browsingContext.create", {"type": "tab"})["context"]
        self.bidi.send("browsingContext.navigate", {"context": ctx, "url": url,
                                                    "wait": "complete"})
        tab = FxTab(self.bidi, ctx)
        tab.activate()
        tab.wait_js("document.hasFocus()")  # in front and focused, as the user sees it
        return tab

    def consent(self) -> None:
        """What a user does on the consent page that opens on install: click 'I agree'."""
        page = self.find(lambda c: c["url"].startswith("moz-extension://")
                         and c["url"].endswith("/consent.html"))
        page.wait_js("(() => { const s = document.getElementById('status'); if (!s) return false;"
                     " if (s.hidden) document.getElementById('agree').click(); return !s.hidden; })()")
        page.close()

    def close(self):
        self.bidi.close()
        self._stop(wait_s=15)
