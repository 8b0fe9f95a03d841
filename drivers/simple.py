"""Frame protocols without a header (FORMATS.md section 2).

- **Poll**: the host sends one request byte (``A``); the device answers one frame of R*C bytes,
  column-major, values 1..255. A zero byte cannot occur, so a response that holds one is
  garbage; the driver flushes its input before every poll, so a lost byte costs one frame.
- **Zero run-length**: values 1..254 are sensels, ``00 n`` stands for n zeros, ``FF`` ends the
  frame; a frame whose sensels do not add up to R*C is dropped (for example the partial frame
  a stream is joined in).

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

from orthofit.drivers.base import ParserState, RawFrame, count


@dataclasses.dataclass(frozen=True)
class PollCodec:
    """R*C bytes per frame, column-major, values 1..255, sent in answer to ``poll_request``."""

    rows: int
    cols: int
    poll_request: bytes | None = b"A"
    order: str = "column"

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
            if not chunk.all():
                stats = count(stats, bad_frames=1, bytes_skipped=size)
                continue
            grid = chunk.reshape(self.cols, self.rows).T if self.order == "column" \
                else chunk.reshape(self.rows, self.cols)
            frames.append(RawFrame(np.ascontiguousarray(grid).astype(np.uint16)))
            stats = count(stats, frames=1)
        return frames, dataclasses.replace(state, pending=buf[pos:], stats=stats)


@dataclasses.dataclass(frozen=True)
class RunLengthCodec:
    """Zero run-length frames: 1..254 values, ``00 n`` zeros, ``FF`` ends a frame."""

    rows: int
    cols: int
    poll_request: bytes | None = None

    def initial_state(self) -> ParserState:
        """A fresh stream (``extra`` holds the values decoded so far in this frame)."""
        return ParserState(geometry=(self.rows, self.cols), extra=[])

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
        out.append(0xFF)
        return bytes(out)

    def decode(self, state: ParserState, data: bytes) -> tuple[list[RawFrame], ParserState]:
        """Frames completed by ``data``."""
        buf = state.pending + data if state.pending else bytes(data)
        total = self.rows * self.cols
        values: list[int] = state.extra
        frames = []
        stats = state.stats
        i, n = 0, len(buf)
        while i < n:
            b = buf[i]
            if b == 0xFF:
                if len(values) == total:
                    frames.append(RawFrame(np.array(values, np.uint16).reshape(self.rows,
                                                                               self.cols)))
                    stats = count(stats, frames=1)
                else:
                    stats = count(stats, bad_frames=1)
                values = []
                i += 1
                continue
            if b == 0:
                if i + 1 >= n:
                    break  # the run length has not arrived yet
                values.extend([0] * buf[i + 1])
                i += 2
            else:
                values.append(b)
                i += 1
            if len(values) > total:
                # Longer than a frame: the end marker was lost; wait for the next one.
                values = values[:total + 1]
        return frames, dataclasses.replace(state, pending=buf[i:], stats=stats, extra=values)
