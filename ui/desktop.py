"""Desktop files of the current user: the dashboard's launcher and icon, and the entries
``autostart`` writes. Rendering (templates in ``ui/data``, command lines quoted for the Desktop
Entry and systemd syntaxes) is pure; writing and removing are the only effects here.

Only files carrying Onlooker's marker are ever removed, so a file of the same name the user
wrote by hand is left alone.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

DESKTOP_MARKER = "X-Onlooker-Installed=true"
UNIT_MARKER = "# onlooker:"
APP_ID = "onlooker"
# characters the Desktop Entry spec reserves in Exec arguments (they force double quotes)
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


class DesktopError(Exception):
    """One line saying what to do."""


def template(name: str) -> str:
    return resources.files("onlooker.ui").joinpath("data", name).read_text(encoding="utf-8")


def command(db: Path | None = None) -> list[str]:
    """How this installation runs ``onlooker``: its own Python, so a pipx or venv install works
    without being on PATH (a session's PATH often lacks ~/.local/bin)."""
    return [sys.executable, "-m", "onlooker.ui", *(["--db", str(db)] if db else [])]


def desktop_exec(args: list[str]) -> str:
    """An Exec value by the Desktop Entry spec: reserved characters in double quotes with
    ``"`$\\`` escaped, ``%`` doubled, then the string-level escape of backslashes."""
    out = []
    for arg in args:
        arg = arg.replace("%", "%%")
        if any(c in _RESERVED for c in arg):
            arg = '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
        out.append(arg.replace("\\", "\\\\"))
    return " ".join(out)


def systemd_exec(args: list[str]) -> str:
    """An ExecStart value: each argument double-quoted with C escapes, ``$`` and ``%`` doubled
    (systemd would expand them)."""
    def one(arg: str) -> str:
        arg = arg.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$").replace("%", "%%")
        return f'"{arg}"' if any(c.isspace() for c in arg) or not arg else arg
    return " ".join(one(a) for a in args)


def render(name: str, args: list[str]) -> str:
    """A template from ``ui/data`` with its command line filled in for its syntax."""
    exec_ = systemd_exec(args) if name.endswith(".service.in") else desktop_exec(args)
    return Template(template(name)).substitute(exec=exec_)


def data_home(env=None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def config_home(env=None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def write_text(path: Path, text: str, mode: int = 0o644) -> None:
    """Write whole or not at all (a temporary file renamed over), never through a link."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        tmp.replace(path)
    except OSError as exc:
        raise DesktopError(f"cannot write {path}: {exc.strerror}; check the permissions of "
                           f"{path.parent}") from None


def is_ours(path: Path) -> bool:
    try:
        if path.is_symlink() or not path.is_file():
            return False
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return DESKTOP_MARKER in text or text.startswith(UNIT_MARKER) or (
        path.suffix == ".svg" and "Onlooker" in text)


def remove_ours(paths: list[Path]) -> list[Path]:
    """Remove those of ``paths`` that are Onlooker's; what was removed."""
    removed = []
    for path in paths:
        if is_ours(path):
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise DesktopError(f"cannot remove {path}: {exc.strerror}") from None
            removed.append(path)
    return removed


# --- the dashboard's launcher ----------------------------------------------------------------

@dataclass
class Launcher:
    entry: Path
    icon: Path


def launcher_paths(env=None) -> Launcher:
    base = data_home(env)
    return Launcher(base / "applications" / f"{APP_ID}.desktop",
                    base / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg")


def install_launcher(db: Path | None = None, env=None) -> Launcher:
    """The dashboard in the desktop's application menu, with its icon, for this user."""
    paths = launcher_paths(env)
    write_text(paths.icon, template(f"{APP_ID}.svg"))
    write_text(paths.entry, render(f"{APP_ID}.desktop.in", command(db)))
    return paths


def uninstall_launcher(env=None) -> list[Path]:
    paths = launcher_paths(env)
    return remove_ours([paths.entry, paths.icon])
