"""Read a running aw-server's export. Loopback only: Onlooker never talks to the network."""

from __future__ import annotations

import ipaddress
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import orjson


class FetchError(ValueError):
    pass


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def fetch_export(url: str, timeout: float = 30.0) -> dict:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or not _loopback(parts.hostname):
        raise FetchError(f"{url}: only an aw-server on this machine (http://127.0.0.1:PORT or "
                         "http://localhost:PORT) can be read")
    target = f"http://{parts.netloc}/api/0/export"
    try:
        # A plain GET; an opener without proxies so nothing is routed off the machine.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(target, timeout=timeout) as resp:
            return orjson.loads(resp.read())
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"cannot read {target} ({exc}); is aw-server running?") from None
    except orjson.JSONDecodeError as exc:
        raise FetchError(f"{target} did not answer with JSON ({exc})") from None
