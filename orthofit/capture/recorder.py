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

from orthofit.capture.journal import JournalContents, JournalWriter, read_journal
from orthofit.capture.modes import Trigger
from orthofit.drivers.reader import Fault, FrameItem, MatReader
from orthofit.errors import OrthofitError
from orthofit.io.ofs import save_ofs
from orthofit.matprofile import MatProfile
from orthofit.model import Recording

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


def frame_times(device_time_us: list[int | None], host_time_s: list[float]) -> np.ndarray:
    """Timestamps (s from the first frame) for captured frames, strictly increasing.

    The device clock (unwrapped by the codec) is used when every frame has one and it
    increases; otherwise the frames are spread evenly between the first and last arrival, as a
    mat without a clock streams at a steady rate and several frames can arrive in one read.
    """
    n = len(host_time_s)
    if n == 0:
        return np.zeros(0)
    if all(t is not None for t in device_time_us):
        dev = np.asarray(device_time_us, dtype=np.float64)
        if n == 1 or np.all(np.diff(dev) > 0):
            return (dev - dev[0]) / 1e6
    span = host_time_s[-1] - host_time_s[0]
    if n > 1 and span <= 0:
        span = 1e-3 * (n - 1)
    return np.linspace(0.0, span, n) if n > 1 else np.zeros(1)


def build_recording(profile: MatProfile, counts: list[np.ndarray], times_s: np.ndarray, *,
                    mode: str, patient_id: str | None, device_id: str | None,
                    metadata: dict[str, Any], zero_map: np.ndarray | None = None) -> Recording:
    """Turn captured counts into a Recording (kPa from the profile's calibration)."""
    raw = np.stack(counts)
    frames = profile.calibration.to_kpa(raw, zero_map)
    rows, cols = raw.shape[1:]
    profile_data = profile.to_dict()
    profile_data.update(rows=rows, cols=cols)  # ofp1-generic: the size the stream had
    raw_store = raw if np.issubdtype(raw.dtype, np.integer) else raw.astype(np.float32)
    return Recording(frames, times_s, profile.pitch_mm, profile=profile_data, mode=mode,
                     patient_id=patient_id, device_id=device_id, raw_counts=raw_store,
                     metadata=metadata)


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
    counts: list[np.ndarray] = []
    seqs: list[int | None] = []
    dev_times: list[int | None] = []
    host_times: list[float] = []
    faults: list[dict[str, Any]] = []
    done = False
    reason = ""
    cal = reader.profile.calibration
    # The trigger measures loaded area in the units of the mat actually recording.
    trigger.sensel_area_cm2 = reader.profile.pitch_mm[0] * reader.profile.pitch_mm[1] / 100.0

    def take(item: FrameItem) -> None:
        f = item.frame
        journal.append_frame(f.counts, f.seq, f.device_time_us, item.host_time_s)
        counts.append(f.counts)
        seqs.append(f.seq)
        dev_times.append(f.device_time_us)
        host_times.append(item.host_time_s)

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
            take(item)
            i = len(counts) - 1
            t = (dev_times[i] - dev_times[0]) / 1e6 if dev_times[i] is not None and \
                dev_times[0] is not None else host_times[i] - host_times[0]
            if on_frame is not None:
                on_frame(i, t)
            # Only the modes that watch the patient need pressures; fixed lengths do not.
            kpa = cal.to_kpa(item.frame.counts, zero_map) if trigger.watches_load else None
            if trigger.update(i, t, kpa):
                done = not trigger.gave_up
                if trigger.gave_up:
                    reason = {"walk": "no foot landed on the mat"}.get(
                        trigger.mode, "no steady stance was detected") + \
                        f" within {trigger.max_wait_s:g} s"
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
    received = len(counts)
    if received == 0:
        journal_path.unlink(missing_ok=True)
        raise CaptureError(
            f"no frame arrived from the mat ({reason or 'nothing was received'}); check the "
            f"port, the cable and that '{reader.profile.name}' is this mat's profile")
    if done and trigger.window is not None:
        start, end = trigger.window
    else:
        start, end = 0, received  # an interrupted capture keeps everything that arrived
    window = slice(start, end)
    metadata = {
        "capture": {"started": started, "complete": done, "reason": reason,
                    "window_frames": [start, end], "received_frames": received,
                    "stats": stats, "faults": faults},
    }
    rec = build_recording(reader.profile, counts[window], frame_times(dev_times[window],
                          host_times[window]), mode=mode, patient_id=patient_id,
                          device_id=device_id, metadata=metadata, zero_map=zero_map)
    save_ofs(rec, out_path)
    journal_path.unlink(missing_ok=True)
    message = "capture complete" if done else f"capture ended early: {reason}; " \
        f"{received} frame(s) that arrived were saved"
    return CaptureResult(out_path, rec.n_frames, received, stats.get("rate_hz"),
                         {k: v for k, v in stats.items() if k not in ("frames", "rate_hz")},
                         faults, done, message, reason)


def recover_journal(journal: str | Path, out_path: str | Path) -> tuple[Recording, JournalContents]:
    """Turn a journal left by a crash into a scan at ``out_path`` (every intact frame)."""
    contents = read_journal(journal)
    if not contents.counts:
        raise CaptureError(f"{journal} holds no intact frame; nothing to recover")
    header = contents.header
    try:
        profile = MatProfile.from_dict(header["profile"])
    except (KeyError, OrthofitError) as exc:
        raise CaptureError(f"{journal}: its header does not describe the mat ({exc})") from exc
    metadata = {"capture": {"started": header.get("started"), "complete": False,
                            "reason": "recovered from a journal",
                            "received_frames": len(contents.counts),
                            "faults": contents.faults,
                            "damaged_tail": contents.damaged_tail,
                            "recovered_at": time.strftime("%Y-%m-%dT%H:%M:%S")}}
    rec = build_recording(profile, contents.counts, frame_times(contents.device_time_us,
                          contents.host_time_s), mode=header.get("mode", "unknown"),
                          patient_id=header.get("patient_id"), device_id=header.get("device_id"),
                          metadata=metadata)
    save_ofs(rec, out_path)
    return rec, contents
