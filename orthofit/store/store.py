"""The clinic store: patients, visits, scans, proposals, reports and an audit trail.

SQLite from the standard library (WAL journal, foreign keys on, full sync) in one folder, with
the scans beside it as ``scans/<sha256>.ofs``, named by their checksum. A scan file is written
completely (atomically) before the row that names it is committed, so a crash or a kill leaves
at worst an unreferenced file, never a row without its file. Everything is readable by the user
alone: every folder of the store is kept at mode 0700, the database at 0600. No Qt: the
desktop, the kiosk and the command line share this module.

Several processes may use one store at once (the desktop, the kiosk, ``orthofit store list``),
and each sweeps the leftovers of interrupted saves when it opens the store. A save therefore
works in a folder of its own under ``scans/.incoming/`` and holds an exclusive lock
(``flock``) on the lock file beside that folder for as long as it writes; a sweep removes a
save's folder only when it can take that lock itself, that is when the process that saved is
gone. Nothing another process is writing is ever removed.
"""

from __future__ import annotations

import datetime as dt
import errno
import getpass
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import stat
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from orthofit.errors import OrthofitError
from orthofit.io.ofs import load_ofs, save_ofs
from orthofit.model import Recording
from orthofit.store.schema import MIGRATIONS, VERSION

try:
    import fcntl
except ImportError:  # Windows: a file open for writing cannot be removed there anyway
    fcntl = None  # type: ignore[assignment]

DB_NAME = "orthofit.sqlite3"
PATIENT_FIELDS = ("first_name", "last_name", "birth_date", "sex", "shoe_size", "activity",
                  "conditions", "notes", "weight_kg", "referrer")
#: A patient's weight is accepted in this range (kg); None means not known.
WEIGHT_RANGE_KG = (20.0, 300.0)
#: Where saves in progress work, inside ``scans/`` (so that the final rename stays on one disk).
INCOMING = ".incoming"
#: Leftovers of saves by an orthofit older than the locks are removed only after this long (s):
#: longer than any save takes, so a save still running in such a process is never cut.
LEGACY_STALE_S = 3600.0
#: A visit code has this many digits.
CODE_DIGITS = 6


class StoreError(OrthofitError):
    """The store cannot do what was asked (the message says why)."""


def visit_code(text: str) -> str:
    """A kiosk visit code: exactly six digits (spaces and dashes between them are dropped).

    Every way a code comes in (the command line, the kiosk's screen, the store) goes through
    this one check, so a code is always safe to put into a file name.

    Examples
    --------
    >>> visit_code("381 907")
    '381907'
    """
    if not isinstance(text, str):
        raise StoreError(f"a visit code is {CODE_DIGITS} digits, not {text!r}")
    digits = text.strip().replace(" ", "").replace("-", "")
    if not (len(digits) == CODE_DIGITS and digits.isdigit() and digits.isascii()):
        shown = text if len(text) <= 20 else text[:20] + "..."
        raise StoreError(f"a visit code is {CODE_DIGITS} digits (e.g. 381907), not {shown!r}")
    return digits


def default_folder() -> Path:
    """``$ORTHOFIT_DATA``, else ``$XDG_DATA_HOME/orthofit``, else ``~/.local/share/orthofit``."""
    if os.environ.get("ORTHOFIT_DATA"):
        return Path(os.environ["ORTHOFIT_DATA"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "orthofit"


def private_folder(path: Path, *, parents: bool = False) -> Path:
    """Make ``path`` a folder only its owner can enter (mode 0700), made if missing.

    An existing folder with a wider mode (0755, say, from a copy or an older orthofit) is
    narrowed: patients' data must not be readable by other users of the computer.
    """
    old = os.umask(0o077)
    try:
        path.mkdir(parents=parents, exist_ok=True, mode=0o700)
    except FileExistsError:
        raise StoreError(f"{path} is a file; the clinic store needs a folder there") from None
    finally:
        os.umask(old)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode != 0o700:
        try:
            os.chmod(path, 0o700)
        except OSError as exc:
            raise StoreError(f"{path} can be read by other users (mode {mode:o}) and its mode "
                             f"cannot be changed ({exc.strerror or exc}); make it 0700") from exc
    return path


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def check_weight(value: Any) -> float | None:
    """A patient's weight in kg (20-300), or None when not known; StoreError otherwise.

    Examples
    --------
    >>> check_weight("72.5")
    72.5
    >>> check_weight("") is None
    True
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        kg = float(str(value).strip().replace(",", "."))
    except ValueError:
        raise StoreError(f"weight {value!r}: expected a number of kilograms") from None
    lo, hi = WEIGHT_RANGE_KG
    if not lo <= kg <= hi:  # also refuses nan and inf
        raise StoreError(f"weight {kg:g} kg is not between {lo:g} and {hi:g} kg")
    return kg


def _patient_row(fields: dict[str, Any]) -> dict[str, Any]:
    """Patient fields as stored: conditions as JSON, the weight checked."""
    unknown = set(fields) - set(PATIENT_FIELDS)
    if unknown:
        raise StoreError(f"unknown patient fields: {', '.join(sorted(unknown))}")
    row = dict(fields)
    if "conditions" in row:
        row["conditions"] = json.dumps(list(row["conditions"] or []))
    if "weight_kg" in row:
        row["weight_kg"] = check_weight(row["weight_kg"])
    return row


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _why_not_saved(folder: Path, exc: OSError) -> StoreError:
    """The truth about a failed save, with advice only where it fits the cause."""
    why = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "; free some disk space and try again"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        advice = "; this user may not write there: check the folder's owner and permissions"
    elif exc.errno == errno.EROFS:
        advice = "; the disk is read-only"
    elif exc.errno == errno.ENOENT:
        advice = ("; a file of the save disappeared while it was written (was the store "
                  "folder moved or cleaned by another program?); try again")
    else:
        advice = "; try again, and check the disk if it happens again"
    return StoreError(f"the scan could not be saved in {folder} ({why}){advice}")


def _why_not_recorded(folder: Path, exc: sqlite3.Error) -> StoreError:
    text = str(exc)
    advice = "; free some disk space and try again" if "full" in text else "; try again"
    return StoreError(f"the scan could not be recorded in the database of {folder} "
                      f"({text}){advice}")


def _lock(fd: int, *, wait: bool) -> bool:
    """Take an exclusive advisory lock on ``fd``; False if another process holds it."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


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
        private_folder(self.folder, parents=True)
        for sub in ("scans", f"scans/{INCOMING}", "reports", "backups", "kiosk"):
            if sub.startswith("scans") or (self.folder / sub).is_dir():
                private_folder(self.folder / sub)
        for backup in [*(self.folder / "backups").glob("*"),
                       *(self.folder / "backups").glob("*/scans")]:
            if backup.is_dir():
                private_folder(backup)
        self.db_path = self.folder / DB_NAME
        old = os.umask(0o077)  # the database and its journals are the user's alone
        try:
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
        if self.version > VERSION:
            raise StoreError(f"{self.db_path} was written by a newer orthofit (schema "
                             f"{self.version}, this one knows {VERSION}); update orthofit")
        while self.version < VERSION:
            with self._tx() as c:
                # Read again inside the transaction: another process may have opened the
                # same new store at the same moment and migrated it already.
                number = self.version
                if number >= VERSION:
                    break
                for statement in filter(str.strip, MIGRATIONS[number].split(";")):
                    c.execute(statement)
                c.execute(f"PRAGMA user_version = {number + 1}")

    def _sweep(self) -> None:
        """Remove the leftovers of saves whose process is gone (never a save in progress)."""
        scans = self.folder / "scans"
        area = scans / INCOMING
        for lock_path in area.glob("*.lock"):
            try:
                fd = os.open(lock_path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
            except OSError:
                continue  # finished (and removed) meanwhile
            try:
                if fcntl is None:
                    if time.time() - os.fstat(fd).st_mtime < LEGACY_STALE_S:
                        continue
                elif not _lock(fd, wait=False):
                    continue  # a save is running: its files are not leftovers
                # The save's process died: its folder and then its lock go (while locked, so
                # that a save that has just made this lock file sees it gone and starts anew).
                shutil.rmtree(area / lock_path.stem, ignore_errors=True)
                lock_path.unlink(missing_ok=True)
            finally:
                os.close(fd)
        for work in area.iterdir():
            # A save's folder exists only while its lock file does; alone, it is left over
            # from a sweep that was itself interrupted.
            if work.is_dir() and not work.with_name(f"{work.name}.lock").exists():
                shutil.rmtree(work, ignore_errors=True)
        # ``.incoming-*`` and ``.*.part`` in scans/ itself are an older orthofit's saves: they
        # carry no lock, so only their age tells that nobody is writing them any more.
        for leftover in [*scans.glob(".incoming-*"), *scans.glob(".*.part")]:
            try:
                if time.time() - leftover.stat().st_mtime > LEGACY_STALE_S:
                    leftover.unlink(missing_ok=True)
            except OSError:
                pass

    @contextmanager
    def _saving(self) -> Iterator[Path]:
        """A folder of its own for one save, locked against sweeps for as long as it lasts."""
        area = self.folder / "scans" / INCOMING
        while True:
            token = uuid.uuid4().hex
            lock_path = area / f"{token}.lock"
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_EXCL |
                         getattr(os, "O_CLOEXEC", 0), 0o600)
            try:
                _lock(fd, wait=True)  # waits only while a sweep that found it removes it
                os.write(fd, f"{os.getpid()}\n".encode())
                try:
                    still = os.stat(lock_path)
                except FileNotFoundError:
                    still = None
                mine = os.fstat(fd)
            except BaseException:
                os.close(fd)
                raise
            if still is not None and (still.st_ino, still.st_dev) == (mine.st_ino, mine.st_dev):
                break
            os.close(fd)  # a sweep took the new lock file for a dead save's: make another
        work = area / token
        try:
            work.mkdir(mode=0o700)
            yield work
        finally:
            shutil.rmtree(work, ignore_errors=True)
            lock_path.unlink(missing_ok=True)
            os.close(fd)

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
        """Add a patient; returns its id.

        ``conditions`` is a list (``["diabetes"]``); ``weight_kg`` a number of kilograms
        (20-300) or None; ``referrer`` who sent the patient (free text).
        """
        if not first_name.strip() or not last_name.strip():
            raise StoreError("a patient needs a first and a last name")
        row = _patient_row({"first_name": first_name.strip(), "last_name": last_name.strip(),
                            "conditions": [], **fields})
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
        fields = _patient_row(fields)
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
                 source: str = "", recorded: dt.datetime | None = None) -> int:
        """Store a recording under a visit (or, from the kiosk, under a visit code).

        The file goes to disk first (atomically) and only then is its row committed; if it
        cannot be written (a full disk, say) nothing is left of it and nothing is committed, and
        the error says why. A visit code must be six digits (:func:`visit_code`). ``recorded``
        is when the scan was taken, if not now (a scan brought in from an earlier visit).
        """
        if recorded is not None and recorded.tzinfo is None:
            raise StoreError("the time a scan was recorded needs its time zone")
        when = _now() if recorded is None else \
            recorded.astimezone(dt.UTC).isoformat(timespec="seconds")
        if kiosk_code is not None:
            kiosk_code = visit_code(kiosk_code)
        if visit_id is None and not kiosk_code:
            raise StoreError("a scan belongs to a visit, or waits in the kiosk queue with a code")
        try:
            with self._saving() as work:
                incoming = work / "scan.ofs"
                save_ofs(rec, incoming)
                sha = _sha256(incoming)
                os.replace(incoming, self.scan_path(sha))
        except OSError as exc:
            raise _why_not_saved(self.folder, exc) from exc
        try:
            with self._tx() as c:
                existing = c.execute("SELECT id, visit_id, kiosk_code FROM scans WHERE "
                                     "sha256 = ?", (sha,)).fetchone()
                if existing is not None:
                    if (existing["visit_id"], existing["kiosk_code"]) == (visit_id, kiosk_code):
                        return int(existing["id"])  # the same scan saved twice: stored once
                    raise StoreError(f"this recording is stored already as scan "
                                     f"{existing['id']} under another visit")
                try:
                    cur = c.execute(
                        "INSERT INTO scans (visit_id, sha256, mode, frames, recorded, source, "
                        "kiosk_code, kiosk_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (visit_id, sha, rec.mode, rec.n_frames, when, source, kiosk_code,
                         kiosk_name))
                except sqlite3.IntegrityError:
                    raise StoreError(f"no visit {visit_id}") from None
                sid = int(cur.lastrowid)
                self._audit(c, "add", "scan", sid, {"sha256": sha, "kiosk_code": kiosk_code})
        except sqlite3.Error as exc:
            # The file stays (unreferenced, harmless: named by its checksum, it is used again
            # when the same scan is saved once more).
            raise _why_not_recorded(self.folder, exc) from exc
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
        try:
            code = visit_code(code)
        except StoreError:
            return None
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
        folder = private_folder(self.folder / "reports")
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
                "kiosk_pin": "", "pressure_scale": "800", "clinic_contact": ""}

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

    # -- the administrator PIN's lockout ------------------------------------------------------

    def pin_lockout(self, scope: str = "kiosk") -> dict[str, float]:
        """Wrong PINs in a row and the time (``time.time()``) a lock lasts until."""
        row = self.conn.execute("SELECT failures, locked_until FROM pin_lockout WHERE scope = ?",
                                (scope,)).fetchone()
        return {"failures": 0, "locked_until": 0.0} if row is None else \
            {"failures": int(row["failures"]), "locked_until": float(row["locked_until"])}

    def record_pin_attempt(self, ok: bool, *, scope: str = "kiosk",
                           lock_s: Callable[[int], float] = lambda _n: 0.0,
                           now: float | None = None) -> dict[str, float]:
        """Count a PIN attempt: a right one clears the count, a wrong one adds to it.

        ``lock_s(failures)`` is how long the PIN is refused after that many wrong ones in a row;
        the count and the lock are kept in the database, so a restart changes nothing.
        """
        now = time.time() if now is None else now
        with self._tx() as c:
            if ok:
                c.execute("DELETE FROM pin_lockout WHERE scope = ?", (scope,))
                return {"failures": 0, "locked_until": 0.0}
            row = c.execute("SELECT failures, locked_until FROM pin_lockout WHERE scope = ?",
                            (scope,)).fetchone()
            failures = 1 + (int(row["failures"]) if row is not None else 0)
            until = float(row["locked_until"]) if row is not None else 0.0
            wait = float(lock_s(failures))
            if wait > 0:
                until = max(until, now + wait)
            c.execute("INSERT INTO pin_lockout (scope, failures, locked_until) VALUES (?, ?, ?) "
                      "ON CONFLICT (scope) DO UPDATE SET failures = excluded.failures, "
                      "locked_until = excluded.locked_until", (scope, failures, until))
            self._audit(c, "pin_wrong", scope, None, {"failures": failures,
                                                      "locked_s": round(max(until - now, 0))})
        return {"failures": failures, "locked_until": until}

    def clear_pin_lockout(self, scope: str = "kiosk") -> None:
        """Lift a PIN lock (staff, from the desktop)."""
        with self._tx() as c:
            c.execute("DELETE FROM pin_lockout WHERE scope = ?", (scope,))
            self._audit(c, "clear", "pin_lockout", None, {"scope": scope})

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
        for path in (folder.parent, folder, folder / "scans"):
            private_folder(path)
        old = os.umask(0o077)
        try:
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
