"""The clinic store: patients, visits, scans, proposals, reports and an audit trail.

One API over two databases (SQLAlchemy Core): an SQLite file in a folder (the default: one
computer, nothing to set up), with the scans beside it as files named by their checksum
(:mod:`orthofit.store.files`), or a PostgreSQL database on the clinic's server
(``postgresql://user@host/database``), shared by every desktop and kiosk, with the scans and
reports in the database itself so that one ``pg_dump`` backs up everything. Every scan is
content-addressed by its SHA-256 and checked against it when it is read.

Several workstations at once: patients and proposals carry a row version, and a save made from
an older version than the one stored is refused with who changed it and when
(:class:`ConflictError`), never silently overwriting; the audit trail records the workstation.
No Qt: the desktop, the kiosk and the command line share this module.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import secrets
import shutil
import socket
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from orthofit.io.checksum import file_sha256
from orthofit.io.ofs import load_ofs, read_meta, save_ofs
from orthofit.model import Recording
from orthofit.store import tables as t
from orthofit.store.backend import (
    DB_NAME,
    dialect_insert,
    is_url,
    postgres_engine,
    server_url,
    shown_url,
    sqlite_engine,
)
from orthofit.store.files import INCOMING, StoreError, private_folder, saving, sweep, why_not_saved
from orthofit.store.upgrade import HEAD, schema_version, upgrade

PATIENT_FIELDS = ("first_name", "last_name", "birth_date", "sex", "shoe_size", "activity",
                  "conditions", "notes", "weight_kg", "referrer")
#: A patient's weight is accepted in this range (kg); None means not known.
WEIGHT_RANGE_KG = (20.0, 300.0)
#: A visit code has this many digits.
CODE_DIGITS = 6
#: The schema version this orthofit writes.
VERSION = HEAD

__all__ = ["CODE_DIGITS", "DB_NAME", "INCOMING", "PATIENT_FIELDS", "VERSION", "ConflictError",
           "Store", "StoreError", "StoreUnavailable", "check_weight", "default_folder",
           "private_folder", "visit_code"]


class StoreUnavailable(StoreError):
    """The store's server cannot be reached (restarting, or the network is down).

    Nothing was changed; the same request may be made again once the server is back.
    """


class ConflictError(StoreError):
    """A record was saved on another workstation after it was opened here.

    ``by`` (who, on which workstation), ``at`` (UTC, ISO 8601) and ``row_version`` (the stored
    version) say which save it was; reloading the record shows it.
    """

    def __init__(self, what: str, by: str, at: str, row_version: int) -> None:
        self.by, self.at, self.row_version = by, at, row_version
        when = at.replace("T", " ").replace("+00:00", " UTC")
        super().__init__(f"{what} was changed by {by or 'someone'} at {when} after you opened "
                         "it; reload it to see their change, then make yours again")


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


def _row(r: Any) -> dict[str, Any]:
    return dict(r._mapping)


def _patient_out(r: Any) -> dict[str, Any]:
    out = _row(r)
    out["conditions"] = json.loads(out["conditions"])
    return out


class Store:
    """Open (creating or upgrading) the clinic store at ``location``.

    Parameters
    ----------
    location : str or Path, optional
        The store's folder (SQLite; default :func:`default_folder`) or the URL of a PostgreSQL
        database (``postgresql://user@host/database``; the password from ``PGPASSWORD`` or
        ``~/.pgpass``, never the URL).
    actor : str, optional
        Who makes the changes, for the audit trail (default: the login name).
    workstation : str, optional
        The computer the changes are made on (default: its host name).
    local : str or Path, optional
        For a server store: this computer's own folder (kiosk staging, backups); default
        :func:`default_folder`. An SQLite store uses its own folder.
    create : bool, optional
        Make the store if there is none yet: by default a folder store is made, a server store
        is not (``orthofit store init`` makes it, with its roles; never on the side).
    """

    def __init__(self, location: str | Path | None = None, *, actor: str | None = None,
                 workstation: str | None = None, local: str | Path | None = None,
                 create: bool | None = None) -> None:
        self.actor = actor or _login()
        self.workstation = (workstation or _hostname())[:100]
        self.on_server = is_url(location)
        create = not self.on_server if create is None else create
        if self.on_server:
            self.url = server_url(str(location), allow_password=True)
            self.location = shown_url(self.url)
            self.folder = private_folder(Path(local) if local else default_folder(),
                                         parents=True)
            self.db_path: Path | None = None
            self.engine = postgres_engine(self.url)
        else:
            self.folder = Path(location) if location is not None else default_folder()
            self.location = str(self.folder)
            if not create and not (self.folder / DB_NAME).exists():
                raise StoreError(f"{self.folder} holds no clinic store")
            private_folder(self.folder, parents=True)
            for sub in ("scans", f"scans/{INCOMING}", "reports", "backups", "kiosk"):
                if sub.startswith("scans") or (self.folder / sub).is_dir():
                    private_folder(self.folder / sub)
            for backup in [*(self.folder / "backups").glob("*"),
                           *(self.folder / "backups").glob("*/scans")]:
                if backup.is_dir():
                    private_folder(backup)
            self.db_path = self.folder / DB_NAME
            self.engine = sqlite_engine(self.db_path)
        try:
            self._open(create)
        except BaseException:
            self.engine.dispose()
            raise
        if not self.on_server:
            sweep(self.folder / "scans")

    def _open(self, create: bool) -> None:
        old = os.umask(0o077)  # the database and its journals are the user's alone
        try:
            with self._tx() as c:
                version = schema_version(c)
                if version == 0 and self.on_server and not create:
                    raise StoreError(f"{self.location} holds no clinic store yet; make it with "
                                     f"`orthofit store init {self.location}`")
                if version != HEAD:
                    upgrade(c, self.location)
        except StoreError:
            raise
        except Exception as exc:  # noqa: BLE001 - a database that cannot be opened, whatever why
            if permission_denied(exc):
                raise StoreError(f"{self.location}: the clinic store's schema is older than this "
                                 "orthofit and this user may not upgrade it; run `orthofit "
                                 "store init` as the database's owner") from exc
            raise StoreError(f"{self.location}: cannot open the clinic store ({short_error(exc)})"
                             ) from exc
        finally:
            os.umask(old)
        if self.db_path is not None:
            os.chmod(self.db_path, 0o600)

    # -- plumbing ----------------------------------------------------------------------------

    @contextmanager
    def _connect(self, *, write: bool) -> Iterator[Any]:
        from sqlalchemy import exc as sa_exc

        try:
            conn = self.engine.connect()
        except sa_exc.OperationalError as exc:
            raise self._unavailable(exc) from exc
        try:
            conn = conn.execution_options(write=write)
            with conn.begin():
                yield conn
        except sa_exc.DBAPIError as exc:
            if exc.connection_invalidated or connection_lost(exc):
                raise self._unavailable(exc) from exc
            if self.on_server and permission_denied(exc):
                raise StoreError(f"{self.location}: this login may not do that "
                                 f"({short_error(exc)}); a desktop needs a login that holds the "
                                 "clinic role (see `orthofit store init`)") from exc
            if isinstance(exc, sa_exc.OperationalError) and not self.on_server:
                advice = "; free some disk space and try again" if "full" in str(exc) else \
                    "; try again"
                raise StoreError(f"the clinic store in {self.folder} could not do it "
                                 f"({short_error(exc)}){advice}") from exc
            raise
        finally:
            conn.close()

    def _tx(self) -> Any:
        """A write transaction (SQLite: BEGIN IMMEDIATE, so writers queue, never half-fail)."""
        return self._connect(write=True)

    def _read(self) -> Any:
        """A read transaction: what it reads is one consistent state of the store."""
        return self._connect(write=False)

    def _unavailable(self, exc: Exception) -> StoreError:
        """Why a connection failed: a setting to fix (StoreError) or a server away (retry)."""
        if not self.on_server:
            return StoreUnavailable(f"the clinic store in {self.folder} cannot be opened "
                                    f"({short_error(exc)})")
        why = short_error(exc)
        for sign, advice in _CONNECT_ADVICE:
            if sign in why:
                return StoreError(f"the clinic store's server ({self.location}) refused the "
                                  f"connection: {why.split('failed: ')[-1]}; {advice}")
        return StoreUnavailable(f"the clinic store's server ({self.location}) cannot be reached "
                                f"({why}); check the network and that the server runs; "
                                "nothing was changed")

    @property
    def version(self) -> int:
        """The schema version of the open store."""
        with self._read() as c:
            return schema_version(c)

    @property
    def who(self) -> str:
        """The actor and workstation, as saves record them ("dr lee on room-2")."""
        return f"{self.actor} on {self.workstation}"

    def _audit(self, c: Any, action: str, entity: str, entity_id: int | None,
               detail: dict[str, Any] | None = None) -> None:
        c.execute(t.audit.insert().values(
            at=_now(), actor=self.actor, action=action, entity=entity, entity_id=entity_id,
            detail=json.dumps(detail or {}, sort_keys=True), workstation=self.workstation))

    def _upsert(self, c: Any, table: Any, key: str, values: dict[str, Any]) -> None:
        stmt = dialect_insert(c, table).values(**values)
        c.execute(stmt.on_conflict_do_update(
            index_elements=[key], set_={k: stmt.excluded[k] for k in values if k != key}))

    def close(self) -> None:
        """Close the store's connections (SQLite: WAL checkpoint)."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

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
        with self._tx() as c:
            res = c.execute(t.patients.insert().values(**row, created=now, updated=now,
                                                       updated_by=self.who))
            pid = int(res.inserted_primary_key[0])
            self._audit(c, "add", "patient", pid)
        return pid

    def update_patient(self, patient_id: int, *, expected_version: int | None = None,
                       **fields: Any) -> int:
        """Change some of a patient's fields (the audit trail records which); the new version.

        ``expected_version`` is the ``row_version`` the patient had when it was opened: if it
        was saved since (on another workstation), nothing is changed and :class:`ConflictError`
        says who saved it and when.
        """
        fields = _patient_row(fields)
        p = t.patients
        with self._tx() as c:
            q = p.update().where(p.c.id == patient_id)
            if expected_version is not None:
                q = q.where(p.c.row_version == expected_version)
            res = c.execute(q.values(**fields, updated=_now(), updated_by=self.who,
                                     row_version=p.c.row_version + 1))
            if res.rowcount == 0:
                self._refuse(c, p, p.c.id == patient_id, f"patient {patient_id}")
            self._audit(c, "update", "patient", patient_id, {"fields": sorted(fields)})
            return int(c.execute(p.select().with_only_columns(p.c.row_version)
                                 .where(p.c.id == patient_id)).scalar())

    def _refuse(self, c: Any, table: Any, where: Any, what: str) -> None:
        """Why an update changed no row: the record is gone, or another save came first."""
        from sqlalchemy import select

        now = c.execute(select(table.c.row_version, table.c.updated, table.c.updated_by)
                        .where(where)).first()
        if now is None:
            raise StoreError(f"no {what}")
        raise ConflictError(what.capitalize() if what[0].islower() else what,
                            now.updated_by, now.updated, int(now.row_version))

    def patient(self, patient_id: int) -> dict[str, Any]:
        """One patient as a dict (with its ``row_version`` and who saved it last)."""
        with self._read() as c:
            row = c.execute(t.patients.select().where(t.patients.c.id == patient_id)).first()
        if row is None:
            raise StoreError(f"no patient {patient_id}")
        return _patient_out(row)

    def search_patients(self, text: str = "", limit: int = 50) -> list[dict[str, Any]]:
        """Patients whose name (or date of birth) contains every word of ``text``."""
        from sqlalchemy import and_, or_

        p = t.patients
        q = p.select()
        words = text.split()
        if words:
            def like(col: Any, w: str) -> Any:
                pattern = "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                return col.ilike(pattern + "%", escape="\\")
            q = q.where(and_(*(or_(like(p.c.first_name, w), like(p.c.last_name, w),
                                   like(p.c.birth_date, w)) for w in words)))
        q = q.order_by(p.c.last_name, p.c.first_name, p.c.id).limit(int(limit))
        with self._read() as c:
            return [_patient_out(r) for r in c.execute(q)]

    def add_visit(self, patient_id: int, date: str | None = None, notes: str = "") -> int:
        """Open a visit for a patient (today by default); returns its id."""
        from sqlalchemy import exc as sa_exc

        try:
            with self._tx() as c:
                res = c.execute(t.visits.insert().values(
                    patient_id=patient_id, date=date or dt.date.today().isoformat(),
                    notes=notes))
                vid = int(res.inserted_primary_key[0])
                self._audit(c, "add", "visit", vid, {"patient_id": patient_id})
        except sa_exc.IntegrityError:
            raise StoreError(f"no patient {patient_id}") from None
        return vid

    def visits(self, patient_id: int) -> list[dict[str, Any]]:
        """A patient's visits with their scans, in time order."""
        v, s = t.visits, t.scans
        with self._read() as c:
            visits = [_row(r) for r in c.execute(
                v.select().where(v.c.patient_id == patient_id).order_by(v.c.date, v.c.id))]
            scans = [_row(r) for r in c.execute(
                s.select().where(s.c.visit_id.in_([x["id"] for x in visits]))
                .order_by(s.c.recorded, s.c.id))] if visits else []
        for x in visits:
            x["scans"] = [r for r in scans if r["visit_id"] == x["id"]]
        return visits

    # -- scans -----------------------------------------------------------------------------

    def scan_path(self, sha256: str) -> Path:
        """Where the scan with this checksum lives (an SQLite store's file)."""
        if self.on_server:
            raise StoreError("scans on a server store live in its database, not in files")
        return self.folder / "scans" / f"{sha256}.ofs"

    def _put_blob(self, c: Any, sha: str, kind: str, data: bytes | None) -> None:
        if data is None:
            return
        c.execute(dialect_insert(c, t.blobs)
                  .values(sha256=sha, kind=kind, size=len(data), data=data)
                  .on_conflict_do_nothing(index_elements=["sha256"]))

    def add_scan(self, rec: Recording, *, visit_id: int | None = None,
                 kiosk_code: str | None = None, kiosk_name: str | None = None,
                 source: str = "", recorded: dt.datetime | None = None,
                 file: str | Path | None = None) -> int:
        """Store a recording under a visit (or, from the kiosk, under a visit code).

        A folder store writes the file first (atomically) and only then commits its row; a
        server store writes both in one transaction. Either way a failure leaves nothing half
        done, and the error says why. A visit code must be six digits (:func:`visit_code`).
        ``recorded`` is when the scan was taken, if not now (a scan brought in from an earlier
        visit). ``file``: the ``.ofs`` the recording is already in (a capture's), stored as it is
        (the recording is not written a second time).
        """
        from sqlalchemy import exc as sa_exc

        if recorded is not None and recorded.tzinfo is None:
            raise StoreError("the time a scan was recorded needs its time zone")
        when = _now() if recorded is None else \
            recorded.astimezone(dt.UTC).isoformat(timespec="seconds")
        if kiosk_code is not None:
            kiosk_code = visit_code(kiosk_code)
        if visit_id is None and not kiosk_code:
            raise StoreError("a scan belongs to a visit, or waits in the kiosk queue with a code")
        sha, data = stage_scan(rec, file, folder=self.folder, on_server=self.on_server)
        s = t.scans
        try:
            with self._tx() as c:
                existing = c.execute(s.select().with_only_columns(s.c.id, s.c.visit_id,
                                                                  s.c.kiosk_code)
                                     .where(s.c.sha256 == sha)).first()
                if existing is not None:
                    if (existing.visit_id, existing.kiosk_code) == (visit_id, kiosk_code):
                        return int(existing.id)  # the same scan saved twice: stored once
                    raise StoreError(f"this recording is stored already as scan "
                                     f"{existing.id} under another visit")
                self._put_blob(c, sha, "scan", data)
                try:
                    res = c.execute(s.insert().values(
                        visit_id=visit_id, sha256=sha, mode=rec.mode, frames=rec.n_frames,
                        recorded=when, source=source, kiosk_code=kiosk_code,
                        kiosk_name=kiosk_name))
                except sa_exc.IntegrityError as exc:
                    if "sha256" in str(exc.orig) or "scans_sha256" in str(exc.orig):
                        raise StoreError("this recording was stored a moment ago by another "
                                         "workstation; reload to see it") from None
                    raise StoreError(f"no visit {visit_id}") from None
                sid = int(res.inserted_primary_key[0])
                self._audit(c, "add", "scan", sid, {"sha256": sha, "kiosk_code": kiosk_code})
        except StoreError:
            raise
        except sa_exc.DBAPIError as exc:
            # A folder store's file stays (unreferenced, harmless: named by its checksum, it is
            # used again when the same scan is saved once more).
            raise StoreError(f"the scan could not be recorded in {self.location} "
                             f"({short_error(exc)}); try again") from exc
        return sid

    def _scan_sha(self, c: Any, scan_id: int) -> str:
        sha = c.execute(t.scans.select().with_only_columns(t.scans.c.sha256)
                        .where(t.scans.c.id == scan_id)).scalar()
        if sha is None:
            raise StoreError(f"no scan {scan_id}")
        return str(sha)

    def scan_bytes(self, scan_id: int) -> bytes:
        """The ``.ofs`` file of a stored scan as bytes, checked against its checksum."""
        with self._read() as c:
            sha = self._scan_sha(c, scan_id)
            if self.on_server:
                data = c.execute(t.blobs.select().with_only_columns(t.blobs.c.data)
                                 .where(t.blobs.c.sha256 == sha)).scalar()
                if data is None:
                    raise StoreError(f"scan {scan_id}: its contents are missing from the "
                                     "database; restore it from a backup")
                data = bytes(data)
        if not self.on_server:
            try:
                data = self.scan_path(sha).read_bytes()
            except FileNotFoundError:
                raise StoreError(f"{self.scan_path(sha)} is missing; restore it from a "
                                 "backup") from None
        if hashlib.sha256(data).hexdigest() != sha:
            where = f"scan {scan_id}" if self.on_server else str(self.scan_path(sha))
            raise StoreError(f"{where} does not match its checksum: it was changed or "
                             "damaged; restore it from a backup")
        return data

    def load_scan(self, scan_id: int) -> Recording:
        """The recording of a stored scan (checked against its checksum)."""
        if not self.on_server:
            with self._read() as c:
                sha = self._scan_sha(c, scan_id)
            path = self.scan_path(sha)
            if not path.exists() or file_sha256(path) != sha:
                raise StoreError(f"{path} does not match its checksum: the file was changed or "
                                 "damaged; restore it from a backup")
            return load_ofs(path)
        data = self.scan_bytes(scan_id)
        with tempfile.TemporaryDirectory(prefix="orthofit-") as tmp:
            path = Path(tmp) / f"scan-{scan_id}.ofs"
            path.write_bytes(data)
            return load_ofs(path)

    def visit_scans(self, scan_id: int) -> list[dict[str, Any]]:
        """The scans of the visit a scan belongs to, in time order (just it, if in the queue)."""
        s = t.scans
        with self._read() as c:
            row = c.execute(s.select().where(s.c.id == scan_id)).first()
            if row is None:
                raise StoreError(f"no scan {scan_id}")
            if row.visit_id is None:
                return [_row(row)]
            return [_row(r) for r in c.execute(s.select().where(s.c.visit_id == row.visit_id)
                                               .order_by(s.c.recorded, s.c.id))]

    def kiosk_queue(self) -> list[dict[str, Any]]:
        """Scans taken at the kiosk that wait to be attached to a patient."""
        s = t.scans
        with self._read() as c:
            return [_row(r) for r in c.execute(s.select().where(s.c.visit_id.is_(None))
                                               .order_by(s.c.recorded, s.c.id))]

    def visit_today(self, patient_id: int) -> int:
        """The id of the patient's visit dated today (local date), opened if there is none."""
        today = dt.date.today().isoformat()
        visits = [v for v in self.visits(patient_id) if v["date"] == today]
        return visits[-1]["id"] if visits else self.add_visit(patient_id, today)

    def scan_patient(self, scan_id: int) -> int | None:
        """The patient a stored scan belongs to (None while it waits in the kiosk queue)."""
        from sqlalchemy import select

        s, v = t.scans, t.visits
        with self._read() as c:
            row = c.execute(select(s.c.id, v.c.patient_id)
                            .select_from(s.outerjoin(v, v.c.id == s.c.visit_id))
                            .where(s.c.id == scan_id)).first()
        if row is None:
            raise StoreError(f"no scan {scan_id}")
        return None if row.patient_id is None else int(row.patient_id)

    def issue_kiosk_code(self, patient_id: int) -> str:
        """A new six-digit visit code for a patient, to type at the kiosk."""
        from sqlalchemy import select, union

        k, s = t.kiosk_codes, t.scans
        with self._tx() as c:
            if c.execute(select(t.patients.c.id).where(t.patients.c.id == patient_id)
                         ).first() is None:
                raise StoreError(f"no patient {patient_id}")
            while True:  # a code is never reused, so a scan cannot be matched to the wrong one
                code = f"{secrets.randbelow(10**6):06d}"
                used = c.execute(union(select(k.c.code).where(k.c.code == code),
                                       select(s.c.kiosk_code).where(s.c.kiosk_code == code))
                                 ).first()
                if used is None:
                    break
            c.execute(k.insert().values(code=code, patient_id=patient_id, created=_now()))
            self._audit(c, "issue", "kiosk_code", patient_id, {"code": code})
        return code

    def kiosk_code_patient(self, code: str) -> int | None:
        """The patient a visit code was issued for (None: a code the kiosk made up)."""
        try:
            code = visit_code(code)
        except StoreError:
            return None
        k = t.kiosk_codes
        with self._read() as c:
            pid = c.execute(k.select().with_only_columns(k.c.patient_id)
                            .where(k.c.code == code)).scalar()
        return None if pid is None else int(pid)

    def log_event(self, action: str, entity: str, detail: dict[str, Any] | None = None) -> None:
        """Write an event to the audit trail (a kiosk alert for staff, a discarded capture)."""
        with self._tx() as c:
            self._audit(c, action, entity, None, detail)

    def alerts(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest alerts for staff, newest first."""
        a = t.audit
        with self._read() as c:
            rows = c.execute(a.select().where(a.c.action == "alert").order_by(a.c.id.desc())
                             .limit(int(limit)))
            return [{**_row(r), "detail": json.loads(r.detail)} for r in rows]

    def attach_scan(self, scan_id: int, visit_id: int) -> None:
        """Attach a kiosk scan to a patient's visit."""
        s = t.scans
        with self._tx() as c:
            res = c.execute(s.update().where(s.c.id == scan_id, s.c.visit_id.is_(None))
                            .values(visit_id=visit_id))
            if res.rowcount == 0:
                raise StoreError(f"scan {scan_id} is not waiting in the kiosk queue")
            self._audit(c, "attach", "scan", scan_id, {"visit_id": visit_id})

    # -- proposals and reports ---------------------------------------------------------------

    def save_proposal(self, scan_id: int, original: dict[str, Any],
                      edited: dict[str, Any] | None = None, *,
                      expected_version: int | None = None) -> int:
        """Keep a scan's proposal (the rules' original and the clinician's edit); its id.

        ``expected_version`` is the proposal's ``row_version`` when it was opened (0: there was
        none): a save made on another workstation since is never overwritten
        (:class:`ConflictError`).
        """
        from sqlalchemy import exc as sa_exc

        now = _now()
        p = t.proposals
        text = None if edited is None else json.dumps(edited)
        try:
            with self._tx() as c:
                row = c.execute(p.select().where(p.c.scan_id == scan_id)).first()
                if row is None:
                    if expected_version:
                        raise StoreError(f"the proposal of scan {scan_id} was removed")
                    res = c.execute(p.insert().values(
                        scan_id=scan_id, original=json.dumps(original), edited=text,
                        created=now, updated=now, updated_by=self.who))
                    pid = int(res.inserted_primary_key[0])
                    self._audit(c, "add", "proposal", pid, {"scan_id": scan_id})
                    return pid
                if expected_version is not None and row.row_version != expected_version:
                    raise ConflictError(f"The proposal of scan {scan_id}", row.updated_by,
                                        row.updated, int(row.row_version))
                c.execute(p.update().where(p.c.id == row.id, p.c.row_version == row.row_version)
                          .values(edited=text, updated=now, updated_by=self.who,
                                  row_version=p.c.row_version + 1))
                self._audit(c, "edit", "proposal", int(row.id), {"scan_id": scan_id})
                return int(row.id)
        except sa_exc.IntegrityError:
            # Two first saves of one scan's proposal at the same moment, or no such scan.
            record = self.proposal_record(scan_id)
            if record is not None:
                raise ConflictError(f"The proposal of scan {scan_id}", record["updated_by"],
                                    record["updated"], record["row_version"]) from None
            raise StoreError(f"no scan {scan_id}") from None

    def proposal(self, scan_id: int) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
        """(original, edited) of a scan's proposal, or None."""
        record = self.proposal_record(scan_id)
        return None if record is None else (record["original"], record["edited"])

    def proposal_record(self, scan_id: int) -> dict[str, Any] | None:
        """A scan's proposal with its ``row_version``, ``updated`` and ``updated_by``; None."""
        p = t.proposals
        with self._read() as c:
            row = c.execute(p.select().where(p.c.scan_id == scan_id)).first()
        if row is None:
            return None
        out = _row(row)
        out["original"] = json.loads(out["original"])
        out["edited"] = None if out["edited"] is None else json.loads(out["edited"])
        return out

    def add_report(self, scan_id: int, audience: str, pdf: bytes) -> int:
        """Keep a rendered report (by checksum: beside the scans, or in the server's database)."""
        sha = hashlib.sha256(pdf).hexdigest()
        if not self.on_server:
            folder = private_folder(self.folder / "reports")
            path = folder / f"{sha}.pdf"
            if not path.exists():
                from orthofit.io.ofs import write_atomic

                write_atomic(path, lambda fh: fh.write(pdf))
        with self._tx() as c:
            self._put_blob(c, sha, "report", pdf if self.on_server else None)
            res = c.execute(t.reports.insert().values(scan_id=scan_id, audience=audience,
                                                      sha256=sha, created=_now()))
            rid = int(res.inserted_primary_key[0])
            self._audit(c, "add", "report", rid, {"scan_id": scan_id, "audience": audience})
        return rid

    def audit_trail(self, limit: int = 100) -> list[dict[str, Any]]:
        """The latest changes, newest first."""
        a = t.audit
        with self._read() as c:
            rows = c.execute(a.select().order_by(a.c.id.desc()).limit(int(limit)))
            return [{**_row(r), "detail": json.loads(r.detail)} for r in rows]

    # -- settings ----------------------------------------------------------------------------

    #: Settings and their defaults.
    SETTINGS = {"clinic_name": "", "clinic_logo": "", "mat_profile": "ofp1-generic",
                "mat_port": "", "thresholds": "default", "insole_rules": "default",
                "kiosk_pin": "", "pressure_scale": "800", "clinic_contact": ""}

    def settings(self) -> dict[str, str]:
        """All settings (defaults for those never set)."""
        with self._read() as c:
            stored = {r.key: r.value for r in c.execute(t.settings.select())}
        return {k: stored.get(k, v) for k, v in self.SETTINGS.items()}

    def set_settings(self, **values: str) -> None:
        """Change settings (the audit trail records which)."""
        unknown = set(values) - set(self.SETTINGS)
        if unknown:
            raise StoreError(f"unknown settings: {', '.join(sorted(unknown))}")
        with self._tx() as c:
            for key, value in values.items():
                self._upsert(c, t.settings, "key", {"key": key, "value": str(value)})
            self._audit(c, "update", "settings", None, {"keys": sorted(values)})

    # -- the administrator PIN's lockout ------------------------------------------------------

    def pin_lockout(self, scope: str = "kiosk") -> dict[str, float]:
        """Wrong PINs in a row and the time (``time.time()``) a lock lasts until."""
        pl = t.pin_lockout
        with self._read() as c:
            row = c.execute(pl.select().where(pl.c.scope == scope)).first()
        return {"failures": 0, "locked_until": 0.0} if row is None else \
            {"failures": int(row.failures), "locked_until": float(row.locked_until)}

    def record_pin_attempt(self, ok: bool, *, scope: str = "kiosk",
                           lock_s: Callable[[int], float] = lambda _n: 0.0,
                           now: float | None = None) -> dict[str, float]:
        """Count a PIN attempt: a right one clears the count, a wrong one adds to it.

        ``lock_s(failures)`` is how long the PIN is refused after that many wrong ones in a row;
        the count and the lock are kept in the database, so a restart changes nothing.
        """
        now = time.time() if now is None else now
        pl = t.pin_lockout
        with self._tx() as c:
            if ok:
                c.execute(pl.delete().where(pl.c.scope == scope))
                return {"failures": 0, "locked_until": 0.0}
            row = c.execute(pl.select().where(pl.c.scope == scope)).first()
            failures, until = next_lockout(row, lock_s, now)
            self._upsert(c, pl, "scope", {"scope": scope, "failures": failures,
                                          "locked_until": until})
            self._audit(c, "pin_wrong", scope, None, {"failures": failures,
                                                      "locked_s": round(max(until - now, 0))})
        return {"failures": failures, "locked_until": until}

    def clear_pin_lockout(self, scope: str = "kiosk") -> None:
        """Lift a PIN lock (staff, from the desktop)."""
        pl = t.pin_lockout
        with self._tx() as c:
            c.execute(pl.delete().where(pl.c.scope == scope))
            self._audit(c, "clear", "pin_lockout", None, {"scope": scope})

    # -- listing and backup ------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """How many rows each table of records holds."""
        from sqlalchemy import func, select

        with self._read() as c:
            return {name: int(c.execute(select(func.count()).select_from(
                t.metadata.tables[name])).scalar()) for name in t.RECORD_TABLES}

    def summary(self) -> dict[str, Any]:
        """Counts and the scans with their patients (for ``orthofit store list``)."""
        from sqlalchemy import select

        s, v = t.scans, t.visits
        with self._read() as c:
            scans = [_row(r) for r in c.execute(
                select(s.c.id, s.c.sha256, s.c.mode, s.c.frames, s.c.recorded, s.c.kiosk_code,
                       s.c.kiosk_name, s.c.visit_id, v.c.patient_id,
                       v.c.date.label("visit_date"))
                .select_from(s.outerjoin(v, v.c.id == s.c.visit_id))
                .order_by(s.c.recorded, s.c.id))]
        counts = self.counts()
        count = {k: counts[k] for k in ("patients", "visits", "scans", "proposals", "reports")}
        return {"folder": self.location, "schema": self.version, "counts": count,
                "scans": scans, "kiosk_queue": [s["id"] for s in scans if s["visit_id"] is None]}

    def check(self) -> list[str]:
        """Problems found: database integrity, scans whose contents are missing or damaged."""
        problems = []
        s = t.scans
        with self._read() as c:
            if not self.on_server:
                result = c.exec_driver_sql("PRAGMA integrity_check").scalar()
                if result != "ok":
                    problems.append(f"database: {result}")
            rows = [(int(r.id), str(r.sha256)) for r in c.execute(
                s.select().with_only_columns(s.c.id, s.c.sha256).order_by(s.c.id))]
        for sid, sha in rows:
            if not self.on_server and not self.scan_path(sha).exists():
                problems.append(f"scan {sid}: file {sha}.ofs is missing")
                continue
            try:
                self.scan_bytes(sid)
            except StoreError as exc:
                problems.append(str(exc))
        return problems

    def backup(self, *, force: bool = False) -> Path | None:
        """Make today's backup copy; None if it exists already (``force`` makes it again).

        A folder store: the database (SQLite's online backup) and hard links to the scan files,
        which never change (their names are their checksums), in ``backups/<date>/``. A server
        store: ``pg_dump`` of the whole database (scans and reports included) into
        ``backups/<database>-<date>.dump`` in this computer's folder
        (:func:`orthofit.store.dump.dump`).
        """
        if self.on_server:
            from orthofit.store.dump import dump

            return dump(self, force=force)
        folder = self.folder / "backups" / dt.date.today().isoformat()
        if folder.exists() and not force:
            return None
        for path in (folder.parent, folder, folder / "scans"):
            private_folder(path)
        old = os.umask(0o077)
        try:
            target = sqlite3.connect(folder / DB_NAME)
            source = sqlite3.connect(self.db_path)
            with target:
                source.backup(target)
            source.close()
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


def stage_scan(rec: Recording, file: str | Path | None, *, folder: Path,
               on_server: bool) -> tuple[str, bytes | None]:
    """The scan's checksum, and its bytes for a server store.

    ``file`` is an ``.ofs`` the recording was saved to or read from already (a capture,
    a kiosk's staged scan): its bytes are kept as they are instead of writing the recording
    again. A folder store's file is in place in ``folder/scans`` when this returns (written
    atomically).
    """
    if file is not None:
        file = Path(file)
        meta = read_meta(file)  # a damaged or foreign file is refused here, not later
        if list(meta.get("shape", ())) != list(rec.frames.shape):
            raise StoreError(f"{file} holds another recording than the one being filed "
                             f"(frames {meta.get('shape')} against "
                             f"{list(rec.frames.shape)}); nothing was stored")
    try:
        if on_server:
            if file is not None:
                data = file.read_bytes()
            else:
                with tempfile.TemporaryDirectory(prefix="orthofit-") as tmp:
                    data = save_ofs(rec, Path(tmp) / "scan.ofs").read_bytes()
            return hashlib.sha256(data).hexdigest(), data
        with saving(folder / "scans") as work:
            incoming = work / "scan.ofs"
            if file is not None:
                shutil.copyfile(file, incoming)
                os.chmod(incoming, 0o600)
            else:
                save_ofs(rec, incoming)
            sha = file_sha256(incoming)
            os.replace(incoming, folder / "scans" / f"{sha}.ofs")
        return sha, None
    except OSError as exc:
        raise why_not_saved(folder, exc) from exc


def next_lockout(row: Any, lock_s: Callable[[int], float], now: float) -> tuple[int, float]:
    """After one more wrong PIN: (wrong PINs in a row, the time the lock lasts until).

    ``row`` is the scope's ``pin_lockout`` row (None: none yet); ``lock_s(failures)`` how long
    (s) the PIN is refused after that many; ``now`` is ``time.time()``.
    """
    failures = 1 + (int(row.failures) if row is not None else 0)
    until = float(row.locked_until) if row is not None else 0.0
    wait = float(lock_s(failures))
    return failures, max(until, now + wait) if wait > 0 else until


#: Connection failures that a setting fixes, not waiting: what libpq says, and what to do.
_CONNECT_ADVICE = (
    ("password authentication failed", "check the user name, and the password in PGPASSWORD "
                                       "or ~/.pgpass (never in the address)"),
    ("no password supplied", "put the password in PGPASSWORD or ~/.pgpass"),
    ("does not exist", "check the user and database names in the address; a new clinic store "
                       "is made with `orthofit store init`"),
    ("does not support SSL", "the server does not offer TLS: turn on ssl in its "
                             "postgresql.conf, or leave out sslmode=require on a trusted network"),
    ("no pg_hba.conf entry", "the server does not let this computer or user in: add it to the "
                             "server's pg_hba.conf"),
)


def short_error(exc: BaseException, limit: int = 300) -> str:
    """An exception's first line, for a message (a driver's error can run to a page)."""
    orig = getattr(exc, "orig", None) or exc
    text = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return text if len(text) <= limit else text[:limit] + "..."


def connection_lost(exc: BaseException) -> bool:
    """Whether a database error means the connection to the server is gone."""
    try:
        import psycopg
    except ImportError:
        return False
    orig = getattr(exc, "orig", None)
    return isinstance(orig, psycopg.OperationalError) and not isinstance(
        orig, psycopg.errors.LockNotAvailable | psycopg.errors.QueryCanceled)


def permission_denied(exc: BaseException) -> bool:
    """Whether a database error means this login may not do what was asked."""
    try:
        import psycopg
    except ImportError:
        return False
    return isinstance(getattr(exc, "orig", None), psycopg.errors.InsufficientPrivilege)


def _hostname() -> str:
    try:
        return socket.gethostname() or "unknown"
    except OSError:
        return "unknown"


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "orthofit"
