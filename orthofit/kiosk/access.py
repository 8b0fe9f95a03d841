"""The kiosk's only door into the clinic store: a few operations, carried out elsewhere.

A patient at the kiosk must never see, search or open anyone's data. So the kiosk process is
not handed the :class:`~orthofit.store.Store`, nor anything that holds one or a database
connection: it holds a :class:`KioskStore`, a door whose every operation is a request over a
pipe to a small helper process that the door starts and that alone opens the store
(:mod:`orthofit.kiosk.service`). The helper knows only the kiosk's operations (stage and file a
capture, discard one, tidy what a stopped kiosk left, raise an alert for staff, check the
administrator PIN), and none of them answers with a patient, a visit or another scan.

Captures are staged in the store's ``kiosk/`` folder (for a store on a server: in this
computer's own orthofit folder) and filed into the store only when complete;
:meth:`KioskStore.recover` tidies what a killed kiosk left there (a complete scan is filed, a
half capture is discarded and the discard logged). When the store's server cannot be reached,
every operation that needs it raises :class:`KioskStoreUnavailable`: the capture stays staged,
and the same request may be made again once the server is back.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import weakref
from pathlib import Path
from typing import Any

from orthofit.errors import OrthofitError
from orthofit.kiosk.pin import PinCheck

#: How long the helper process may take to start and open the store (s).
START_TIMEOUT_S = 120.0


__all__ = ["START_TIMEOUT_S", "KioskError", "KioskStore", "KioskStoreUnavailable"]


class KioskError(OrthofitError):
    """What the store's helper process refused or could not do (the message says why)."""


class KioskStoreUnavailable(KioskError):
    """The clinic store cannot be reached just now (its server restarts, the network is down).

    Nothing was changed: a staged capture is still staged. The kiosk shows its "one moment"
    screen and makes the same request again later.
    """


def _serve(conn: Any, location: str | None) -> None:  # pragma: no cover - the helper process
    # Imported here, in the helper: the kiosk process needs none of the store's code.
    from orthofit.kiosk.service import serve

    serve(conn, location)


def _shut(conn: Any, process: Any) -> None:
    """Stop the helper (also when a door is dropped without :meth:`KioskStore.close`)."""
    try:
        conn.send(("close", (), {}))
        conn.recv()
    except (EOFError, OSError):
        pass
    conn.close()
    process.join(10.0)
    if process.is_alive():
        process.terminate()
        process.join(5.0)


class KioskStore:
    """The kiosk's door into the clinic store at ``folder`` (default: the user's store).

    Parameters
    ----------
    folder : str or Path, optional
        The clinic store's folder, or its server's ``postgresql://kiosk-login@host/database``
        (a login that holds the kiosk role of ``orthofit store init``; its password in
        ``PGPASSWORD`` or ``~/.pgpass``). The door takes a location, never a ``Store``: the
        process the kiosk runs in must hold nothing from which patients can be read.

    Notes
    -----
    The door is safe to use from several threads (a capture thread discards what it staged
    while the screens raise alerts); requests are answered one at a time. Call :meth:`close`
    (or use the door as a context manager) to stop the helper process.
    """

    __slots__ = ("_call_lock", "_conn", "_finalizer", "_process", "staging", "__weakref__")

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        if folder is not None and not isinstance(folder, str | os.PathLike):
            raise TypeError("KioskStore takes the clinic store's folder or address, not a store "
                            "object: the kiosk must hold nothing that reaches the patients")
        ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing inherited
        mine, theirs = ctx.Pipe()
        process = ctx.Process(target=_serve, name="orthofit-kiosk-store", daemon=True,
                              args=(theirs, None if folder is None else os.fspath(folder)))
        process.start()
        theirs.close()  # only the helper keeps its end: if it dies, the kiosk hears so
        self._conn, self._process = mine, process
        self._call_lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _shut, mine, process)
        if not mine.poll(START_TIMEOUT_S):
            self._finalizer()
            raise KioskError("the kiosk's link to the clinic store did not start")
        try:
            kind, value = mine.recv()
        except (EOFError, OSError):
            self._finalizer()
            raise KioskError("the kiosk's link to the clinic store stopped as it started "
                             "(see the messages above)") from None
        if kind != "ready":
            self._finalizer()
            raise _error(value)
        #: The folder captures are staged in before they are filed (inside the store's folder,
        #: or this computer's own folder for a server store).
        self.staging = Path(value)

    def __enter__(self) -> KioskStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the helper process (the door cannot be used afterwards)."""
        self._finalizer()

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        with self._call_lock:
            if not self._finalizer.alive:
                raise KioskError("the kiosk's link to the clinic store is closed")
            try:
                self._conn.send((name, args, kwargs))
                kind, value = self._conn.recv()
            except (EOFError, OSError) as exc:
                raise KioskError("the kiosk lost its link to the clinic store (its helper "
                                 "process stopped); restart the kiosk") from exc
        if kind == "ok":
            return value
        raise _error(value)

    # -- what the kiosk may do ----------------------------------------------------------------

    def staging_path(self, code: str, name: str, mode: str) -> Path:
        """Where a capture is recorded before it is filed; its code and name go beside it.

        The code must be six digits and the mode one the kiosk records; the path always lies
        in the store's ``kiosk/`` folder.
        """
        return Path(self._call("staging_path", code, name, mode))

    def discard(self, path: str | Path) -> None:
        """Remove a staged capture, its ticket and its journal."""
        self._call("discard", os.fspath(path))

    def file_staged(self, path: str | Path) -> int | None:
        """File a complete staged capture in the kiosk queue under its ticket's code; its id.

        None when this capture was in the store already (filed before a stop, tidied now).
        :class:`KioskStoreUnavailable` when the store cannot be reached: it stays staged.
        """
        scan_id = self._call("file_staged", os.fspath(path))
        return None if scan_id is None else int(scan_id)

    def recover(self) -> list[str]:
        """Tidy what a kiosk stopped mid-capture left; returns what was done, in words."""
        return list(self._call("recover"))

    def alert(self, message: str, **detail: Any) -> None:
        """Leave a message for staff in the store's log (never raises: the kiosk goes on)."""
        try:
            self._call("alert", message, **detail)
        except Exception:  # noqa: BLE001 - a full disk must not stop the kiosk's own message
            pass

    def thresholds_name(self) -> str:
        """The cut-off profile the clinic chose (for the simple result)."""
        return str(self._call("thresholds_name"))

    def pin_state(self) -> str:
        """``none`` (no administrator PIN), ``change`` (set under older rules) or ``ok``."""
        return str(self._call("pin_state"))

    def check_pin(self, pin: str) -> PinCheck:
        """Check a typed administrator PIN; wrong ones are counted and lock it for a while."""
        return self._call("check_pin", pin)


def _error(value: tuple) -> Exception:
    """The helper's error, raised again in the kiosk (an OSError keeps its errno)."""
    if value[0] == "unavailable":
        return KioskStoreUnavailable(value[1])
    if value[0] == "os":
        _, number, text, filename = value
        return OSError(number, text) if filename is None else OSError(number, text, filename)
    return KioskError(value[1])
