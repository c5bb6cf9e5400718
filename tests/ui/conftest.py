"""A dashboard server on a seeded database: the email-during-lecture scenario, stored as recorded."""

import http.client
import json
from importlib import resources
from pathlib import Path

import pytest

from onlooker.shim.obslog import parse
from onlooker.storage.db import connect
from onlooker.storage.loadlog import load_log
from onlooker.storage.store import Store
from onlooker.ui.dashboard.api import DashboardAPI
from onlooker.ui.dashboard.server import DashboardServer
from onlooker.ui.service import Service

SCENARIO = "email-during-lecture"


def seed(db_path: Path, name: str = SCENARIO, start: float | None = None):
    with resources.files("onlooker.shim.examples").joinpath(f"{name}.jsonl").open() as fh:
        header, events = parse(fh)
    store = Store(connect(db_path))
    load_log(store, header, events, start if start is not None else header.start)
    return store, header


@pytest.fixture
def dashboard(tmp_path):
    db = tmp_path / "dash.db"
    store, header = seed(db)
    api = DashboardAPI(Service(store, db), tmp_path / "config.toml")
    server = DashboardServer(api).start()
    yield server
    server.stop()


@pytest.fixture
def demo_page(chromium, tmp_path):
    """A browser page on the classroom demonstration's dashboard (the lecture scenario, the
    others to pick from), its timeline drawn."""
    from onlooker.ui.cli import _example_path, example_names
    from onlooker.ui.demo import demo_service

    service, start, end, title = demo_service(_example_path("email-during-lecture"),
                                              tmp_path / "demo.db")
    api = DashboardAPI(service, tmp_path / "c.toml", title=title, default_range=(start, end),
                       demo=True, scenarios={n: _example_path(n) for n in example_names()},
                       scenario="email-during-lecture")
    server = DashboardServer(api).start()
    ctx = chromium.new_context(viewport={"width": 1300, "height": 900}, timezone_id="UTC")
    try:
        page = ctx.new_page()
        page.goto(server.url())
        page.wait_for_selector("#timeline svg")
        yield page
    finally:
        ctx.close()
        server.stop()


def raw(port, method, path, headers=None, body=None):
    """A request with exactly these headers (no automatic Host)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        conn.putheader("Content-Length", str(len(data)))
        conn.endheaders(data)
    else:
        conn.endheaders()
    resp = conn.getresponse()
    payload = resp.read()
    conn.close()
    return resp.status, dict(resp.getheaders()), payload


def ok_headers(server, **extra):
    h = {"Host": f"127.0.0.1:{server.port}", "Authorization": f"Bearer {server.token}"}
    h.update(extra)
    return h
