"""A mat to read from: a real port, or the emulator speaking the same bytes on a pty.

The recorder stops its reader when a capture ends, and a pulled cable ends it too, so whoever
records more than once (the demo, the kiosk) opens a fresh reader on the same link each time.
"""

from __future__ import annotations

import numpy as np

from orthofit.drivers.emulator import MatEmulator, foot_model_frames
from orthofit.drivers.reader import MatReader
from orthofit.matprofile import MatProfile


class MatLink:
    """A port (or, without one, an emulated mat replaying ``frames_kpa``) and its readers.

    Parameters
    ----------
    profile : MatProfile
        How the mat talks.
    port : str, optional
        Serial port name or pyserial URL; None starts the emulator.
    frames_kpa : ndarray (T, R, C), optional
        What the emulator replays in a loop (kPa); default: the foot model standing still.
    foot : str
        The foot model's foot when ``frames_kpa`` is not given.
    rate_hz : float
        The emulator's frame rate.
    """

    def __init__(self, profile: MatProfile, port: str | None = None, *,
                 frames_kpa: np.ndarray | None = None, foot: str = "normal",
                 rate_hz: float = 50.0) -> None:
        self.profile = profile
        self.emulator: MatEmulator | None = None
        if port is None:
            if frames_kpa is None:
                frames_kpa = foot_model_frames(profile, foot, "static", rate_hz=rate_hz).frames
            self.emulator = MatEmulator(profile, frames_kpa, rate_hz=rate_hz,
                                        wait_for_start=True)
            port = self.emulator.start_pty()
        self.port = port

    @property
    def emulated(self) -> bool:
        """Whether the frames come from the emulator."""
        return self.emulator is not None

    def open(self, timeout_s: float = 5.0) -> MatReader:
        """A started reader on the link (raises the port's error if it cannot be opened)."""
        reader = MatReader(self.port, self.profile)
        reader.start()
        try:
            reader.wait_open(timeout_s)
        except BaseException:
            reader.stop()
            raise
        return reader

    def close(self) -> None:
        """Stop the emulator, if any (readers are stopped by whoever holds them)."""
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None
