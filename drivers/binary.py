r"""Sync-header binary frames described by a profile (FORMATS.md section 2).

Covers the binary low-cost mats: the ``AA AB AC`` 16 x 16 module, the ``BB AA`` frame with a
CRC-16/Modbus, and the ``AA ... CC`` frame with type, length, sequence and CRC. A frame is::

    sync | header fields | samples (rows x cols, 1 or 2 bytes, either endianness,
    row- or column-major) | fields after the samples (sequence, checksum, trailer)

Fields are placed by ``offset`` from the frame start (negative: from its end). A field with
``expect`` must hold that value; ``seq`` is a wrapping sequence number; the checksum covers
``covers = [start, end)`` (negative end counts from the frame end). Every sample must lie in
``0 .. max_count`` (the profile's): a frame holding more is dropped and counted as bad.

Frames without a checksum are told apart by their structure alone: the sync, the fixed
length (a frame with the sync inside its span was cut short), the ``expect`` fields and the
value range. For the 12-bit M1616 module (``AA AB AC`` + 256 x uint16 BE + 4 trailing bytes
whose meaning is not published) the range check is what catches a flipped bit: a sample's
high byte is below 0x10, so a flip in its upper four bits is seen, and the sync cannot occur
in the samples. What the format cannot show: a flip in a sample's low byte or in the low four
bits of its high byte (the value stays in range), and anything in the 4 trailing bytes.

Examples
--------
>>> codec = BinaryCodec(sync=b"\xbb\xaa", rows=1, cols=2, sample_bytes=2, endian="little",
...                     payload_offset=4, after_payload=2,
...                     fields=(Field("length", 2, 2, "little", expect=4),),
...                     checksum=Checksum("crc16-modbus", -2, "little", (0, -2)))
>>> data = codec.encode(np.array([[5, 6]]))
>>> data.hex()
'bbaa040005000600022e'
>>> codec.decode(codec.initial_state(), data)[0][0].counts.tolist()
[[5, 6]]
"""

from __future__ import annotations

import dataclasses

import numpy as np

from orthofit.drivers.base import (
    ParserState,
    RawFrame,
    account_sequence,
    count,
    in_range,
)
from orthofit.drivers.checksums import CHECKSUMS


@dataclasses.dataclass(frozen=True)
class Field:
    """An integer field of a frame: ``name`` (``length``, ``type``, ``seq``, ``trailer``...)."""

    name: str
    offset: int
    size: int = 1
    endian: str = "big"
    expect: int | None = None


@dataclasses.dataclass(frozen=True)
class Checksum:
    """Where a frame's checksum sits, its algorithm and the bytes it covers."""

    algorithm: str
    offset: int
    endian: str = "little"
    covers: tuple[int, int] = (0, 0)


def _read(buf: bytes, start: int, size: int, f: Field | Checksum, frame_size: int,
          width: int) -> int:
    off = f.offset if f.offset >= 0 else frame_size + f.offset
    return int.from_bytes(buf[start + off:start + off + width], f.endian)  # type: ignore[arg-type]


@dataclasses.dataclass(frozen=True)
class BinaryCodec:
    """A codec for sync-header binary frames (see the module docstring)."""

    sync: bytes
    rows: int
    cols: int
    sample_bytes: int = 2
    endian: str = "big"
    order: str = "row"
    payload_offset: int = 0
    after_payload: int = 0
    fields: tuple[Field, ...] = ()
    checksum: Checksum | None = None
    poll_request: bytes | None = None
    max_count: int | None = None

    def __post_init__(self) -> None:
        if self.checksum is not None and self.checksum.algorithm not in CHECKSUMS:
            known = ", ".join(CHECKSUMS)
            raise ValueError(f"unknown checksum {self.checksum.algorithm!r}; known: {known}")
        if self.payload_offset < len(self.sync):
            raise ValueError("payload_offset must leave room for the sync bytes")

    @property
    def frame_size(self) -> int:
        """Bytes in one frame."""
        return self.payload_offset + self.rows * self.cols * self.sample_bytes + self.after_payload

    @property
    def _dtype(self) -> str:
        return ("<" if self.endian == "little" else ">") + f"u{self.sample_bytes}"

    def initial_state(self) -> ParserState:
        """A fresh stream."""
        return ParserState(geometry=(self.rows, self.cols))

    def _samples(self, counts: np.ndarray) -> bytes:
        grid = counts if self.order == "row" else counts.T
        return np.ascontiguousarray(grid, dtype=self._dtype).tobytes()

    def encode(self, counts: np.ndarray, seq: int = 0, time_us: int = 0) -> bytes:
        """One frame; ``expect`` fields get their value, ``seq`` the sequence number."""
        size = self.frame_size
        frame = bytearray(size)
        frame[:len(self.sync)] = self.sync
        start = self.payload_offset
        payload = self._samples(np.asarray(counts))
        frame[start:start + len(payload)] = payload
        for f in self.fields:
            off = f.offset if f.offset >= 0 else size + f.offset
            value = seq % (1 << (8 * f.size)) if f.name == "seq" else (f.expect or 0)
            frame[off:off + f.size] = value.to_bytes(f.size, f.endian)  # type: ignore[arg-type]
        if self.checksum is not None:
            func, width = CHECKSUMS[self.checksum.algorithm]
            lo, hi = self.checksum.covers
            hi = hi if hi > 0 else size + hi
            off = self.checksum.offset if self.checksum.offset >= 0 else size + self.checksum.offset
            frame[off:off + width] = func(bytes(frame[lo:hi])).to_bytes(
                width, self.checksum.endian)  # type: ignore[arg-type]
        return bytes(frame)

    def _candidates(self, buf: bytes, last: int) -> list[int]:
        """Offsets up to ``last`` where the sync and every ``expect`` field are in place."""
        if last < 0:
            return []
        arr = np.frombuffer(buf, np.uint8)
        ok = np.ones(last + 1, bool)
        fixed = list(enumerate(self.sync))
        size = self.frame_size
        for f in self.fields:
            if f.expect is not None:
                off = f.offset if f.offset >= 0 else size + f.offset
                fixed += [(off + j, b) for j, b in enumerate(f.expect.to_bytes(f.size, f.endian))]
        for off, byte in fixed:
            ok &= arr[off:off + last + 1] == byte
        return np.flatnonzero(ok).tolist()

    def decode(self, state: ParserState, data: bytes) -> tuple[list[RawFrame], ParserState]:
        """Frames completed by ``data``; a bad field or checksum moves the search on one byte."""
        buf = state.pending + data if state.pending else bytes(data)
        n = len(buf)
        size = self.frame_size
        if n < size and buf.startswith(self.sync):
            # Still filling the frame found last time: nothing to search or count. A port read
            # can return one byte at a time, so this path must cost next to nothing.
            return [], dataclasses.replace(state, pending=buf)
        frames: list[RawFrame] = []
        crc_errors = bad = 0
        pos = 0
        sync = self.sync
        if self.checksum is not None:
            func, width = CHECKSUMS[self.checksum.algorithm]
            lo, hi = self.checksum.covers
            hi = hi if hi > 0 else size + hi
            crc_off = self.checksum.offset if self.checksum.offset >= 0 \
                else size + self.checksum.offset
            crc_endian = self.checksum.endian
        view = memoryview(buf)
        # Every place a complete frame could start (the sync and each fixed field in place),
        # found at once: a garbled stream may hold a candidate every few bytes, and checking
        # them one by one in Python was most of the cost of resynchronising.
        for start in self._candidates(buf, n - size):
            if start < pos:
                continue  # inside a frame already taken
            if self.checksum is None:
                # Without a checksum, a sync inside the span means this frame was cut short.
                inner = buf.find(sync, start + 1, start + size)
                if inner >= 0:
                    bad += 1
                    pos = inner
                    continue
            if self.checksum is not None:
                got = int.from_bytes(buf[start + crc_off:start + crc_off + width], crc_endian)
                if func(view[start + lo:start + hi]) != got:
                    crc_errors += 1
                    continue
            values = np.frombuffer(buf, dtype=self._dtype, count=self.rows * self.cols,
                                   offset=start + self.payload_offset)
            if self.max_count is not None and not in_range(values, self.max_count):
                # An impossible sample: a garbled frame (or a false sync); search on from the
                # next byte, as after a checksum error.
                bad += 1
                continue
            grid = (values.reshape(self.rows, self.cols) if self.order == "row"
                    else values.reshape(self.cols, self.rows).T)
            seq = None
            state = dataclasses.replace(state, stats=count(state.stats, frames=1))
            for f in self.fields:
                if f.name == "seq":
                    seq = _read(buf, start, size, f, size, f.size)
                    state = account_sequence(state, seq, 1 << (8 * f.size))
            frames.append(RawFrame(np.ascontiguousarray(grid).astype(np.uint16), seq, None))
            pos = start + size
        # What is left: from the first sync too near the end for a whole frame, else the last
        # bytes that could be the start of a sync.
        tail = buf.find(sync, max(pos, n - size + 1))
        pos = tail if tail >= 0 else n - min(len(sync) - 1, n - pos)
        skipped = pos - size * len(frames)
        stats = count(state.stats, bytes_skipped=skipped, crc_errors=crc_errors, bad_frames=bad)
        return frames, dataclasses.replace(state, pending=buf[pos:], stats=stats)
