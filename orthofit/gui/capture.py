"""The capture view: pick the mat (or the emulator), watch it live, record a trial.

Acquisition runs in the driver's thread and the recorder in a plain worker thread (no Qt in
either); a timer on the GUI thread takes the newest frame for the live picture and reads the
link's health, so the window never waits on the mat. Faults reach the user as plain messages,
and the frames recorded so far are kept (the recorder writes them to the journal).
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PyQt6.QtCore import QTimer, pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from orthofit.capture.link import MatLink
from orthofit.capture.modes import LOADED_KPA, trigger_for
from orthofit.capture.recorder import CaptureError, CaptureResult, capture
from orthofit.drivers.emulator import foot_model_frames
from orthofit.drivers.reader import MatReader
from orthofit.errors import OrthofitError
from orthofit.gui.matview import LiveMat
from orthofit.io.load import load
from orthofit.io.profiles import load_mat_profile, profile_names
from orthofit.model import Recording
from orthofit.report.scale import PressureScale

EMULATOR = "Emulated mat (no hardware)"
#: Standard gravity (m/s2): a weight in kg as a force in N.
GRAVITY = 9.80665


@dataclasses.dataclass(frozen=True)
class LiveLoad:
    """The load on the mat in one frame.

    ``force_n`` is the total force (N); ``left_pct`` and ``right_pct`` its shares (%) either
    side of ``split_x_mm`` (mat mm across the columns); ``body_weight_pct`` the force as a
    share of the patient's weight, when it is known.
    """

    force_n: float
    left_pct: float
    right_pct: float
    split_x_mm: float
    body_weight_pct: float | None

    def text(self, *, sides: bool = True) -> str:
        """One line for the screen: "Total 612 N (85 % of body weight); left 48 %, right 52 %"."""
        out = f"Total {self.force_n:.0f} N"
        if self.body_weight_pct is not None:
            out += f" ({self.body_weight_pct:.0f} % of body weight)"
        if sides:
            out += f"; left {self.left_pct:.0f} %, right {self.right_pct:.0f} %"
        return out


def live_load(kpa: np.ndarray, pitch_mm: tuple[float, float],
              weight_kg: float | None = None) -> LiveLoad | None:
    """Total force and the left/right share of one frame (kPa, rows x columns); None if empty.

    Only sensels above the loaded threshold count (the mat's noise is not weight). Force is
    pressure times sensel area (kPa x mm2 = mN). The load is split at the middle of the loaded
    area's extent across the mat, halfway between its leftmost and rightmost loaded columns: the
    patient stands facing row 0 (the top of the picture) with a foot either side of that line,
    so the picture's left half is their left foot. A foot alone on the mat is split in two, so
    the shares mean something only with both feet on it (static and balance trials).
    """
    loaded = kpa > LOADED_KPA
    if not loaded.any():
        return None
    area_mm2 = float(pitch_mm[0]) * float(pitch_mm[1])
    per_col = np.where(loaded, kpa, 0.0).sum(axis=0) * area_mm2 * 1e-3  # N in each column
    force = float(per_col.sum())
    cols = np.flatnonzero(loaded.any(axis=0))
    middle = (cols[0] + cols[-1] + 1) / 2  # in columns, from the mat's left edge
    centres = np.arange(kpa.shape[1]) + 0.5
    left = float(per_col[centres < middle].sum())
    left_pct = 100.0 * left / force if force > 0 else 0.0
    body = 100.0 * force / (weight_kg * GRAVITY) if weight_kg else None
    return LiveLoad(force, left_pct, 100.0 - left_pct, float(middle * pitch_mm[1]), body)


class CaptureView(QWidget):
    """Connect, watch, record. Emits ``recorded`` with the new recording."""

    recorded = pyqtSignal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.port = QComboBox()
        self.port.setEditable(True)
        self.port.addItem(EMULATOR)
        self.discover()
        self.profile = QComboBox()
        self.profile.addItems(profile_names("mats"))
        self.profile.setCurrentText("ofp1-generic")
        self.foot = QComboBox()
        self.foot.addItems(["normal", "flat", "cavus"])
        self.mode = QComboBox()
        self.mode.addItems(["static", "walk", "balance"])
        self.connect_button = QPushButton("Connect")
        self.record_button = QPushButton("Record")
        self.record_button.setEnabled(False)
        self.health = QLabel("Not connected.")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.plot = LiveMat(colour_bar=True)
        self.image, self.outline = self.plot.image, self.plot.outline
        self.load = QLabel("No load on the mat.")
        self.load.setStyleSheet("font-size: 13pt; font-weight: bold")
        self.weight_kg: float | None = None
        form = QFormLayout()
        form.addRow("Mat", self.port)
        form.addRow("Profile", self.profile)
        form.addRow("Emulated foot", self.foot)
        form.addRow("Trial", self.mode)
        buttons = QHBoxLayout()
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.record_button)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addLayout(buttons)
        side.addWidget(self.health)
        side.addWidget(self.message)
        side.addStretch(1)
        picture = QVBoxLayout()
        picture.addWidget(self.load)
        picture.addWidget(self.plot, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(side, 1)
        layout.addLayout(picture, 3)
        self.connect_button.clicked.connect(self.toggle_connection)
        self.record_button.clicked.connect(self.record)
        self.timer = QTimer(self)
        self.timer.setInterval(33)  # ~30 pictures a second; the mat may run faster
        self.timer.timeout.connect(self._tick)
        self.link: MatLink | None = None  # the chosen mat, or the emulator
        self.reader: MatReader | None = None
        self._worker: threading.Thread | None = None
        self._result: CaptureResult | Exception | None = None
        self._scan_path: Path | None = None
        # The last capture and the .ofs it was saved to (a private temporary folder), so the
        # store files those very bytes and the folder goes once the scan is safe elsewhere.
        self._last: tuple[Recording, Path] | None = None
        self._trigger = None
        self._progress: tuple[int, float] | None = None
        self._target: tuple[str, str] | None = None  # (port, profile) to reconnect to
        self.reconnect_timer = QTimer(self)
        self.reconnect_timer.setInterval(2000)
        self.reconnect_timer.timeout.connect(self._reconnect)
        self.displayed = 0

    # -- connection ----------------------------------------------------------------------------

    def discover(self) -> None:
        """List the serial ports attached, with the profile their USB ids match, if any."""
        from orthofit.drivers.discovery import list_serial_ports, match_profiles

        profiles = [load_mat_profile(n) for n in profile_names("mats")]
        for port, names in match_profiles(list_serial_ports(), profiles):
            label = port.device + (f"  ({names[0]})" if names else "")
            self.port.addItem(label, (port.device, names[0] if names else None))

    def toggle_connection(self) -> None:
        """Connect to the chosen mat (starting the emulator if chosen), or disconnect."""
        if self.reader is not None or self.reconnect_timer.isActive():
            self.reconnect_timer.stop()
            self._target = None
            self.disconnect_mat()
            return
        try:
            found = self.port.currentData()
            if found and found[1] and self.port.currentText().startswith(found[0]):
                self.profile.setCurrentText(found[1])  # the profile the USB ids point to
            profile = load_mat_profile(self.profile.currentText())
            port = found[0] if found and self.port.currentText().startswith(found[0]) \
                else self.port.currentText().strip()
            if port == EMULATOR:
                rec = foot_model_frames(profile, self.foot.currentText(),
                                        self.mode.currentText(), rate_hz=50.0)
                self.link = MatLink(profile, frames_kpa=rec.frames)
            else:
                self.link = MatLink(profile, port)
                self._target = (port, profile.name)  # a real mat: reconnect if it goes away
            self.reader = self.link.open()
        except OrthofitError as exc:
            self.message.setText(str(exc))
            self._target = None
            self.disconnect_mat()
            return
        self.connect_button.setText("Disconnect")
        self.record_button.setEnabled(True)
        self.message.setText("Connected. Ask the patient to step on the mat.")
        self.timer.start()

    def disconnect_mat(self) -> None:
        """Stop reading and the emulator."""
        self.timer.stop()
        self.reconnect_timer.stop()
        if self.reader is not None:
            self.reader.stop()
        if self.link is not None:
            self.link.close()
        self.reader = self.link = None
        self.connect_button.setText("Connect")
        self.record_button.setEnabled(False)
        self.health.setText("Not connected.")

    # -- live view and recording ---------------------------------------------------------------

    def _tick(self) -> None:
        reader = self.reader
        if reader is None:
            return
        if self._worker is None:
            reader.drain()  # nothing records: frames are only shown (the queue must not fill)
            if not reader.is_alive():
                self._lost()
                return
        item = reader.latest.get()
        if item is not None:
            kpa = reader.profile.calibration.to_kpa(item.frame.counts)
            self.show_frame(kpa, reader.profile.pitch_mm)
        s = reader.summary()
        rate = f"{s['rate_hz']:.0f} Hz" if s["rate_hz"] else "waiting for frames"
        self.health.setText(f"{s['frames']} frames, {rate}; CRC errors {s['crc_errors']}, "
                            f"gaps {s['sequence_gaps']}")
        if self._worker is not None:
            self.message.setText(self._countdown())
        if self._worker is not None and not self._worker.is_alive():
            self._finish()

    def set_scale(self, scale: PressureScale) -> None:
        """Draw the live picture on the clinic's scale (or each frame on its own peak)."""
        self.plot.set_scale(scale)

    def set_weight(self, weight_kg: float | None) -> None:
        """The shown patient's weight (kg), for the force as % of body weight; None: unknown."""
        self.weight_kg = weight_kg

    def show_frame(self, kpa: np.ndarray, pitch_mm: tuple[float, float]) -> None:
        """Show one frame (kPa) with the total force and, standing, the left/right share."""
        self.plot.show_kpa(kpa, pitch_mm)
        self.displayed += 1
        load = live_load(kpa, pitch_mm, self.weight_kg)
        standing = self.mode.currentText() != "walk"  # a walk has one foot down at a time
        if load is None:
            self.load.setText("No load on the mat.")
            self.plot.show_divider(None, 0.0)
        else:
            self.load.setText(load.text(sides=standing))
            self.plot.show_divider(load.split_x_mm if standing else None,
                                   kpa.shape[0] * pitch_mm[0])

    def _countdown(self) -> str:
        """What the running capture is doing, in words, with the time left."""
        trig, progress = self._trigger, self._progress
        if trig is None:
            return ""
        if trig.start is None:
            return {"walk": "Waiting for the first step...",
                    "frames": "Recording...", "seconds": "Recording..."}.get(
                trig.mode, "Waiting for the patient to stand still...")
        if trig.mode == "walk":
            return "Recording the walk: it stops 1 s after the last step."
        if progress is None or trig._t0 is None:
            return "Recording..."
        left = max(trig.duration_s - (progress[1] - trig._t0), 0.0)
        return f"Recording: {left:.0f} s to go. Keep still."

    def _lost(self) -> None:
        """The mat stopped answering outside a recording: say so and try again."""
        target = self._target
        self.disconnect_mat()
        if target is None:
            self.message.setText("The emulated mat stopped.")
            return
        self._target = target
        self.message.setText("The mat stopped answering: is it unplugged? Trying to reconnect "
                             "every 2 seconds...")
        self.reconnect_timer.start()

    def _reconnect(self) -> None:
        if self._target is None:
            self.reconnect_timer.stop()
            return
        port, profile_name = self._target
        try:
            reader = MatLink(load_mat_profile(profile_name), port).open(2.0)
        except OrthofitError:
            return  # still away; the timer tries again
        self.reconnect_timer.stop()
        self.reader = reader
        self.connect_button.setText("Disconnect")
        self.record_button.setEnabled(True)
        self.message.setText("The mat is back. Ready to record.")
        self.timer.start()

    def record(self) -> None:
        """Start a capture of the chosen trial in a worker thread."""
        if self.reader is None or self._worker is not None:
            return
        # The recorder owns the queue from here; the live view keeps the newest frame.
        mode = self.mode.currentText()
        trigger = trigger_for(mode, seconds=3.0 if mode == "static" else None)
        self._scan_path = Path(tempfile.mkdtemp(prefix="orthofit-capture-")) / "scan.ofs"
        reader = self.reader
        self._trigger, self._progress = trigger, None
        self.record_button.setEnabled(False)
        self.message.setText({"static": "Stand still on the mat...",
                              "walk": "Walk across the mat...",
                              "balance": "Stand still for 30 seconds..."}[mode])

        def work() -> None:
            def progress(i: int, t: float) -> None:
                self._progress = (i, t)

            try:
                self._result = capture(reader, self._scan_path, trigger, mode=mode,
                                       on_frame=progress)
            except (CaptureError, OrthofitError) as exc:
                self._result = exc

        self._worker = threading.Thread(target=work, name="capture", daemon=True)
        self._worker.start()

    def _finish(self) -> None:
        result, self._worker = self._result, None
        target = self._target
        self.disconnect_mat()  # the recorder stopped the reader
        if isinstance(result, Exception) or result is None:
            self.message.setText(f"Nothing was recorded: {result}")
            return
        rec: Recording = load(result.path)
        self._last = (rec, Path(result.path))
        unplugged = any(f["kind"] == "disconnected" for f in result.faults)
        if unplugged:
            self.message.setText(f"The mat was unplugged during the recording; the "
                                 f"{result.frames} frames recorded so far are kept.")
            if target is not None:
                self._target = target
                self.reconnect_timer.start()
        else:
            self.message.setText(f"{result.message}: {result.frames} frames.")
        self.recorded.emit(rec)

    def captured_file(self, rec: Recording) -> Path | None:
        """The ``.ofs`` a capture of this view was saved to (None: not this view's last one)."""
        if self._last is None or self._last[0] is not rec or not self._last[1].exists():
            return None
        return self._last[1]

    def forget_capture(self, rec: Recording) -> None:
        """Remove the temporary copy of a capture now kept elsewhere (the store, the outbox).

        A patient's scan is not left behind in the temporary folder once it is safe.
        """
        path = self.captured_file(rec)
        if path is not None and path.parent.name.startswith("orthofit-capture-"):
            shutil.rmtree(path.parent, ignore_errors=True)
            self._last = None

    def wait_for_capture(self, timeout_s: float = 60.0) -> None:
        """Block until a running capture ends (tests and scripts)."""
        deadline = time.monotonic() + timeout_s
        while self._worker is not None and time.monotonic() < deadline:
            self._worker.join(0.05)
            self._tick()

    def latest_kpa(self) -> np.ndarray | None:
        """The picture on screen (for tests)."""
        return self.plot.latest_kpa()
