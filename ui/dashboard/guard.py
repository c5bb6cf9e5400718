"""Who may talk to the dashboard's loopback server: pure request checks (security.md section 2).

The Zoom 2019 lesson: a local server is reachable by every web page the user visits. So, in this
order and before any routing: exact Host allow-list (the only defence against DNS rebinding),
no WebSocket upgrades or CORS preflights, Origin and fetch-metadata checks, then for the API a
per-launch token in the Authorization header, JSON bodies for POST, and no state change on GET.
Framing (Content-Length digits only, no Transfer-Encoding, no Expect) is refused here too, although
the server's parser already does, so the rule holds whichever server sits in front.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

API_PREFIX = "/api/"
BAD_API_DESTS = frozenset(("image", "script", "style", "iframe", "frame", "object", "embed",
                           "audio", "video", "font", "worker", "sharedworker", "serviceworker"))
MAX_BODY = 64 * 1024

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Referrer-Policy": "no-referrer",
    # idle detection for this origin only: the probe page shows what a page holding it is told
    "Permissions-Policy": "idle-detection=(self), camera=(), microphone=(), geolocation=()",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def response_headers(ctype: str, *, api: bool) -> list[tuple[str, str]]:
    """Content type plus every security header: the same on pages, API replies and error pages."""
    return [("Content-Type", ctype)] + [
        (k, API_CSP if (api and k == "Content-Security-Policy") else v)
        for k, v in SECURITY_HEADERS.items()]


def body_length(value: str | None) -> int | None:
    """Content-Length as a number if it is plain digits (``-1``, ``+5``, ``5, 5`` are not)."""
    value = (value or "0").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        return None
    return int(value)


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str  # a fixed text; never echoes what the request sent


def allowed_hosts(port: int) -> frozenset[str]:
    return frozenset((f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"))


def check(method: str, path: str, headers: Mapping[str, str], *, hosts: frozenset[str],
          token: str) -> Refusal | None:
    """None if the request may proceed to routing; else how to refuse it.

    ``headers`` must be case-insensitive (http.client's HTTPMessage is)."""
    host = (headers.get("Host") or "").strip().lower()
    if host not in hosts:
        return Refusal(403, "forbidden host")
    if (headers.get("Upgrade") or "").strip():
        return Refusal(403, "no upgrades here")
    if headers.get("Transfer-Encoding") is not None:
        return Refusal(411, "send the body with a Content-Length, not Transfer-Encoding")
    if headers.get("Expect") is not None:
        return Refusal(417, "Expect is not supported")
    length = body_length(headers.get("Content-Length"))
    if length is None:
        return Refusal(400, "bad length")
    if length > MAX_BODY:
        return Refusal(413, "too large")
    if method == "OPTIONS":
        return Refusal(403, "no cross-origin requests")
    origin = headers.get("Origin")
    if origin is not None and origin.strip().lower() not in {f"http://{h}" for h in hosts}:
        return Refusal(403, "cross-origin request refused")
    site = (headers.get("Sec-Fetch-Site") or "").strip().lower()
    is_api = path.startswith(API_PREFIX)
    if site and site != "same-origin":
        # 'none' is a user typing the address or opening the window: the HTML shell only
        if not (site == "none" and not is_api and method in ("GET", "HEAD")):
            return Refusal(403, "cross-site request refused")
    if not is_api:
        if method not in ("GET", "HEAD"):
            return Refusal(405, "method not allowed")
        return None
    dest = (headers.get("Sec-Fetch-Dest") or "").strip().lower()
    mode = (headers.get("Sec-Fetch-Mode") or "").strip().lower()
    if dest in BAD_API_DESTS or mode in ("no-cors", "navigate"):
        return Refusal(403, "not a fetch from the dashboard")
    if not token_ok(headers.get("Authorization"), token):
        return Refusal(401, "missing or wrong token")
    if method == "POST":
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return Refusal(415, "JSON only")
    elif method not in ("GET", "HEAD"):
        return Refusal(405, "method not allowed")
    return None


def token_ok(authorization: str | None, token: str) -> bool:
    if not authorization or not authorization.startswith("Bearer "):
        return False
    # constant-time, so the token cannot be guessed a character at a time
    return hmac.compare_digest(authorization[7:].strip().encode(), token.encode())
