"""``onlooker browser install|uninstall|status``: the native-messaging host manifest for the current
user, a launcher beside it, and where the extension ships.

A browser finds the host through a manifest file named after the host in a per-browser folder
(research: browser-and-wayland.md); the manifest's ``path`` is a small launcher that runs this
installation's Python with the database and config chosen at install time.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from onlooker.shim.browser import HOST_NAME

EXTENSION_ID = "hgakaigllhbfkhafccnpdaolbhglokgp"  # from the manifest's "key" (fixed for all installs)
FIREFOX_ID = "onlooker@onlooker.invalid"          # browser_specific_settings.gecko.id
MARKER = "onlooker"  # the description field: only files saying this are ours to remove

# browser -> its per-user folder (relative to home) that holds NativeMessagingHosts
BROWSERS = {
    "chromium": ".config/chromium",
    "chrome": ".config/google-chrome",
    "brave": ".config/BraveSoftware/Brave-Browser",
    "edge": ".config/microsoft-edge",
    "firefox": ".mozilla",
}
HOSTS_DIR = {"firefox": "native-messaging-hosts"}  # Chromium family: NativeMessagingHosts


class InstallError(Exception):
    """One line saying what to do."""


def extension_dir() -> Path:
    """The unpacked extension inside the installed package."""
    return Path(str(resources.files("onlooker.ui") / "browser_extension"))


def hosts_dir(browser: str, profile_dir: Path | None = None) -> Path:
    base = Path(profile_dir) if profile_dir else Path.home() / BROWSERS[browser]
    return base / HOSTS_DIR.get(browser, "NativeMessagingHosts")


def manifest(browser: str, launcher: Path) -> dict:
    m = {"name": HOST_NAME, "description": f"{MARKER}: records what listed pages observe",
         "path": str(launcher), "type": "stdio"}
    if browser == "firefox":
        m["allowed_extensions"] = [FIREFOX_ID]
    else:
        m["allowed_origins"] = [f"chrome-extension://{EXTENSION_ID}/"]
    return m


def launcher_text(db: Path | None, config: Path | None) -> str:
    env = "".join(f"export {k}={shlex.quote(str(v))}\n" for k, v in
                  (("ONLOOKER_DB", db), ("ONLOOKER_CONFIG", config)) if v)
    return (f"#!/bin/sh\n# {MARKER}: the browser starts this to hand page observations to Onlooker\n"
            f"{env}exec {shlex.quote(sys.executable)} -m onlooker.ui.browser_host \"$@\"\n")


@dataclass
class Installed:
    browser: str
    manifest: Path
    launcher: Path


def _write_private(path: Path, text: str, mode: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, mode)
    tmp.replace(path)


def install(browsers: list[str], *, profile_dir: Path | None = None, db: Path | None = None,
            config: Path | None = None) -> list[Installed]:
    out = []
    for browser in browsers:
        folder = hosts_dir(browser, profile_dir)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            launcher = folder / f"{HOST_NAME}.sh"
            _write_private(launcher, launcher_text(db, config), 0o700)
            target = folder / f"{HOST_NAME}.json"
            _write_private(target, json.dumps(manifest(browser, launcher), indent=2) + "\n", 0o644)
        except OSError as exc:
            raise InstallError(f"cannot write to {folder}: {exc.strerror}; check its permissions "
                               "or choose another with --profile-dir") from None
        out.append(Installed(browser, target, launcher))
    return out


def _ours(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and str(data.get("description", "")).startswith(MARKER)


def uninstall(browsers: list[str], *, profile_dir: Path | None = None) -> list[Path]:
    """Remove what install wrote (only files that are ours); returns what was removed."""
    removed = []
    for browser in browsers:
        folder = hosts_dir(browser, profile_dir)
        target = folder / f"{HOST_NAME}.json"
        if target.is_file() and not target.is_symlink() and _ours(target):
            for p in (target, folder / f"{HOST_NAME}.sh"):
                try:
                    p.unlink()
                    removed.append(p)
                except FileNotFoundError:
                    pass
    return removed


def installed(browsers: list[str], *, profile_dir: Path | None = None) -> dict[str, Path | None]:
    out: dict[str, Path | None] = {}
    for browser in browsers:
        target = hosts_dir(browser, profile_dir) / f"{HOST_NAME}.json"
        out[browser] = target if target.is_file() and _ours(target) else None
    return out


def status_line(browser: str, manifest_path: Path | None, profile_dir: str | None = None) -> str:
    """One browser's line in 'browser status': whether our host manifest is there, and if not,
    the command that writes it."""
    if manifest_path:
        return f"host manifest for {browser}: {manifest_path}"
    where = f" --profile-dir {profile_dir}" if profile_dir else ""
    return f"no host manifest for {browser} (onlooker browser install --browser {browser}{where})"


def how_to_load(browser: str) -> str:
    d = extension_dir()
    if browser == "firefox":
        return (f"Firefox: open about:debugging#/runtime/this-firefox, 'Load Temporary Add-on...', "
                f"and choose {d / 'manifest.json'}")
    page = {"chromium": "chrome://extensions", "chrome": "chrome://extensions",
            "brave": "brave://extensions", "edge": "edge://extensions"}[browser]
    return (f"{browser}: open {page}, turn on Developer mode, 'Load unpacked', and choose {d} "
            f"(its id is {EXTENSION_ID}); a consent page opens - nothing is recorded before you agree")
