"""Frame protocols without a header (FORMATS.md section 2).

- **Poll**: the host sends one request byte (``A``); the device answers one frame of R*C bytes,
  column-major, values 1..255. A zero byte cannot occur, so a response that holds one is
  garbage; the driver flushes its input before every poll, so a lost byte costs one frame.
- **Zero run-length**: values 1..254 are sensels, ``00 n`` stands for n zeros (n = 1..254),
  ``FF`` ends the frame. ``FF`` is read as an end wherever it is (a run of 255 is never sent),
  so it is the one place a decoder can find its footing again. A frame is the bytes before an
  ``FF`` that decode to exactly R*C sensels; when the bytes since the previous ``FF`` do not
  (garbage before the frame, or the rest of a cut frame), the frame is taken to start at the
  first byte from which they do, and the bytes before it are skipped. A body from which no
  start works (the partial frame a stream is joined in, a lost or garbled byte) is dropped and
  counted as a bad frame.

Limits: the protocol has no checksum. A flipped bit that keeps a value in 1..254, or turns a
run of n zeros into another n, changes the frame unnoticed. After garbage that ends with
``00``, a frame whose first sensel is 1 cannot be told from one whose first sensel is 0, and a
garbled run length can, rarely, leave a later start that decodes to R*C sensels (a shifted
frame): only the sensel count and the byte structure (no ``00 00``, no trailing ``00``) are
checked.

Examples
--------
>>> codec = RunLengthCodec(rows=2, cols=3)
>>> data = codec.encode(np.array([[0, 0, 7], [0, 0, 0]]))
>>> data.hex()
'0002070003ff'
>>> codec.decode(codec.initial_state(), data)[0][0].counts.tolist()
[[0, 0, 7], [0, 0, 0]]
"""

from __future__ import annotations

import dataclasses

import numpy as np

from orthofit.drivers.base import ParserState, RawFrame, count, in_range

END = 0xFF


@dataclasses.dataclass(frozen=True)
class PollCodec:
    """R*C bytes per frame, column-major, values 1..255, sent in answer to ``poll_request``."""

    rows: int
    cols: int
    poll_request: bytes | None = b"A"
    order: str = "column"
    max_count: int = 255

    def initial_state(self) -> ParserState:
        """A fresh stream."""
        return ParserState(geometry=(self.rows, self.cols))

    def encode(self, counts: np.ndarray, seq: int = 0, time_us: int = 0) -> bytes:
        """One answer: values clipped to 1..255 (0 is not a valid sample)."""
        grid = np.clip(np.asarray(counts), 1, 255).astype(np.uint8)
        return (grid.T if self.order == "column" else grid).tobytes()

    def decode(self, state: ParserState, data: bytes) -> tuple[list[RawFrame], ParserState]:
        """Frames completed by ``data`` (every R*C bytes)."""
        buf = state.pending + data if state.pending else bytes(data)
        size = self.rows * self.cols
        frames = []
        stats = state.stats
        pos = 0
        while len(buf) - pos >= size:
            chunk = np.frombuffer(buf, dtype=np.uint8, count=size, offset=pos)
            pos += size
            if not chunk.all() or (self.max_count < 255 and not in_range(chunk, self.max_count)):
                stats = count(stats, bad_frames=1, bytes_skipped=size)
                continue
            grid = chunk.reshape(self.cols, self.rows).T if self.order == "column" \
                else chunk.reshape(self.rows, self.cols)
            frames.append(RawFrame(np.ascontiguousarray(grid).astype(np.uint16)))
            stats = count(stats, frames=1)
        return frames, dataclasses.replace(state, pending=buf[pos:], stats=stats)


@dataclasses.dataclass(frozen=True)
class RunLengthCodec:
    """Zero run-length frames: 1..254 values, ``00 n`` zeros, ``FF`` ends a frame.

    ``max_count`` is the largest count a sensel may report (the profile's, at most 254); a
    frame holding more is dropped and counted as bad.
    """

    rows: int
    cols: int
    poll_request: bytes | None = None
    max_count: int = 254

    @property
    def max_body(self) -> int:
        """Most bytes a frame can take before its ``FF``: every zero alone, as ``00 01``."""
        return 2 * self.rows * self.cols

    def initial_state(self) -> ParserState:
        """A fresh stream (``pending`` holds the bytes since the last ``FF``)."""
        return ParserState(geometry=(self.rows, self.cols))

    def encode(self, counts: np.ndarray, seq: int = 0, time_us: int = 0) -> bytes:
        """One frame; values clipped to 0..254, runs of zeros split at 254."""
        flat = np.clip(np.asarray(counts).reshape(-1), 0, 254).astype(np.uint8)
        out = bytearray()
        i = 0
        n = flat.size
        while i < n:
            if flat[i]:
                out.append(int(flat[i]))
                i += 1
                continue
            j = i
            while j < n and not flat[j] and j - i < 254:
                j += 1
            out += bytes((0, j - i))
            i = j
        out.append(END)
        return bytes(out)

    def _frame(self, body: bytes) -> tuple[np.ndarray | None, int]:
        """The frame a body (the bytes before an ``FF``) ends with, and the bytes before it.

        Decoding from byte ``i`` reads every ``00`` as a run marker and the byte after it as
        the run length, except that a length byte at ``i`` itself is read as a value; so the
        sensels from every start follow from one suffix sum, and the earliest start that gives
        exactly R*C sensels is found without decoding from each.
        """
        z = np.frombuffer(body, np.uint8)
        total = self.rows * self.cols
        if not z.size or z[-1] == 0:
            return None, 0  # a trailing marker has lost its run length
        zero = z == 0
        # Two zeros in a row are a run of length 0: no frame holds them, so it starts after.
        pairs = np.flatnonzero(zero[:-1] & zero[1:])
        lo = int(pairs[-1]) + 1 if pairs.size else 0
        length = np.concatenate([[False], zero[:-1]]) & ~zero  # run-length bytes
        n = z.astype(np.int64)
        per_byte = np.where(zero, 0, np.where(length, n, 1))  # sensels each byte stands for
        sensels = np.cumsum(per_byte[::-1])[::-1] + np.where(length, 1 - n, 0)
        starts = np.flatnonzero(sensels[lo:] == total)
        if not starts.size:
            return None, 0
        first = lo + int(starts[0])
        length[first] = False  # read as a value from here
        reps = np.where(zero, 0, np.where(length, n, 1))[first:]
        values = np.where(zero | length, 0, z)[first:]
        counts = np.repeat(values, reps).astype(np.uint16).reshape(self.rows, self.cols)
        return counts, first

    def decode(self, state: ParserState, data: bytes) -> tuple[list[RawFrame], ParserState]:
        """Frames completed by ``data``."""
        buf = state.pending + data if state.pending else bytes(data)
        frames = []
        n_frames = bad = skipped = 0
        most = self.max_body
        begin = 0
        end = buf.find(END, len(state.pending))  # the pending bytes hold no FF
        while end >= 0:
            # Bytes further back than the longest frame cannot be part of this one.
            first = max(begin, end - most)
            skipped += first - begin
            counts, garbage = self._frame(buf[first:end])
            if counts is not None and (self.max_count >= 254 or in_range(counts, self.max_count)):
                frames.append(RawFrame(counts))
                n_frames += 1
                skipped += garbage
            else:
                bad += end > first  # an FF right after an FF is a stray byte, not a frame
                skipped += end - first + 1
            begin = end + 1
            end = buf.find(END, begin)
        rest = buf[begin:]
        if len(rest) > most:
            skipped += len(rest) - most
            rest = rest[-most:]
        stats = count(state.stats, frames=n_frames, bad_frames=bad, bytes_skipped=skipped)
        return frames, dataclasses.replace(state, pending=rest, stats=stats)
