"""One-way imports, no work at import time, and documentation that matches the code."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports_of(package: str) -> set[tuple[str, str]]:
    found = set()
    for f in (ROOT / package).rglob("*.py"):
        tree = ast.parse(f.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {(str(f.relative_to(ROOT)), a.name.split(".")[0]) for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add((str(f.relative_to(ROOT)), node.module.split(".")[0]))
    return found


def test_imports_go_one_way():
    """shim imports nothing of ours; storage only shim's data model (and the log format that
    serialises it); nothing imports ui."""
    assert not [x for x in imports_of("shim") if x[1] in ("storage", "ui")]
    storage = imports_of("storage")
    assert not [x for x in storage if x[1] == "ui"]
    shim_uses = {f for f, mod in storage if mod == "shim"}
    for f in shim_uses:
        text = (ROOT / f).read_text()
        for line in text.splitlines():
            if line.startswith("from shim"):
                # the data model, and its public file form (the observation log format)
                assert line.split()[1] in ("shim.model", "shim.observation", "shim.obslog"), (f, line)


def test_importing_packages_touches_no_display_or_files(tmp_path):
    """No work at import time: importing everything without a display or home works."""
    code = ("import shim, shim.model, shim.obslog, shim.replay, shim.profiles, shim.backends, "
            "storage.store, storage.db, ui.cli, ui.dashboard.server; print('ok')")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr
    assert list(tmp_path.iterdir()) == []


def test_readme_documents_every_command_and_profile():
    from shim.profiles import PROFILES
    from ui.cli import cli

    readme = (ROOT / "README.md").read_text()
    for name in cli.commands:
        assert f"onlooker {name}" in readme, name
    for pid in PROFILES:
        assert f"`{pid}`" in readme, pid


def test_readme_starts_with_what_it_is_then_exactly_two_commands():
    readme = (ROOT / "README.md").read_text()
    head = readme.split("## ")[0]
    blocks = [b for b in head.split("```")[1::2]]
    assert [b.strip() for b in blocks] == ["sh\n./bootstrap demo", "sh\n./bootstrap test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "exec ./bootstrap test" in ci
