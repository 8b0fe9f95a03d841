"""The clinic store: schema migrations, records, the kiosk queue, backups, crash safety."""

import errno
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
from orthofit.store.schema import LEGACY_VERSION, MIGRATIONS
from orthofit.store.store import VERSION

from conftest import SAMPLES


def small_recording(value=1.0):
    frames = np.full((3, 4, 5), value, np.float32)
    return orthofit.Recording(frames, [0.0, 0.01, 0.02], 5.08, mode="static")


def test_new_store_is_private_and_current(tmp_path):
    store = Store(tmp_path / "s", actor="dr test")
    assert store.version == VERSION
    assert stat.S_IMODE(os.stat(store.db_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "s").st_mode) == 0o700
    with store.engine.connect() as c:  # every connection the store makes is set up alike
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


@pytest.mark.parametrize("start", range(LEGACY_VERSION + 1))
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
    sid = store.add_scan(small_recording(), kiosk_code="123456")
    assert store.kiosk_queue()[0]["id"] == sid


def test_a_newer_store_is_refused(tmp_path):
    Store(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "orthofit.sqlite3")
    conn.execute(f"PRAGMA user_version = {VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer orthofit"):
        Store(tmp_path)


def test_patients_visits_scans_proposals_reports_and_audit(store_location):
    store = Store(store_location, actor="dr test")
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


def test_kiosk_queue_and_attach(store_location):
    store = Store(store_location)
    sid = store.add_scan(small_recording(), kiosk_code="471100")
    pid = store.add_patient("Kim", "Kiosk")
    vid = store.add_visit(pid)
    store.attach_scan(sid, vid)
    assert store.kiosk_queue() == []
    with pytest.raises(StoreError, match="not waiting"):
        store.attach_scan(sid, vid)


def test_damaged_scan_is_detected(store_location):
    store = Store(store_location)
    sid = store.add_scan(small_recording(), kiosk_code="100001")
    sha = store.kiosk_queue()[0]["sha256"]
    if store.on_server:  # the scan's bytes in the database, changed behind the store's back
        with store.engine.begin() as c:
            c.exec_driver_sql("UPDATE blobs SET data = substring(data from 1 for "
                              "length(data) - 10) WHERE sha256 = %(s)s", {"s": sha})
    else:
        path = store.scan_path(sha)
        os.chmod(path, 0o600)
        path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(StoreError, match="does not match its checksum"):
        store.load_scan(sid)
    assert any("does not match its checksum" in p for p in store.check())


def test_backup_copies_database_and_scans(tmp_path):
    store = Store(tmp_path / "s")
    store.add_scan(small_recording(), kiosk_code="100001")
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
    assert list((folder / "scans" / ".incoming").iterdir()) == []  # the dead save is swept
    assert [p.name for p in (folder / "scans").iterdir() if p.name.startswith(".")] == [
        ".incoming"]


def test_store_list_json_cli(tmp_path):
    store = Store(tmp_path)
    store.add_scan(small_recording(), kiosk_code="770077")
    store.close()
    proc = subprocess.run([sys.executable, "-m", "orthofit.cli", "store", "list", "--json",
                           "--store", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["counts"]["scans"] == 1 and data["scans"][0]["kiosk_code"] == "770077"
    assert data["kiosk_queue"] == [data["scans"][0]["id"]]


def test_a_server_store_is_named_by_url_or_environment_never_with_a_password(pg_url, tmp_path):
    from sqlalchemy.engine import make_url

    store = Store(pg_url, create=True)
    store.add_scan(small_recording(), kiosk_code="770078")
    store.close()
    url = make_url(pg_url)
    bare = pg_url.replace(f":{url.password}@", "@")
    env = {**os.environ, "PGPASSWORD": url.password}
    env.pop("ORTHOFIT_STORE", None)

    def orthofit_store(*args, **extra):
        return subprocess.run([sys.executable, "-m", "orthofit.cli", "store", *args],
                              capture_output=True, text=True, env={**env, **extra})

    proc = orthofit_store("list", "--json", "--store", bare)  # the password from PGPASSWORD
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["scans"][0]["kiosk_code"] == "770078"
    proc = orthofit_store("list", "--json", ORTHOFIT_STORE=bare)  # or from the environment
    assert proc.returncode == 0 and json.loads(proc.stdout)["counts"]["scans"] == 1
    proc = orthofit_store("list", "--store", pg_url)  # a password on the command line: refused
    assert proc.returncode == 2 and "PGPASSWORD or ~/.pgpass" in proc.stderr
    assert url.password not in proc.stderr + proc.stdout
    proc = orthofit_store("list", "--store", "mysql://clinic@db/x")
    assert proc.returncode != 0 and "only PostgreSQL" in proc.stderr
    proc = orthofit_store("list", "--store", bare.replace(url.database, "nope"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "does not exist" in proc.stderr or "cannot" in proc.stderr


# -- several processes on one store ---------------------------------------------------------


def test_a_save_in_progress_survives_others_opening_the_store(tmp_path, monkeypatch):
    """Opening the store (which sweeps leftovers) never removes a save another one is making."""
    import threading

    import orthofit.store.store as store_module

    folder = tmp_path / "store"
    Store(folder).close()
    written, go = threading.Event(), threading.Event()
    real_save = store_module.save_ofs

    def slow_save(rec, path):  # the file is complete, the save is not over yet
        real_save(rec, path)
        written.set()
        assert go.wait(60)

    monkeypatch.setattr(store_module, "save_ofs", slow_save)
    result = {}

    def save():
        store = Store(folder)  # a connection belongs to the thread that opened it
        try:
            result["scan"] = store.add_scan(small_recording(3.0), kiosk_code="123456")
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            result["error"] = exc
        finally:
            store.close()

    thread = threading.Thread(target=save)
    thread.start()
    try:
        assert written.wait(60)
        Store(folder).close()  # another window of this program opens the store ...
        proc = subprocess.run([sys.executable, "-m", "orthofit.cli", "store", "list",
                               "--store", str(folder)], capture_output=True, text=True,
                              timeout=120)  # ... and so does another process
        assert proc.returncode == 0, proc.stderr
    finally:
        go.set()
        thread.join(60)
    assert "error" not in result, result
    store = Store(folder)
    assert store.load_scan(result["scan"]).frames[0, 0, 0] == 3.0
    assert list((folder / "scans" / ".incoming").iterdir()) == []


def test_only_the_leftovers_of_dead_saves_are_swept(tmp_path):
    folder = tmp_path / "store"
    Store(folder).close()
    area = folder / "scans" / ".incoming"
    # A save whose process died: its lock file is there, but nobody holds the lock.
    (area / "dead.lock").write_text("12345\n")
    (area / "dead").mkdir()
    (area / "dead" / "scan.ofs").write_bytes(b"half")
    (area / "orphan").mkdir()  # a save folder whose lock a sweep had removed already
    # Leftovers of an orthofit before the locks: removed only once older than any save.
    fresh, old = folder / "scans" / ".incoming-new.ofs", folder / "scans" / ".x.ofs.abc.part"
    for path in (fresh, old):
        path.write_bytes(b"half")
    hours_ago = time.time() - 2 * 3600
    os.utime(old, (hours_ago, hours_ago))
    Store(folder).close()
    assert list(area.iterdir()) == []
    assert fresh.exists() and not old.exists()


@pytest.mark.parametrize(("number", "text", "says", "never"), [
    (errno.ENOSPC, "No space left on device", "free some disk space", None),
    (errno.EACCES, "Permission denied", "may not write there", "disk space"),
    (errno.ENOENT, "No such file or directory", "disappeared while it was written",
     "disk space"),
    (errno.EIO, "Input/output error", "check the disk", "disk space"),
])
def test_a_failed_save_says_truthfully_why(tmp_path, monkeypatch, number, text, says, never):
    import orthofit.store.store as store_module

    def failing(_rec, path):
        open(path, "wb").write(b"half")  # noqa: SIM115 - as a failing disk leaves it
        raise OSError(number, text)

    store = Store(tmp_path / "store")
    monkeypatch.setattr(store_module, "save_ofs", failing)
    with pytest.raises(StoreError) as caught:
        store.add_scan(small_recording(), kiosk_code="424242")
    message = str(caught.value)
    assert text in message and says in message
    assert never is None or never not in message
    assert store.kiosk_queue() == []
    scans = store.folder / "scans"
    assert [p for p in scans.rglob("*") if p.is_file()] == []  # no half file either


def test_store_folders_are_private_even_when_they_were_not(tmp_path):
    folder = tmp_path / "store"
    store = Store(folder)
    store.add_report(store.add_scan(small_recording(), kiosk_code="123456"), "patient", b"%PDF")
    store.backup()
    store.close()
    (folder / "kiosk").mkdir()
    folders = [p for p in [folder, *folder.rglob("*")] if p.is_dir()]
    assert {p.relative_to(folder).as_posix() for p in folders} >= {
        ".", "scans", "reports", "backups", "kiosk"}
    for path in folders:  # as a copy or an older orthofit may leave them
        os.chmod(path, 0o755)
    Store(folder).close()
    modes = {p.relative_to(folder).as_posix(): oct(stat.S_IMODE(p.stat().st_mode))
             for p in folders}
    assert set(modes.values()) == {oct(0o700)}, modes


def test_visit_codes_are_six_digits_in_the_store(store_location):
    from orthofit.store import visit_code

    store = Store(store_location)
    for bad in ("../../escaped", "12345", "1234567", "12345a", "\uff11" * 6, "", "12/456"):
        with pytest.raises(StoreError, match="6 digits"):
            store.add_scan(small_recording(), kiosk_code=bad)
        with pytest.raises(StoreError, match="6 digits"):
            visit_code(bad)
        assert store.kiosk_code_patient(bad) is None
    assert store.kiosk_queue() == []
    sid = store.add_scan(small_recording(), kiosk_code="381 907")
    assert store.kiosk_queue()[0]["kiosk_code"] == "381907"
    assert store.add_scan(small_recording(), kiosk_code="381-907") == sid


def test_the_pin_lockout_is_kept_and_grows(store_location):
    from orthofit.kiosk.pin import lock_seconds

    store = Store(store_location)
    now = 1_000_000.0
    for n in range(1, 5):
        assert store.record_pin_attempt(False, lock_s=lock_seconds, now=now) == {
            "failures": n, "locked_until": 0.0}
    waits = []
    for _ in range(8):
        state = store.record_pin_attempt(False, lock_s=lock_seconds, now=now)
        waits.append(state["locked_until"] - now)
        now = state["locked_until"]  # tried again as soon as the lock ended
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    store.close()
    store = Store(store_location)  # a restart forgets nothing
    assert store.pin_lockout() == {"failures": 12, "locked_until": now}
    assert store.record_pin_attempt(True) == {"failures": 0, "locked_until": 0.0}
    assert store.pin_lockout()["failures"] == 0
    assert [a["action"] for a in store.audit_trail()].count("pin_wrong") == 12


def test_an_older_store_gains_weight_and_referrer_and_keeps_its_patients(tmp_path):
    folder = tmp_path / "v5"
    folder.mkdir()
    conn = sqlite3.connect(folder / "orthofit.sqlite3")
    for number in range(5):  # the store as the release before weight and referrer wrote it
        conn.executescript(MIGRATIONS[number])
        conn.execute(f"PRAGMA user_version = {number + 1}")
    conn.execute("INSERT INTO patients (first_name, last_name, birth_date, sex, shoe_size, "
                 "activity, conditions, notes, created, updated) VALUES ('Ada', 'Old', "
                 "'1950-02-03', 'female', '38', 'low', '[\"diabetes\"]', 'left hallux', "
                 "'x', 'y')")
    conn.execute("INSERT INTO settings (key, value) VALUES ('clinic_name', 'Nord')")
    conn.commit()
    conn.close()
    store = Store(folder)
    assert store.version == VERSION
    ada = store.search_patients("Old")[0]
    assert {k: ada[k] for k in ("first_name", "birth_date", "sex", "shoe_size", "activity",
                                "conditions", "notes", "created", "updated")} == {
        "first_name": "Ada", "birth_date": "1950-02-03", "sex": "female", "shoe_size": "38",
        "activity": "low", "conditions": ["diabetes"], "notes": "left hallux", "created": "x",
        "updated": "y"}
    assert ada["weight_kg"] is None and ada["referrer"] is None
    store.update_patient(ada["id"], weight_kg="61.5", referrer="Dr. Lind")
    again = store.patient(ada["id"])
    assert again["weight_kg"] == 61.5 and again["referrer"] == "Dr. Lind"
    settings = store.settings()
    assert settings["clinic_name"] == "Nord"  # kept
    assert settings["pressure_scale"] == "800" and settings["clinic_contact"] == ""  # defaults


@pytest.mark.parametrize("weight, says", [
    (500, "weight 500 kg is not between 20 and 300 kg"),
    (19.9, "weight 19.9 kg is not between 20 and 300 kg"),
    ("heavy", "weight 'heavy': expected a number of kilograms"),
    (float("nan"), "weight nan kg is not between 20 and 300 kg"),
])
def test_a_weight_outside_20_to_300_kg_is_refused(store_location, weight, says):
    store = Store(store_location)
    with pytest.raises(StoreError) as caught:
        store.add_patient("Bo", "Heavy", weight_kg=weight)
    assert str(caught.value) == says
    pid = store.add_patient("Bo", "Light", weight_kg=20, referrer="")
    assert store.patient(pid)["weight_kg"] == 20.0
    with pytest.raises(StoreError, match="not between 20 and 300"):
        store.update_patient(pid, weight_kg=301)
    assert store.patient(pid)["weight_kg"] == 20.0  # unchanged


def test_scale_and_contact_settings(store_location):
    store = Store(store_location)
    store.set_settings(pressure_scale="per trial", clinic_contact="Harbour St 4\n040 123")
    assert store.settings()["pressure_scale"] == "per trial"
    assert store.settings()["clinic_contact"] == "Harbour St 4\n040 123"


def test_a_scan_can_be_dated_to_its_visit(store_location):
    import datetime as dt

    store = Store(store_location)
    pid = store.add_patient("Ada", "Early")
    vid = store.add_visit(pid, "2024-03-01")
    taken = dt.datetime(2024, 3, 1, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    sid = store.add_scan(small_recording(), visit_id=vid, recorded=taken)
    assert store.visits(pid)[0]["scans"][0]["recorded"] == "2024-03-01T09:30:00+00:00"
    assert sid == store.visits(pid)[0]["scans"][0]["id"]
    with pytest.raises(StoreError, match="time zone"):
        store.add_scan(small_recording(2.0), visit_id=vid, recorded=dt.datetime(2024, 3, 1))


def test_two_workstations_never_overwrite_each_other(store_location):
    from orthofit.store import ConflictError

    room1 = Store(store_location, actor="dr lee", workstation="room-1")
    room2 = Store(store_location, actor="dr kay", workstation="room-2")
    pid = room1.add_patient("Ada", "Shared")
    opened1, opened2 = room1.patient(pid), room2.patient(pid)  # both open the patient
    assert opened1["row_version"] == opened2["row_version"] == 1
    assert room2.update_patient(pid, expected_version=opened2["row_version"],
                                shoe_size="41") == 2
    with pytest.raises(ConflictError) as caught:  # room 1 saves what it opened before
        room1.update_patient(pid, expected_version=opened1["row_version"], shoe_size="39")
    assert caught.value.by == "dr kay on room-2" and caught.value.row_version == 2
    assert "changed by dr kay on room-2 at" in str(caught.value) and "reload" in str(caught.value)
    assert room1.patient(pid)["shoe_size"] == "41"  # nothing was overwritten
    fresh = room1.patient(pid)  # room 1 reloads and saves again: now it works
    room1.update_patient(pid, expected_version=fresh["row_version"], shoe_size="39")
    assert room2.patient(pid)["shoe_size"] == "39" and room2.patient(pid)["row_version"] == 3
    # The same for a proposal: the second edit made from the same version is refused.
    sid = room1.add_scan(small_recording(), visit_id=room1.add_visit(pid))
    room1.save_proposal(sid, {"rules": "default"})
    version = room1.proposal_record(sid)["row_version"]
    room2.save_proposal(sid, {"rules": "default"}, {"edited": "room 2"},
                        expected_version=version)
    with pytest.raises(ConflictError, match="changed by dr kay on room-2"):
        room1.save_proposal(sid, {"rules": "default"}, {"edited": "room 1"},
                            expected_version=version)
    assert room1.proposal(sid)[1] == {"edited": "room 2"}
    with pytest.raises(StoreError, match="no patient 999"):
        room1.update_patient(999, expected_version=1, shoe_size="1")
    # The audit trail says which computer made each change.
    trail = room1.audit_trail()
    assert {(a["actor"], a["workstation"]) for a in trail} == {("dr lee", "room-1"),
                                                              ("dr kay", "room-2")}
    room1.close()
    room2.close()


def test_the_alembic_baseline_is_the_schema_old_stores_reached(tmp_path):
    """A store made new and a store upgraded from version 1 end with the same tables."""
    from sqlalchemy import create_engine, inspect

    old = tmp_path / "old"
    old.mkdir()
    conn = sqlite3.connect(old / "orthofit.sqlite3")
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    Store(old).close()
    Store(tmp_path / "new").close()

    def affinity(type_name):  # SQLite's own rule: FLOAT and REAL store alike
        name = str(type_name).upper()
        return "INTEGER" if "INT" in name else "TEXT" if "TEXT" in name else \
            "REAL" if any(k in name for k in ("REAL", "FLOA", "DOUB")) else name

    def shape(folder):
        insp = inspect(create_engine(f"sqlite:///{folder / 'orthofit.sqlite3'}"))
        return {name: ([(c["name"], affinity(c["type"]), c["nullable"] and not c["primary_key"],
                         None if c["default"] is None else c["default"].strip("'"))
                        for c in insp.get_columns(name)],
                       sorted(i["name"] for i in insp.get_indexes(name)))
                for name in insp.get_table_names()}

    made, upgraded = shape(tmp_path / "new"), shape(old)
    assert made == upgraded
    assert {"patients", "visits", "scans", "proposals", "reports", "audit", "settings",
            "kiosk_codes", "pin_lockout", "blobs", "alembic_version"} == set(made)


def test_head_is_alembics_last_revision():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from orthofit.store.upgrade import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(cfg).get_heads() == [f"{VERSION:04d}"]


def test_a_scan_already_in_a_file_is_stored_as_it_is(store_location, tmp_path):
    from orthofit.io.checksum import file_sha256
    from orthofit.io.ofs import save_ofs

    store = Store(store_location)
    rec = small_recording(3.0)
    path = save_ofs(rec, tmp_path / "capture.ofs")  # what a capture leaves on disk
    sid = store.add_scan(rec, kiosk_code="123321", file=path)
    assert store.kiosk_queue()[0]["sha256"] == file_sha256(path)  # the very bytes
    assert store.scan_bytes(sid) == path.read_bytes()
    assert np.array_equal(store.load_scan(sid).frames, rec.frames)
    other = save_ofs(orthofit.Recording(
        np.ones((2, 4, 5), np.float32), [0.0, 0.01], 5.08), tmp_path / "other.ofs")
    with pytest.raises(StoreError, match="another recording"):
        store.add_scan(small_recording(5.0), kiosk_code="123322", file=other)
    damaged = tmp_path / "damaged.ofs"
    damaged.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    with pytest.raises(orthofit.errors.OrthofitError, match="damaged.ofs"):
        store.add_scan(rec, kiosk_code="123323", file=damaged)
    assert len(store.kiosk_queue()) == 1  # nothing half stored


def test_a_server_store_over_tls(tmp_path_factory):
    """``?sslmode=require``: the store's connections are encrypted, or refused."""
    import tempfile

    from sqlalchemy import text

    import pgserver

    if pgserver.bindir() is None:
        pytest.skip("PostgreSQL is not installed")
    folder = tempfile.mkdtemp(prefix="orthofit-pg-tls-")
    try:
        url = pgserver.start(folder, ssl=True)
        store = Store(f"{url}?sslmode=require", create=True)
        pid = store.add_patient("Tia", "Tls")
        with store._read() as c:
            assert c.execute(text("SELECT ssl FROM pg_stat_ssl WHERE pid = "
                                  "pg_backend_pid()")).scalar() is True
        assert store.patient(pid)["last_name"] == "Tls"
        store.close()
    finally:
        pgserver.stop(folder)


def test_connection_settings_that_are_wrong_are_said_clearly(pg_url):
    from orthofit.store import StoreUnavailable

    password = pg_url.split(":")[2].split("@")[0]
    cases = [(f"{pg_url}?sslmode=require", "does not offer TLS"),
             (pg_url.replace(f":{password}@", ":wrong@"), "PGPASSWORD or ~/.pgpass"),
             (pg_url.rsplit("/", 1)[0] + "/no_such_db", "`orthofit store init`")]
    for url, advice in cases:
        with pytest.raises(StoreError) as caught:
            Store(url, create=True)
        text = str(caught.value)
        assert not isinstance(caught.value, StoreUnavailable)  # a setting to fix, not a wait
        assert advice in text and password not in text and "wrong" not in text
        assert text.startswith("the clinic store's server (postgresql://postgres:***@")
