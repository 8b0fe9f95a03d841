"""What changed in the clinic store since a desktop last looked: the audit trail as it grows.

Every change to the store adds a row to its audit trail (:meth:`Store._audit`), whoever made
it and on whichever workstation. A :class:`ChangeFeed` hands those rows to an open desktop as
they come, so that a scan filed at the kiosk or on another desktop appears in the kiosk queue
and in the patient's history at once, and says whether the store can be reached.

- On a server (PostgreSQL), every new audit row is announced on the channel ``orthofit``
  (NOTIFY, by the trigger of schema 7). The feed LISTENs on a connection of its own, in a
  thread of its own, and reads the audit trail only when something was announced. The rows
  are always read from the trail itself (from the last one seen), never taken from the
  announcements alone, so that nothing is missed when announcements are lost while the
  connection is down: after a reconnect the feed catches up from the last row it saw.
- On SQLite (one computer), :meth:`ChangeFeed.poll` reads the rows after the last one seen: a
  cheap indexed query, and no connection is held open for the feed between polls.

:meth:`ChangeFeed.poll` never waits on the network: the server side runs in the feed's thread,
and a connection attempt to a server that does not answer (up to the connect timeout) holds up
that thread, not the desktop. No Qt: the desktop polls the feed from a timer.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from orthofit.store import tables as t
from orthofit.store.backend import KEEPALIVE
from orthofit.store.files import StoreError

log = logging.getLogger(__name__)

#: The channel the audit trigger announces on (migration 0007).
CHANNEL = "orthofit"
#: Waits between attempts to reach a server that went away (s); the last one repeats.
RETRY_S = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
#: How long the feed's thread waits for an announcement before looking at its stop flag (s).
WAIT_S = 0.25
#: How long an audit id skipped by a newer one is looked for again (s). A server hands out ids
#: when rows are inserted, not when they are committed: a slow transaction may commit id 10
#: after id 11 was seen. Its announcement names it, so it is read then; this only matters when
#: the announcement was lost with the connection (and for ids of transactions rolled back,
#: which never appear and are forgotten after this long).
GAP_S = 120.0
#: Audit rows read at a time when catching up.
BATCH = 500
#: What an event holds (the audit row's columns).
FIELDS = ("id", "at", "actor", "action", "entity", "entity_id", "workstation", "detail")


class ChangeFeed:
    """The audit events added to ``store`` by anyone since the feed was opened.

    Parameters
    ----------
    store : Store
        The open clinic store (SQLite or PostgreSQL).
    since : int, optional
        The audit id to start after (default: the newest one now, so that only changes made
        from now on are reported).
    retry_s : sequence of float, optional
        Waits between reconnection attempts (s), growing; the last one repeats.

    Notes
    -----
    An event is a dict with ``id``, ``at`` (UTC, ISO 8601), ``actor``, ``action``, ``entity``,
    ``entity_id``, ``workstation`` and ``detail`` (a dict), as in :meth:`Store.audit_trail`.
    Events come in the order of their ids, each once. Call :meth:`close` when done (it stops
    the server connection's thread).

    Examples
    --------
    >>> import tempfile
    >>> from orthofit.store import Store
    >>> store = Store(tempfile.mkdtemp())
    >>> feed = ChangeFeed(store)
    >>> pid = store.add_patient("Ada", "Lovelace")
    >>> [(e["action"], e["entity"], e["entity_id"] == pid) for e in feed.poll()]
    [('add', 'patient', True)]
    >>> feed.poll()
    []
    >>> feed.close(); store.close()
    """

    def __init__(self, store: Any, *, since: int | None = None,
                 retry_s: Sequence[float] = RETRY_S) -> None:
        self.store = store
        self.retry_s = tuple(float(s) for s in retry_s) or RETRY_S
        self._last = since
        self._gaps: dict[int, float] = {}  # skipped audit ids -> when first skipped (monotonic)
        self._lock = threading.Lock()
        self._events: list[dict[str, Any]] = []
        self._online = True
        self._down_since: dt.datetime | None = None
        self._problem = ""
        self._stop = threading.Event()
        self._wake = threading.Event()  # cuts the wait before the next attempt short
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None
        self.reconnects = 0
        if self._last is None:
            # Now, not when the server is first reached: a change made between opening the
            # feed and its first connection is caught up, not taken for the past.
            try:
                self._last = self._newest()
            except (StoreError, SQLAlchemyError) as exc:
                self._went_down(_why(exc, self.store))
        if store.on_server:
            self._thread = threading.Thread(target=self._listen, name="orthofit-changes",
                                            daemon=True)
            self._thread.start()

    # -- what the desktop reads -----------------------------------------------------------------

    @property
    def online(self) -> bool:
        """Whether the store could be reached the last time the feed tried."""
        with self._lock:
            return self._online

    @property
    def down_since(self) -> dt.datetime | None:
        """When the store stopped answering (UTC), while it does not; None while it does."""
        with self._lock:
            return self._down_since

    @property
    def problem(self) -> str:
        """Why the store cannot be reached, in words ("" while it can)."""
        with self._lock:
            return self._problem

    @property
    def listening(self) -> bool:
        """On a server: whether the feed's connection is up and listening for changes."""
        return self._listening.is_set()

    @property
    def last_id(self) -> int | None:
        """The newest audit id reported (None before the store was first reached)."""
        return self._last

    def poll(self) -> list[dict[str, Any]]:
        """The events added since the last poll, oldest first (never waits on the network)."""
        if self._thread is None:
            self._read_sqlite()
        with self._lock:
            events, self._events = self._events, []
        return events

    def reconnect_now(self) -> None:
        """Try to reach the server again at once, not after the wait (it answered elsewhere)."""
        self._wake.set()

    def close(self) -> None:
        """Stop listening (the feed's thread ends; its connection is closed)."""
        self._stop.set()
        self._wake.set()
        conn = self._conn
        if self._thread is not None:
            self._thread.join(2.0)  # (a daemon: one stuck connecting ends with the program)
        if conn is not None and self._thread is not None and self._thread.is_alive():
            conn.close()  # the thread is stuck in a connection attempt or a read: cut it

    def __enter__(self) -> ChangeFeed:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- the state, as the feed finds it ----------------------------------------------------

    def _went_down(self, exc: BaseException) -> None:
        with self._lock:
            if self._online:
                self._online = False
                self._down_since = dt.datetime.now(dt.UTC)
                log.warning("the clinic store cannot be reached: %s", exc)
            self._problem = str(exc)

    def _came_back(self) -> None:
        with self._lock:
            if not self._online:
                log.info("the clinic store can be reached again")
            self._online, self._down_since, self._problem = True, None, ""

    # -- reading the audit trail ------------------------------------------------------------

    def _newest(self) -> int:
        from sqlalchemy import func, select

        with self.store._read() as c:
            return int(c.execute(select(func.coalesce(func.max(t.audit.c.id), 0))).scalar())

    def _read(self, notified: Iterable[int] = ()) -> None:
        """Read the audit rows after the last one seen (and those announced or skipped)."""
        from sqlalchemy import or_

        a = t.audit
        now = time.monotonic()
        self._gaps = {i: since for i, since in self._gaps.items() if now - since < GAP_S}
        while True:
            wanted = sorted({*self._gaps, *(i for i in notified if i <= (self._last or 0))})
            where = a.c.id > self._last
            if wanted:
                where = or_(where, a.c.id.in_(wanted))
            with self.store._read() as c:
                rows = [dict(r._mapping) for r in c.execute(
                    a.select().where(where).order_by(a.c.id).limit(BATCH))]
            fresh = []
            for row in rows:
                rid = int(row["id"])
                if rid > self._last:
                    if rid - self._last <= BATCH:  # (a larger jump: ids lost to rollbacks)
                        self._gaps.update(dict.fromkeys(range(self._last + 1, rid), now))
                    self._last = rid
                elif self._gaps.pop(rid, None) is None:
                    continue  # announced, but read already
                fresh.append(_event(row))
            if fresh:
                with self._lock:
                    self._events.extend(fresh)
            notified = ()
            if len(rows) < BATCH:
                return

    def _read_sqlite(self) -> None:
        try:
            if self._last is None:
                self._last = self._newest()
            else:
                self._read()
        except (StoreError, SQLAlchemyError) as exc:
            self._went_down(_why(exc, self.store))
            return
        self._came_back()

    # -- the server: LISTEN in a thread of its own ------------------------------------------

    def _connect(self) -> Any:
        """A connection of the feed's own to the server, listening on :data:`CHANNEL`."""
        import psycopg

        from orthofit.store.backend import CONNECT_TIMEOUT_S

        engine = self.store.engine
        _args, kwargs = engine.dialect.create_connect_args(self.store.url)
        kwargs.pop("context", None)  # SQLAlchemy's own type adapters, not a libpq setting
        conn = psycopg.connect(**kwargs, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                               application_name="orthofit changes", **KEEPALIVE)
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def _listen(self) -> None:
        import psycopg

        tries = 0
        while not self._stop.is_set():
            try:
                self._conn = self._connect()
                # Listening first, then reading: a change made in between is both announced
                # and read, never neither (the second reading of it is dropped by its id).
                if self._last is None:
                    self._last = self._newest()
                else:
                    self._read()
                if tries:
                    self.reconnects += 1
                tries = 0
                self._came_back()
                self._listening.set()
                while not self._stop.is_set():
                    ids = _ids(self._conn.notifies(timeout=WAIT_S, stop_after=1))
                    if ids:
                        ids += _ids(self._conn.notifies(timeout=0))  # all that came together
                        self._read(ids)
            except (psycopg.Error, StoreError, SQLAlchemyError, OSError) as exc:
                if self._stop.is_set():
                    break
                self._went_down(_why(exc, self.store))
            finally:
                self._listening.clear()
                conn, self._conn = self._conn, None
                if conn is not None:
                    conn.close()
            self._wake.wait(self.retry_s[min(tries, len(self.retry_s) - 1)])
            self._wake.clear()
            tries += 1


def _event(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: row.get(k) for k in FIELDS}
    try:
        out["detail"] = json.loads(out["detail"] or "{}")
    except (TypeError, ValueError):
        out["detail"] = {}
    return out


def _ids(notifies: Iterable[Any]) -> list[int]:
    """The audit ids named by announcements (one that names none still asks for a reading)."""
    out = []
    for n in notifies:
        try:
            out.append(int(json.loads(n.payload)["id"]))
        except (TypeError, ValueError, KeyError):
            out.append(0)
    return out


def _why(exc: BaseException, store: Any) -> BaseException:
    """A driver's error said briefly (its first line), as the store says its own."""
    if isinstance(exc, StoreError):
        return exc
    orig = getattr(exc, "orig", None) or exc
    text = (str(orig).strip().splitlines() or [type(orig).__name__])[0][:300]
    if store.on_server:
        return StoreError(f"the clinic store's server ({store.location}) cannot be reached "
                          f"({text})")
    return StoreError(f"the clinic store in {store.location} cannot be read ({text})")
