"""The clinic store on a PostgreSQL server: its roles, the kiosk's narrow rights, move, backup.

Every test here works in a database of its own (the ``pg_url`` fixture) on the shared test
server. Roles belong to the whole server, not to one database, so the roles a test makes are
named after its database and dropped at its end: tests running side by side never meet.
"""

from __future__ import annotations

import io
import os
import secrets
import stat
import subprocess

import numpy as np
import psycopg
import pytest
from sqlalchemy.engine import make_url

import orthofit
from orthofit.io.ofs import save_ofs
from orthofit.kiosk.pin import hash_pin
from orthofit.model import Recording
from orthofit.store import Store, StoreError, StoreUnavailable
from orthofit.store import tables as t
from orthofit.store.admin import init_store, move_store
from orthofit.store.dump import program
from orthofit.store.queue import KioskQueue

from conftest import SAMPLES

DENIED = psycopg.errors.InsufficientPrivilege  # "permission denied" and RLS refusals alike


def plain(url: str) -> str:
    """A URL for psycopg (no SQLAlchemy driver name)."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def without_password(url: str) -> str:
    return make_url(url)._replace(password=None).render_as_string(hide_password=False)


class Cluster:
    """The test database's own roles and logins, with their passwords in a 0600 .pgpass."""

    def __init__(self, pg_url: str, tmp_path) -> None:
        u = make_url(pg_url)
        self.admin_url, self.db, self.host, self.port = pg_url, u.database, u.host, u.port
        self.clinic, self.kiosk = f"{self.db}_clinic", f"{self.db}_kiosk"
        self.logins: dict[str, str] = {}
        self.pgpass = tmp_path / "pgpass"
        self.pgpass.write_text("")
        os.chmod(self.pgpass, 0o600)  # libpq ignores a password file others can read

    def login(self, name: str, role: str | None) -> str:
        """A login holding ``role``; its URL (no password: that is in the .pgpass)."""
        user, password = f"{self.db}_{name}", secrets.token_hex(8)
        member = f' IN ROLE "{role}"' if role else ""
        with psycopg.connect(plain(self.admin_url), autocommit=True) as c:
            c.execute(f'CREATE ROLE "{user}" LOGIN PASSWORD \'{password}\'{member}')
        self.logins[user] = password
        with self.pgpass.open("a") as fh:
            fh.write(f"{self.host}:{self.port}:{self.db}:{user}:{password}\n")
        return f"postgresql://{user}@{self.host}:{self.port}/{self.db}"

    def drop(self) -> None:
        roles = [*self.logins, self.clinic, self.kiosk]
        with psycopg.connect(plain(self.admin_url), autocommit=True) as c:
            for role in roles:
                if c.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                    c.execute(f'REASSIGN OWNED BY "{role}" TO CURRENT_USER')  # the database
                    c.execute(f'DROP OWNED BY "{role}"')
                    c.execute(f'DROP ROLE "{role}"')


@pytest.fixture()
def cluster(pg_url, tmp_path, monkeypatch):
    """Roles named after the test's database; PGPASSFILE points at the test's .pgpass."""
    found = Cluster(pg_url, tmp_path)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(found.pgpass))
    monkeypatch.setenv("ORTHOFIT_DATA", str(tmp_path / "local"))
    yield found
    found.drop()


@pytest.fixture()
def server(cluster):
    """A store made by ``init_store`` with a kiosk login and a clinic login."""
    report = init_store(cluster.admin_url, clinic_role=cluster.clinic,
                        kiosk_role=cluster.kiosk)
    cluster.init_changes = report.changes
    cluster.kiosk_url = cluster.login("k1", cluster.kiosk)
    cluster.clinic_url = cluster.login("c1", cluster.clinic)
    return cluster


def standing(complete=True, level=80.0):
    frames = np.zeros((5, 8, 8), np.float32)
    frames[:, 2:6, 2:6] = level
    return Recording(frames, np.arange(5) * 0.02, (5.08, 5.08), mode="static",
                     metadata={"capture": {"complete": complete}})


def fill(store: Store) -> dict:
    """A clinic's records: patients, visits, scans, a kiosk scan, proposal, report, settings."""
    pid = store.add_patient("Zebedee", "Quartermain", notes="knee surgery 2019")
    vid = store.add_visit(pid, "2024-05-01")
    sid = store.add_scan(orthofit.load(SAMPLES / "static_normal.ofs"), visit_id=vid)
    store.save_proposal(sid, {"posting": "neutral"})
    store.add_report(sid, "clinician", b"%PDF-1.4 the report\n")
    store.set_settings(clinic_name="Feet First", kiosk_pin=hash_pin("246810"),
                       thresholds="strict")
    store.issue_kiosk_code(pid)
    return {"patient": pid, "visit": vid, "scan": sid}


# -- init and the two roles -------------------------------------------------------------------

def test_init_makes_the_store_and_its_roles_once(cluster, monkeypatch):
    from orthofit.cli.main import main

    report = init_store(cluster.admin_url, clinic_role=cluster.clinic, kiosk_role=cluster.kiosk)
    text = "\n".join(report.changes)
    assert report.changes[0] == "made the clinic store's tables (schema 7)"
    assert f"made the role {cluster.clinic} (no login" in text
    assert f"made the role {cluster.kiosk} (no login" in text
    assert "row-level security on audit, blobs, pin_lockout, scans, settings" in text
    kiosk_line = next(c for c in report.changes if c.startswith(f"granted {cluster.kiosk}:"))
    assert "patients" not in kiosk_line and "visits" not in kiosk_line
    with psycopg.connect(plain(cluster.admin_url)) as c:
        login = c.execute("SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN (%s, %s) "
                          "ORDER BY rolname", (cluster.clinic, cluster.kiosk)).fetchall()
    assert login == [(cluster.clinic, False), (cluster.kiosk, False)]  # group roles
    # Again: nothing to change, and the command line says so.
    assert init_store(cluster.admin_url, clinic_role=cluster.clinic,
                      kiosk_role=cluster.kiosk).changes == []
    monkeypatch.setenv("PGPASSWORD", make_url(cluster.admin_url).password)
    out = io.StringIO()
    code = main(["store", "init", without_password(cluster.admin_url), "--clinic-role",
                 cluster.clinic, "--kiosk-role", cluster.kiosk], out=out)
    assert code == 0 and "nothing to change" in out.getvalue()
    assert "schema 7" in out.getvalue() and cluster.kiosk in out.getvalue()


def test_init_refuses_a_password_on_the_command_line_and_a_folder(cluster, tmp_path, capsys):
    from orthofit.cli.main import main

    assert main(["store", "init", cluster.admin_url]) == 2
    err = capsys.readouterr().err
    assert "password" in err and "PGPASSWORD or ~/.pgpass" in err
    assert make_url(cluster.admin_url).password not in err
    assert main(["store", "init", str(tmp_path)]) == 2
    assert "that is a folder" in capsys.readouterr().err
    with pytest.raises(StoreError, match="cannot be the kiosk role's name"):
        init_store(cluster.admin_url, kiosk_role="Kiosk; DROP TABLE patients")
    with psycopg.connect(plain(cluster.admin_url)) as c:  # nothing was made
        assert c.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                         ).fetchone()[0] == 0


def test_init_by_the_databases_owner_who_is_no_superuser(cluster):
    owner = cluster.login("owner", None)
    with psycopg.connect(plain(cluster.admin_url), autocommit=True) as c:
        c.execute(f'ALTER DATABASE "{cluster.db}" OWNER TO "{cluster.db}_owner"')
    with pytest.raises(StoreError, match=f"{cluster.db}_owner may not make roles"):
        init_store(owner, clinic_role=cluster.clinic, kiosk_role=cluster.kiosk)
    with psycopg.connect(plain(cluster.admin_url), autocommit=True) as c:
        assert c.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                         ).fetchone()[0] == 0  # the tables made before that went again
        c.execute(f'ALTER ROLE "{cluster.db}_owner" CREATEROLE')
    made = init_store(owner, clinic_role=cluster.clinic, kiosk_role=cluster.kiosk).changes
    assert made[:3] == ["made the clinic store's tables (schema 7)",
                        f"made the role {cluster.clinic} (no login: grant it to the clinic's "
                        "logins)",
                        f"made the role {cluster.kiosk} (no login: grant it to the clinic's "
                        "logins)"]
    desk = cluster.login("c1", cluster.clinic)
    with Store(desk) as store:
        assert store.add_patient("Ann", "Smith") == 1
    # A clinic login may use the store, not remake it.
    with pytest.raises(StoreError, match="run it as the database's owner"):
        init_store(desk, clinic_role=cluster.clinic, kiosk_role=cluster.kiosk)
    assert init_store(owner, clinic_role=cluster.clinic, kiosk_role=cluster.kiosk).changes == []


def test_the_kiosk_role_reads_no_patient(server):
    with Store(server.admin_url) as clinic:
        made = fill(clinic)
        clinic.log_event("alert", "kiosk", {"message": "for staff"})
        pin_hash = clinic.settings()["kiosk_pin"]
    # The kiosk's login: no password in its URL nor in PGPASSWORD; libpq finds it in the
    # 0600 file PGPASSFILE names, as it would in ~/.pgpass.
    assert "PGPASSWORD" not in os.environ
    assert stat.S_IMODE(server.pgpass.stat().st_mode) == 0o600
    with psycopg.connect(server.kiosk_url, autocommit=True) as k:
        assert k.execute("SELECT current_user").fetchone()[0] == f"{server.db}_k1"
        # Tables it has no right on at all: PostgreSQL refuses outright.
        for table in ("patients", "visits", "scans", "proposals", "reports", "audit", "blobs",
                      "kiosk_codes"):
            with pytest.raises(DENIED, match=f"permission denied for table {table}"):
                k.execute(f"SELECT * FROM {table}")
        with pytest.raises(DENIED, match="permission denied"):
            k.execute("SELECT last_value FROM scans_id_seq")
        # Settings: it may read, and row-level security shows it exactly two rows.
        rows = dict(k.execute("SELECT key, value FROM settings").fetchall())
        assert set(rows) == {"kiosk_pin", "thresholds"} and rows["thresholds"] == "strict"
        assert k.execute("SELECT * FROM settings WHERE key = 'clinic_name'").fetchall() == []
        with pytest.raises(DENIED, match="permission denied for table settings"):
            k.execute("UPDATE settings SET value = '' WHERE key = 'kiosk_pin'")
        # A scan under a visit: the visit's column is not the kiosk's to write.
        with pytest.raises(DENIED, match="permission denied for table scans"):
            k.execute("INSERT INTO scans (id, visit_id, sha256, mode, frames, recorded, source, "
                      "kiosk_code) VALUES (nextval('scans_id_seq'), %s, 'x', 'static', 1, 't', "
                      "'kiosk', '123456')", (made["visit"],))
        # Row-level security: only kiosk scans with a code, only events signed "kiosk",
        # only contents that match their checksum.
        for sql, table in [
            ("INSERT INTO scans (id, sha256, mode, frames, recorded, source, kiosk_code) "
             "VALUES (nextval('scans_id_seq'), 'y', 'static', 1, 't', 'desk', '123456')",
             "scans"),
            ("INSERT INTO scans (id, sha256, mode, frames, recorded, source) "
             "VALUES (nextval('scans_id_seq'), 'z', 'static', 1, 't', 'kiosk')", "scans"),
            ("INSERT INTO audit (at, actor, action, entity) VALUES ('t', 'dr lee', 'x', 'y')",
             "audit"),
            ("INSERT INTO blobs (sha256, kind, size, data) VALUES ('00', 'scan', 1, 'a')",
             "blobs"),
            ("INSERT INTO pin_lockout (scope, failures) VALUES ('desktop', 0)", "pin_lockout"),
        ]:
            with pytest.raises(DENIED, match=f'row-level security policy for table "{table}"'):
                k.execute(sql)
        assert k.execute("DELETE FROM pin_lockout WHERE scope <> 'kiosk'").rowcount == 0
        with pytest.raises(DENIED):
            k.execute("CREATE TABLE mine (a int)")
    # What the kiosk may do, through the kiosk's own class.
    with KioskQueue(server.kiosk_url) as queue:
        assert queue.settings() == {"kiosk_pin": pin_hash, "thresholds": "strict"}
        rec = standing()
        sid = queue.queue_scan(rec, "381 907", "Ann")
        assert isinstance(sid, int) and sid != made["scan"]
        assert queue.queue_scan(rec, "381907", "Ann") is None  # the same recording: stored once
        queue.alert("the mat stopped answering", code="381907")
        locked = queue.record_pin_attempt(False, lock_s=lambda n: 60.0, now=1000.0)
        assert locked == {"failures": 1, "locked_until": 1060.0} == queue.pin_lockout()
    with Store(server.admin_url) as clinic:
        queued = clinic.kiosk_queue()
        assert [(q["id"], q["kiosk_code"], q["kiosk_name"], q["source"]) for q in queued] == [
            (sid, "381907", "Ann", "kiosk")]
        assert np.array_equal(clinic.load_scan(sid).frames, rec.frames)
        alert = clinic.alerts()[0]
        assert alert["actor"] == "kiosk" and alert["detail"]["code"] == "381907"
        assert clinic.pin_lockout()["failures"] == 1


def test_a_clinic_login_does_what_the_desktop_does(server, tmp_path):
    with KioskQueue(server.kiosk_url) as queue:
        kiosk_scan = queue.queue_scan(standing(level=60.0), "424242", "Bo")
    with Store(server.clinic_url, actor="dr lee", workstation="room-2") as desk:
        assert desk.version == 7
        pid = desk.add_patient("Ann", "Smith", conditions=["diabetes"], weight_kg=70)
        version = desk.update_patient(pid, expected_version=1, notes="heel pain")
        assert version == 2 and desk.patient(pid)["updated_by"] == "dr lee on room-2"
        assert [p["id"] for p in desk.search_patients("smi")] == [pid]
        vid = desk.visit_today(pid)
        sid = desk.add_scan(orthofit.load(SAMPLES / "static_flat.ofs"), visit_id=vid)
        assert desk.load_scan(sid).n_frames == orthofit.load(SAMPLES / "static_flat.ofs").n_frames
        desk.save_proposal(sid, {"posting": "medial"}, expected_version=0)
        desk.save_proposal(sid, {"posting": "medial"}, {"posting": "none"}, expected_version=1)
        assert desk.proposal_record(sid)["row_version"] == 2
        desk.add_report(sid, "patient", b"%PDF patient\n")
        code = desk.issue_kiosk_code(pid)
        assert desk.kiosk_code_patient(code) == pid
        assert [q["id"] for q in desk.kiosk_queue()] == [kiosk_scan]
        desk.attach_scan(kiosk_scan, vid)
        assert desk.kiosk_queue() == [] and desk.scan_patient(kiosk_scan) == pid
        desk.set_settings(kiosk_pin=hash_pin("135791"), clinic_name="Feet First")
        desk.record_pin_attempt(False)
        desk.clear_pin_lockout()
        assert desk.pin_lockout()["failures"] == 0
        assert desk.audit_trail()[0]["workstation"] == "room-2"
        assert desk.summary()["counts"]["scans"] == 2 and desk.check() == []
        # A clinic login can back the store up too (pg_dump reads every row through its
        # policies); the file is the user's alone.
        dump = desk.backup()
        assert dump.parent == tmp_path / "local" / "backups"
        assert stat.S_IMODE(dump.stat().st_mode) == 0o600 and dump.stat().st_size > 1000
        # What the clinic may not do: change the schema (that is the owner's, with init).
        with pytest.raises(Exception, match="must be owner|permission denied"):
            with desk._tx() as c:
                c.exec_driver_sql("ALTER TABLE patients ADD COLUMN x int")


def test_a_kiosk_role_that_could_read_more_is_refused(cluster):
    init_store(cluster.admin_url, clinic_role=cluster.clinic, kiosk_role=cluster.kiosk)
    with psycopg.connect(plain(cluster.admin_url), autocommit=True) as c:
        c.execute(f'GRANT "{cluster.clinic}" TO "{cluster.kiosk}"')
    with pytest.raises(StoreError, match="is a member of the clinic role"):
        init_store(cluster.admin_url, clinic_role=cluster.clinic, kiosk_role=cluster.kiosk)
    with psycopg.connect(plain(cluster.admin_url), autocommit=True) as c:
        c.execute(f'REVOKE "{cluster.clinic}" FROM "{cluster.kiosk}"')
        c.execute("GRANT SELECT ON patients TO PUBLIC")  # someone's slip
    with pytest.raises(StoreError, match=r"holds rights it must not have \(SELECT on patients"):
        init_store(cluster.admin_url, clinic_role=cluster.clinic, kiosk_role=cluster.kiosk)


# -- the kiosk on a server ---------------------------------------------------------------------

def test_the_kiosk_door_on_a_server_files_into_the_clinics_queue(server, tmp_path):
    from orthofit.kiosk.access import KioskStore

    with Store(server.admin_url) as clinic:
        fill(clinic)
        clinic.set_settings(kiosk_pin=hash_pin("246810"))
    with KioskStore(server.kiosk_url) as door:
        # Staged on this computer (its own folder), not in the server's database.
        assert door.staging == tmp_path / "local" / "kiosk"
        assert stat.S_IMODE(door.staging.stat().st_mode) == 0o700
        assert door.thresholds_name() == "strict" and door.pin_state() == "ok"
        path = door.staging_path("555555", "Cy", "static")
        rec = standing(level=70.0)
        save_ofs(rec, path)
        recorded = path.read_bytes()
        scan_id = door.file_staged(path)
        assert not path.exists()  # filed, then tidied
        assert not door.check_pin("000000").ok and door.check_pin("246810").ok
        door.alert("hello from the waiting room")
        half = door.staging_path("666666", "Di", "static")
        save_ofs(standing(complete=False), half)
        assert door.recover() == ["discarded an incomplete capture"]
    with Store(server.admin_url) as clinic:
        queue = clinic.kiosk_queue()
        assert [(q["id"], q["kiosk_code"], q["kiosk_name"]) for q in queue] == [
            (scan_id, "555555", "Cy")]
        assert clinic.scan_bytes(scan_id) == recorded  # the very bytes the kiosk recorded
        assert np.array_equal(clinic.load_scan(scan_id).frames, rec.frames)
        trail = clinic.audit_trail(10)
        kiosk_rows = [a for a in trail if a["actor"] == "kiosk"]
        assert {a["action"] for a in kiosk_rows} >= {"add", "pin_wrong", "alert", "discard"}


def test_an_old_pin_is_not_rehashed_by_a_kiosk_on_a_server(server):
    from test_kiosk_core import old_rule_hash

    from orthofit.kiosk.access import KioskStore

    old = old_rule_hash("24681357")
    with Store(server.admin_url) as clinic:
        clinic.set_settings(kiosk_pin=old)
    with KioskStore(server.kiosk_url) as door:
        assert door.pin_state() == "change"
        assert door.check_pin("24681357").ok  # the clinic is not locked out ...
        assert door.pin_state() == "change"  # ... but only staff may store a new hash
    with Store(server.admin_url) as clinic:
        assert clinic.settings()["kiosk_pin"] == old


def test_a_kiosk_whose_server_is_away_keeps_its_capture(tmp_path, monkeypatch):
    import socket

    from orthofit.kiosk.access import KioskError, KioskStore, KioskStoreUnavailable

    monkeypatch.setenv("ORTHOFIT_DATA", str(tmp_path / "local"))
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with KioskStore(f"postgresql://kiosk@127.0.0.1:{port}/clinic") as door:  # starts anyway
        path = door.staging_path("777777", "Ed", "static")
        save_ofs(standing(), path)
        with pytest.raises(KioskStoreUnavailable, match="cannot be reached") as caught:
            door.file_staged(path)
        assert isinstance(caught.value, KioskError)  # the screens' own kind of error
        assert path.exists() and path.with_suffix(".json").exists()  # kept for the next try
        with pytest.raises(KioskStoreUnavailable):
            door.pin_state()
        door.alert("never raises")  # the kiosk goes on
        with pytest.raises(KioskStoreUnavailable):
            door.recover()
        assert path.exists()


def test_store_unavailable_is_its_own_kind_on_the_pipe():
    from orthofit.kiosk.access import KioskError, KioskStoreUnavailable, _error
    from orthofit.kiosk.service import _encode

    sent = _encode(StoreUnavailable("the server restarts"))
    assert sent == ("unavailable", "the server restarts")
    assert type(_error(sent)) is KioskStoreUnavailable
    assert type(_error(_encode(StoreError("no such visit")))) is KioskError


# -- moving a folder store to a server ---------------------------------------------------------

def folder_store(folder) -> Store:
    """An SQLite store with several patients, visits, queue scans, proposals, reports."""
    store = Store(folder, actor="dr lee")
    names = [("Ann", "Smith"), ("Bo", "Jones"), ("Cy", "Brown")]
    samples = ["static_normal", "static_flat", "static_cavus", "walk_normal", "walk_flat",
               "balance_normal"]
    n = 0
    for first, last in names:
        pid = store.add_patient(first, last, conditions=["diabetes"], weight_kg=60 + n)
        for day in ("2024-01-10", "2024-03-02"):
            vid = store.add_visit(pid, day, notes=f"{first} on {day}")
            sid = store.add_scan(orthofit.load(SAMPLES / f"{samples[n]}.ofs"),
                                 visit_id=vid)
            store.save_proposal(sid, {"n": n}, {"n": n, "edited": True})
            store.add_report(sid, "clinician", f"%PDF report {n}\n".encode())
            n += 1
        store.issue_kiosk_code(pid)
    for code, level in (("111111", 50.0), ("222222", 55.0)):
        store.add_scan(standing(level=level), kiosk_code=code, kiosk_name="Kim", source="kiosk")
    store.set_settings(clinic_name="Feet First", kiosk_pin=hash_pin("246810"))
    store.record_pin_attempt(False)
    store.log_event("alert", "kiosk", {"message": "mat unplugged"})
    return store


def test_move_copies_every_record_and_checks_every_file(cluster, tmp_path, monkeypatch):
    from orthofit.cli.main import main

    src = folder_store(tmp_path / "clinic")
    source_counts = src.counts()
    source_files = {p.name: p.read_bytes() for p in (tmp_path / "clinic").rglob("*.*")
                    if p.suffix in (".ofs", ".pdf")}
    frames = {s["id"]: src.load_scan(s["id"]).frames for s in src.summary()["scans"]}
    src.close()
    monkeypatch.setenv("PGPASSWORD", make_url(cluster.admin_url).password)
    out = io.StringIO()
    code = main(["store", "move", "--from", str(tmp_path / "clinic"), "--to",
                 without_password(cluster.admin_url), "--clinic-role", cluster.clinic,
                 "--kiosk-role", cluster.kiosk], out=out)
    text = out.getvalue()
    assert code == 0, text
    assert f"made the role {cluster.kiosk}" in text  # an empty database is made first
    table = {line.split()[0]: line.split()[1:3] for line in text.splitlines()
             if line.startswith("  ") and line.split()[0] in t.RECORD_TABLES}
    for name in t.RECORD_TABLES:
        if name != "blobs":
            assert table[name] == [str(source_counts[name])] * 2, name
    assert table["blobs"] == [str(len(source_files))] * 2
    with Store(cluster.admin_url) as moved:
        counts = moved.counts()
        assert {k: v for k, v in counts.items() if k != "blobs"} == {
            k: v for k, v in source_counts.items() if k != "blobs"}
        assert counts["blobs"] == len(source_files) == 6 + 6 + 2
        for sid, expected in frames.items():
            assert np.array_equal(moved.load_scan(sid).frames, expected)
        assert len(moved.kiosk_queue()) == 2 and moved.check() == []
        assert moved.settings()["clinic_name"] == "Feet First"
        assert moved.pin_lockout()["failures"] == 1
        assert moved.alerts()[0]["detail"]["message"] == "mat unplugged"
        with moved._read() as c:
            reports = {r.sha256: bytes(r.data) for r in c.execute(
                t.blobs.select().where(t.blobs.c.kind == "report"))}
        assert {f"{k}.pdf": v for k, v in reports.items()} == {
            k: v for k, v in source_files.items() if k.endswith(".pdf")}
        # New records get fresh ids after the moved ones.
        assert moved.add_patient("New", "Patient") == source_counts["patients"] + 1
        assert moved.add_scan(standing(level=99.0), kiosk_code="333333") == \
            source_counts["scans"] + 1
    # The source is as it was; a second move into the same server is refused.
    again = Store(tmp_path / "clinic")
    assert again.counts() == source_counts and again.check() == []
    again.close()
    assert {p.name: p.read_bytes() for p in (tmp_path / "clinic").rglob("*.*")
            if p.suffix in (".ofs", ".pdf")} == source_files
    with pytest.raises(StoreError, match=r"already holds records \(patients 4"):
        move_store(tmp_path / "clinic", cluster.admin_url, clinic_role=cluster.clinic,
                   kiosk_role=cluster.kiosk)


def test_a_damaged_file_stops_the_move_with_nothing_written(cluster, tmp_path):
    src = folder_store(tmp_path / "clinic")
    victim = src.scan_path(src.summary()["scans"][3]["sha256"])
    src.close()
    good = victim.read_bytes()
    data = bytearray(good)
    data[len(data) // 2] ^= 0xFF  # one bit pattern changed in the middle of the file
    victim.write_bytes(bytes(data))
    with pytest.raises(StoreError) as caught:
        move_store(tmp_path / "clinic", cluster.admin_url, clinic_role=cluster.clinic,
                   kiosk_role=cluster.kiosk)
    message = str(caught.value)
    assert str(victim) in message and "does not match its checksum" in message
    assert "nothing was moved" in message
    with psycopg.connect(plain(cluster.admin_url)) as c:  # not even the tables or roles
        assert c.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                         ).fetchone()[0] == 0
        assert c.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s",
                         (cluster.kiosk,)).fetchone()[0] == 0
    # A report file that is missing stops it too, naming it.
    victim.write_bytes(good)  # mended
    report = next((tmp_path / "clinic" / "reports").glob("*.pdf"))
    report.unlink()
    with pytest.raises(StoreError, match=f"{report.name} is missing"):
        move_store(tmp_path / "clinic", cluster.admin_url, clinic_role=cluster.clinic,
                   kiosk_role=cluster.kiosk)


# -- backing up a server store -----------------------------------------------------------------

def test_backup_restores_into_a_new_database(pg_url, pg_server, tmp_path):
    import datetime as dt

    with Store(pg_url, local=tmp_path / "local", create=True) as store:
        fill(store)
        store.add_scan(standing(level=42.0), kiosk_code="818181", source="kiosk")
        counts = store.counts()
        frames = store.load_scan(1).frames
        dump = store.backup()
        name = f"{make_url(pg_url).database}-{dt.date.today().isoformat()}.dump"
        assert dump == tmp_path / "local" / "backups" / name
        assert stat.S_IMODE(dump.stat().st_mode) == 0o600
        assert store.backup() is None  # today's exists already
        assert store.backup(force=True) == dump
        assert [p.name for p in dump.parent.iterdir()] == [name]  # no part left behind
    restored = make_url(pg_url).set(database=f"{make_url(pg_url).database}_restored")
    with psycopg.connect(plain(pg_server), autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{restored.database}"')
    try:
        proc = subprocess.run(
            [str(program("pg_restore")), "--no-owner", "--exit-on-error",
             f"--dbname={without_password(plain(restored.render_as_string(False)))}",
             str(dump)], env=dict(os.environ, PGPASSWORD=restored.password),
            capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        with Store(restored.render_as_string(hide_password=False)) as back:
            assert back.counts() == counts and counts["blobs"] == 3
            assert np.array_equal(back.load_scan(1).frames, frames)
            assert back.check() == [] and back.settings()["thresholds"] == "strict"
    finally:
        with psycopg.connect(plain(pg_server), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{restored.database}" WITH (FORCE)')


def test_a_desktop_on_a_kiosk_login_is_told_it_may_not(server):
    """The desktop opened with a kiosk's login: every refusal said plainly, never a traceback."""
    from orthofit.cli.main import main

    store = Store(server.kiosk_url)  # a kiosk login may open the store (it reads nothing yet)
    with pytest.raises(StoreError) as caught:
        store.search_patients("Quartermain")
    text = str(caught.value)
    assert "this login may not do that" in text and "clinic role" in text
    assert text.startswith(f"postgresql://{server.db}_k1@")
    store.close()
    err = io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(err):
        code = main(["store", "list", "--store", server.kiosk_url])
    assert code == 1 and "this login may not do that" in err.getvalue()
    assert "Traceback" not in err.getvalue() and "unexpected" not in err.getvalue()
