"""Shell completion (click's own): the scripts are produced, and bash completes commands and
subcommands through the installed ``onlooker``."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent  # the environment's own ``onlooker`` script


def onlooker(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "onlooker"), *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})})


@pytest.mark.parametrize("shell, marker", [
    ("bash", "complete -o nosort -F _onlooker_completion onlooker"),
    ("zsh", "#compdef onlooker"),
    ("fish", "complete --no-files --command onlooker"),
])
def test_the_completion_script_is_produced_for_each_shell(shell, marker):
    out = onlooker("completion", shell)
    assert out.returncode == 0, out.stderr
    assert marker in out.stdout and "_ONLOOKER_COMPLETE" in out.stdout
    # the same script as the documented environment-variable form
    assert onlooker(env={"_ONLOOKER_COMPLETE": f"{shell}_source"}).stdout == out.stdout


def bash_complete(words: str) -> list[str]:
    """What bash offers after typing ``words`` and Tab, with the script sourced."""
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    script = onlooker("completion", "bash").stdout
    line = (f'{script}\nCOMP_WORDS=({words}); COMP_CWORD={len(words.split()) - 1}\n'
            '_onlooker_completion onlooker\nprintf "%s\\n" "${COMPREPLY[@]}"\n')
    out = subprocess.run(["bash", "--norc", "-c", line], capture_output=True, text=True,
                         timeout=60, env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"})
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_bash_completes_a_command_and_a_subcommand():
    assert bash_complete("onlooker rep") == ["replay", "report"]
    assert bash_complete("onlooker autostart e") == ["enable"]
    assert bash_complete("onlooker doc") == ["doctor"]


def test_fish_and_zsh_completion_answers_name_the_subcommands():
    words = {"COMP_WORDS": "onlooker desktop ", "COMP_CWORD": ""}
    fish = onlooker(env={"_ONLOOKER_COMPLETE": "fish_complete", **words}).stdout
    assert {"install", "uninstall"} <= {line.split("\t")[0].split(",", 1)[1]
                                        for line in fish.splitlines()}
    zsh = onlooker(env={"_ONLOOKER_COMPLETE": "zsh_complete", **words, "COMP_CWORD": "2"}).stdout
    assert {"install", "uninstall"} <= set(zsh.splitlines()[1::3])  # type, value, help
