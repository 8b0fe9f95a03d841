"""Record from a running :class:`~orthofit.drivers.reader.MatReader` into a native scan.

Every frame that arrives is appended to the journal first; the capture mode decides which
frames make the scan. When the capture ends, normally or because the mat stopped sending, was
unplugged or turned out not to match its profile, the scan is still written from everything
intact that arrived (the reason is stored in its metadata), and the journal is removed only
after the scan is safely on disk. ``recover_journal`` turns a journal a crash left into a scan.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from orthofit.capture.clock import frame_times
from orthofit.capture.journal import JournalIndex, JournalWriter, index_journal
from orthofit.capture.modes import Trigger
from orthofit.drivers.reader import Fault, FrameItem, MatReader
from orthofit.errors import OrthofitError
from orthofit.io.ofs import write_ofs
from orthofit.matprofile import MatProfile

log = logging.getLogger(__name__)

#: Faults after which no more frames will come.
FINAL_FAULTS = ("disconnected", "mismatch", "error")


class CaptureError(OrthofitError):
    """A capture produced nothing to save (the message says why and what to check)."""


@dataclasses.dataclass
class CaptureResult:
    """What a capture produced."""

    path: Path | None
    frames: int
    received: int
    rate_hz: float | None
    stats: dict[str, Any]
    faults: list[dict[str, Any]]
    complete: bool
    message: str
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        return {"path": None if self.path is None else str(self.path), "frames": self.frames,
                "received": self.received, "rate": self.rate_hz, **self.stats,
                "faults": self.faults, "complete": self.complete, "message": self.message,
                "reason": self.reason}


def journal_path_for(out_path: str | Path) -> Path:
    """Where the journal of a capture into ``out_path`` lives (beside it)."""
    out = Path(out_path)
    return out.with_name(f".{out.name}.journal")


def write_scan(index: JournalIndex, out_path: str | Path, profile: MatProfile, *,
               start: int = 0, stop: int | None = None, mode: str, patient_id: str | None,
               device_id: str | None, metadata: dict[str, Any],
               zero_map: np.ndarray | None = None) -> tuple[int, float | None]:
    """Write frames ``start`` to ``stop`` of a journal as a scan, a block at a time.

    Memory stays at one block whatever the length (a 10-minute capture at 500 Hz is gigabytes
    of frames): the kPa frames and the raw counts are each streamed from the journal into the
    archive. Returns the frames written and their rate (Hz, from their timestamps).
    """
    stop = index.n_frames if stop is None else stop
    if stop <= start or index.shape is None or index.dtype is None:
        raise CaptureError(f"{index.path}: no intact frame to save")
    times = frame_times(index.device_time_us[start:stop], index.host_time_s[start:stop],
                        nominal_rate_hz=profile.rate_hz)
    n = stop - start
    rows, cols = index.shape
    raw_dtype = index.dtype if np.issubdtype(index.dtype, np.integer) else np.dtype("<f4")
    cal = profile.calibration
    profile_data = profile.to_dict()
    profile_data.update(rows=rows, cols=cols)  # ofp1-generic: the size the stream had
    meta = {
        "format": "orthofit-scan", "version": 1, "shape": [n, rows, cols],
        "pitch_mm": list(profile.pitch_mm), "mode": mode, "patient_id": patient_id,
        "device_id": device_id, "profile": profile_data, "metadata": metadata,
        "units": {"frames_kpa": "kPa", "times_s": "s", "pitch_mm": "mm"},
    }
    write_ofs(out_path, meta, {
        "frames_kpa": (np.dtype("<f4"), (n, rows, cols),
                       lambda: (cal.to_kpa(b, zero_map) for b in index.frames(start, stop))),
        "times_s": (np.dtype("<f8"), (n,), lambda: (times,)),
        "raw_counts": (raw_dtype, (n, rows, cols), lambda: index.frames(start, stop)),
    })
    rate = float(1.0 / np.median(np.diff(times))) if n > 1 else None
    return n, rate


def capture(
    reader: MatReader,
    out_path: str | Path,
    trigger: Trigger,
    *,
    mode: str = "unknown",
    patient_id: str | None = None,
    device_id: str | None = None,
    zero_map: np.ndarray | None = None,
    stop_on_timeout: bool = True,
    stop_event: threading.Event | None = None,
    on_frame: Callable[[int, float], None] | None = None,
) -> CaptureResult:
    """Run a capture until the trigger is done, the link fails or ``stop_event`` is set.

    The reader must have been started. Returns what was saved; raises CaptureError only when
    no frame at all arrived (nothing to save).
    """
    out_path = Path(out_path)
    journal_path = journal_path_for(out_path)
    if journal_path.exists():
        raise CaptureError(
            f"{journal_path} is left from an interrupted capture; save it first with "
            f"'orthofit recover {journal_path} -o RESCUED.ofs' (or delete it)")
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    header = {"profile": reader.profile.to_dict(), "mode": mode, "patient_id": patient_id,
              "device_id": device_id, "started": started, "out": str(out_path)}
    journal = JournalWriter(journal_path, header)
    # Only what each frame needs to be placed in time stays in memory; the frames themselves
    # go to the journal, from which the scan is streamed at the end.
    seqs: list[int | None] = []
    dev_times: list[int | None] = []
    host_times: list[float] = []
    faults: list[dict[str, Any]] = []
    received = 0
    rejected = 0
    done = False
    reason = ""
    cal = reader.profile.calibration
    # The trigger measures loaded area in the units of the mat actually recording.
    trigger.sensel_area_cm2 = reader.profile.pitch_mm[0] * reader.profile.pitch_mm[1] / 100.0

    def take(item: FrameItem) -> bool:
        nonlocal received, rejected
        f = item.frame
        if not np.isfinite(f.counts).all():
            rejected += 1  # an impossible reading would poison the scan: dropped, counted
            return False
        journal.append_frame(f.counts, f.seq, f.device_time_us, item.host_time_s)
        seqs.append(f.seq)
        dev_times.append(f.device_time_us)
        host_times.append(item.host_time_s)
        received += 1
        return True

    try:
        while True:
            if stop_event is not None and stop_event.is_set():
                reason = "stopped by the user"
                break
            try:
                item = reader.out.get(timeout=0.2)
            except queue.Empty:
                if not reader.is_alive():
                    reason = reason or "the reader stopped"
                    break
                continue
            if isinstance(item, Fault):
                journal.append_fault(item.kind, item.message, item.host_time_s)
                faults.append({"kind": item.kind, "message": item.message})
                if item.kind in FINAL_FAULTS or (item.kind == "timeout" and stop_on_timeout):
                    reason = item.message
                    break
                continue
            if not take(item):
                continue
            i = received - 1
            t = (dev_times[i] - dev_times[0]) / 1e6 if dev_times[i] is not None and \
                dev_times[0] is not None else host_times[i] - host_times[0]
            if on_frame is not None:
                on_frame(i, t)
            # Only the modes that watch the patient need pressures; fixed lengths do not.
            kpa = cal.to_kpa(item.frame.counts, zero_map) if trigger.watches_load else None
            if trigger.update(i, t, kpa):
                done = not (trigger.gave_up or trigger.capped)
                if trigger.gave_up:
                    reason = {"walk": "no foot landed on the mat"}.get(
                        trigger.mode, "no steady stance was detected") + \
                        f" within {trigger.max_wait_s:g} s"
                elif trigger.capped:
                    reason = (f"the walk went on for {trigger.max_s * trigger.passes:g} s, the "
                              "longest one may take (is someone standing on the mat?)")
                break
    finally:
        reader.stop()
        # Frames still queued arrived intact: they go to the journal too.
        while True:
            try:
                item = reader.out.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, FrameItem):
                take(item)
            else:
                journal.append_fault(item.kind, item.message, item.host_time_s)
                faults.append({"kind": item.kind, "message": item.message})
        journal.close()
    stats = reader.summary()
    if rejected:
        stats["bad_frames"] = stats.get("bad_frames", 0) + rejected
    if received == 0:
        journal_path.unlink(missing_ok=True)
        raise CaptureError(
            f"no frame arrived from the mat ({reason or 'nothing was received'}); check the "
            f"port, the cable and that '{reader.profile.name}' is this mat's profile")
    if (done or trigger.capped) and trigger.window is not None:
        start, end = trigger.window
    else:
        start, end = 0, received  # an interrupted capture keeps everything that arrived
    metadata = {
        "capture": {"started": started, "complete": done, "reason": reason,
                    "window_frames": [start, end], "received_frames": received,
                    "stats": stats, "faults": faults},
    }
    index = index_journal(journal_path)
    frames, rate = write_scan(index, out_path, reader.profile, start=start,
                              stop=min(end, index.n_frames), mode=mode, patient_id=patient_id,
                              device_id=device_id, metadata=metadata, zero_map=zero_map)
    journal_path.unlink(missing_ok=True)
    message = "capture complete" if done else f"capture ended early: {reason}; " \
        f"{received} frame(s) that arrived were saved"
    return CaptureResult(out_path, frames, received, rate,
                         {k: v for k, v in stats.items() if k not in ("frames", "rate_hz")},
                         faults, done, message, reason)


def recover_journal(journal: str | Path, out_path: str | Path) -> tuple[int, JournalIndex]:
    """Turn a journal left by a crash into a scan at ``out_path`` (every intact frame).

    Streams, like a capture: a journal of any length is recovered in bounded memory. Returns
    the frames saved and the journal's index (its faults, and whether its tail was damaged).
    """
    index = index_journal(journal)
    if not index.n_frames:
        raise CaptureError(f"{journal} holds no intact frame; nothing to recover")
    header = index.header
    try:
        profile = MatProfile.from_dict(header["profile"])
    except (KeyError, OrthofitError) as exc:
        raise CaptureError(f"{journal}: its header does not describe the mat ({exc})") from exc
    metadata = {"capture": {"started": header.get("started"), "complete": False,
                            "reason": "recovered from a journal",
                            "received_frames": index.n_frames,
                            "unusable_frames": index.unusable_frames,
                            "faults": index.faults,
                            "damaged_tail": index.damaged_tail,
                            "recovered_at": time.strftime("%Y-%m-%dT%H:%M:%S")}}
    frames, _ = write_scan(index, out_path, profile, mode=header.get("mode", "unknown"),
                           patient_id=header.get("patient_id"),
                           device_id=header.get("device_id"), metadata=metadata)
    return frames, index
