"""The clinic store: schema migrations, records, the kiosk queue, backups, crash safety."""

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time

import numpy as np
import pytest

import orthofit
from orthofit.store import Store, StoreError
from orthofit.store.schema import MIGRATIONS, VERSION

from conftest import SAMPLES


def small_recording(value=1.0):
    frames = np.full((3, 4, 5), value, np.float32)
    return orthofit.Recording(frames, [0.0, 0.01, 0.02], 5.08, mode="static")


def test_new_store_is_private_and_current(tmp_path):
    store = Store(tmp_path / "s", actor="dr test")
    assert store.version == VERSION
    assert stat.S_IMODE(os.stat(store.db_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "s").st_mode) == 0o700
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


@pytest.mark.parametrize("start", range(VERSION))
def test_migrations_from_every_earlier_version(tmp_path, start):
    folder = tmp_path / "old"
    folder.mkdir()
    conn = sqlite3.connect(folder / "orthofit.sqlite3")
    for number in range(start):
        conn.executescript(MIGRATIONS[number])
        conn.execute(f"PRAGMA user_version = {number + 1}")
    if start >= 1:  # data written by the old version must survive the upgrade
        conn.execute("INSERT INTO patients (first_name, last_name, created, updated) VALUES "
                     "('Ada', 'Old', 'x', 'x')")
    conn.commit()
    conn.close()
    store = Store(folder)
    assert store.version == VERSION
    if start >= 1:
        assert store.search_patients("Old")[0]["first_name"] == "Ada"
    # The newest schema works: a kiosk scan lands in the queue.
    sid = store.add_scan(small_recording(), kiosk_code="K123")
    assert store.kiosk_queue()[0]["id"] == sid


def test_a_newer_store_is_refused(tmp_path):
    Store(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "orthofit.sqlite3")
    conn.execute(f"PRAGMA user_version = {VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer orthofit"):
        Store(tmp_path)


def test_patients_visits_scans_proposals_reports_and_audit(tmp_path):
    store = Store(tmp_path, actor="dr test")
    pid = store.add_patient("Alex", "Example", birth_date="1980-02-03", sex="f",
                            shoe_size="39", conditions=["diabetes"], notes="runner")
    store.update_patient(pid, shoe_size="40")
    assert store.patient(pid)["shoe_size"] == "40"
    assert store.patient(pid)["conditions"] == ["diabetes"]
    assert [p["id"] for p in store.search_patients("ale exa")] == [pid]
    assert store.search_patients("nobody") == []
    vid = store.add_visit(pid, "2026-11-21")
    rec = orthofit.load(SAMPLES / "static_normal.ofs")
    sid = store.add_scan(rec, visit_id=vid, source="test")
    assert store.add_scan(rec, visit_id=vid) == sid  # the same scan is stored once
    with pytest.raises(StoreError, match="stored already as scan"):
        store.add_scan(rec, visit_id=store.add_visit(pid, "2026-12-01"))
    back = store.load_scan(sid)
    assert np.array_equal(back.frames, rec.frames)
    visits = store.visits(pid)
    assert visits[0]["scans"][0]["id"] == sid
    store.save_proposal(sid, {"rules": "default"}, None)
    store.save_proposal(sid, {"rules": "default"}, {"rules": "default", "edited": True})
    assert store.proposal(sid)[1]["edited"] is True
    store.add_report(sid, "patient", b"%PDF-1.4 test")
    actions = [(a["action"], a["entity"]) for a in store.audit_trail()]
    assert ("update", "patient") in actions and ("edit", "proposal") in actions
    assert all(a["actor"] == "dr test" for a in store.audit_trail())
    with pytest.raises(StoreError, match="first and a last name"):
        store.add_patient("", "X")
    with pytest.raises(StoreError, match="no visit"):
        store.add_scan(small_recording(2.0), visit_id=999)


def test_kiosk_queue_and_attach(tmp_path):
    store = Store(tmp_path)
    sid = store.add_scan(small_recording(), kiosk_code="4711")
    pid = store.add_patient("Kim", "Kiosk")
    vid = store.add_visit(pid)
    store.attach_scan(sid, vid)
    assert store.kiosk_queue() == []
    with pytest.raises(StoreError, match="not waiting"):
        store.attach_scan(sid, vid)


def test_damaged_scan_file_is_detected(tmp_path):
    store = Store(tmp_path)
    sid = store.add_scan(small_recording(), kiosk_code="1")
    path = store.scan_path(store.kiosk_queue()[0]["sha256"])
    os.chmod(path, 0o600)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(StoreError, match="does not match its checksum"):
        store.load_scan(sid)


def test_backup_copies_database_and_scans(tmp_path):
    store = Store(tmp_path / "s")
    store.add_scan(small_recording(), kiosk_code="1")
    folder = store.backup()
    assert folder is not None and store.backup() is None
    copy = Store(folder)
    assert copy.summary()["counts"]["scans"] == 1 and copy.check() == []


WRITER = """
import sys, numpy as np, orthofit
from orthofit.store import Store
store = Store(sys.argv[1])
pid = store.add_patient("Crash", "Test")
vid = store.add_visit(pid)
i = 0
while True:
    frames = np.full((20, 30, 30), float(i), np.float32)
    store.add_scan(orthofit.Recording(frames, np.arange(20) / 50.0, 5.08), visit_id=vid)
    i += 1
    print(i, flush=True)
"""


def test_killing_a_process_mid_save_leaves_the_store_consistent(tmp_path):
    folder = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(folder)],
                            stdout=subprocess.PIPE, text=True)
    for _ in range(15):  # let it store a few scans, then kill it in the middle of one
        proc.stdout.readline()
    time.sleep(0.013)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    store = Store(folder)
    assert store.check() == []
    summary = store.summary()
    assert summary["counts"]["scans"] >= 15
    for scan in summary["scans"]:
        assert store.load_scan(scan["id"]).n_frames == 20
    assert not list((folder / "scans").glob(".incoming-*"))


def test_store_list_json_cli(tmp_path):
    store = Store(tmp_path)
    store.add_scan(small_recording(), kiosk_code="77")
    store.close()
    proc = subprocess.run([sys.executable, "-m", "orthofit.cli", "store", "list", "--json",
                           "--store", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["counts"]["scans"] == 1 and data["scans"][0]["kiosk_code"] == "77"
    assert data["kiosk_queue"] == [data["scans"][0]["id"]]
