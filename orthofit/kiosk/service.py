"""What the kiosk may do in the clinic store, carried out in a small process of its own.

The kiosk's screens run in one process and hold only the door
(:class:`~orthofit.kiosk.access.KioskStore`); this module runs in the helper process the door
starts, owns the store's narrow kiosk access (:class:`~orthofit.store.queue.KioskQueue`: queue
a scan, log an event, read the PIN's hash and the cut-off profile, keep the PIN's lockout) and
answers the door's requests one at a time over a pipe. Only the operations in
:data:`OPERATIONS` exist, and none of them returns anything about a patient, a visit or another
scan: the kiosk process never holds a connection to the database, so no slip in the kiosk's
code can show one patient's data to another. On a server the helper connects as a login of the
kiosk role, so PostgreSQL itself refuses it everything else.

Every path the kiosk names is checked to lie directly in the staging folder (``kiosk/`` in the
store's folder, or in this computer's own folder for a server store), and every visit code to be
six digits, before a file is touched.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path
from typing import Any

from orthofit.capture.journal import index_journal
from orthofit.capture.recorder import journal_path_for
from orthofit.errors import OrthofitError
from orthofit.io.ofs import load_ofs, write_atomic
from orthofit.kiosk.pin import (
    MAX_LOCK_S,
    MIN_DIGITS,
    PinCheck,
    hash_pin,
    lock_seconds,
    needs_change,
    verify_pin,
)
from orthofit.store.files import private_folder
from orthofit.store.queue import KIOSK_ACTOR, KioskQueue
from orthofit.store.store import StoreUnavailable, visit_code

try:
    import fcntl
except ImportError:  # Windows: no other kiosk's files can be removed while it writes them
    fcntl = None  # type: ignore[assignment]

ACTOR = KIOSK_ACTOR
#: The requests the door may make; anything else is refused.
OPERATIONS = frozenset({"staging_path", "discard", "file_staged", "recover", "alert",
                        "thresholds_name", "pin_state", "check_pin"})
#: The capture modes the kiosk stages.
MODES = ("static", "walk", "balance")
#: A staged capture's file name: its visit code and mode, nothing else.
STAGED = re.compile(r"(\d{6})-(" + "|".join(MODES) + r")\.ofs")
#: The lock file running kiosks share, in the store's folder.
LOCK_NAME = ".kiosk.lock"
#: The first name a patient types is kept to this many characters.
NAME_CHARS = 40
#: How long a tidy-up waits for another kiosk on the same store that is just stopping (s).
RECOVER_WAIT_S = 5.0


class KioskRefused(OrthofitError):
    """The kiosk asked for something it may not do (the message says what)."""


def _clean_name(name: Any) -> str:
    text = "".join(ch for ch in str(name or "") if ch.isprintable())
    return " ".join(text.split())[:NAME_CHARS]


class KioskService:
    """The kiosk's operations on the store at ``location`` (in the helper process).

    ``location`` is the store's folder or a server's URL; for a server, captures are staged in
    this computer's own folder (``local``, default :func:`~orthofit.store.default_folder`).
    """

    def __init__(self, location: str | Path | None, *, local: str | Path | None = None) -> None:
        self._queue = KioskQueue(location, local=local)
        folder = self._queue.folder
        self.staging = private_folder(folder / "kiosk")
        self._real = self.staging.resolve()
        if self._real.parent != folder.resolve():
            self._queue.close()
            raise KioskRefused(f"{self.staging} leads out of the clinic store's folder (a link?); "
                               "the kiosk stages its captures only inside the store")
        # Every running kiosk on this store (on this computer) holds a shared lock on
        # .kiosk.lock; tidying what a stopped kiosk left needs it exclusively, so a kiosk never
        # removes the capture another kiosk on the same store is recording.
        self._lock_fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT |
                                getattr(os, "O_CLOEXEC", 0), 0o600)
        if fcntl is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_SH)

    def close(self) -> None:
        """Close the store and let other kiosks tidy the staging folder."""
        os.close(self._lock_fd)
        self._queue.close()

    # -- paths ----------------------------------------------------------------------------

    def _staged(self, path: str | Path) -> Path:
        """``path`` if it names a staged capture directly inside the staging folder."""
        path = Path(path)
        if not STAGED.fullmatch(path.name) or path.resolve().parent != self._real:
            raise KioskRefused(f"{path.name!r} is not a kiosk capture in the store's kiosk "
                               "folder; nothing was done")
        return self._real / path.name

    def staging_path(self, code: str, name: str, mode: str) -> str:
        """Where a capture is recorded before it is filed; its code and name go beside it."""
        code = visit_code(code)
        if mode not in MODES:
            raise KioskRefused(f"the kiosk records {', '.join(MODES)}, not {mode!r}")
        path = self._staged(self.staging / f"{code}-{mode}.ofs")
        ticket = {"code": code, "name": _clean_name(name), "mode": mode}
        write_atomic(path.with_suffix(".json"), lambda fh: fh.write(json.dumps(ticket).encode()))
        return str(path)

    def discard(self, path: str) -> None:
        """Remove a staged capture, its ticket and its journal."""
        path = self._staged(path)
        for p in (path, path.with_suffix(".json"), journal_path_for(path)):
            p.unlink(missing_ok=True)

    # -- filing ---------------------------------------------------------------------------

    def file_staged(self, path: str) -> int | None:
        """File a complete staged capture under its ticket's code, then remove it; its id.

        None: this capture was filed already (a kiosk stopped before it tidied it).
        """
        path = self._staged(path)
        ticket = json.loads(path.with_suffix(".json").read_text())
        code = visit_code(ticket["code"])
        rec = load_ofs(path)
        if not rec.metadata.get("capture", {}).get("complete"):
            raise KioskRefused("the capture is not complete; a part of a stance is no scan")
        scan_id = self._queue.queue_scan(rec, code, _clean_name(ticket.get("name")) or None,
                                         file=path)  # the very bytes recorded
        self.discard(str(path))  # only once it is in the store: a server away keeps it here
        return scan_id

    def _log(self, action: str, detail: dict[str, Any]) -> None:
        self._queue.log_event(action, "kiosk_capture", detail)

    def _exclusive(self) -> bool:
        """Hold the staging lock alone (no other kiosk runs on this store), waiting a little."""
        if fcntl is None:
            return True
        deadline = time.monotonic() + RECOVER_WAIT_S
        while True:
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                # A failed conversion may have dropped the shared lock: take it again.
                fcntl.flock(self._lock_fd, fcntl.LOCK_SH)
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)  # a kiosk that was killed lets go as soon as its helper sees it

    def recover(self) -> list[str]:
        """Tidy what a kiosk stopped mid-capture left; returns what was done, in words."""
        if not self._exclusive():
            return []  # another kiosk runs on this store: what is staged may be its capture
        try:
            return self._recover()
        finally:
            if fcntl is not None:
                fcntl.flock(self._lock_fd, fcntl.LOCK_SH)

    def _recover(self) -> list[str]:
        done = []
        for journal in sorted(self.staging.glob(".*.journal")):
            try:
                frames = index_journal(journal).n_frames
            except OrthofitError:
                frames = 0
            # Logged first: a store out of reach keeps the journal for the next tidy-up.
            self._log("discard", {
                "file": journal.name, "frames": frames,
                "reason": "the kiosk stopped during a capture; a part of a stance is no scan"})
            journal.unlink(missing_ok=True)
            done.append(f"discarded an interrupted capture ({frames} frame"
                        f"{'' if frames == 1 else 's'})")
        for part in self.staging.glob(".*.part"):
            part.unlink(missing_ok=True)  # a file cut short while it was being written
        for staged in sorted(self.staging.glob("*.ofs")):
            if not STAGED.fullmatch(staged.name):
                staged.unlink(missing_ok=True)  # not a name the kiosk gives: not a capture
                continue
            try:
                scan_id = self.file_staged(str(staged))
                done.append(f"filed a complete scan left by a stopped kiosk as scan {scan_id}"
                            if scan_id is not None else
                            "tidied a complete scan left by a stopped kiosk (it was filed "
                            "already)")
                continue
            except StoreUnavailable:
                raise  # kept for the next try: it is not the capture that is wrong
            except (OrthofitError, OSError, ValueError, KeyError):
                pass
            self._log("discard", {"file": staged.name,
                                  "reason": "an incomplete capture left by a stopped kiosk"})
            self.discard(str(staged))
            done.append("discarded an incomplete capture")
        for ticket in self.staging.glob("*.json"):
            if not ticket.with_suffix(".ofs").exists():
                ticket.unlink(missing_ok=True)
        return done

    # -- staff ------------------------------------------------------------------------------

    def alert(self, message: str, **detail: Any) -> None:
        """Leave a message for staff in the store's log."""
        self._queue.alert(message, **detail)

    def thresholds_name(self) -> str:
        """The cut-off profile the clinic chose (for the simple result)."""
        return self._queue.settings()["thresholds"]

    def pin_state(self) -> str:
        """``none`` (no PIN set), ``change`` (set under older, weaker rules) or ``ok``."""
        stored = self._queue.settings()["kiosk_pin"]
        return "none" if not stored else "change" if needs_change(stored) else "ok"

    def check_pin(self, pin: str) -> PinCheck:
        """Check a typed PIN against the stored hash, counting wrong ones in the store."""
        now = time.time()
        state = self._queue.pin_lockout()
        left = state["locked_until"] - now
        # More than the longest lock left means the clock was set back: not a lock.
        if 0 < left <= MAX_LOCK_S + 1:
            return PinCheck(False, left, int(state["failures"]))
        stored = self._queue.settings()["kiosk_pin"]
        if not stored:
            return PinCheck(False)
        ok = verify_pin(str(pin), stored)
        state = self._queue.record_pin_attempt(ok, lock_s=lock_seconds, now=now)
        if ok:
            typed = str(pin).strip()
            if needs_change(stored) and len(typed) >= MIN_DIGITS:
                # The PIN is long enough: keep it, hashed as new PINs are. Not on a server:
                # the kiosk role may not write settings (staff set it again from the desktop
                # or with `orthofit kiosk --set-pin`; pin_state says "change" until then).
                self._queue.rehash_pin(stored, hash_pin(typed))
            return PinCheck(True)
        failures = int(state["failures"])
        locked = max(state["locked_until"] - now, 0.0)
        if locked > 0:
            self.alert(f"{failures} wrong PINs in a row at the kiosk: the staff screen is "
                       f"locked for {_duration(locked)}")
        return PinCheck(False, locked, failures)


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes} minute{'' if minutes == 1 else 's'}" if minutes else f"{seconds:.0f} s"


def _encode(exc: BaseException) -> tuple:
    """An error as plain values for the pipe (the kiosk process raises it again).

    A store that cannot be reached is a kind of its own (``unavailable``): the kiosk shows its
    "one moment" screen and tries again, instead of treating the capture as refused.
    """
    if isinstance(exc, StoreUnavailable):
        return ("unavailable", str(exc))
    if isinstance(exc, OSError) and exc.errno is not None:
        return ("os", exc.errno, exc.strerror or str(exc),
                None if exc.filename is None else str(exc.filename))
    if isinstance(exc, OrthofitError):
        return ("orthofit", str(exc))
    return ("orthofit", f"the clinic store could not do it ({type(exc).__name__}: {exc})")


def serve(conn: Any, location: str | None) -> None:
    """Answer the door's requests until it closes (the helper process's main function)."""
    # Ctrl-C in the kiosk's terminal reaches this process too; the kiosk decides when to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        service = KioskService(location)
    except Exception as exc:  # noqa: BLE001 - said to the kiosk, which stops with it
        conn.send(("error", _encode(exc)))
        return
    conn.send(("ready", str(service.staging)))
    try:
        while True:
            try:
                name, args, kwargs = conn.recv()
            except (EOFError, OSError):
                break  # the kiosk is gone
            if name == "close":
                conn.send(("ok", None))
                break
            if name not in OPERATIONS:
                conn.send(("error", ("orthofit", f"the kiosk may not {name!r}")))
                continue
            try:
                result = getattr(service, name)(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - every failure goes back to the kiosk
                conn.send(("error", _encode(exc)))
            else:
                conn.send(("ok", result))
    finally:
        service.close()
