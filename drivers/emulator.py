r"""A mat emulator that speaks a profile's real bytes over a pseudo-terminal or TCP.

It replays a scan or renders the foot model, encodes every frame with the profile's codec and
writes it at the frame rate, so the drivers, the recorder, the desktop and the kiosk run
without hardware through exactly the code a real mat exercises. Faults can be injected:

``garbage=P``  random bytes before a frame with probability P
``crc=P``      one flipped bit inside a frame
``cut=P``      a frame cut short
``drop=P``     a frame not sent (its sequence number is used up)
``stall=T:D``  nothing sent from T s for D s
``disconnect=T`` the link closes at T s (a pulled cable)

The host may send ``S\n`` to start and ``X\n`` to stop streaming (OFP1); poll protocols get
one frame per request byte. TCP listens on 127.0.0.1 only.
"""

from __future__ import annotations

import dataclasses
import os
import random
import select
import socket
import threading
import time
import tty
from collections.abc import Callable

import numpy as np

from orthofit.drivers.registry import make_codec
from orthofit.matprofile import MatProfile
from orthofit.model import Recording

WRAP_US = 1 << 32


@dataclasses.dataclass(frozen=True)
class FaultSpec:
    """Faults to inject (see the module docstring for the text form)."""

    garbage: float = 0.0
    crc: float = 0.0
    cut: float = 0.0
    drop: float = 0.0
    stall_at_s: float | None = None
    stall_for_s: float = 0.0
    disconnect_at_s: float | None = None

    @classmethod
    def parse(cls, text: str | None) -> FaultSpec:
        """Parse ``"garbage=0.01,crc=0.02,stall=3:1,disconnect=8"`` (empty: no faults).

        Examples
        --------
        >>> FaultSpec.parse("crc=0.1,stall=2:0.5").stall_for_s
        0.5
        """
        spec: dict[str, float | None] = {}
        for part in filter(None, (p.strip() for p in (text or "").split(","))):
            key, _, value = part.partition("=")
            try:
                if key in ("garbage", "crc", "cut", "drop"):
                    spec[key] = float(value)
                    if not 0 <= float(value) <= 1:
                        raise ValueError("a probability is between 0 and 1")
                elif key == "stall":
                    at, _, length = value.partition(":")
                    spec["stall_at_s"], spec["stall_for_s"] = float(at), float(length or 1.0)
                elif key == "disconnect":
                    spec["disconnect_at_s"] = float(value)
                else:
                    raise ValueError(f"unknown fault {key!r}")
            except ValueError as exc:
                raise ValueError(
                    f"bad fault {part!r} ({exc}); use garbage=P, crc=P, cut=P, drop=P, "
                    "stall=T:D, disconnect=T") from None
        return cls(**spec)  # type: ignore[arg-type]


def counts_from_kpa(profile: MatProfile, frames_kpa: np.ndarray) -> np.ndarray:
    """Raw counts a mat of ``profile`` would send for these pressures."""
    counts = profile.calibration.to_counts(frames_kpa, profile.max_count)
    kind = profile.codec.get("kind")
    if kind == "ascii_index":
        return counts.astype(np.float32)  # volts, not integers
    if kind == "poll":
        counts = np.clip(counts, 1, 255)
    dtype = np.uint8 if profile.max_count <= 255 else np.uint16
    return counts.astype(dtype)


class MatEmulator:
    r"""Serve frames over a pty or TCP in a background thread.

    Parameters
    ----------
    profile : MatProfile
    frames_kpa : ndarray, shape (T, R, C)
        Pressures to send, replayed in a loop.
    rate_hz : float
    faults : FaultSpec
    seed : int
        For the random faults.
    clock_start_us : int
        Device clock at the first frame (near 2**32 to exercise wrapping).
    loop : bool
        Replay the frames forever (else stop after one pass).
    wait_for_start : bool
        Send nothing until the host sends ``S\n`` (else stream from "power-up", as devices
        that ignore the start command do).
    """

    def __init__(self, profile: MatProfile, frames_kpa: np.ndarray, *, rate_hz: float = 100.0,
                 faults: FaultSpec | None = None, seed: int = 0, clock_start_us: int = 0,
                 loop: bool = True, wait_for_start: bool = False) -> None:
        self.profile = profile
        self.codec = make_codec(profile)
        self.counts = counts_from_kpa(profile, frames_kpa)
        self.rate_hz = rate_hz
        self.faults = faults or FaultSpec()
        self.rng = random.Random(seed)
        self.clock_start_us = clock_start_us
        self.loop = loop
        self.wait_for_start = wait_for_start
        self.sent = 0
        self.dropped = 0
        #: Frame indices written whole and unaltered (garbage before a frame does not alter it).
        self.intact: list[int] = []
        #: Monotonic time each frame index was written (for latency measurements).
        self.sent_at: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._fd: int | None = None
        self._slave_fd: int | None = None
        self._sock: socket.socket | None = None
        self._server: socket.socket | None = None
        self.device: str | None = None
        self.address: tuple[str, int] | None = None
        self.finished = threading.Event()
        self._fault_t0: float | None = None

    # -- transports ----------------------------------------------------------------------------

    def start_pty(self) -> str:
        """Start serving on a new pseudo-terminal; return its device path for the host."""
        master, slave = os.openpty()
        # Raw mode now, before the host opens the port: no echo of our own bytes back to us,
        # no newline translation of binary frames.
        tty.setraw(slave)
        self._fd, self._slave_fd = master, slave
        self.device = os.ttyname(slave)
        self._start(self._write_fd, self._read_fd)
        return self.device

    def start_tcp(self, port: int = 0) -> tuple[str, int]:
        """Listen on 127.0.0.1:port (0 = any free port); serve the first client. Return address."""
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(1)
        self._server = server
        self.address = server.getsockname()
        self._start(self._write_sock, self._read_sock, accept=True)
        return self.address

    # -- io helpers ----------------------------------------------------------------------------

    def _write_fd(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self._stop.is_set():
            try:
                view = view[os.write(self._fd, view):]  # type: ignore[arg-type]
            except BlockingIOError:
                select.select([], [self._fd], [], 0.05)

    def _read_fd(self) -> bytes:
        ready, _, _ = select.select([self._fd], [], [], 0)
        if not ready:
            return b""
        try:
            return os.read(self._fd, 4096)  # type: ignore[arg-type]
        except OSError:
            return b""

    def _write_sock(self, data: bytes) -> None:
        self._sock.sendall(data)  # type: ignore[union-attr]

    def _read_sock(self) -> bytes:
        ready, _, _ = select.select([self._sock], [], [], 0)
        if not ready:
            return b""
        data = self._sock.recv(4096)  # type: ignore[union-attr]
        if not data:
            raise ConnectionError("the host closed the connection")
        return data

    # -- the serving loop ----------------------------------------------------------------------

    def _start(self, write: Callable[[bytes], None], read: Callable[[], bytes],
               accept: bool = False) -> None:
        def run() -> None:
            try:
                if not accept:
                    self._serve(write, read)
                    return
                # Like a networked mat, serve one host at a time and take the next when it
                # goes; a pulled cable (the disconnect fault) or the end of the frames ends all.
                self._server.settimeout(0.2)  # type: ignore[union-attr]
                while not self._stop.is_set():
                    try:
                        self._sock, _ = self._server.accept()  # type: ignore[union-attr]
                    except TimeoutError:
                        continue
                    try:
                        if self._serve(write, read):
                            return
                    except (OSError, ConnectionError):
                        pass  # this host went away: wait for the next
                    finally:
                        self._sock.close()
                        self._sock = None
            except (OSError, ConnectionError):
                pass  # the host went away: nothing more to send
            finally:
                self._close()
                self.finished.set()

        self._thread = threading.Thread(target=run, name="mat-emulator", daemon=True)
        self._thread.start()

    def _frame_bytes(self, index: int) -> bytes | None:
        """The bytes for frame ``index`` with faults applied (None: dropped)."""
        f = self.faults
        counts = self.counts[index % len(self.counts)]
        time_us = (self.clock_start_us + round(index * 1e6 / self.rate_hz)) % WRAP_US
        data = self.codec.encode(counts, seq=index, time_us=time_us)
        if f.drop and self.rng.random() < f.drop:
            self.dropped += 1
            return None
        intact = True
        if f.crc and self.rng.random() < f.crc and len(data) > 8:
            pos = self.rng.randrange(len(data) // 2, len(data) - 3)
            data = data[:pos] + bytes([data[pos] ^ 0x10]) + data[pos + 1:]
            intact = False
        if f.cut and self.rng.random() < f.cut:
            data = data[:self.rng.randrange(1, max(2, len(data) - 1))]
            intact = False
        if intact:
            self.intact.append(index)
        if f.garbage and self.rng.random() < f.garbage:
            data = bytes(self.rng.randrange(256) for _ in range(self.rng.randrange(1, 40))) + data
        return data

    def _serve(self, write: Callable[[bytes], None], read: Callable[[], bytes]) -> bool:
        """Stream to one host; True when the emulated mat is gone for good (not the host)."""
        poll = self.codec.poll_request
        streaming = not self.wait_for_start
        period = 1.0 / self.rate_hz
        t0 = time.monotonic()
        # Faults happen once in the mat's life, timed from its first host's start: a host
        # that reconnects after a stall does not meet the same stall again.
        first_host = self._fault_t0 is None
        if first_host:
            self._fault_t0 = t0
        index = 0
        pending = b""
        f = self.faults
        while not self._stop.is_set():
            elapsed = time.monotonic() - self._fault_t0
            # A mat waiting for its first start command has not begun its life: a host slow to
            # start (a loaded machine) must not find it already unplugged.
            waiting = first_host and not streaming and index == 0 and not poll
            if f.disconnect_at_s is not None and elapsed >= f.disconnect_at_s and not waiting:
                return True
            pending += read()
            if poll:
                if poll in pending:
                    pending = pending.replace(poll, b"", 1)
                    data = self._frame_bytes(index)
                    index += 1
                    if data:
                        write(data)
                        self.sent += 1
                else:
                    time.sleep(0.001)
                continue
            if b"X\n" in pending:
                streaming, pending = False, pending.split(b"X\n")[-1]
            if b"S\n" in pending:
                if not streaming and index == 0:
                    t0 = time.monotonic()  # the device clock starts with the first frame
                    if first_host:
                        self._fault_t0 = t0
                streaming, pending = True, pending.split(b"S\n")[-1]
            pending = pending[-8:]
            due = t0 + index * period
            now = time.monotonic()
            if now < due:
                time.sleep(min(due - now, 0.005))
                continue
            if not self.loop and index >= len(self.counts):
                return True
            stalled = f.stall_at_s is not None and f.stall_at_s <= elapsed < f.stall_at_s + \
                f.stall_for_s
            if not streaming and index == 0:
                time.sleep(0.002)  # waiting for the start command
                continue
            if streaming and not stalled:
                data = self._frame_bytes(index)
                if data:
                    write(data)
                    self.sent_at[index] = time.monotonic()
                    self.sent += 1
            index += 1  # time moves on while stalled or stopped (sequence numbers too)
        return False

    def _close(self) -> None:
        for closer in (self._sock, self._server):
            if closer is not None:
                try:
                    closer.close()
                except OSError:
                    pass
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = None

    def stop(self) -> None:
        """Stop serving and close the link."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
        if self._slave_fd is not None:
            try:
                os.close(self._slave_fd)
            except OSError:
                pass
            self._slave_fd = None


#: Empty mat between two emulated walking passes (s): the patient turning round.
WALK_PAUSE_S = 2.0


def foot_model_frames(profile: MatProfile, foot: str = "normal", mode: str = "static", *,
                      rate_hz: float = 100.0, seed: int = 0) -> Recording:
    """Frames from the foot model for a mat of ``profile`` (its geometry, or a default one).

    ``ofp1-generic`` has no size of its own: 96 x 96 sensels for standing, a 2 m plate of
    394 x 110 for walking, at its pitch.
    """
    from orthofit import footmodel as fm

    pitch = profile.pitch_mm
    if profile.rows:
        mat = fm.Mat(profile.rows, profile.cols, pitch)
    elif mode == "walk":
        mat = fm.Mat(int(2000 / pitch[0]), int(560 / pitch[1]), pitch)
    else:
        mat = fm.Mat(int(488 / pitch[0]), int(488 / pitch[1]), pitch)
    if mode == "walk":
        rec, _ = fm.walk_trial(foot, mat=mat, rate_hz=rate_hz, noise_kpa=1.0, seed=seed)
        # Between passes the patient turns and walks back: the mat stays empty for a while,
        # longer than the walk capture's 1 s margin, so a pass ends as it does in a clinic.
        pause = np.zeros((int(round(WALK_PAUSE_S * rate_hz)), *rec.shape), np.float32)
        frames = np.concatenate([rec.frames, pause])
        rec = rec.replace(frames=frames, times_s=np.arange(frames.shape[0]) / rate_hz)
    else:
        duration = 30.0 if mode == "balance" else 3.0
        rec, _ = fm.static_trial(foot, mat=mat, rate_hz=rate_hz, duration_s=duration,
                                 noise_kpa=1.0, seed=seed, mode=mode, sway_mm=2.0,
                                 oversample=3)
    return rec
