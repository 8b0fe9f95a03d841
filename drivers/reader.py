"""The driver thread: owns the port, decodes frames and hands them on (no Qt).

Every decoded frame goes into a bounded queue for the recorder, which must write every one;
the newest also goes into a one-slot holder for a live view, which may skip frames. Problems
arrive in the same queue as :class:`Fault` items, in order with the frames, so the consumer
knows exactly which frames came before a stall or a pulled cable.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import serial

from orthofit.drivers.base import DecodeStats, ProtocolMismatchError, RawFrame, count
from orthofit.drivers.registry import make_codec
from orthofit.drivers.transport import PortError, is_port_object, open_port
from orthofit.matprofile import MatProfile

log = logging.getLogger(__name__)

#: Bytes asked for per read when the port cannot say how many are waiting.
READ_CHUNK = 1 << 16


@dataclasses.dataclass(frozen=True, eq=False)
class FrameItem:
    """A decoded frame with the host's arrival time (monotonic seconds)."""

    frame: RawFrame
    host_time_s: float
    index: int


@dataclasses.dataclass(frozen=True)
class Fault:
    """Something went wrong on the link.

    ``kind`` is ``timeout``, ``resumed``, ``disconnected``, ``mismatch`` or ``error``;
    ``message`` says it in words.
    """

    kind: str
    message: str
    host_time_s: float


class LatestFrame:
    """Holds the newest frame for a live view (thread-safe; readers never block the driver)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._item: FrameItem | None = None

    def set(self, item: FrameItem) -> None:
        """Replace the held frame."""
        with self._lock:
            self._item = item

    def get(self) -> FrameItem | None:
        """The newest frame, or None before the first."""
        with self._lock:
            return self._item


class MatReader(threading.Thread):
    """Read a mat in a background thread.

    Parameters
    ----------
    port : str or port object
        A serial port name, a pyserial URL (``socket://``, ``loop://``, ``spy://``) or an open
        port object.
    profile : MatProfile
        What the mat is and how it talks.
    queue_size : int
        Frames the queue holds before the reader waits for the consumer.
    clock : callable
        Monotonic time in seconds (injectable for tests).
    """

    def __init__(self, port: Any, profile: MatProfile, *, queue_size: int = 8192,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(name=f"mat-reader-{profile.name}", daemon=True)
        self.port_spec = port
        self.profile = profile
        self.codec = make_codec(profile)
        self.out: queue.Queue[FrameItem | Fault] = queue.Queue(maxsize=queue_size)
        self.latest = LatestFrame()
        self.clock = clock
        self._stop_event = threading.Event()
        self._state = self.codec.initial_state()
        self._frames = 0
        self._overflows = 0
        self._first_time: float | None = None
        self._last_time: float | None = None
        self._opened = threading.Event()
        self.open_error: Exception | None = None
        self.timeout_s = float(profile.link.get("timeout_s", 2.0))
        self._port: Any = None

    # -- statistics -------------------------------------------------------------------------

    @property
    def stats(self) -> DecodeStats:
        """The codec's counters so far."""
        return self._state.stats

    @property
    def frame_rate_hz(self) -> float | None:
        """Mean rate of the frames received so far."""
        if self._frames < 2 or self._first_time is None or self._last_time is None:
            return None
        span = self._last_time - self._first_time
        return (self._frames - 1) / span if span > 0 else None

    def summary(self) -> dict[str, Any]:
        """Frames, rate and link counters, as the CLI prints them."""
        s = self.stats
        return {"frames": self._frames, "rate_hz": self.frame_rate_hz,
                "crc_errors": s.crc_errors, "bad_frames": s.bad_frames,
                "sequence_gaps": s.sequence_gaps, "frames_missing": s.frames_missing,
                "bytes_skipped": s.bytes_skipped, "queue_overflows": self._overflows}

    # -- control ----------------------------------------------------------------------------

    def wait_open(self, timeout_s: float = 5.0) -> None:
        """Block until the port is open; raise its PortError if it could not be."""
        self._opened.wait(timeout_s)
        if self.open_error is not None:
            raise self.open_error

    def drain(self) -> list[Fault]:
        """Empty the queue when nothing is recording; return the faults that were in it.

        A live view that only shows the newest frame must call this: otherwise the queue fills
        (it holds every frame for a recorder) and the reader waits for room, freezing the view.
        """
        faults = []
        while True:
            try:
                item = self.out.get_nowait()
            except queue.Empty:
                return faults
            if isinstance(item, Fault):
                faults.append(item)

    def stop(self, timeout_s: float = 5.0) -> None:
        """Ask the thread to finish (sends the mat's stop command) and wait for it."""
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout_s)

    # -- the thread -------------------------------------------------------------------------

    def _emit(self, item: FrameItem | Fault) -> None:
        # The recorder must get every frame: wait for room rather than drop. If the consumer
        # is gone for good the wait is bounded, and the loss is counted and reported.
        while not self._stop_event.is_set():
            try:
                self.out.put(item, timeout=0.5)
                return
            except queue.Full:
                continue
        try:
            self.out.put_nowait(item)
        except queue.Full:
            self._overflows += 1

    def _fault(self, kind: str, message: str) -> None:
        log.info("%s: %s", kind, message)  # the caller reports it to the user, once
        self._emit(Fault(kind, message, self.clock()))

    def _command(self, key: str) -> None:
        text = self.profile.link.get(key)
        if text and self._port is not None:
            try:
                self._port.write(str(text).encode("ascii"))
            except (serial.SerialException, OSError):
                pass  # a port that is gone cannot be told to stop

    def _decode(self, data: bytes) -> list[RawFrame]:
        """Decode ``data``; a decoder that fails costs these bytes, never the thread.

        Codecs validate what they read and do not raise on any bytes (a profile mismatch is
        the one error they report); this is the net under them: a capture must not end with
        a traceback because of what a mat sent.
        """
        try:
            frames, self._state = self.codec.decode(self._state, data)
            return frames
        except ProtocolMismatchError:
            raise
        except Exception as exc:
            lost = len(self._state.pending) + len(data)
            log.warning("the %s decoder failed on %d bytes (%s: %s); they are dropped",
                        self.profile.name, lost, type(exc).__name__, exc)
            log.debug("decoder failure", exc_info=True)
            fresh = self.codec.initial_state()
            self._state = dataclasses.replace(
                self._state, pending=b"", extra=fresh.extra,
                stats=count(self._state.stats, bad_frames=1, bytes_skipped=lost))
            return []

    def run(self) -> None:  # noqa: D102 - Thread API
        try:
            self._port = open_port(self.port_spec, baud=int(self.profile.link.get("baud",
                                                                                  115200)))
        except PortError as exc:
            self.open_error = exc
            self._opened.set()
            self._fault("error", str(exc))
            return
        self._opened.set()
        poll = self.codec.poll_request
        # pyserial's socket:// says 1 byte is waiting whenever any are: asking for that many
        # would read a TCP mat one byte per call. Read whole chunks with a short timeout.
        chunked = type(self._port).__module__.endswith("protocol_socket")
        if chunked:
            # A read returns when the chunk is full or after this: short, so a frame's arrival
            # time is not held back by the read that waits for more.
            self._port.timeout = 0.002
        # A polled mat sends a frame when asked: the host asks at the profile's rate.
        poll_period = 1.0 / self.profile.rate_hz if poll and self.profile.rate_hz else 0.0
        next_poll = time.monotonic()
        try:
            self._command("start")
            last_data = self.clock()
            stalled = False
            while not self._stop_event.is_set():
                if poll and poll_period:
                    wait = next_poll - time.monotonic()
                    if wait > 0:
                        self._stop_event.wait(wait)
                    next_poll = max(next_poll + poll_period, time.monotonic() - poll_period)
                if poll:
                    # Each poll starts clean: a partial answer to the last one is dropped.
                    if self._state.pending:
                        self._state = dataclasses.replace(
                            self._state, pending=b"",
                            stats=count(self._state.stats, bytes_skipped=len(
                                self._state.pending), bad_frames=1))
                    self._port.reset_input_buffer()
                    self._port.write(poll)
                    data = self._port.read(self.profile.rows * self.profile.cols)
                else:
                    waiting = READ_CHUNK if chunked else getattr(self._port, "in_waiting", 0)
                    data = self._port.read(min(max(waiting or 0, 1), READ_CHUNK))
                now = self.clock()
                if not data:
                    if not stalled and now - last_data > self.timeout_s:
                        stalled = True
                        self._fault("timeout", f"the mat has sent nothing for "
                                    f"{self.timeout_s:g} s; check its power and cable")
                    continue
                frames = self._decode(data)
                if frames and stalled:
                    stalled = False
                    self._fault("resumed", "the mat is sending again")
                if frames:
                    last_data = now
                elif now - last_data > self.timeout_s and not stalled:
                    stalled = True
                    self._fault("timeout", f"bytes arrive but no valid frame for "
                                f"{self.timeout_s:g} s; is '{self.profile.name}' the right "
                                "profile for this mat?")
                for frame in frames:
                    item = FrameItem(frame, now, self._frames)
                    if self._first_time is None:
                        self._first_time = now
                    self._last_time = now
                    self._frames += 1
                    self.latest.set(item)
                    self._emit(item)
        except ProtocolMismatchError as exc:
            self._fault("mismatch", str(exc))
        except (serial.SerialException, OSError) as exc:
            self._fault("disconnected", f"the mat was disconnected ({exc}); the frames "
                        "received so far are kept")
        finally:
            self._command("stop")
            if not is_port_object(self.port_spec):
                try:
                    self._port.close()
                except (serial.SerialException, OSError):
                    pass

