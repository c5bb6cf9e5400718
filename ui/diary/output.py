"""A diary in one format, and its file name (``ui.files.write_atomic`` writes it)."""

from __future__ import annotations

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
