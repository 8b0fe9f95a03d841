"""Several workstations on one store at once: changes seen everywhere, faults survived.

The change feed (orthofit.store.changes) on both databases, the outbox that keeps a capture
while the server is away (orthofit.store.outbox), and a client killed in the middle of a
write. Tests that stop, restart or kill a server use a PostgreSQL server of their own (started
in a temporary folder, removed afterwards), never the shared one.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest

from orthofit.io.load import load
from orthofit.store import Store, StoreUnavailable
from orthofit.store.changes import ChangeFeed
from orthofit.store.outbox import Outbox

import pgserver
from conftest import SAMPLES

#: A change made elsewhere must reach an open desktop within this long (s).
ARRIVAL_S = 2.0


def scan(name="static_normal.ofs"):
    return load(SAMPLES / name)


def wait_events(feed, count=1, timeout=ARRIVAL_S + 3.0):
    """Poll as the desktop does until ``count`` events came; (events, seconds taken)."""
    t0 = time.monotonic()
    got = []
    while len(got) < count and time.monotonic() - t0 < timeout:
        got += feed.poll()
        time.sleep(0.01)
    return got, time.monotonic() - t0


def wait_online(feed, timeout=10.0):
    """Wait until the feed reaches the store (and, on a server, listens): whether it did."""
    deadline = time.monotonic() + timeout
    ready = (lambda: feed.online and feed.listening) if feed.store.on_server else \
        (lambda: feed.online)
    while not ready() and time.monotonic() < deadline:
        feed.poll()
        time.sleep(0.02)
    return ready()


# -- the change feed ------------------------------------------------------------------------------

def test_a_scan_filed_on_another_workstation_arrives_within_2_s(store_location):
    desk = Store(store_location, actor="dr lee", workstation="room-1")
    kiosk = Store(store_location, actor="kiosk", workstation="waiting-room")
    feed = ChangeFeed(desk)
    try:
        assert feed.poll() == [] and feed.online
        sid = kiosk.add_scan(scan(), kiosk_code="381907", kiosk_name="Jo", source="kiosk")
        events, took = wait_events(feed)
        assert took < ARRIVAL_S, f"the scan took {took:.2f} s to arrive"
        (event,) = events
        assert (event["action"], event["entity"], event["entity_id"]) == ("add", "scan", sid)
        assert event["workstation"] == "waiting-room" and event["actor"] == "kiosk"
        assert event["detail"]["kiosk_code"] == "381907"
        assert event["at"].endswith("+00:00")
        # Each event once; the desktop's own changes come too, in the order they were made.
        pid = desk.add_patient("Nora", "Newfoot")
        vid = desk.add_visit(pid)
        kiosk.attach_scan(sid, vid)
        events, took = wait_events(feed, 3)
        assert [(e["action"], e["entity"], e["workstation"]) for e in events] == [
            ("add", "patient", "room-1"), ("add", "visit", "room-1"),
            ("attach", "scan", "waiting-room")]
        assert took < ARRIVAL_S
        assert [e["id"] for e in events] == sorted(e["id"] for e in events)
        assert feed.poll() == []
    finally:
        feed.close()
        desk.close()
        kiosk.close()


def test_a_feed_starts_after_the_changes_made_before_it(store_location):
    store = Store(store_location)
    store.add_patient("Old", "Change")
    feed = ChangeFeed(store)
    try:
        store.add_patient("New", "Change")
        events, _ = wait_events(feed, 2, timeout=1.0)  # waits for a second one that never comes
        assert [e["entity_id"] for e in events] == [store.search_patients("New")[0]["id"]]
        # ``since`` starts anywhere: from the beginning, every change is there once.
        whole = ChangeFeed(store, since=0)
        try:
            events, _ = wait_events(whole, 2)
            assert [e["action"] for e in events] == ["add", "add"]
        finally:
            whole.close()
    finally:
        feed.close()
        store.close()


def test_on_a_server_the_feed_reads_the_trail_only_when_a_change_is_announced(pg_url):
    from sqlalchemy import event

    Store(pg_url, create=True).close()
    desk = Store(pg_url, workstation="room-1")
    other = Store(pg_url, workstation="room-2")
    statements = []
    event.listen(desk.engine, "before_cursor_execute",
                 lambda _c, _cur, sql, *_a: statements.append(sql))
    feed = ChangeFeed(desk)
    try:
        assert wait_online(feed)
        statements.clear()
        for _ in range(40):  # a second of the desktop's polling, nothing changing
            assert feed.poll() == []
            time.sleep(0.025)
        assert not [s for s in statements if "audit" in s], statements
        other.add_patient("Ann", "Nounced")
        events, took = wait_events(feed)
        assert len(events) == 1 and took < ARRIVAL_S
        reads = [s for s in statements if "FROM audit" in s]
        assert len(reads) == 1, statements  # one announcement, one reading
    finally:
        feed.close()
        desk.close()
        other.close()


def test_on_sqlite_the_feed_polls_without_holding_a_connection(tmp_path):
    store = Store(tmp_path / "store")
    feed = ChangeFeed(store)
    try:
        store.engine.dispose()
        feed.poll()
        # The reading went back to the pool: nothing is checked out between polls.
        assert store.engine.pool.checkedout() == 0
        assert feed._thread is None
    finally:
        feed.close()
        store.close()


def test_a_server_restart_is_noticed_and_no_change_is_lost(private_pg):
    folder, url = private_pg
    desk = Store(url, workstation="room-1")
    kiosk = Store(url, workstation="waiting-room")
    # After the restart the feed waits (a minute) before it tries again: the changes made
    # meanwhile are announced to nobody, and must be caught up from the audit trail.
    feed = ChangeFeed(desk, retry_s=(60.0,))
    try:
        assert wait_online(feed)
        kiosk.add_patient("Before", "Restart")
        got, _ = wait_events(feed)
        states = []
        restart = threading.Thread(target=pgserver_restart, args=(folder,))
        restart.start()
        while restart.is_alive():
            states.append(feed.online)
            got += feed.poll()
            time.sleep(0.02)
        restart.join()
        assert False in states, "the restart was not noticed"
        assert not feed.online and feed.down_since is not None
        kiosk.add_scan(scan(), kiosk_code="123456", source="kiosk")
        kiosk.add_patient("After", "Restart")
        feed.reconnect_now()
        assert wait_online(feed, timeout=10.0)
        more, took = wait_events(feed, 2)
        got += more
        assert feed.online and feed.down_since is None and feed.reconnects == 1
        trail = sorted(e["id"] for e in desk.audit_trail())
        assert [e["id"] for e in got] == trail  # each change once, none lost
        assert [e["entity"] for e in got] == ["patient", "scan", "patient"]
    finally:
        feed.close()
        desk.close()
        kiosk.close()


def pgserver_restart(folder):
    pgserver.restart(folder, down_s=1.0)


def test_an_unreachable_server_is_offline_with_the_time_it_went(pg_url):
    from orthofit.store.backend import postgres_engine

    Store(pg_url, create=True).close()
    desk = Store(pg_url)
    feed = ChangeFeed(desk, retry_s=(0.2,))
    try:
        assert wait_online(feed)
        closed = _closed_port()
        good = desk.url
        desk.url = good.set(port=closed)  # the feed's next connection goes nowhere
        desk.engine, engine = postgres_engine(desk.url), desk.engine
        before = dt.datetime.now(dt.UTC)
        feed._conn.close()  # the connection drops
        deadline = time.monotonic() + 5
        while feed.online and time.monotonic() < deadline:
            feed.poll()
            time.sleep(0.02)
        assert not feed.online
        assert before - dt.timedelta(seconds=1) <= feed.down_since <= dt.datetime.now(dt.UTC)
        assert "cannot be reached" in feed.problem and "password" not in feed.problem
        desk.engine.dispose()
        desk.url, desk.engine = good, engine
        assert wait_online(feed)
    finally:
        feed.close()
        desk.close()


# -- the outbox -----------------------------------------------------------------------------------

def test_the_outbox_keeps_a_capture_and_files_it_once(store_location, tmp_path):
    store = Store(store_location, local=tmp_path / "local")
    pid = store.add_patient("Nora", "Newfoot")
    outbox = Outbox(store.folder)
    rec = scan()
    taken = dt.datetime(2026, 3, 2, 14, 5, tzinfo=dt.UTC)
    kept = outbox.keep(rec, patient_id=pid, visit_date="2026-03-02", recorded=taken)
    assert stat.S_IMODE(outbox.folder.stat().st_mode) == 0o700
    for path in (kept.path, kept.path.with_suffix(".json")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [w.patient_id for w in outbox.waiting()] == [pid] and len(outbox) == 1
    done = outbox.file(store)
    ((item, sid),) = done.filed
    assert not done.problems and not done.unavailable and len(outbox) == 0
    (visit,) = store.visits(pid)
    assert visit["date"] == "2026-03-02" and [s["id"] for s in visit["scans"]] == [sid]
    assert visit["scans"][0]["recorded"] == "2026-03-02T14:05:00+00:00"
    assert visit["scans"][0]["source"] == "capture"
    assert store.load_scan(sid).n_frames == rec.n_frames
    # Stopped between filing and clearing: the same capture is filed again, stored once.
    outbox.keep(rec, patient_id=pid, visit_date="2026-03-02", recorded=taken)
    again = outbox.file(store)
    assert [s for _, s in again.filed] == [sid] and len(outbox) == 0
    assert store.counts()["scans"] == 1 and len(store.visits(pid)) == 1
    assert outbox.file(store).filed == []
    store.close()


def test_a_capture_that_cannot_be_filed_stays_with_the_reason(tmp_path):
    store = Store(tmp_path / "store")
    outbox = Outbox(store.folder)
    outbox.keep(scan(), patient_id=999)  # no such patient (deleted meanwhile)
    done = outbox.file(store)
    assert not done.filed and len(done.problems) == 1
    (waiting,) = outbox.waiting()
    assert "no patient 999" in waiting.problem and waiting.path.exists()
    store.close()


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def test_the_outbox_waits_while_the_server_cannot_be_reached(pg_url, tmp_path):
    """A unit test: the store's engine points to a port where nothing listens."""
    from orthofit.store.backend import postgres_engine

    Store(pg_url, create=True).close()
    store = Store(pg_url, local=tmp_path / "local")
    pid = store.add_patient("Nora", "Newfoot")
    vid = store.add_visit(pid)
    good = store.engine
    store.engine = postgres_engine(store.url.set(port=_closed_port()))
    try:
        with pytest.raises(StoreUnavailable):
            store.add_scan(scan(), visit_id=vid, source="capture")
        outbox = Outbox(store.folder)
        outbox.keep(scan(), patient_id=pid, visit_id=vid)
        outbox.keep(scan("static_flat.ofs"), patient_id=pid, visit_id=vid)
        done = outbox.file(store)
        assert "cannot be reached" in done.unavailable and not done.filed
        assert len(outbox) == 2 and not any(w.problem for w in outbox.waiting())
    finally:
        store.engine.dispose()
        store.engine = good
    done = outbox.file(store)
    assert len(done.filed) == 2 and len(outbox) == 0
    assert [s["source"] for s in store.visits(pid)[0]["scans"]] == ["capture", "capture"]
    store.close()


def test_a_capture_made_while_the_server_is_stopped_is_filed_when_it_is_back(private_pg,
                                                                            tmp_path):
    folder, url = private_pg
    store = Store(url, local=tmp_path / "local", workstation="room-1")
    pid = store.add_patient("Nora", "Newfoot")
    feed = ChangeFeed(store, retry_s=(0.2,))
    outbox = Outbox(store.folder)
    try:
        assert wait_online(feed)
        pgserver.pause(folder)
        rec = scan()
        with pytest.raises(StoreUnavailable):  # (visit_today, or add_scan)
            store.add_scan(rec, visit_id=store.visit_today(pid), source="capture")
        outbox.keep(rec, patient_id=pid)
        assert not wait_online(feed, timeout=1.0)
        assert outbox.file(store).unavailable and len(outbox) == 1
        pgserver.resume(folder)
        assert wait_online(feed)
        done = outbox.file(store)
        assert len(done.filed) == 1 and len(outbox) == 0
        (visit,) = store.visits(pid)
        assert visit["date"] == dt.date.today().isoformat()
        assert [s["id"] for s in visit["scans"]] == [done.filed[0][1]]
    finally:
        feed.close()
        store.close()


# -- a client killed in the middle of a write -----------------------------------------------------

CHILD = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from sqlalchemy import event
    from orthofit.io.load import load
    from orthofit.store import Store

    store = Store(os.environ["STORE"], workstation="doomed")
    ready = Path(os.environ["READY"])

    @event.listens_for(store.engine, "after_cursor_execute")
    def hold(conn, cursor, statement, *args):
        # The last statement of the transaction: everything else is written, nothing committed.
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT"):
            ready.write_text("in the transaction")
            time.sleep(120)

    if os.environ["WHAT"] == "scan":
        store.add_scan(load(os.environ["SCAN"]), kiosk_code="111111", source="kiosk")
    else:
        store.set_settings(**{k: f"changed {k}" for k in store.SETTINGS})
""")


@pytest.mark.parametrize("what", ["scan", "settings"])
def test_a_client_killed_mid_transaction_leaves_nothing_half_done(store_location, tmp_path,
                                                                  what):
    store = Store(store_location)
    store.add_patient("Nora", "Newfoot")
    before, settings = store.counts(), store.settings()
    ready = tmp_path / f"ready-{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "STORE": str(store_location), "READY": str(ready), "WHAT": what,
           "SCAN": str(SAMPLES / "walk_normal.ofs")}
    child = subprocess.Popen([sys.executable, "-c", CHILD], env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.02)
        assert ready.exists(), child.stderr.read().decode()[-2000:]
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert store.counts() == before and store.settings() == settings
    assert store.check() == []
    if not store.on_server:
        db = sqlite3.connect(Path(store_location) / "orthofit.sqlite3")
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        db.close()
    # Nothing is left locked or half-there: the same write now goes through, once.
    if what == "scan":
        sid = store.add_scan(load(SAMPLES / "walk_normal.ofs"), kiosk_code="111111",
                             source="kiosk")
        assert [s["id"] for s in store.kiosk_queue()] == [sid]
        assert store.counts()["scans"] == before["scans"] + 1
    else:
        store.set_settings(clinic_name="Still here")
        assert store.settings()["clinic_name"] == "Still here"
    store.close()


# -- the kiosk's filing while the store is away ---------------------------------------------------

class AwayFor:
    """A kiosk door whose store refuses the first ``n`` filings, as a door to a server away."""

    def __init__(self, n):
        self.n, self.tries, self.alerts = n, 0, []

    def file_staged(self, path):
        from orthofit.kiosk.flow import STORE_AWAY

        self.tries += 1
        if self.tries <= self.n:
            raise STORE_AWAY[0]("the clinic store's server cannot be reached")
        return 41

    def alert(self, message, **detail):
        self.alerts.append(message)


def test_the_kiosk_files_once_the_store_is_back_and_tells_staff_once():
    import re

    from orthofit.kiosk.flow import file_when_reachable

    door = AwayFor(3)
    assert file_when_reachable(door, "381907-static.ofs", wait_s=5.0, retry_s=0.01) == 41
    assert door.tries == 4
    (said,) = door.alerts
    assert re.fullmatch(r"the clinic store was unreachable from the kiosk from \d\d:\d\d to "
                        r"\d\d:\d\d", said)
    # In reach at once: no alert at all.
    door = AwayFor(0)
    assert file_when_reachable(door, "381907-static.ofs", wait_s=5.0) == 41
    assert door.alerts == []


def test_the_kiosk_gives_up_waiting_and_keeps_the_capture_staged():
    from orthofit.kiosk.flow import STORE_AWAY, file_when_reachable

    door = AwayFor(1000)
    t0 = time.monotonic()
    with pytest.raises(STORE_AWAY):
        file_when_reachable(door, "381907-static.ofs", wait_s=0.3, retry_s=0.05)
    assert time.monotonic() - t0 < 1.0 and door.tries >= 3
    assert door.alerts == []  # nothing to tell staff yet: it is not back
