"""A diary in one format, and writing it so that no half-written file is ever left."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import orjson

from . import csv, html, markdown, pdf

MEDIA = {"html": ("text/html; charset=utf-8", "html"), "md": ("text/markdown; charset=utf-8", "md"),
         "json": ("application/json", "json"), "csv": ("text/csv; charset=utf-8", "csv"),
         "pdf": ("application/pdf", "pdf")}


def render(diary: dict[str, Any], fmt: str) -> bytes:
    if fmt == "json":
        return orjson.dumps(diary, option=orjson.OPT_INDENT_2) + b"\n"
    if fmt == "md":
        return markdown.render(diary).encode()
    if fmt == "csv":
        return csv.render(diary).encode()
    if fmt == "html":
        return html.render(diary).encode()
    if fmt == "pdf":
        return pdf.render(html.render(diary))
    raise ValueError(f"format must be one of {', '.join(MEDIA)}")


def file_name(diary: dict[str, Any], fmt: str) -> str:
    p = diary["period"]
    span = p["from"] if p["from"] == p["to"] else f"{p['from']}_{p['to']}"
    return f"onlooker-diary-{span}.{MEDIA[fmt][1]}"


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename: the file is whole or absent.
    The file is private (0600), like the database it comes from."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
