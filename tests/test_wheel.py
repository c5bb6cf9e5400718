"""The package as people install it: a wheel built from a copy of the sources, installed into a
fresh virtualenv without an index (its dependencies as wheels, from pip's cache or PyPI), then
run from a directory that is not the repository."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"shim": "onlooker/shim", "storage": "onlooker/storage", "ui": "onlooker/ui"}

pytestmark = pytest.mark.slow


def sh(*args, **kw) -> subprocess.CompletedProcess:
    out = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=900, **kw)
    assert out.returncode == 0, f"{args}: {out.stdout[-2000:]}{out.stderr[-2000:]}"
    return out


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"  # a copy: building writes build/ and *.egg-info beside the sources
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", *PACKAGES):
        item = ROOT / name
        if item.is_dir():
            shutil.copytree(item, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif item.exists():
            shutil.copy2(item, src / name)
    wheels = base / "wheels"
    sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, src)
    wheel = next(wheels.glob("onlooker-*.whl"))
    # its dependencies as wheels (pip's cache first); the install below uses no index at all
    sh(sys.executable, "-m", "pip", "wheel", "-q", "-w", wheels, wheel)
    venv = base / "venv"
    sh(sys.executable, "-m", "venv", venv)
    sh(venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-index", "--find-links",
       wheels, "onlooker")
    home = base / "home"
    home.mkdir()
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(home), "TZ": "UTC",
           "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config"),
           "XDG_STATE_HOME": str(home / "state")}
    return wheel, venv, env, home, src


def test_the_wheel_carries_every_data_file_of_the_packages(installed):
    wheel, src = installed[0], installed[4]
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"{PACKAGES[top]}/{p.relative_to(src / top).as_posix()}"
                for top in PACKAGES for p in (src / top).rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    assert expected - names == set()
    assert {"onlooker/ui/data/onlooker.svg", "onlooker/ui/data/onlooker.desktop.in",
            "onlooker/shim/examples/attentive-student.jsonl",
            "onlooker/ui/static/index.html"} <= names


def test_replay_and_demo_work_from_the_fresh_install(installed):
    _wheel, venv, env, home, _src = installed
    where = sh(venv / "bin" / "python", "-c", "import onlooker.ui.cli as m; print(m.__file__)",
               cwd=home, env=env).stdout.strip()
    assert where.startswith(str(venv))  # not the repository's sources
    out = sh(venv / "bin" / "onlooker", "replay", "--example", "attentive-student", cwd=home,
             env=env).stdout
    assert "zoom-2020" in out and "hubstaff" in out
    out = sh(venv / "bin" / "onlooker", "demo", "--once", cwd=home, env=env)
    assert out.stdout.strip(), out.stderr
    out = sh(venv / "bin" / "onlooker", "desktop", "install", cwd=home, env=env).stdout
    entry = home / "data" / "applications" / "onlooker.desktop"
    assert f"launcher: {entry}" in out
    assert f"Exec={venv / 'bin' / 'python'} -m onlooker.ui dashboard" in entry.read_text()
    if shutil.which("desktop-file-validate"):
        sh("desktop-file-validate", entry)
    out = sh(venv / "bin" / "onlooker", "completion", "bash", cwd=home, env=env).stdout
    assert "_onlooker_completion" in out
