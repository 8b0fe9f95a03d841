"""OFP1, orthofit's open frame protocol (FORMATS.md section 1), byte for byte.

Frame layout, all integers little-endian::

    0   2  sync A5 5A
    2   1  version 01
    3   1  flags: bit 0 set = uint16 samples, clear = uint8; other bits 0
    4   2  rows
    6   2  cols
    8   4  sequence number (+1 per frame, wraps at 2**32)
    12  4  device time in microseconds (wraps at 2**32)
    16  N  samples, row-major, N = rows * cols * (1 or 2)
    16+N 2 CRC-16/CCITT-FALSE over bytes 2 .. 16+N-1

The decoder finds frames anywhere in a stream: it searches for the sync, checks the header,
waits for the whole frame, checks the CRC and, on any failure, moves one byte on and searches
again, so a frame cut short or garbled costs only itself, and a sync pattern inside a payload is
never mistaken for a frame start while the stream is in step.

Examples
--------
>>> codec = Ofp1Codec()
>>> data = codec.encode(np.array([[1, 2], [3, 4]], np.uint16), seq=7, time_us=1000)
>>> frames, state = codec.decode(codec.initial_state(), b"junk" + data)
>>> frames[0].counts.tolist(), frames[0].seq, state.stats.bytes_skipped
([[1, 2], [3, 4]], 7, 4)
"""

from __future__ import annotations

import binascii
import dataclasses
import struct

import numpy as np

from orthofit.drivers.base import DecodeStats, ParserState, ProtocolMismatchError, RawFrame

SYNC = b"\xa5\x5a"
VERSION = 1
HEADER = struct.Struct("<2sBBHHII")
HEADER_SIZE = HEADER.size  # 16
WRAP = 1 << 32
#: Largest frame side accepted from a stream of unknown geometry (a header claiming more is a
#: false sync: waiting for megabytes that never come would stall the stream).
MAX_SIDE = 512
START_COMMAND = b"S\n"
STOP_COMMAND = b"X\n"


@dataclasses.dataclass(frozen=True)
class Ofp1Codec:
    """OFP1 codec.

    Parameters
    ----------
    rows, cols : int
        Geometry the profile expects; 0 takes it from the stream (``ofp1-generic``). Frames of
        another geometry are counted as ``geometry_mismatches`` and dropped.
    wide : bool or None
        Expected sample width (True = uint16); None accepts either.
    """

    rows: int = 0
    cols: int = 0
    wide: bool | None = None
    poll_request: bytes | None = None

    def initial_state(self) -> ParserState:
        """A fresh stream (geometry locked to the profile's when it gives one)."""
        geometry = (self.rows, self.cols) if self.rows and self.cols else None
        return ParserState(geometry=geometry)

    def encode(self, counts: np.ndarray, seq: int = 0, time_us: int = 0) -> bytes:
        """One frame of ``counts`` (uint8 or uint16 values, R x C)."""
        counts = np.asarray(counts)
        wide = counts.dtype.itemsize > 1 if self.wide is None else self.wide
        dtype = "<u2" if wide else "u1"
        rows, cols = counts.shape
        body = HEADER.pack(SYNC, VERSION, 1 if wide else 0, rows, cols, seq % WRAP,
                           time_us % WRAP) + np.ascontiguousarray(counts, dtype=dtype).tobytes()
        return body + struct.pack("<H", binascii.crc_hqx(memoryview(body)[2:], 0xFFFF))

    def decode(self, state: ParserState, data: bytes) -> tuple[list[RawFrame], ParserState]:
        """Frames completed by ``data``; see the module docstring for the resync rules."""
        buf = state.pending + data if state.pending else bytes(data)
        view = memoryview(buf)
        n = len(buf)
        frames: list[RawFrame] = []
        s = state.stats
        n_frames, crc_errors, skipped = s.frames, s.crc_errors, s.bytes_skipped
        gaps, missing, mismatches = s.sequence_gaps, s.frames_missing, s.geometry_mismatches
        last_seq, last_raw, offset = state.last_seq, state.time_last_raw, state.time_offset
        geometry = state.geometry
        pos = 0
        find = buf.find
        crc_hqx = binascii.crc_hqx
        frombuffer = np.frombuffer
        while True:
            start = find(SYNC, pos)
            if start < 0:
                # Keep a trailing A5 that may be the first half of the next sync.
                keep = 1 if n and buf[-1] == 0xA5 else 0
                skipped += max(n - pos - keep, 0)
                pos = n - keep if n - pos > keep else pos
                break
            skipped += start - pos
            pos = start
            if n - pos < HEADER_SIZE:
                break
            _, version, flags, rows, cols, seq, t_raw = HEADER.unpack_from(buf, pos)
            wide = flags & 1
            if (version != VERSION or flags & 0xFE or not rows or not cols
                    or rows > MAX_SIDE or cols > MAX_SIDE
                    or (self.wide is not None and bool(wide) != self.wide)):
                pos += 1  # not a frame start: look for the next sync from the next byte
                skipped += 1
                continue
            size = HEADER_SIZE + rows * cols * (2 if wide else 1) + 2
            other = geometry is not None and (rows, cols) != geometry
            if other and size > 4 * (HEADER_SIZE + geometry[0] * geometry[1] * 2 + 2):
                pos += 1  # implausible for this mat: a false sync, do not wait for it
                skipped += 1
                continue
            if n - pos < size:
                break
            crc = view[pos + size - 2] | (view[pos + size - 1] << 8)
            if crc_hqx(view[pos + 2:pos + size - 2], 0xFFFF) != crc:
                crc_errors += 1
                pos += 1
                skipped += 1
                continue
            if other:
                # A real frame, but not of the geometry this mat has.
                mismatches += 1
                pos += size
                continue
            counts = frombuffer(buf, dtype="<u2" if wide else "u1", count=rows * cols,
                                offset=pos + HEADER_SIZE).reshape(rows, cols).copy()
            if last_seq is not None:
                step = (seq - last_seq) % WRAP
                if step != 1:
                    gaps += 1
                    missing += (step - 1) % WRAP
            last_seq = seq
            if last_raw is not None and t_raw < last_raw:
                offset += WRAP
            last_raw = t_raw
            frames.append(RawFrame(counts, seq, t_raw + offset))
            if geometry is None:
                geometry = (rows, cols)
            n_frames += 1
            pos += size
        stats = DecodeStats(frames=n_frames, crc_errors=crc_errors, bad_frames=s.bad_frames,
                            bytes_skipped=skipped, sequence_gaps=gaps, frames_missing=missing,
                            geometry_mismatches=mismatches)
        new = ParserState(pending=buf[pos:], stats=stats, last_seq=last_seq,
                          time_last_raw=last_raw, time_offset=offset, geometry=geometry)
        if self.rows and stats.geometry_mismatches >= 3 and stats.frames == 0:
            raise ProtocolMismatchError(
                f"the mat sends OFP1 frames of another size than the profile's {self.rows} x "
                f"{self.cols} sensels; choose the profile that matches the mat "
                "(ofp1-generic takes the size from the stream)"
            )
        return frames, new
