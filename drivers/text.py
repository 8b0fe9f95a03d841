r"""Line-based protocols of low-cost mats (FORMATS.md section 2).

- **ASCII rows**: one line per row of separated integers, then a terminator line (``flag``, or
  an empty line) ends the frame (48 x 48 velostat mats on Teensy boards).
- **ASCII index-value**: ``<index> <value>`` per sensel, index 0 .. R*C-1; index 0 starts a
  new frame (a 44 x 32 mat reporting volts).

A line that does not parse spoils only the frame it is in; the next terminator (or index 0)
starts afresh. Carriage returns and surrounding spaces are ignored.

Examples
--------
>>> codec = AsciiRowsCodec(rows=2, cols=3)
>>> frames, state = codec.decode(codec.initial_state(), b"1,2,3\r\n4,5,6\nflag\n")
>>> frames[0].counts.tolist()
[[1, 2, 3], [4, 5, 6]]
"""

from __future__ import annotations

import dataclasses

import numpy as np

from orthofit.drivers.base import ParserState, RawFrame, count

#: Longest line kept while waiting for its end (a stream without newlines is garbage).
MAX_LINE = 1 << 16


def _lines(state: ParserState, data: bytes) -> tuple[list[bytes], bytes, int]:
    """Complete lines of ``pending + data``, the unfinished rest, and bytes dropped."""
    buf = state.pending + data if state.pending else bytes(data)
    parts = buf.split(b"\n")
    rest = parts.pop()
    dropped = 0
    if len(rest) > MAX_LINE:
        dropped, rest = len(rest), b""
    return [p.strip() for p in parts], rest, dropped


@dataclasses.dataclass(frozen=True)
class AsciiRowsCodec:
    """Rows of separated integers, one frame per ``terminator`` line (``""`` = empty line)."""

    rows: int
    cols: int
    separator: str = ","
    terminator: str = "flag"
    poll_request: bytes | None = None

    def initial_state(self) -> ParserState:
        """A fresh stream: no rows read yet (``extra`` holds the rows, None = spoilt frame)."""
        return ParserState(geometry=(self.rows, self.cols), extra=[])

    def encode(self, counts: np.ndarray, seq: int = 0, time_us: int = 0) -> bytes:
        """Rows, then the terminator line."""
        sep = self.separator
        lines = [sep.join(str(int(v)) for v in row) for row in np.asarray(counts)]
        return ("\n".join(lines) + "\n" + self.terminator + "\n").encode("ascii")

    def decode(self, state: ParserState, data: bytes) -> tuple[list[RawFrame], ParserState]:
        """Frames completed by ``data``."""
        lines, rest, dropped = _lines(state, data)
        stats = count(state.stats, bytes_skipped=dropped)
        rows: list | None = state.extra
        frames = []
        term = self.terminator.encode("ascii")
        sep = self.separator.encode("ascii")
        for line in lines:
            if line == term or (not line and not term):
                if rows is not None and len(rows) == self.rows:
                    frames.append(RawFrame(np.array(rows, dtype=np.int32)))
                    stats = count(stats, frames=1)
                elif rows is None or rows:
                    stats = count(stats, bad_frames=1)
                rows = []
                continue
            if not line or rows is None:
                stats = count(stats, bytes_skipped=len(line) + 1)
                continue
            try:
                values = [int(v) for v in line.split(sep)]
            except ValueError:
                values = []
            if len(values) != self.cols or len(rows) >= self.rows:
                stats = count(stats, bytes_skipped=len(line) + 1)
                rows = None  # this frame is spoilt; wait for the next terminator
                continue
            rows.append(values)
        return frames, dataclasses.replace(state, pending=rest, stats=stats, extra=rows)


@dataclasses.dataclass(frozen=True)
class AsciiIndexCodec:
    """``<index> <value>`` lines; index 0 begins a frame, index R*C-1 completes it."""

    rows: int
    cols: int
    poll_request: bytes | None = None

    def initial_state(self) -> ParserState:
        """A fresh stream (``extra`` = (values, count seen) of the frame in progress)."""
        return ParserState(geometry=(self.rows, self.cols), extra=None)

    def encode(self, counts: np.ndarray, seq: int = 0, time_us: int = 0) -> bytes:
        """One line per sensel, values with three decimals."""
        flat = np.asarray(counts, dtype=float).reshape(-1)
        return "".join(f"{i} {v:.3f}\n" for i, v in enumerate(flat)).encode("ascii")

    def decode(self, state: ParserState, data: bytes) -> tuple[list[RawFrame], ParserState]:
        """Frames completed by ``data``."""
        lines, rest, dropped = _lines(state, data)
        stats = count(state.stats, bytes_skipped=dropped)
        total = self.rows * self.cols
        current = state.extra  # None, or [values array, next expected index]
        frames = []
        for line in lines:
            parts = line.split()
            try:
                index, value = int(parts[0]), float(parts[1])
                ok = len(parts) == 2 and 0 <= index < total
            except (IndexError, ValueError):
                ok = False
            if not ok:
                stats = count(stats, bytes_skipped=len(line) + 1)
                if current is not None:
                    stats = count(stats, bad_frames=1)
                current = None
                continue
            if index == 0:
                if current is not None:
                    stats = count(stats, bad_frames=1)  # the previous frame never finished
                current = [np.zeros(total, np.float32), 0]
            if current is None or index != current[1]:
                # Out of order, or joined mid-frame: skip until the next index 0.
                if current is not None:
                    stats = count(stats, bad_frames=1)
                current = None
                stats = count(stats, bytes_skipped=len(line) + 1)
                continue
            current[0][index] = value
            current[1] = index + 1
            if index == total - 1:
                frames.append(RawFrame(current[0].reshape(self.rows, self.cols)))
                stats = count(stats, frames=1)
                current = None
        return frames, dataclasses.replace(state, pending=rest, stats=stats, extra=current)
