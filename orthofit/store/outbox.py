"""Captures kept on this computer while the clinic store cannot be reached, filed when it can.

A desktop records a trial for a patient and files it in the clinic store. When the store's
server cannot be reached at that moment (it restarts, the network is down:
:class:`~orthofit.store.StoreUnavailable`), the recording is not lost: it is kept in the
outbox, ``outbox/`` in this computer's own folder (``store.folder``; mode 0700), as the scan
(``.ofs``, written atomically) and a small ticket beside it (``.json``: the patient, the visit
or the visit's date, where the scan came from and when it was recorded). Once the store answers
again (the desktop's change feed says so, or at the next start) :meth:`Outbox.file` files what
waits, in the order it was kept.

Filing is idempotent: the store names a scan by the SHA-256 of its file, and an ``.ofs`` file
written from the same recording has the same bytes, so a capture filed twice (the desktop was
stopped between filing it and clearing it from the outbox) is stored once. A capture that
cannot be filed for a reason that waiting does not cure (its patient was deleted meanwhile, its
file was damaged) stays in the outbox with the reason in its ticket, to be dealt with by staff:
nothing already recorded is thrown away. No Qt.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from orthofit.errors import OrthofitError
from orthofit.io.ofs import load_ofs, save_ofs, write_atomic
from orthofit.model import Recording
from orthofit.store.files import StoreError, private_folder

try:
    import fcntl
except ImportError:  # Windows: one desktop per computer files its outbox
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

#: The outbox's folder, in this computer's own folder.
OUTBOX = "outbox"
#: The lock file two desktops on one computer take before filing (one files, the other waits).
LOCK_NAME = ".filing.lock"


@dataclasses.dataclass(frozen=True)
class Waiting:
    """One capture in the outbox: its scan file and its ticket."""

    path: Path
    ticket: dict[str, Any]

    @property
    def patient_id(self) -> int:
        """The patient the capture was recorded for."""
        return int(self.ticket["patient_id"])

    @property
    def recorded(self) -> dt.datetime:
        """When the capture was recorded (UTC)."""
        return dt.datetime.fromisoformat(self.ticket["recorded"])

    @property
    def problem(self) -> str:
        """Why it could not be filed last time, if not because the store was away ("")."""
        return str(self.ticket.get("problem") or "")


@dataclasses.dataclass
class Filed:
    """What one :meth:`Outbox.file` did.

    ``filed`` holds (capture, scan id) for each capture now in the store; ``problems``
    (capture, reason) for those kept because they cannot be filed as they are; ``unavailable``
    says the store stopped answering before everything was filed (the rest waits).
    """

    filed: list[tuple[Waiting, int]] = dataclasses.field(default_factory=list)
    problems: list[tuple[Waiting, str]] = dataclasses.field(default_factory=list)
    unavailable: str = ""


class Outbox:
    """The captures waiting on this computer to be filed in the clinic store.

    Parameters
    ----------
    folder : str or Path
        This computer's own folder (``store.folder``); the outbox is ``outbox/`` in it,
        made (mode 0700) when the first capture is kept.

    Examples
    --------
    >>> import tempfile
    >>> from orthofit.store import Store
    >>> from orthofit import footmodel as fm
    >>> store = Store(tempfile.mkdtemp())
    >>> pid = store.add_patient("Ada", "Lovelace")
    >>> outbox = Outbox(store.folder)
    >>> rec, _ = fm.static_trial("normal", duration_s=0.2)
    >>> kept = outbox.keep(rec, patient_id=pid)
    >>> len(outbox)
    1
    >>> done = outbox.file(store)
    >>> [store.scan_patient(scan_id) == pid for _, scan_id in done.filed], len(outbox)
    ([True], 0)
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder) / OUTBOX

    def keep(self, rec: Recording, *, patient_id: int, visit_id: int | None = None,
             visit_date: str | None = None, source: str = "capture",
             recorded: dt.datetime | None = None) -> Waiting:
        """Keep a capture to file later; its scan file first, then its ticket.

        ``visit_id`` is the visit it belongs to when it is known; otherwise it goes to the
        patient's visit dated ``visit_date`` (default: today, local date), opened when it is
        filed if there is none. ``recorded`` (default: now) is when it was recorded.
        Raises OSError when this computer cannot write it (the caller says so).
        """
        when = (recorded or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        private_folder(self.folder, parents=True)
        stem = f"{when:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        path = self.folder / f"{stem}.ofs"
        ticket = {"patient_id": int(patient_id),
                  "visit_id": None if visit_id is None else int(visit_id),
                  "visit_date": visit_date or dt.date.today().isoformat(),
                  "source": source, "recorded": when.isoformat(timespec="seconds"),
                  "kept": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        # The scan before its ticket: a ticket always has its scan, and a stop in between
        # leaves a complete scan file, never a ticket pointing at half a file.
        save_ofs(rec, path)
        self._write_ticket(path, ticket)
        log.info("kept a capture for patient %s in %s", patient_id, path)
        return Waiting(path, ticket)

    def waiting(self) -> list[Waiting]:
        """The captures waiting, oldest first."""
        if not self.folder.is_dir():
            return []
        out = []
        for ticket_path in sorted(self.folder.glob("*.json")):
            path = ticket_path.with_suffix(".ofs")
            if not path.exists():
                # Filed: its scan was cleared and the program stopped before its ticket was.
                ticket_path.unlink(missing_ok=True)
                continue
            try:
                ticket = json.loads(ticket_path.read_text())
                int(ticket["patient_id"])
                dt.datetime.fromisoformat(ticket["recorded"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                ticket = {"patient_id": -1, "recorded": "1970-01-01T00:00:00+00:00",
                          "problem": f"its ticket {ticket_path.name} cannot be read ({exc})"}
            out.append(Waiting(path, ticket))
        return out

    def __len__(self) -> int:
        return len(self.waiting())

    def file(self, store: Any) -> Filed:
        """File what waits into ``store``, oldest first; stops when the store stops answering.

        Idempotent: filing a capture that is in the store already (same patient and visit)
        gives its scan id again, and nothing is stored twice.
        """
        from orthofit.store.store import StoreUnavailable

        done = Filed()
        with self._filing() as mine:
            if not mine:
                return done  # another desktop on this computer is filing them right now
            for item in self.waiting():
                if item.patient_id < 0:
                    done.problems.append((item, item.problem))
                    continue
                try:
                    scan_id = self._file_one(store, item)
                except StoreUnavailable as exc:
                    done.unavailable = str(exc)
                    break
                except (StoreError, OrthofitError, OSError) as exc:
                    why = str(exc)
                    done.problems.append((item, why))
                    if why != item.problem:
                        self._write_ticket(item.path, {**item.ticket, "problem": why})
                    continue
                for p in (item.path, item.path.with_suffix(".json")):
                    p.unlink(missing_ok=True)
                done.filed.append((item, scan_id))
                log.info("filed the capture kept in %s as scan %s", item.path.name, scan_id)
        return done

    # -- helpers ----------------------------------------------------------------------------

    def _file_one(self, store: Any, item: Waiting) -> int:
        rec = load_ofs(item.path)  # checked against the checksums written with it
        visit_id = item.ticket.get("visit_id")
        if visit_id is None:
            date = str(item.ticket.get("visit_date") or item.recorded.astimezone().date())
            # The visit of that day, as when the capture was made (filed on a later day, the
            # scan still belongs to the day it was recorded).
            same_day = [v["id"] for v in store.visits(item.patient_id) if v["date"] == date]
            visit_id = same_day[-1] if same_day else store.add_visit(item.patient_id, date)
        return int(store.add_scan(rec, visit_id=int(visit_id),
                                  source=str(item.ticket.get("source") or "capture"),
                                  recorded=item.recorded))

    def _write_ticket(self, path: Path, ticket: dict[str, Any]) -> None:
        text = json.dumps(ticket, indent=1, sort_keys=True).encode()
        write_atomic(path.with_suffix(".json"), lambda fh: fh.write(text))

    @contextmanager
    def _filing(self) -> Iterator[bool]:
        """Whether this process may file now (no other one on this computer is filing)."""
        if not self.folder.is_dir() or fcntl is None:
            yield True
            return
        fd = os.open(self.folder / LOCK_NAME, os.O_RDWR | os.O_CREAT |
                     getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)  # closing lets the lock go
