"""Hostile input: a web page on another port attacking the dashboard, and markup in app names."""


import pytest

from onlooker.shim.model import Observation
from tests.browser_support import shot
from tests.http_stub import serving

pytestmark = pytest.mark.browser

ATTACK = """<!doctype html><html><body>
<img id="img" src="http://127.0.0.1:{port}/api/pause">
<iframe name="sink"></iframe>
<form id="f" method="POST" action="http://127.0.0.1:{port}/api/forget" enctype="text/plain" target="sink">
<input name='{{"all":true,"x":"' value='"}}'></form>
<form id="g" method="POST" action="http://127.0.0.1:{port}/api/pause" target="sink">
<input name="minutes" value="60"></form>
<script>
window.results = {{}};
const base = "http://127.0.0.1:{port}";
async function attempt(name, fn) {{
  try {{ const r = await fn(); window.results[name] = "read:" + (typeof r === "string" ? r.slice(0, 80) : String(r)); }}
  catch (e) {{ window.results[name] = "error:" + e.name; }}
}}
(async () => {{
  document.getElementById("f").submit();
  document.getElementById("g").submit();
  await attempt("nocors_post", async () => {{ const r = await fetch(base + "/api/forget", {{method: "POST", mode: "no-cors",
      headers: {{"Content-Type": "text/plain"}}, body: '{{"all":true}}'}}); return r.type + ":" + r.status; }});
  await attempt("read_overview", async () => (await (await fetch(base + "/api/overview")).text()));
  await attempt("read_with_token", async () => (await (await fetch(base + "/api/day", {{headers: {{Authorization: "Bearer {token}"}}}})).text()));
  await attempt("forget_with_token", async () => (await (await fetch(base + "/api/forget", {{method: "POST",
      headers: {{Authorization: "Bearer {token}", "Content-Type": "application/json"}}, body: '{{"all":true}}'}})).text()));
  await attempt("read_page", async () => (await (await fetch(base + "/")).text()));
  await attempt("websocket", () => new Promise((ok, bad) => {{
      const ws = new WebSocket("ws://127.0.0.1:{port}/api/version");
      ws.onopen = () => ok("open"); ws.onerror = () => bad(new Error("refused")); }}));
  window.done = true;
}})();
</script></body></html>"""


def test_a_web_page_on_another_port_changes_and_reads_nothing(chromium, dashboard):
    """The Zoom 2019 attack, and worse (the page even knows the key): images, form posts,
    no-cors fetches, CORS reads and a WebSocket all fail; nothing is paused or deleted."""
    store = dashboard.api.store
    before = store.table_counts()
    page_html = ATTACK.format(port=dashboard.port, token=dashboard.token).encode()
    with serving(page_html, "text/html") as evil_port:
        ctx = chromium.new_context()
        try:
            page = ctx.new_page()
            page.goto(f"http://127.0.0.1:{evil_port}/")
            page.wait_for_function("() => window.done === true", timeout=20000)
            page.wait_for_timeout(500)
            results = page.evaluate("() => window.results")
        finally:
            ctx.close()
    assert store.table_counts() == before
    assert store.paused_until() is None
    for name in ("read_overview", "read_with_token", "forget_with_token", "read_page", "websocket"):
        assert results[name].startswith("error:"), (name, results[name])
    # sent blind at most (answered 403), and nothing readable came back
    assert results["nocors_post"] in ("read:opaque:0", "error:TypeError")


def test_markup_in_app_names_and_urls_renders_as_text(chromium, dashboard):
    """A window class or page URL carrying HTML/JS shows up as literal text; nothing runs."""
    store = dashboard.api.store
    evil = '<img src=x onerror="document.title=\'pwned\'"></script><script>document.title="pwned"</script>'
    t0 = 1795428000.0 + 100  # inside the seeded day
    store.record([Observation(t0 + 10, "focus", app=evil),
                  Observation(t0 + 20, "tab", data={"url": "javascript:alert(1)//<b>x</b>", "state": "hidden"}),
                  Observation(t0 + 25, "tab", data={"url": "javascript:alert(1)//<b>x</b>", "state": "visible"})],
                 [])
    ctx = chromium.new_context(viewport={"width": 1300, "height": 900}, timezone_id="UTC")
    page = ctx.new_page()
    page.goto(dashboard.url())
    page.wait_for_selector("#timeline svg")
    titles = page.locator("#timeline title").all_text_contents()
    assert any(evil in t for t in titles)
    assert any("javascript:alert(1)//<b>x</b>" in t for t in titles)
    assert page.locator("#timeline img, #timeline script, #timeline b").count() == 0
    assert page.title() == "Onlooker"
    shot(page, "dashboard-hostile-names")
    ctx.close()
