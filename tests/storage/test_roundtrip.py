"""A bundled log stored as if recorded, read back and replayed, gives what the log itself gives."""

from importlib import resources

import pytest

from onlooker.shim.obslog import parse
from onlooker.shim.replay import replay_events, replay_file
from onlooker.storage.db import connect
from onlooker.storage.loadlog import load_log
from onlooker.storage.store import Store

EXAMPLES = sorted(p.name for p in resources.files("onlooker.shim.examples").iterdir() if p.name.endswith(".jsonl"))


@pytest.mark.parametrize("name", EXAMPLES)
def test_store_round_trip_keeps_every_profile_result(name, db_path):
    path = str(resources.files("onlooker.shim.examples").joinpath(name))
    direct = replay_file(path).to_json()
    with open(path) as fh:
        header, events = parse(fh)
    store = Store(connect(db_path))
    load_log(store, header, events, header.start)
    end = max(e.end for e in events)
    h, stored = store.events(header.start, header.start + end + 0.001)
    again = replay_events(h, stored, until=end).to_json()
    assert [p["metrics"] for p in again["profiles"]] == [p["metrics"] for p in direct["profiles"]]
    assert [p["observations"] for p in again["profiles"]] == \
        [p["observations"] for p in direct["profiles"]]
