"""The clinic store: patients, visits, scans, proposals, reports and an audit trail.

SQLite from the standard library (WAL journal, foreign keys on, full sync) in one folder, with
the scans beside it as ``scans/<sha256>.ofs``, named by their checksum. A scan file is written
completely (atomically) before the row that names it is committed, so a crash or a kill leaves
at worst an unreferenced file, never a row without its file; leftovers of an interrupted save
are swept on the next open. Everything is readable by the user alone. No Qt: the desktop, the
kiosk and the command line share this module.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from orthofit.errors import OrthofitError
from orthofit.io.ofs import load_ofs, save_ofs
from orthofit.model import Recording
from orthofit.store.schema import MIGRATIONS, VERSION

DB_NAME = "orthofit.sqlite3"
PATIENT_FIELDS = ("first_name", "last_name", "birth_date", "sex", "shoe_size", "activity",
                  "conditions", "notes")


class StoreError(OrthofitError):
    """The store cannot do what was asked (the message says why)."""


def default_folder() -> Path:
    """``$ORTHOFIT_DATA``, else ``$XDG_DATA_HOME/orthofit``, else ``~/.local/share/orthofit``."""
    if os.environ.get("ORTHOFIT_DATA"):
        return Path(os.environ["ORTHOFIT_DATA"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "orthofit"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Store:
    """Open (creating or upgrading) the store in ``folder``.

    Parameters
    ----------
    folder : str or Path, optional
        The store's folder (default: :func:`default_folder`).
    actor : str, optional
        Who makes the changes, for the audit trail (default: the login name).
    """

    def __init__(self, folder: str | Path | None = None, *, actor: str | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_folder()
        self.actor = actor or _login()
        old = os.umask(0o077)  # everything created here is the user's alone
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            (self.folder / "scans").mkdir(exist_ok=True, mode=0o700)
            self.db_path = self.folder / DB_NAME
            try:
                self.conn = sqlite3.connect(self.db_path, isolation_level=None, timeout=10.0)
            except sqlite3.Error as exc:
                raise StoreError(f"{self.db_path}: cannot open the clinic store ({exc})") from exc
            os.chmod(self.db_path, 0o600)
        finally:
            os.umask(old)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute("PRAGMA synchronous=FULL")
        self._migrate()
        self._sweep()

    # -- plumbing ----------------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @property
    def version(self) -> int:
        """The schema version of the open store."""
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        current = self.version
        if current > VERSION:
            raise StoreError(f"{self.db_path} was written by a newer orthofit (schema "
                             f"{current}, this one knows {VERSION}); update orthofit")
        for number in range(current, VERSION):
            with self._tx() as c:
                for statement in filter(str.strip, MIGRATIONS[number].split(";")):
                    c.execute(statement)
                c.execute(f"PRAGMA user_version = {number + 1}")

    def _sweep(self) -> None:
        """Remove leftovers of an interrupted save (never a referenced scan)."""
        scans = self.folder / "scans"
        # ``.incoming-*`` is a scan saved but not yet renamed; ``.*.part`` a file cut short by
        # a kill during write_atomic (its temporary name starts with a dot too).
        for leftover in [*scans.glob(".incoming-*"), *scans.glob(".*.part")]:
            leftover.unlink(missing_ok=True)

    def _audit(self, c: sqlite3.Connection, action: str, entity: str, entity_id: int | None,
               detail: dict[str, Any] | None = None) -> None:
        c.execute("INSERT INTO audit (at, actor, action, entity, entity_id, detail) "
                  "VALUES (?, ?, ?, ?, ?, ?)",
                  (_now(), self.actor, action, entity, entity_id,
                   json.dumps(detail or {}, sort_keys=True)))

    def close(self) -> None:
        """Close the database (WAL checkpoint)."""
        self.conn.close()

    # -- patients and visits -------------------------------------------------------------------

    def add_patient(self, first_name: str, last_name: str, **fields: Any) -> int:
        """Add a patient; returns its id. ``conditions`` is a list (``["diabetes"]``)."""
        if not first_name.strip() or not last_name.strip():
            raise StoreError("a patient needs a first and a last name")
        unknown = set(fields) - set(PATIENT_FIELDS)
        if unknown:
            raise StoreError(f"unknown patient fields: {', '.join(sorted(unknown))}")
        row = {"first_name": first_name.strip(), "last_name": last_name.strip(), **fields}
        row["conditions"] = json.dumps(list(row.get("conditions") or []))
        now = _now()
        cols = list(row)
        with self._tx() as c:
            cur = c.execute(f"INSERT INTO patients ({', '.join(cols)}, created, updated) "
                            f"VALUES ({', '.join('?' * len(cols))}, ?, ?)",
                            [*row.values(), now, now])
            pid = int(cur.lastrowid)
            self._audit(c, "add", "patient", pid)
        return pid

    def update_patient(self, patient_id: int, **fields: Any) -> None:
        """Change some of a patient's fields (the audit trail records which)."""
        unknown = set(fields) - set(PATIENT_FIELDS)
        if unknown:
            raise StoreError(f"unknown patient fields: {', '.join(sorted(unknown))}")
        if "conditions" in fields:
            fields["conditions"] = json.dumps(list(fields["conditions"] or []))
        with self._tx() as c:
            cur = c.execute(f"UPDATE patients SET {', '.join(f'{k} = ?' for k in fields)}, "
                            "updated = ? WHERE id = ?", [*fields.values(), _now(), patient_id])
            if cur.rowcount == 0:
                raise StoreError(f"no patient {patient_id}")
            self._audit(c, "update", "patient", patient_id, {"fields": sorted(fields)})

    def patient(self, patient_id: int) -> dict[str, Any]:
        """One patient as a dict."""
        row = self.conn.execute("SELECT * FROM patients WHERE id = ?", (patient_id,)).fetchone()
        if row is None:
            raise StoreError(f"no patient {patient_id}")
        out = dict(row)
        out["conditions"] = json.loads(out["conditions"])
        return out

    def search_patients(self, text: str = "", limit: int = 50) -> list[dict[str, Any]]:
        """Patients whose name (or date of birth) contains every word of ``text``."""
        sql = "SELECT * FROM patients"
        args: list[Any] = []
        words = text.split()
        if words:
            sql += " WHERE " + " AND ".join(
                "(first_name LIKE ? OR last_name LIKE ? OR birth_date LIKE ?)" for _ in words)
            for w in words:
                args += [f"%{w}%"] * 3
        sql += " ORDER BY last_name, first_name LIMIT ?"
        rows = self.conn.execute(sql, [*args, limit]).fetchall()
        return [{**dict(r), "conditions": json.loads(r["conditions"])} for r in rows]

    def add_visit(self, patient_id: int, date: str | None = None, notes: str = "") -> int:
        """Open a visit for a patient (today by default); returns its id."""
        with self._tx() as c:
            try:
                cur = c.execute("INSERT INTO visits (patient_id, date, notes) VALUES (?, ?, ?)",
                                (patient_id, date or dt.date.today().isoformat(), notes))
            except sqlite3.IntegrityError:
                raise StoreError(f"no patient {patient_id}") from None
            vid = int(cur.lastrowid)
            self._audit(c, "add", "visit", vid, {"patient_id": patient_id})
        return vid

    def visits(self, patient_id: int) -> list[dict[str, Any]]:
        """A patient's visits with their scans, in time order."""
        out = []
        for v in self.conn.execute("SELECT * FROM visits WHERE patient_id = ? ORDER BY date, id",
                                   (patient_id,)):
            scans = [dict(s) for s in self.conn.execute(
                "SELECT * FROM scans WHERE visit_id = ? ORDER BY recorded, id", (v["id"],))]
            out.append({**dict(v), "scans": scans})
        return out

    # -- scans -----------------------------------------------------------------------------

    def scan_path(self, sha256: str) -> Path:
        """Where the scan with this checksum lives."""
        return self.folder / "scans" / f"{sha256}.ofs"

    def add_scan(self, rec: Recording, *, visit_id: int | None = None,
                 kiosk_code: str | None = None, kiosk_name: str | None = None,
                 source: str = "") -> int:
        """Store a recording under a visit (or, from the kiosk, under a visit code).

        The file goes to disk first (atomically) and only then is its row committed; if the
        disk is full the half-written file is removed and nothing is committed.
        """
        if visit_id is None and not kiosk_code:
            raise StoreError("a scan belongs to a visit, or waits in the kiosk queue with a code")
        incoming = self.folder / "scans" / f".incoming-{uuid.uuid4().hex}.ofs"
        try:
            save_ofs(rec, incoming)
        except OSError as exc:
            incoming.unlink(missing_ok=True)
            why = exc.strerror or str(exc)
            raise StoreError(f"the scan could not be saved in {self.folder} ({why}); free some "
                             "disk space and try again") from exc
        sha = _sha256(incoming)
        final = self.scan_path(sha)
        os.replace(incoming, final)
        with self._tx() as c:
            existing = c.execute("SELECT id, visit_id, kiosk_code FROM scans WHERE sha256 = ?",
                                 (sha,)).fetchone()
            if existing is not None:
                if (existing["visit_id"], existing["kiosk_code"]) == (visit_id, kiosk_code):
                    return int(existing["id"])  # the same scan saved twice: stored once
                raise StoreError(f"this recording is stored already as scan {existing['id']} "
                                 "under another visit")
            try:
                cur = c.execute(
                    "INSERT INTO scans (visit_id, sha256, mode, frames, recorded, source, "
                    "kiosk_code, kiosk_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (visit_id, sha, rec.mode, rec.n_frames, _now(), source, kiosk_code,
                     kiosk_name))
            except sqlite3.IntegrityError:
                raise StoreError(f"no visit {visit_id}") from None
            sid = int(cur.lastrowid)
            self._audit(c, "add", "scan", sid, {"sha256": sha, "kiosk_code": kiosk_code})
        return sid

    def load_scan(self, scan_id: int) -> Recording:
        """The recording of a stored scan (checked against its checksum)."""
        row = self.conn.execute("SELECT sha256 FROM scans WHERE id = ?", (scan_id,)).fetchone()
        if row is None:
            raise StoreError(f"no scan {scan_id}")
        path = self.scan_path(row["sha256"])
        if _sha256(path) != row["sha256"]:
            raise StoreError(f"{path} does not match its checksum: the file was changed or "
                             "damaged; restore it from a backup")
        return load_ofs(path)

    def visit_scans(self, scan_id: int) -> list[dict[str, Any]]:
        """The scans of the visit a scan belongs to, in time order (just it, if in the queue)."""
        row = self.conn.execute("SELECT visit_id FROM scans WHERE id = ?", (scan_id,)).fetchone()
        if row is None:
            raise StoreError(f"no scan {scan_id}")
        if row["visit_id"] is None:
            return [dict(r) for r in self.conn.execute("SELECT * FROM scans WHERE id = ?",
                                                       (scan_id,))]
        return [dict(r) for r in self.conn.execute(
            "SELECT * FROM scans WHERE visit_id = ? ORDER BY recorded, id", (row["visit_id"],))]

    def kiosk_queue(self) -> list[dict[str, Any]]:
        """Scans taken at the kiosk that wait to be attached to a patient."""
        return [dict(r) for r in self.conn.execute(
            "SELECT * FROM scans WHERE visit_id IS NULL ORDER BY recorded, id")]

    def visit_today(self, patient_id: int) -> int:
        """The id of the patient's visit dated today (local date), opened if there is none."""
        today = dt.date.today().isoformat()
        visits = [v for v in self.visits(patient_id) if v["date"] == today]
        return visits[-1]["id"] if visits else self.add_visit(patient_id, today)

    def scan_patient(self, scan_id: int) -> int | None:
        """The patient a stored scan belongs to (None while it waits in the kiosk queue)."""
        row = self.conn.execute("SELECT v.patient_id FROM scans s LEFT JOIN visits v ON "
                                "v.id = s.visit_id WHERE s.id = ?", (scan_id,)).fetchone()
        if row is None:
            raise StoreError(f"no scan {scan_id}")
        return None if row["patient_id"] is None else int(row["patient_id"])

    def issue_kiosk_code(self, patient_id: int) -> str:
        """A new six-digit visit code for a patient, to type at the kiosk."""
        with self._tx() as c:
            if c.execute("SELECT 1 FROM patients WHERE id = ?", (patient_id,)).fetchone() is None:
                raise StoreError(f"no patient {patient_id}")
            while True:  # a code is never reused, so a scan cannot be matched to the wrong one
                code = f"{secrets.randbelow(10**6):06d}"
                used = c.execute("SELECT 1 FROM kiosk_codes WHERE code = ? UNION SELECT 1 FROM "
                                 "scans WHERE kiosk_code = ?", (code, code)).fetchone()
                if used is None:
                    break
            c.execute("INSERT INTO kiosk_codes (code, patient_id, created) VALUES (?, ?, ?)",
                      (code, patient_id, _now()))
            self._audit(c, "issue", "kiosk_code", patient_id, {"code": code})
        return code

    def kiosk_code_patient(self, code: str) -> int | None:
        """The patient a visit code was issued for (None: a code the kiosk made up)."""
        row = self.conn.execute("SELECT patient_id FROM kiosk_codes WHERE code = ?",
                                (code,)).fetchone()
        return None if row is None else int(row["patient_id"])

    def log_event(self, action: str, entity: str, detail: dict[str, Any] | None = None) -> None:
        """Write an event to the audit trail (a kiosk alert for staff, a discarded capture)."""
        with self._tx() as c:
            self._audit(c, action, entity, None, detail)

    def alerts(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest alerts for staff, newest first."""
        return [{**dict(r), "detail": json.loads(r["detail"])} for r in self.conn.execute(
            "SELECT * FROM audit WHERE action = 'alert' ORDER BY id DESC LIMIT ?", (limit,))]

    def attach_scan(self, scan_id: int, visit_id: int) -> None:
        """Attach a kiosk scan to a patient's visit."""
        with self._tx() as c:
            cur = c.execute("UPDATE scans SET visit_id = ? WHERE id = ? AND visit_id IS NULL",
                            (visit_id, scan_id))
            if cur.rowcount == 0:
                raise StoreError(f"scan {scan_id} is not waiting in the kiosk queue")
            self._audit(c, "attach", "scan", scan_id, {"visit_id": visit_id})

    # -- proposals and reports ---------------------------------------------------------------

    def save_proposal(self, scan_id: int, original: dict[str, Any],
                      edited: dict[str, Any] | None = None) -> int:
        """Keep a scan's proposal (the rules' original and the clinician's edit)."""
        now = _now()
        with self._tx() as c:
            row = c.execute("SELECT id FROM proposals WHERE scan_id = ?", (scan_id,)).fetchone()
            if row is None:
                cur = c.execute("INSERT INTO proposals (scan_id, original, edited, created, "
                                "updated) VALUES (?, ?, ?, ?, ?)",
                                (scan_id, json.dumps(original), None if edited is None else
                                 json.dumps(edited), now, now))
                pid = int(cur.lastrowid)
                self._audit(c, "add", "proposal", pid, {"scan_id": scan_id})
            else:
                pid = int(row["id"])
                c.execute("UPDATE proposals SET edited = ?, updated = ? WHERE id = ?",
                          (None if edited is None else json.dumps(edited), now, pid))
                self._audit(c, "edit", "proposal", pid, {"scan_id": scan_id})
        return pid

    def proposal(self, scan_id: int) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
        """(original, edited) of a scan's proposal, or None."""
        row = self.conn.execute("SELECT original, edited FROM proposals WHERE scan_id = ?",
                                (scan_id,)).fetchone()
        if row is None:
            return None
        return json.loads(row["original"]), None if row["edited"] is None else \
            json.loads(row["edited"])

    def add_report(self, scan_id: int, audience: str, pdf: bytes) -> int:
        """Keep a rendered report (by checksum, beside the scans)."""
        sha = hashlib.sha256(pdf).hexdigest()
        folder = self.folder / "reports"
        folder.mkdir(exist_ok=True, mode=0o700)
        path = folder / f"{sha}.pdf"
        if not path.exists():
            from orthofit.io.ofs import write_atomic

            write_atomic(path, lambda fh: fh.write(pdf))
        with self._tx() as c:
            cur = c.execute("INSERT INTO reports (scan_id, audience, sha256, created) VALUES "
                            "(?, ?, ?, ?)", (scan_id, audience, sha, _now()))
            rid = int(cur.lastrowid)
            self._audit(c, "add", "report", rid, {"scan_id": scan_id, "audience": audience})
        return rid

    def audit_trail(self, limit: int = 100) -> list[dict[str, Any]]:
        """The latest changes, newest first."""
        return [{**dict(r), "detail": json.loads(r["detail"])} for r in self.conn.execute(
            "SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))]

    # -- settings ----------------------------------------------------------------------------

    #: Settings and their defaults.
    SETTINGS = {"clinic_name": "", "clinic_logo": "", "mat_profile": "ofp1-generic",
                "mat_port": "", "thresholds": "default", "insole_rules": "default",
                "kiosk_pin": ""}

    def settings(self) -> dict[str, str]:
        """All settings (defaults for those never set)."""
        stored = dict(self.conn.execute("SELECT key, value FROM settings").fetchall())
        return {k: stored.get(k, v) for k, v in self.SETTINGS.items()}

    def set_settings(self, **values: str) -> None:
        """Change settings (the audit trail records which)."""
        unknown = set(values) - set(self.SETTINGS)
        if unknown:
            raise StoreError(f"unknown settings: {', '.join(sorted(unknown))}")
        with self._tx() as c:
            for key, value in values.items():
                c.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) "
                          "DO UPDATE SET value = excluded.value", (key, str(value)))
            self._audit(c, "update", "settings", None, {"keys": sorted(values)})

    # -- listing and backup ------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """Counts and the scans with their patients (for ``orthofit store list``)."""
        scans = [dict(r) for r in self.conn.execute(
            "SELECT s.id, s.sha256, s.mode, s.frames, s.recorded, s.kiosk_code, s.kiosk_name, "
            "s.visit_id, "
            "v.patient_id, v.date AS visit_date FROM scans s LEFT JOIN visits v ON "
            "v.id = s.visit_id ORDER BY s.recorded, s.id")]
        count = {t: self.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                 for t in ("patients", "visits", "scans", "proposals", "reports")}
        return {"folder": str(self.folder), "schema": self.version, "counts": count,
                "scans": scans, "kiosk_queue": [s["id"] for s in scans if s["visit_id"] is None]}

    def check(self) -> list[str]:
        """Problems found: database integrity, and scans whose file is missing."""
        problems = []
        result = self.conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            problems.append(f"database: {result}")
        for r in self.conn.execute("SELECT id, sha256 FROM scans"):
            if not self.scan_path(r["sha256"]).exists():
                problems.append(f"scan {r['id']}: file {r['sha256']}.ofs is missing")
        return problems

    def backup(self, *, force: bool = False) -> Path | None:
        """Make today's backup copy; None if it exists already (``force`` makes it again).

        The copy holds the database (SQLite's online backup) and hard links to the scan
        files, which never change: their names are their checksums.
        """
        folder = self.folder / "backups" / dt.date.today().isoformat()
        if folder.exists() and not force:
            return None
        old = os.umask(0o077)
        try:
            (folder / "scans").mkdir(parents=True, exist_ok=True)
            target = sqlite3.connect(folder / DB_NAME)
            with target:
                self.conn.backup(target)
            target.close()
            for scan in (self.folder / "scans").glob("*.ofs"):
                dest = folder / "scans" / scan.name
                if not dest.exists():
                    try:
                        os.link(scan, dest)
                    except OSError:
                        shutil.copy2(scan, dest)
        finally:
            os.umask(old)
        return folder


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "orthofit"
