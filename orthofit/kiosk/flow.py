"""One kiosk scan, start to finish, without a screen: identify, capture, store, say the result.

The screens of the full-screen kiosk drive the same steps; ``orthofit kiosk --once`` runs them
unattended (the emulator's foot model plays the patient), which is how the flow is tested.
Nothing of any other patient is read: the kiosk only adds a scan to the store's kiosk queue.
"""

from __future__ import annotations

import dataclasses
import secrets
import tempfile
from pathlib import Path

from orthofit.analysis.pipeline import analyze_recording
from orthofit.capture.modes import trigger_for
from orthofit.capture.recorder import capture
from orthofit.drivers.emulator import MatEmulator, foot_model_frames
from orthofit.drivers.reader import MatReader
from orthofit.errors import OrthofitError
from orthofit.io.load import load
from orthofit.io.profiles import load_mat_profile, load_thresholds
from orthofit.store import Store

ARCH_WORDS = {"low": "a low (flat) arch", "normal": "a normal arch", "high": "a high arch"}


@dataclasses.dataclass
class KioskResult:
    """What the thank-you screen shows, and where the scan went."""

    code: str
    scan_id: int
    frames: int
    words: list[str]

    def to_dict(self) -> dict:
        """JSON-ready."""
        return dataclasses.asdict(self)


def new_code() -> str:
    """A six-digit visit code for a patient without one (printed for the podiatrist)."""
    return f"{secrets.randbelow(10**6):06d}"


def result_words(analysis) -> list[str]:  # noqa: ANN001
    """The arch type per foot, in plain words."""
    words = []
    for foot in analysis.feet:
        arch = foot.classification.get("arch_type")
        if arch in ARCH_WORDS:
            words.append(f"Your {foot.side} foot has {ARCH_WORDS[arch]}.")
    if not words:
        words.append("We could not measure your feet this time; we will scan them again.")
    words.append("Your podiatrist will go through it with you.")
    return words


def run_once(store: Store, *, code: str | None = None, port: str | None = None,
             profile_name: str = "ofp1-generic", foot: str = "normal",
             seconds: float = 3.0, wait_s: float = 30.0) -> KioskResult:
    """One static scan from the mat (or, without ``port``, the emulated mat), into the queue."""
    profile = load_mat_profile(profile_name)
    emulator = None
    if port is None:
        frames = foot_model_frames(profile, foot, "static", rate_hz=50.0).frames
        emulator = MatEmulator(profile, frames, rate_hz=50.0, wait_for_start=True)
        port = emulator.start_pty()
    try:
        reader = MatReader(port, profile)
        reader.start()
        reader.wait_open()
        trigger = trigger_for("static", seconds=seconds)
        trigger.max_wait_s = wait_s
        with tempfile.TemporaryDirectory(prefix="orthofit-kiosk-") as folder:
            result = capture(reader, Path(folder) / "scan.ofs", trigger, mode="static")
            if not result.complete:
                raise OrthofitError(f"the scan did not finish ({result.message}); nothing was "
                                    "stored")
            rec = load(result.path)
    finally:
        if emulator is not None:
            emulator.stop()
    code = code or new_code()
    scan_id = store.add_scan(rec, kiosk_code=code, source="kiosk")
    analysis = analyze_recording(rec, load_thresholds(store.settings()["thresholds"]))
    return KioskResult(code, scan_id, rec.n_frames, result_words(analysis))
