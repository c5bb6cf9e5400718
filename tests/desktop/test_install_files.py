"""The files Onlooker puts into the desktop session: the dashboard's launcher and icon, the XDG
autostart entries and the systemd user units, checked by the desktop's own validators."""

import configparser
import os
import shlex
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from onlooker.ui import autostart
from onlooker.ui.cli import cli
from onlooker.ui.desktop import command, render

ODD_DB = Path("/tmp/my data/on$looker 100%.db")  # spaces, $ and % must survive both syntaxes


def run(*args):
    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return res


def validate(path: Path) -> None:
    if shutil.which("desktop-file-validate") is None:
        pytest.fail("desktop-file-validate is missing; run ./bootstrap test (desktop-file-utils)")
    out = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
    assert out.returncode == 0 and not out.stdout.strip(), out.stdout + out.stderr


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if not p.is_dir()} if root.exists() else set()


def test_desktop_install_adds_a_valid_launcher_and_icon_and_uninstall_removes_them(tmp_path):
    res = run("--db", str(ODD_DB), "desktop", "install")
    assert res.exit_code == 0, res.output
    data = tmp_path / "xdg-data"
    entry = data / "applications" / "onlooker.desktop"
    icon = data / "icons" / "hicolor" / "scalable" / "apps" / "onlooker.svg"
    assert f"launcher: {entry}" in res.output and f"icon: {icon}" in res.output
    validate(entry)
    assert ET.parse(icon).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    fields = dict(line.split("=", 1) for line in entry.read_text().splitlines() if "=" in line)
    assert fields["Icon"] == "onlooker" and fields["Terminal"] == "false"
    assert exec_args(fields["Exec"]) == [*command(ODD_DB), "dashboard"]

    res = run("desktop", "uninstall")
    assert res.exit_code == 0 and res.output.count("removed ") == 2
    assert files_under(data) == set()
    assert run("desktop", "uninstall").output.strip() == \
        "nothing to remove: the launcher was not installed"


def test_desktop_uninstall_leaves_a_launcher_the_user_wrote(tmp_path):
    mine = tmp_path / "xdg-data" / "applications" / "onlooker.desktop"
    mine.parent.mkdir(parents=True)
    mine.write_text("[Desktop Entry]\nType=Application\nName=My own\nExec=true\n")
    assert run("desktop", "uninstall").exit_code == 0
    assert mine.exists()


def exec_args(value: str) -> list[str]:
    """An Exec value read back as the Desktop Entry spec says a launcher reads it: the string
    escape of backslashes, then double quotes (inside them a backslash escapes " ` $ \\), then
    %% for a literal %."""
    s = value.replace("\\\\", "\\")
    args, cur, quoted, started, i = [], "", False, False, 0
    while i < len(s):
        c = s[i]
        if quoted and c == "\\" and s[i + 1:i + 2] in ('"', "`", "$", "\\"):
            cur, i = cur + s[i + 1], i + 2
            continue
        if c == '"':
            quoted, started = not quoted, True
        elif c == " " and not quoted:
            if cur or started:
                args.append(cur)
            cur, started = "", False
        else:
            cur += c
        i += 1
    if cur or started:
        args.append(cur)
    return [a.replace("%%", "%") for a in args]


def test_autostart_enable_status_disable_round_trips_and_leaves_nothing(tmp_path):
    """No systemd user manager runs here, so auto chooses the XDG autostart entries."""
    config = tmp_path / "xdg-config"
    before = files_under(config)
    res = run("--db", str(ODD_DB), "autostart", "enable")
    assert res.exit_code == 0, res.output
    entries = sorted((config / "autostart").glob("*.desktop"))
    assert [p.name for p in entries] == ["onlooker-tray.desktop", "onlooker.desktop"]
    for entry in entries:
        validate(entry)
    texts = {p.name: p.read_text() for p in entries}
    recorder = dict(line.split("=", 1) for line in texts["onlooker.desktop"].splitlines()
                    if "=" in line)
    assert exec_args(recorder["Exec"]) == [*command(ODD_DB), "watch"]
    assert "starts at your next login" in res.output

    res = run("--db", str(ODD_DB), "autostart", "status")
    assert res.output.splitlines() == [
        f"autostart: XDG autostart entries, started at login ({entries[1]}, {entries[0]})",
        "recorder: not running"]

    res = run("autostart", "disable")
    assert res.exit_code == 0 and res.output.count("removed ") == 2
    assert files_under(config) == before
    assert run("autostart", "status").output.splitlines()[0].startswith("autostart: off")
    assert run("autostart", "disable").output.strip() == \
        "autostart was not enabled; nothing to remove"


def test_autostart_without_the_tray_and_switching_back(tmp_path):
    config = tmp_path / "xdg-config" / "autostart"
    assert run("autostart", "enable").exit_code == 0
    assert run("autostart", "enable", "--no-tray").exit_code == 0
    assert [p.name for p in config.iterdir()] == ["onlooker.desktop"]


def test_systemd_method_without_a_user_manager_is_one_line():
    if autostart.systemd_user_available():
        pytest.skip("a systemd user manager runs here")
    res = run("autostart", "enable", "--method", "systemd")
    assert res.exit_code == 1
    assert res.output.strip() == ("onlooker: no systemd user manager runs this session "
                                  "('systemctl --user' does not answer); use --method xdg")


@pytest.mark.parametrize("name", ["onlooker.service.in", "onlooker-tray.service.in"])
def test_the_systemd_units_verify(tmp_path, name):
    unit = tmp_path / name.removesuffix(".in")
    args = command(ODD_DB)
    unit.write_text(render(name, args))
    parsed = configparser.ConfigParser(interpolation=None, strict=True)
    parsed.read_string(unit.read_text())
    service = parsed["Service"]
    assert service["Restart"] == "on-failure" and service["RestartPreventExitStatus"] == "2"
    assert parsed["Install"]["WantedBy"] == "graphical-session.target"
    assert parsed["Unit"]["PartOf"] == "graphical-session.target"
    # systemd's reading of ExecStart: C-style quoting, then $$ -> $ and %% -> %
    exec_start = [a.replace("$$", "$").replace("%%", "%")
                  for a in shlex.split(service["ExecStart"])]
    assert exec_start == [*args, "tray" if "tray" in name else "watch"]
    assert Path(exec_start[0]).is_absolute()
    if shutil.which("systemd-analyze") is None:
        return  # the field-by-field checks above are what can be done here
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    out = subprocess.run(["systemd-analyze", "--user", "verify", str(unit)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and not out.stderr.strip(), out.stderr


def test_a_broken_unit_fails_the_same_verification(tmp_path):
    """The check above can fail: a relative ExecStart is refused by systemd-analyze."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    unit = tmp_path / "onlooker.service"
    unit.write_text(render("onlooker.service.in", ["python3.11", "-m", "onlooker.ui"])
                    .replace("ExecStart=python3.11", "ExecStart=bin/python3.11"))
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    out = subprocess.run(["systemd-analyze", "--user", "verify", str(unit)],
                         env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)},
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0, out.stdout + out.stderr



class FakeSystemctl:
    """Stands in for ``systemctl --user`` only because no systemd user manager can run in this
    container; it answers as one whose graphical session is up, and keeps what it was asked."""

    def __init__(self):
        self.calls: list[list[str]] = []
        self.enabled: set[str] = set()

    def __call__(self, argv, **_kw):
        args = argv[2:]
        self.calls.append(args)
        out = ""
        if args[0] == "is-active":
            out = "active" if args[1] == "graphical-session.target" or args[1] in self.enabled \
                else "inactive"
        elif args[0] == "is-enabled":
            out = "enabled" if args[1] in self.enabled else "disabled"
        elif args[:2] == ["enable", "--now"]:
            self.enabled |= set(args[2:])
        elif args[:2] == ["disable", "--now"]:
            self.enabled -= set(args[2:])
        return subprocess.CompletedProcess(argv, 0, out + "\n", "")


def test_the_systemd_method_enables_reports_and_removes_its_units(tmp_path):
    if shutil.which("systemctl") is None:
        pytest.skip("systemctl is not installed")
    config = tmp_path / "xdg-config"
    systemctl = FakeSystemctl()
    autostart.enable("xdg", run=systemctl)  # an earlier XDG entry gives way to the units
    done = autostart.enable("auto", run=systemctl)
    units = config / "systemd" / "user"
    assert done.method == "systemd" and sorted(p.name for p in done.written) == \
        ["onlooker-tray.service", "onlooker.service"]
    assert files_under(config) == {units / "onlooker.service", units / "onlooker-tray.service"}
    assert ["enable", "--now", "onlooker.service", "onlooker-tray.service"] in systemctl.calls
    st = autostart.status(run=systemctl)
    assert autostart.describe(st).startswith(
        "systemd user units: onlooker.service enabled, active; "
        "onlooker-tray.service enabled, active")
    removed = autostart.disable(run=systemctl)
    assert len(removed) == 2 and files_under(config) == set()
    assert systemctl.enabled == set() and systemctl.calls[-1] == ["daemon-reload"]
