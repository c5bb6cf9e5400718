"""The HTML diary printed to PDF by a real engine: the Chromium-family browser most people
already have (headless ``--print-to-pdf``), so no extra package is needed."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
            "microsoft-edge", "brave-browser")
HOW_TO_GET = ("a PDF needs Chromium or Google Chrome on this computer (Debian/Ubuntu: sudo apt "
              "install chromium; or set ONLOOKER_CHROMIUM to its path); or write --format html "
              "and print it to PDF from any browser")


class PdfUnavailable(RuntimeError):
    pass


def browser() -> str:
    chosen = os.environ.get("ONLOOKER_CHROMIUM")
    if chosen:
        if not (Path(chosen).is_file() and os.access(chosen, os.X_OK)):
            raise PdfUnavailable(f"ONLOOKER_CHROMIUM={chosen} is not a program; " + HOW_TO_GET)
        return chosen
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise PdfUnavailable(HOW_TO_GET)


def render(html: str, *, timeout: float = 120) -> bytes:
    exe = browser()
    with tempfile.TemporaryDirectory(prefix="onlooker-pdf-") as tmp:
        page, out = Path(tmp) / "diary.html", Path(tmp) / "diary.pdf"
        page.write_text(html, encoding="utf-8")
        args = [exe, "--headless", "--disable-gpu", "--no-first-run", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-pdf-header-footer", f"--user-data-dir={tmp}/profile",
                f"--print-to-pdf={out}", page.as_uri()]
        if os.geteuid() == 0:  # Chromium refuses root without it (containers, CI)
            args.insert(1, "--no-sandbox")
        try:
            proc = subprocess.run(args, capture_output=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfUnavailable(f"{exe} could not print the diary ({exc.__class__.__name__}); "
                                 + HOW_TO_GET) from None
        if not out.exists() or out.stat().st_size == 0:
            tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
            raise PdfUnavailable(f"{exe} printed no PDF ({tail[0][:200]}); " + HOW_TO_GET)
        return out.read_bytes()
