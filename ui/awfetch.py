"""Read a running aw-server's export. Loopback only: Onlooker never talks to the network.

The check is on where the connection goes, not on what the URL says: the host name is resolved
and every address must be loopback, the connection is made to that address, no redirect is
followed (http.client follows none; a 3xx is an error naming it), no proxy is consulted, and the
body is read in chunks up to MAX_EXPORT_BYTES."""

from __future__ import annotations

import http.client
import ipaddress
import socket
from urllib.parse import urlsplit

import orjson

MAX_EXPORT_BYTES = 512 * 1024 * 1024   # a year of busy ActivityWatch buckets is well under this
CHUNK = 1024 * 1024


class FetchError(ValueError):
    pass


def _loopback_addresses(host: str, port: int) -> list[str]:
    """The addresses to connect to when ``host`` is a loopback address, or ``localhost`` and every
    address it resolves to (/etc/hosts) is loopback; else None. Other names are not even looked
    up: a DNS query would itself leave the machine."""
    try:
        return [host] if ipaddress.ip_address(host).is_loopback else []
    except ValueError:
        if host != "localhost":
            return []
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    try:
        if all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
            return addresses
    except ValueError:
        pass
    return []


def _read_capped(resp: http.client.HTTPResponse, target: str, cap: int) -> bytes:
    length = resp.getheader("Content-Length")
    if length and length.isdigit() and int(length) > cap:
        raise FetchError(f"{target} answered with {int(length)} bytes, over the "
                         f"{cap // 2**20} MB limit; export with aw-server's web UI to a file "
                         "and import that")
    buf = bytearray()
    while chunk := resp.read(CHUNK):
        buf += chunk
        if len(buf) > cap:
            raise FetchError(f"{target} sent more than {cap // 2**20} MB; export with aw-server's "
                             "web UI to a file and import that")
    return bytes(buf)


def fetch_export(url: str, timeout: float = 30.0, *, cap: int = MAX_EXPORT_BYTES) -> dict:
    refusal = (f"{url}: only an aw-server on this machine (http://127.0.0.1:PORT or "
               "http://localhost:PORT) can be read")
    parts = urlsplit(url)
    try:
        port = parts.port or 5600
    except ValueError:
        raise FetchError(refusal) from None
    if parts.scheme != "http" or not parts.hostname or parts.username or parts.password:
        raise FetchError(refusal)
    addresses = _loopback_addresses(parts.hostname, port)
    if not addresses:
        raise FetchError(refusal)
    target = f"http://{parts.netloc}/api/0/export"
    for i, address in enumerate(addresses):  # localhost may be ::1 and 127.0.0.1: as a browser
        try:
            return _get(address, port, parts.netloc, target, timeout, cap)
        except ConnectionRefusedError as exc:
            if i == len(addresses) - 1:
                raise FetchError(f"cannot read {target} ({exc}); is aw-server running?") from None
    raise AssertionError("unreachable")


def _get(address: str, port: int, netloc: str, target: str, timeout: float, cap: int) -> dict:
    conn = http.client.HTTPConnection(address, port, timeout=timeout)
    try:
        conn.request("GET", "/api/0/export", headers={"Host": netloc,
                                                      "Accept": "application/json"})
        resp = conn.getresponse()
        if 300 <= resp.status < 400:
            raise FetchError(f"{target} redirected ({resp.status}) and redirects are not "
                             "followed; give the aw-server's own address (e.g. "
                             "http://127.0.0.1:5600)")
        if resp.status != 200:
            raise FetchError(f"{target} answered {resp.status}; is it aw-server?")
        return orjson.loads(_read_capped(resp, target, cap))
    except ConnectionRefusedError:
        raise  # the next of localhost's addresses is tried
    except (http.client.HTTPException, OSError) as exc:
        raise FetchError(f"cannot read {target} ({exc}); is aw-server running?") from None
    except orjson.JSONDecodeError as exc:
        raise FetchError(f"{target} did not answer with JSON ({exc})") from None
    finally:
        conn.close()
