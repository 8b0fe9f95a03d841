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

A header is believed only if the frame it announces is plausible: at most ``MAX_SIDE`` sensels
a side and, once the geometry is known (from the profile or the first frame), that geometry or
another no more than 4 times its size. A bigger claim is a false sync: it is skipped at once
rather than waited for. Out of step, the candidates up to the end of the buffer are checked
together (:func:`~orthofit.drivers.checksums.crc16_ccitt_false_spans`), so resynchronising
costs time linear in the bytes, whatever sizes fake headers claim.

A frame whose CRC holds but whose samples exceed the profile's ``max_count`` is dropped and
counted as a bad frame (the mat is not the one the profile describes, or is faulty).

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

from orthofit.drivers.base import (
    DecodeStats,
    ParserState,
    ProtocolMismatchError,
    RawFrame,
    in_range,
)
from orthofit.drivers.checksums import crc16_ccitt_false_spans

SYNC = b"\xa5\x5a"
VERSION = 1
HEADER = struct.Struct("<2sBBHHII")
HEADER_SIZE = HEADER.size  # 16
WRAP = 1 << 32
#: Largest frame side accepted from a stream of unknown geometry (a header claiming more is a
#: false sync: waiting for megabytes that never come would stall the stream).
MAX_SIDE = 512
#: A frame of another geometry than the known one is believed up to this many times its size.
OTHER_SIZE_FACTOR = 4
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
    max_count : int or None
        Largest raw count the mat sends (the profile's ``max_count``); a frame holding more is
        dropped and counted as bad. None: any value the sample width holds.
    """

    rows: int = 0
    cols: int = 0
    wide: bool | None = None
    poll_request: bytes | None = None
    max_count: int | None = None

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

    def _sizes(self, version: np.ndarray, flags: np.ndarray, rows: np.ndarray,
               cols: np.ndarray, geometry: tuple[int, int] | None) -> np.ndarray:
        """Bytes of the frames headers announce, 0 where a header cannot start a frame.

        The vectorized twin of the checks in :meth:`decode` (the two are tested to agree).
        """
        rows = rows.astype(np.int64)
        cols = cols.astype(np.int64)
        wide = (flags & 1).astype(np.int64)
        ok = ((version == VERSION) & ((flags & 0xFE) == 0) & (rows >= 1) & (cols >= 1)
              & (rows <= MAX_SIDE) & (cols <= MAX_SIDE))
        if self.wide is not None:
            ok &= wide == int(self.wide)
        size = HEADER_SIZE + rows * cols * (1 + wide) + 2
        if geometry is not None:
            other = (rows != geometry[0]) | (cols != geometry[1])
            ok &= ~(other & (size > _largest_other(geometry)))
        return np.where(ok, size, 0)

    def _resync_plan(self, buf: bytes, start: int, geometry: tuple[int, int] | None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where decoding must stop from ``start`` on, found for all candidates at once.

        Returns the candidate positions (syncs), the indices of the *events* among them (a
        sync whose header has not fully arrived, a believable frame still arriving, or a
        complete frame whose CRC holds: the places a byte-by-byte search would stop) and the
        running count of CRC failures before each candidate (the frames a byte-by-byte search
        would have rejected on the way).
        """
        arr = np.frombuffer(buf, np.uint8)
        n = arr.size
        pos = np.flatnonzero((arr[start:n - 1] == 0xA5) & (arr[start + 1:] == 0x5A)) + start
        whole = pos[pos + HEADER_SIZE <= n]
        sizes = self._sizes(arr[whole + 2], arr[whole + 3],
                            arr[whole + 4] | (arr[whole + 5].astype(np.int64) << 8),
                            arr[whole + 6] | (arr[whole + 7].astype(np.int64) << 8), geometry)
        complete = (sizes > 0) & (whole + sizes <= n)
        ends = (whole + sizes)[complete]
        crc_ok = np.zeros(whole.size, bool)
        sent = arr[ends - 2].astype(np.uint16) | (arr[ends - 1].astype(np.uint16) << 8)
        crc_ok[complete] = crc16_ccitt_false_spans(buf, whole[complete] + 2, ends - 2) == sent
        event = np.ones(pos.size, bool)  # syncs too near the end for a header: wait there
        event[:whole.size] = ((sizes > 0) & ~complete) | crc_ok
        failed = np.zeros(pos.size + 1, np.int64)
        np.cumsum(complete & ~crc_ok, out=failed[1:whole.size + 1])
        failed[whole.size + 1:] = failed[whole.size]
        return pos, np.flatnonzero(event), failed

    def decode(self, state: ParserState, data: bytes) -> tuple[list[RawFrame], ParserState]:
        """Frames completed by ``data``; see the module docstring for the resync rules."""
        buf = state.pending + data if state.pending else bytes(data)
        view = memoryview(buf)
        n = len(buf)
        frames: list[RawFrame] = []
        s = state.stats
        n_frames, crc_errors, skipped = s.frames, s.crc_errors, s.bytes_skipped
        bad = s.bad_frames
        gaps, missing, mismatches = s.sequence_gaps, s.frames_missing, s.geometry_mismatches
        last_seq, last_raw, offset = state.last_seq, state.time_last_raw, state.time_offset
        geometry = state.geometry
        pos = 0
        find = buf.find
        crc_hqx = binascii.crc_hqx
        frombuffer = np.frombuffer
        plan = None  # the candidates ahead, found when the stream first falls out of step
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
            size = HEADER_SIZE + rows * cols * (2 if wide else 1) + 2
            other = geometry is not None and (rows, cols) != geometry
            if (version != VERSION or flags & 0xFE or not rows or not cols
                    or rows > MAX_SIDE or cols > MAX_SIDE
                    or (self.wide is not None and bool(wide) != self.wide)
                    or (other and size > _largest_other(geometry))):
                pass  # not a frame start (or one implausible for this mat: not waited for)
            elif n - pos < size:
                break
            else:
                crc = view[pos + size - 2] | (view[pos + size - 1] << 8)
                if crc_hqx(view[pos + 2:pos + size - 2], 0xFFFF) == crc:
                    if other:
                        # A real frame, but not of the geometry this mat has.
                        mismatches += 1
                        pos += size
                        continue
                    counts = frombuffer(buf, dtype="<u2" if wide else "u1", count=rows * cols,
                                        offset=pos + HEADER_SIZE).reshape(rows, cols).copy()
                    pos += size
                    if (self.max_count is not None and self.max_count < (0xFFFF if wide else 0xFF)
                            and not in_range(counts, self.max_count)):
                        bad += 1  # an impossible reading: dropped like a CRC error
                        continue
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
                        plan = None  # what is plausible has changed
                    n_frames += 1
                    continue
                crc_errors += 1
            # Out of step: go to the next place a byte-by-byte search would stop, counting the
            # CRC failures on the way, without checking each candidate's CRC by itself (with
            # fake headers every few bytes that would read each claimed frame again).
            if plan is None:
                plan = self._resync_plan(buf, pos + 1, geometry)
            cand, events, failed = plan
            i = int(np.searchsorted(cand, pos + 1))
            k = int(np.searchsorted(events, i))
            j = int(events[k]) if k < events.size else cand.size
            crc_errors += int(failed[j] - failed[i])
            nxt = int(cand[j]) if j < cand.size else n - (1 if buf[-1] == 0xA5 else 0)
            skipped += max(nxt - pos, 0)
            pos = max(nxt, pos)
            if j == cand.size:
                break
        stats = DecodeStats(frames=n_frames, crc_errors=crc_errors, bad_frames=bad,
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


def _largest_other(geometry: tuple[int, int]) -> int:
    """Largest frame (bytes) believed from a header of another geometry than ``geometry``."""
    return OTHER_SIZE_FACTOR * (HEADER_SIZE + geometry[0] * geometry[1] * 2 + 2)
