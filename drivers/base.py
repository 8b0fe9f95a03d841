"""What every codec shares: decoded frames, parser state, statistics, sequence and clock logic.

A codec is pure: ``decode(state, data) -> (frames, state)`` takes the bytes that arrived and the
state left by the previous call (bytes of an unfinished frame, counters, the last sequence
number and device time) and returns the frames completed by these bytes with the new state. It
never reads a port and never mutates its input, so it is tested with literal byte strings and
can resume anywhere in a stream.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

import numpy as np


class ProtocolMismatchError(ValueError):
    """The stream does not look like what the profile describes (message says what differs)."""


@dataclasses.dataclass(frozen=True, eq=False)
class RawFrame:
    """One decoded frame.

    Attributes
    ----------
    counts : ndarray, shape (R, C)
        Raw sensor values (ADC counts, or volts for analogue protocols), row-major, row 0 at the
        edge the patient faces.
    seq : int or None
        Sequence number as sent (``None`` when the protocol has none).
    device_time_us : int or None
        Device clock in microseconds, unwrapped (monotonic across wraps); ``None`` when the
        protocol has no clock.
    """

    counts: np.ndarray
    seq: int | None = None
    device_time_us: int | None = None


@dataclasses.dataclass(frozen=True)
class DecodeStats:
    """Counters of a stream: what arrived intact and what was lost or skipped."""

    frames: int = 0
    crc_errors: int = 0
    bad_frames: int = 0
    bytes_skipped: int = 0
    sequence_gaps: int = 0
    frames_missing: int = 0
    geometry_mismatches: int = 0

    def to_dict(self) -> dict[str, int]:
        """The counters as a plain dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class ParserState:
    """Everything a codec carries from one chunk of bytes to the next.

    ``pending`` holds bytes of an unfinished frame; ``extra`` is codec-specific (for example the
    rows of an ASCII frame read so far).
    """

    pending: bytes = b""
    stats: DecodeStats = DecodeStats()
    last_seq: int | None = None
    time_last_raw: int | None = None
    time_offset: int = 0
    geometry: tuple[int, int] | None = None
    extra: Any = None


def in_range(values: np.ndarray, max_count: float) -> bool:
    """True when every value is a possible reading: finite and within ``0 .. max_count``.

    A codec drops (and counts as bad) a frame holding anything else, so an impossible value
    (NaN, infinity, 1e308 volts, a negative or overflowing count) never reaches a recording.

    Examples
    --------
    >>> in_range(np.array([0.0, 3.3]), 4), in_range(np.array([0.0, np.nan]), 4)
    (True, False)
    """
    if not values.size:
        return True
    # NaN compares False both ways, so it fails here without a separate isfinite pass.
    if values.dtype.kind == "u":
        return bool(values.max() <= max_count)
    return bool(values.min() >= 0 and values.max() <= max_count)


def count(stats: DecodeStats, **increments: int) -> DecodeStats:
    """Return ``stats`` with counters increased."""
    changed = {k: getattr(stats, k) + v for k, v in increments.items() if v}
    return dataclasses.replace(stats, **changed) if changed else stats


def account_sequence(state: ParserState, seq: int, modulus: int) -> ParserState:
    """Update the gap counters for a frame with sequence number ``seq`` (wrapping at modulus)."""
    if state.last_seq is not None:
        step = (seq - state.last_seq) % modulus
        if step != 1:
            # A step of 0 is a repeated frame; anything else skipped (step - 1) frames.
            missing = (step - 1) % modulus
            stats = count(state.stats, sequence_gaps=1, frames_missing=missing)
            state = dataclasses.replace(state, stats=stats)
    return dataclasses.replace(state, last_seq=seq)


def unwrap_time(state: ParserState, raw_us: int, modulus: int) -> tuple[int, ParserState]:
    """Unwrap a device clock that wraps at ``modulus``; return the monotonic time and state."""
    offset = state.time_offset
    if state.time_last_raw is not None and raw_us < state.time_last_raw:
        offset += modulus
    return raw_us + offset, dataclasses.replace(state, time_last_raw=raw_us, time_offset=offset)


class Codec(Protocol):
    """A frame codec for one protocol, configured from a mat profile."""

    #: Bytes the host sends to request one frame (poll-per-frame protocols), else None.
    poll_request: bytes | None

    def initial_state(self) -> ParserState:
        """The state to start a stream with."""
        ...

    def decode(self, state: ParserState, data: bytes) -> tuple[list[RawFrame], ParserState]:
        """Frames completed by ``data`` and the state to continue with."""
        ...

    def encode(self, counts: np.ndarray, seq: int = 0, time_us: int = 0) -> bytes:
        """The bytes a device sends for one frame (the emulator's side)."""
        ...
