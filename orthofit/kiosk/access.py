"""The kiosk's only door into the clinic store: it can add a scan and raise an alert, no more.

A patient at the kiosk must never see, search or open anyone's data, so the kiosk is not handed
the :class:`~orthofit.store.Store` itself: it gets a :class:`KioskStore`, which has no method that
reads a patient, a visit or a scan. Captures are staged in the store's ``kiosk/`` folder and
filed into the store only when complete; :meth:`KioskStore.recover` tidies what a killed kiosk
left there (a complete scan is filed, a half capture is discarded and the discard logged).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from orthofit.capture.journal import index_journal
from orthofit.errors import OrthofitError
from orthofit.io.ofs import load_ofs, write_atomic
from orthofit.model import Recording
from orthofit.store import Store

ACTOR = "kiosk"


class KioskStore:
    """Add-only access to a clinic store for the kiosk.

    Parameters
    ----------
    store : Store
        The clinic store (its audit trail names the kiosk as the actor of what it adds).
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        store.actor = ACTOR
        self.staging = store.folder / "kiosk"
        old = os.umask(0o077)
        try:
            self.staging.mkdir(exist_ok=True, mode=0o700)
        finally:
            os.umask(old)

    # -- what the kiosk may do ----------------------------------------------------------------

    def add_scan(self, rec: Recording, code: str, name: str = "") -> int:
        """File a complete scan in the kiosk queue under a visit code (and the typed name)."""
        return self._store.add_scan(rec, kiosk_code=code, kiosk_name=name.strip() or None,
                                    source="kiosk")

    def alert(self, message: str, **detail: Any) -> None:
        """Leave a message for staff in the store's log (never raises: the kiosk goes on)."""
        try:
            self._store.log_event("alert", "kiosk", {"message": message, **detail})
        except Exception:  # noqa: BLE001 - a full disk must not stop the kiosk's own message
            pass

    def pin_hash(self) -> str:
        """The administrator PIN's salted hash ('' when none is set)."""
        return self._store.settings()["kiosk_pin"]

    def thresholds_name(self) -> str:
        """The cut-off profile the clinic chose (for the simple result)."""
        return self._store.settings()["thresholds"]

    # -- staging ------------------------------------------------------------------------------

    def staging_path(self, code: str, name: str, mode: str) -> Path:
        """Where a capture is recorded before it is filed; its code and name go beside it."""
        path = self.staging / f"{code}-{mode}.ofs"
        ticket = {"code": code, "name": name, "mode": mode}
        write_atomic(path.with_suffix(".json"), lambda fh: fh.write(json.dumps(ticket).encode()))
        return path

    def discard(self, path: Path) -> None:
        """Remove a staged capture, its ticket and its journal."""
        from orthofit.capture.recorder import journal_path_for

        for p in (path, path.with_suffix(".json"), journal_path_for(path)):
            p.unlink(missing_ok=True)

    def file_staged(self, path: Path, rec: Recording) -> int:
        """File a complete staged capture under its ticket's code, then remove it."""
        ticket = json.loads(path.with_suffix(".json").read_text())
        scan_id = self.add_scan(rec, ticket["code"], ticket.get("name", ""))
        self.discard(path)
        return scan_id

    def recover(self) -> list[str]:
        """Tidy what a kiosk stopped mid-capture left; returns what was done, in words."""
        done = []
        for journal in sorted(self.staging.glob(".*.journal")):
            try:
                frames = index_journal(journal).n_frames
            except OrthofitError:
                frames = 0
            journal.unlink(missing_ok=True)
            self._store.log_event("discard", "kiosk_capture", {
                "file": journal.name, "frames": frames,
                "reason": "the kiosk stopped during a capture; a part of a stance is no scan"})
            done.append(f"discarded an interrupted capture ({frames} frame"
                        f"{'' if frames == 1 else 's'})")
        for part in self.staging.glob(".*.part"):
            part.unlink(missing_ok=True)  # a file cut short while it was being written
        for staged in sorted(self.staging.glob("*.ofs")):
            try:
                rec = load_ofs(staged)
                complete = bool(rec.metadata.get("capture", {}).get("complete"))
                if complete and staged.with_suffix(".json").exists():
                    scan_id = self.file_staged(staged, rec)
                    done.append(f"filed a complete scan left by a stopped kiosk as scan "
                                f"{scan_id}")
                    continue
            except (OrthofitError, OSError, ValueError, KeyError):
                pass
            self.discard(staged)
            self._store.log_event("discard", "kiosk_capture", {
                "file": staged.name, "reason": "an incomplete capture left by a stopped kiosk"})
            done.append("discarded an incomplete capture")
        for ticket in self.staging.glob("*.json"):
            if not ticket.with_suffix(".ofs").exists():
                ticket.unlink(missing_ok=True)
        return done
