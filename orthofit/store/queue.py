"""The kiosk's narrow access to the clinic store: queue a scan, log an event, and no more.

A kiosk needs four things from the store, and :class:`KioskQueue` offers exactly those: add a
scan to the kiosk queue (:meth:`~KioskQueue.queue_scan`), write an event or an alert for staff
to the audit trail (:meth:`~KioskQueue.log_event`, :meth:`~KioskQueue.alert`), read the
administrator PIN's hash and the clinic's cut-off profile (:meth:`~KioskQueue.settings`), and
keep the PIN's lockout (:meth:`~KioskQueue.pin_lockout`, :meth:`~KioskQueue.record_pin_attempt`).
Nothing here reads a patient, a visit, a scan, a proposal, a report or the audit trail.

On a server every statement is one the kiosk role of ``orthofit store init`` is allowed
(:mod:`orthofit.store.admin`): a scan's id is drawn from its sequence before the row is added,
because the kiosk may not read the scans table (not even the row it has just added, which
``INSERT ... RETURNING`` would need); an event is added without asking for its id back. The same
statements run on an SQLite store, where the operating system's file rights are the only
boundary and the kiosk runs as the clinic's user.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
from orthofit.store.files import StoreError, private_folder
from orthofit.store.store import (
    Store,
    StoreUnavailable,
    _hostname,
    _now,
    connection_lost,
    default_folder,
    next_lockout,
    short_error,
    stage_scan,
    visit_code,
)
from orthofit.store.upgrade import HEAD, schema_version

#: Who the kiosk is in the audit trail (the kiosk role may write no other name).
KIOSK_ACTOR = "kiosk"
#: The ``source`` of every scan a kiosk queues.
KIOSK_SOURCE = "kiosk"
#: The PIN lockout the kiosk keeps (its row in ``pin_lockout``).
KIOSK_SCOPE = "kiosk"
#: The settings a kiosk may read, with their defaults.
KIOSK_SETTINGS = {"kiosk_pin": Store.SETTINGS["kiosk_pin"],
                  "thresholds": Store.SETTINGS["thresholds"]}


class KioskQueue:
    """What a kiosk may do in the clinic store at ``location``.

    Parameters
    ----------
    location : str or Path, optional
        The store's folder (SQLite; made if missing, as the kiosk always did; default
        :func:`~orthofit.store.store.default_folder`) or a server's
        ``postgresql://kiosk-login@host/database`` (a login holding the kiosk role; password in
        ``PGPASSWORD`` or ``~/.pgpass``). A server store must have been made with
        ``orthofit store init``.
    local : str or Path, optional
        A server store's folder on this computer, where captures are staged (default
        :func:`~orthofit.store.store.default_folder`). A folder store uses its own folder.
    workstation : str, optional
        This kiosk's name in the audit trail (default: the host name).

    Notes
    -----
    A server that cannot be reached when the queue is opened is not an error (the kiosk
    stages captures locally and shows its "one moment" screen): every operation raises
    :class:`~orthofit.store.StoreUnavailable` until it is back.
    """

    def __init__(self, location: str | Path | None = None, *, local: str | Path | None = None,
                 workstation: str | None = None) -> None:
        self.workstation = (workstation or _hostname())[:100]
        self.on_server = is_url(location)
        self._checked = False
        if self.on_server:
            url = server_url(str(location), allow_password=True)
            self.location = shown_url(url)
            self.folder = private_folder(Path(local) if local else default_folder(),
                                         parents=True)
            self.engine = postgres_engine(url, pool_size=1)
            try:
                with self._connect(write=False):
                    pass  # checks the schema; a wrong one is said now, at the kiosk's start
            except StoreUnavailable:
                pass  # said when the kiosk next needs the store
            except BaseException:
                self.engine.dispose()
                raise
        else:
            # The kiosk has always made (or upgraded) a folder store it was pointed at; only
            # the store's own code does that. On one computer the files are the boundary.
            Store(location, actor=KIOSK_ACTOR, create=True).close()
            self.folder = Path(location) if location is not None else default_folder()
            self.location = str(self.folder)
            self.engine = sqlite_engine(self.folder / DB_NAME)

    def close(self) -> None:
        """Close the connections."""
        self.engine.dispose()

    def __enter__(self) -> KioskQueue:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

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
                if not self._checked:
                    self._check(conn)
                yield conn
        except sa_exc.DBAPIError as exc:
            if exc.connection_invalidated or connection_lost(exc):
                raise self._unavailable(exc) from exc
            raise StoreError(f"the kiosk could not do it in the clinic store {self.location} "
                             f"({short_error(exc)}); if this is a server, check that its kiosk "
                             "login holds the kiosk role of `orthofit store init`") from exc
        finally:
            conn.close()

    def _check(self, conn: Any) -> None:
        version = schema_version(conn)
        if version == 0:
            raise StoreError(f"{self.location} holds no clinic store yet; make it with "
                             f"`orthofit store init {self.location}`")
        if version != HEAD:
            raise StoreError(f"the clinic store {self.location} has schema {version}, this "
                             f"orthofit needs {HEAD}: run `orthofit store init` as the "
                             "database's owner, or update this kiosk's orthofit")
        self._checked = True

    def _unavailable(self, exc: Exception) -> StoreUnavailable:
        return StoreUnavailable(f"the clinic store ({self.location}) cannot be reached "
                                f"({short_error(exc)}); the kiosk keeps its capture and tries "
                                "again")

    def _event(self, c: Any, action: str, entity: str, entity_id: int | None,
               detail: dict[str, Any] | None) -> None:
        import json

        # inline(): no RETURNING of the new id (the kiosk may not read the audit trail).
        c.execute(t.audit.insert().inline().values(
            at=_now(), actor=KIOSK_ACTOR, action=action, entity=entity, entity_id=entity_id,
            detail=json.dumps(detail or {}, sort_keys=True), workstation=self.workstation))

    # -- the kiosk queue ---------------------------------------------------------------------

    def queue_scan(self, rec: Recording, code: str, name: str | None = None, *,
                   file: str | Path | None = None) -> int | None:
        """Add a scan to the kiosk queue under a visit code; its id.

        ``name`` is the first name the patient typed; ``file`` the ``.ofs`` the recording is
        in already (stored as it is).

        None when this very recording is in the store already (a kiosk stopped between filing
        a capture and tidying it files it again): it is not stored twice, and the kiosk is not
        told where it is.
        """
        from sqlalchemy import text

        code = visit_code(code)
        # The staged capture's own bytes (or the recording written once), as the desktop's.
        sha, data = stage_scan(rec, file, folder=self.folder, on_server=self.on_server)
        with self._connect(write=True) as c:
            server = c.dialect.name == "postgresql"
            if server:
                # The id first, from the sequence: the kiosk cannot read the row it adds.
                sid = int(c.execute(text("SELECT nextval(pg_get_serial_sequence('scans', "
                                         "'id'))")).scalar())
                # No conflict target: naming one needs the right to read the table.
                c.execute(dialect_insert(c, t.blobs).values(
                    sha256=sha, kind="scan", size=len(data), data=data).on_conflict_do_nothing())
            row = {"sha256": sha, "mode": rec.mode, "frames": rec.n_frames, "recorded": _now(),
                   "source": KIOSK_SOURCE, "kiosk_code": code, "kiosk_name": name or None}
            if server:
                row["id"] = sid
            # The only conflict possible is the checksum (the id is new): the same recording.
            res = c.execute(dialect_insert(c, t.scans).values(**row).on_conflict_do_nothing()
                            .execution_options(preserve_rowcount=True))
            if res.rowcount == 0:
                return None
            if not server:
                sid = int(res.inserted_primary_key[0])
            self._event(c, "add", "scan", sid, {"sha256": sha, "kiosk_code": code})
        return sid

    # -- the audit trail ---------------------------------------------------------------------

    def log_event(self, action: str, entity: str, detail: dict[str, Any] | None = None) -> None:
        """Write an event to the audit trail as the kiosk (a discarded capture, an alert)."""
        with self._connect(write=True) as c:
            self._event(c, action, entity, None, detail)

    def alert(self, message: str, **detail: Any) -> None:
        """Leave a message for staff (the desktop lists alerts)."""
        self.log_event("alert", "kiosk", {"message": str(message), **detail})

    # -- settings and the PIN ----------------------------------------------------------------

    def settings(self) -> dict[str, str]:
        """The PIN's hash and the cut-off profile's name (defaults for those never set)."""
        s = t.settings
        with self._connect(write=False) as c:
            stored = {r.key: r.value for r in c.execute(
                s.select().where(s.c.key.in_(list(KIOSK_SETTINGS))))}
        return {k: stored.get(k, v) for k, v in KIOSK_SETTINGS.items()}

    def rehash_pin(self, old: str, new: str) -> bool:
        """Keep the PIN under a new hash if it is still ``old``; whether it was changed.

        Only a folder store: on a server the kiosk role may not write settings (a kiosk must
        not be able to change the PIN that lets staff leave it), so a PIN set under older rules
        stays so until staff set it again (``orthofit kiosk --set-pin`` or the desktop).
        """
        if self.on_server:
            return False
        s = t.settings
        with self._connect(write=True) as c:
            res = c.execute(s.update().where(s.c.key == "kiosk_pin", s.c.value == old)
                            .values(value=new))
            if res.rowcount:
                self._event(c, "update", "settings", None, {"keys": ["kiosk_pin"],
                                                            "reason": "rehashed"})
            return bool(res.rowcount)

    def pin_lockout(self) -> dict[str, float]:
        """Wrong PINs in a row and the time (``time.time()``, s) a lock lasts until."""
        pl = t.pin_lockout
        with self._connect(write=False) as c:
            row = c.execute(pl.select().where(pl.c.scope == KIOSK_SCOPE)).first()
        return {"failures": 0, "locked_until": 0.0} if row is None else \
            {"failures": int(row.failures), "locked_until": float(row.locked_until)}

    def record_pin_attempt(self, ok: bool, *, lock_s: Callable[[int], float] = lambda _n: 0.0,
                           now: float | None = None) -> dict[str, float]:
        """Count a PIN attempt: a right one clears the count, a wrong one adds to it.

        ``lock_s(failures)`` is how long (s) the PIN is refused after that many wrong ones in a
        row; the count and the lock live in the store, so a restart changes nothing. Lifting a
        lock without the PIN is for staff, on the desktop.
        """
        now = time.time() if now is None else now
        pl = t.pin_lockout
        with self._connect(write=True) as c:
            if ok:
                c.execute(pl.delete().where(pl.c.scope == KIOSK_SCOPE))
                return {"failures": 0, "locked_until": 0.0}
            row = c.execute(pl.select().where(pl.c.scope == KIOSK_SCOPE)).first()
            failures, until = next_lockout(row, lock_s, now)
            stmt = dialect_insert(c, pl).values(scope=KIOSK_SCOPE, failures=failures,
                                              locked_until=until)
            c.execute(stmt.on_conflict_do_update(
                index_elements=["scope"], set_={"failures": stmt.excluded.failures,
                                                "locked_until": stmt.excluded.locked_until}))
            self._event(c, "pin_wrong", KIOSK_SCOPE, None,
                        {"failures": failures, "locked_s": round(max(until - now, 0))})
        return {"failures": failures, "locked_until": until}
