"""Mozilla's own linter (web-ext lint, the checks addons.mozilla.org runs) on the extension."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .harness import EXT_DIR, ROOT

# ./bootstrap test installs it here (npm, once); ONLOOKER_WEB_EXT points at another copy
WEB_EXT = Path(os.environ.get("ONLOOKER_WEB_EXT", ROOT / ".venv/node/node_modules/.bin/web-ext"))
# One source tree serves Chromium (background.service_worker) and Firefox (background.scripts):
# Firefox ignores the service worker key, and its linter says so. That is the design.
EXPECTED_WARNINGS = {"BACKGROUND_SERVICE_WORKER_IGNORED"}


@pytest.mark.skipif(not shutil.which("node"), reason="node is not installed (apt-get install nodejs)")
@pytest.mark.skipif(not WEB_EXT.exists(),
                    reason=f"web-ext is not installed at {WEB_EXT} (./bootstrap test installs it)")
def test_web_ext_lint_finds_no_errors_in_the_extension():
    r = subprocess.run([str(WEB_EXT), "lint", "--source-dir", str(EXT_DIR), "--output", "json",
                        "--no-config-discovery"], capture_output=True, text=True, timeout=120)
    report = json.loads(r.stdout)
    assert report["errors"] == [], report["errors"]
    assert {w["code"] for w in report["warnings"]} <= EXPECTED_WARNINGS, report["warnings"]
    assert report["notices"] == [], report["notices"]
    assert r.returncode == 0, r.stderr
