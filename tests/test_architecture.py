"""One-way imports, no cycles, no work at import time, and documentation that matches the code.

The import rules are checked on the parsed code (every ``import`` statement, including those
inside functions), not on text, so ``import onlooker.storage.x`` inside a function counts too."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"shim": "onlooker.shim", "storage": "onlooker.storage", "ui": "onlooker.ui"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGES[parts[0]], *parts[1:]])


def modules() -> dict[str, Path]:
    return {_module_name(f): f for top in PACKAGES for f in (ROOT / top).rglob("*.py")}


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Every module this one imports, anywhere in the file, resolved to absolute names.
    ``from pkg import x`` counts as importing ``pkg.x`` when that is a module, else ``pkg``."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for a in node.names:
                found.add(f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def test_imports_are_by_the_installed_name_only():
    """Nothing imports the top-level folders by their repository names (which would collide with
    any other project's ``ui`` or ``storage`` once installed)."""
    bad = {(m, i) for m, deps in graph().items() for i in deps if i.split(".")[0] in PACKAGES}
    assert not bad


def test_imports_go_one_way():
    """shim imports nothing of ours outside shim; profiles only the model and each other;
    storage only shim's model; nothing imports ui but ui."""
    for mod, deps in graph().items():
        ours = {d for d in deps if d.startswith("onlooker.")}
        if mod.startswith("onlooker.shim"):
            assert all(d.startswith("onlooker.shim") for d in ours), (mod, ours)
        if mod.startswith("onlooker.shim.profiles"):
            assert all(d.startswith("onlooker.shim.profiles") or d == "onlooker.shim.model"
                       for d in ours), (mod, ours)
        if mod.startswith("onlooker.storage"):
            assert all(d.startswith("onlooker.storage") or d == "onlooker.shim.model"
                       for d in ours), (mod, ours)
        if not mod.startswith("onlooker.ui"):
            assert not any(d.startswith("onlooker.ui") for d in ours), (mod, ours)


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for d in sorted(g.get(n, ())):
            if d not in g:
                continue
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in state and (c := visit(d)):
                return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(g):
        if n not in state and (c := visit(n)):
            return c
    return None


def test_no_import_cycles_even_through_imports_inside_functions():
    assert find_cycle(graph()) is None


def test_the_cycle_finder_finds_a_cycle():
    """The check above can fail: a two-module cycle hidden in a function is reported."""
    g = graph()
    g["onlooker.ui.service"] = g["onlooker.ui.service"] | {"onlooker.ui.cli"}
    assert find_cycle(g) is not None


def test_importing_packages_touches_no_display_or_files(tmp_path):
    """No work at import time: importing everything without a display or home works."""
    names = sorted(m for m in modules() if not m.endswith("__main__"))
    code = "import importlib\nfor m in %r: importlib.import_module(m)\nprint('ok')" % names
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                         text=True)
    assert out.stdout.strip() == "ok", out.stderr
    assert list(tmp_path.iterdir()) == []


def test_readme_documents_every_command_and_profile():
    from onlooker.shim.profiles import PROFILES
    from onlooker.ui.cli import cli

    readme = (ROOT / "README.md").read_text()
    for name in cli.commands:
        assert f"onlooker {name}" in readme, name
    for pid in PROFILES:
        assert f"`{pid}`" in readme, pid


def test_architecture_doc_names_every_module():
    """docs/architecture.md stays true: every module of ours is named in it."""
    doc = (ROOT / "docs" / "architecture.md").read_text()
    missing = [str(p.relative_to(ROOT)) for p in modules().values()
               if p.name != "__init__.py" and p.relative_to(ROOT).as_posix() not in doc
               and f"{p.parent.relative_to(ROOT).as_posix()}/" not in doc]
    assert not missing, missing


def test_readme_starts_with_what_it_is_then_exactly_two_commands():
    readme = (ROOT / "README.md").read_text()
    head = readme.split("## ")[0]
    blocks = [b for b in head.split("```")[1::2]]
    assert [b.strip() for b in blocks] == ["sh\n./bootstrap demo", "sh\n./bootstrap test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "exec ./bootstrap test" in ci
