r"""Line-based protocols of low-cost mats (FORMATS.md section 2).

- **ASCII rows**: one line per row of separated integers, then a terminator line (``flag``, or
  an empty line) ends the frame (48 x 48 velostat mats on Teensy boards).
- **ASCII index-value**: ``<index> <value>`` per sensel, index 0 .. R*C-1; index 0 starts a
  new frame (a 44 x 32 mat reporting volts).

Numbers are read strictly: unsigned decimal counts, and decimal volts (no ``nan``, ``inf``,
hex or digit separators); a value outside ``0 .. max_count`` (the profile's) makes its frame
bad. A bad or unparseable line spoils only the frame it is in, which is dropped and counted;
garbage between frames costs nothing but its bytes: the next frame start (the first row after
a terminator, or index 0) is found again, even when garbage runs into it without a newline.
Carriage returns are ignored, and so are blanks around an index line and before a count (not
after one: a flipped bit turns a final ``0`` into a blank); a line longer than ``MAX_LINE``
bytes is garbage whatever it ends with.

Limits: neither protocol has a checksum. A digit changed into another digit, or a cut that
joins two numbers into one, goes unnoticed unless it breaks the row length, the index order or
the value range. Garbage running into a first row without a newline is cut off at its last
byte that cannot be part of a row (not a digit, separator or blank), and the row is kept only
if its first value then has one digit: digits ending the garbage would join a longer one
unseen (such a frame is dropped). A flipped bit that turns the leading digit of a two-digit
first value into a non-digit still passes as the one digit left. Index lines need no such
trust: the index must be the one expected.

Examples
--------
>>> codec = AsciiRowsCodec(rows=2, cols=3)
>>> frames, state = codec.decode(codec.initial_state(), b"1,2,3\r\n4,5,6\nflag\n")
>>> frames[0].counts.tolist()
[[1, 2, 3], [4, 5, 6]]
"""

from __future__ import annotations

import dataclasses
import functools
import re

import numpy as np

from orthofit.drivers.base import ParserState, RawFrame, count

#: Longest line kept while waiting for its end (a stream without newlines is garbage).
MAX_LINE = 1 << 16
#: Largest count an ASCII row may carry (the frames are int32).
INT32_MAX = (1 << 31) - 1
#: Digits a count may have (more cannot fit int32; refusing them early keeps int() cheap).
MAX_DIGITS = 10


def _lines(pending: bytes, overlong: bool, data: bytes) -> tuple[list[bytes], bytes, int, bool]:
    """Complete lines, the unfinished rest, bytes dropped, and whether the rest is overlong.

    Lines of ``pending + data`` lose their newline and nothing else. A line that outgrows
    ``MAX_LINE`` is dropped as it arrives and so is the rest of it when its newline comes
    (``overlong``); a complete line that long is dropped too, so the result does not depend
    on how the stream was cut into chunks.
    """
    buf = pending + data if pending else bytes(data)
    parts = buf.split(b"\n")
    rest = parts.pop()
    dropped = 0
    lines = []
    for p in parts:
        if overlong or len(p) > MAX_LINE:
            dropped += len(p) + 1
            overlong = False
            continue
        lines.append(p)
    if len(rest) > MAX_LINE:
        dropped, rest, overlong = dropped + len(rest), b"", True
    return lines, rest, dropped, overlong


@functools.lru_cache(maxsize=8)
def _garbage_before_row(separator: bytes) -> re.Pattern[bytes]:
    """Matches a line up to its last byte that no row holds (not a digit, separator, blank)."""
    return re.compile(rb"(?s).*[^" + re.escape(b"0123456789 \t" + separator) + rb"]")


@dataclasses.dataclass(frozen=True)
class RowsProgress:
    """The frame an ASCII-rows stream is in (immutable: kept in ``ParserState.extra``).

    ``rows`` read since the last terminator; ``dirty``: a line was dropped since then;
    ``lost``: rows were dropped since then (a frame was lost); ``overlong``: the unfinished
    line outgrew ``MAX_LINE``.
    """

    rows: tuple[tuple[int, ...], ...] = ()
    dirty: bool = False
    lost: bool = False
    overlong: bool = False


@dataclasses.dataclass(frozen=True)
class AsciiRowsCodec:
    """Rows of separated integers, one frame per ``terminator`` line (``""`` = empty line).

    ``max_count`` is the largest count a sensel may report (the profile's); a frame holding a
    larger one, or a negative one, is dropped and counted as bad.
    """

    rows: int
    cols: int
    separator: str = ","
    terminator: str = "flag"
    poll_request: bytes | None = None
    max_count: int = INT32_MAX

    def initial_state(self) -> ParserState:
        """A fresh stream (``extra`` holds a :class:`RowsProgress`)."""
        return ParserState(geometry=(self.rows, self.cols), extra=RowsProgress())

    def encode(self, counts: np.ndarray, seq: int = 0, time_us: int = 0) -> bytes:
        """Rows, then the terminator line."""
        sep = self.separator
        lines = [sep.join(str(int(v)) for v in row) for row in np.asarray(counts)]
        return ("\n".join(lines) + "\n" + self.terminator + "\n").encode("ascii")

    def _row(self, line: bytes) -> tuple[int, ...] | None:
        """The counts of one row line, or None when it is not exactly a row of valid counts."""
        fields = line.split(self.separator.encode("ascii"))
        if len(fields) != self.cols:
            return None
        limit = min(self.max_count, INT32_MAX)
        values = []
        for f in fields:
            # Blanks may lead a number ("1, 2, 3") but not follow it: a flipped bit turns a
            # final "0" into a blank, and "10 " must not pass for 1.
            f = f.lstrip(b" \t")
            # bytes.isdigit() is ASCII only: no sign, no "_", no other scripts' digits.
            if not f.isdigit() or len(f) > MAX_DIGITS:
                return None
            v = int(f)
            if v > limit:
                return None
            values.append(v)
        return tuple(values)

    def _first_row(self, line: bytes) -> tuple[tuple[int, ...] | None, int]:
        """A frame's first row, garbage before it cut off: (counts or None, garbage bytes)."""
        values = self._row(line)
        if values is not None:
            return values, 0
        # The row starts after the last byte no row holds; a digit, separator or blank there
        # may belong to the row (a cut frame's tail), so nothing is cut off in that case.
        m = _garbage_before_row(self.separator.encode("ascii")).match(line)
        if m is None:
            return None, 0
        row = line[m.end():]
        # Digits ending the garbage would join the first value ("z6" + "30" reads 630): only a
        # first value of one digit is certain to hold none of them.
        first = row.split(self.separator.encode("ascii"), 1)[0].lstrip(b" \t")
        if len(first) != 1:
            return None, 0
        return self._row(row), m.end()

    def decode(self, state: ParserState, data: bytes) -> tuple[list[RawFrame], ParserState]:
        """Frames completed by ``data``."""
        p: RowsProgress = state.extra
        lines, rest, skipped, overlong = _lines(state.pending, p.overlong, data)
        rows, dirty, lost = list(p.rows), p.dirty, p.lost  # local: the state stays as it was
        frames = []
        n_frames = bad = 0
        term = self.terminator.encode("ascii")
        for line in lines:
            line = line.rstrip(b"\r")  # CRLF; other blanks at the end are not a row's
            word = line.strip()
            if word == term or (not word and not term):
                if len(rows) == self.rows:
                    frames.append(RawFrame(np.array(rows, dtype=np.int32)))
                    n_frames += 1
                    bad += lost  # rows of an earlier frame were dropped on the way
                elif rows or dirty or lost:
                    bad += 1
                rows, dirty, lost = [], False, False
                continue
            if not word:
                skipped += len(line) + 1  # a blank line carries nothing
                continue
            values, garbage = self._first_row(line) if not rows else (self._row(line), 0)
            if values is None:
                # The frame in progress is spoilt; the next row may start the next frame.
                skipped += len(line) + 1
                lost, rows, dirty = lost or bool(rows), [], True
                continue
            skipped += garbage
            if len(rows) == self.rows:
                # One row too many: the terminator was lost, so these rows are not a frame.
                lost, rows = True, []
            rows.append(values)
        progress = RowsProgress(tuple(rows), dirty, lost, overlong)
        stats = count(state.stats, frames=n_frames, bad_frames=bad, bytes_skipped=skipped)
        return frames, dataclasses.replace(state, pending=rest, stats=stats, extra=progress)


#: A decimal value (no nan, inf, hex or digit separators).
_VALUE = rb"([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?)\Z"
#: ``<index> <value>`` at the end of a line.
_INDEX_LINE = re.compile(rb"(\d{1,9})[ \t]+" + _VALUE)
#: ``0 <value>`` at the end of a line, whatever is before: a frame start after a cut or garbage.
_FRAME_START = re.compile(rb"0[ \t]+" + _VALUE)
#: Bytes that may belong to an index line: garbage before one must end with another byte.
_NUMBER_BYTES = frozenset(b"0123456789+-.eE \t")
#: Longest tail of a line searched for an ``<index> <value>`` record after garbage.
MAX_RECORD = 64


@dataclasses.dataclass(frozen=True)
class IndexProgress:
    """The frame an index-value stream is in (immutable: kept in ``ParserState.extra``).

    ``values``: the sensels read so far (read-only; None between frames); ``next_index``: the
    index expected next; ``spoilt``: the frame holds an impossible value and will be dropped;
    ``overlong``: the unfinished line outgrew ``MAX_LINE``.
    """

    values: np.ndarray | None = None
    next_index: int = 0
    spoilt: bool = False
    overlong: bool = False


@dataclasses.dataclass(frozen=True)
class AsciiIndexCodec:
    """``<index> <value>`` lines; index 0 begins a frame, index R*C-1 completes it.

    ``max_count`` is the largest value a sensel may report (the profile's, in the units the
    mat sends: volts for the 44 x 32 mat); a frame holding a larger, negative or non-finite one
    is dropped and counted as bad.
    """

    rows: int
    cols: int
    poll_request: bytes | None = None
    max_count: float = 65535

    def initial_state(self) -> ParserState:
        """A fresh stream (``extra`` holds an :class:`IndexProgress`)."""
        return ParserState(geometry=(self.rows, self.cols), extra=IndexProgress())

    def encode(self, counts: np.ndarray, seq: int = 0, time_us: int = 0) -> bytes:
        """One line per sensel, values with three decimals."""
        flat = np.asarray(counts, dtype=float).reshape(-1)
        return "".join(f"{i} {v:.3f}\n" for i, v in enumerate(flat)).encode("ascii")

    @staticmethod
    def _record(line: bytes, expect: int) -> tuple[int, float, int] | None:
        """(index, value, garbage bytes before them) of one line, or None.

        A line that is one record is read as it is. In a line with something before its
        record (garbage, or the tail of a cut line) the record is the line's end: the index
        expected, after a byte no record holds (else digits of the garbage could join the
        index), or else a frame start (``…1.20 0.5`` after a cut is ``0 0.5``). A wrong guess
        costs nothing: a frame is kept only when every index from 0 to R*C-1 follows in order.
        """
        tail = line[-MAX_RECORD:]
        skip = len(line) - len(tail)
        m = _INDEX_LINE.search(tail)
        if m is not None and not skip and not m.start():
            return int(m.group(1)), float(m.group(2)), 0
        # (Here something precedes the record: skip + m.start() > 0.)
        if m is not None and line[skip + m.start() - 1] not in _NUMBER_BYTES \
                and int(m.group(1)) == expect:
            return expect, float(m.group(2)), skip + m.start()
        m = _FRAME_START.search(tail)
        if m is not None:
            return 0, float(m.group(1)), skip + m.start()
        return None

    def decode(self, state: ParserState, data: bytes) -> tuple[list[RawFrame], ParserState]:
        """Frames completed by ``data``."""
        p: IndexProgress = state.extra
        lines, rest, skipped, overlong = _lines(state.pending, p.overlong, data)
        total = self.rows * self.cols
        # Work on a copy: the state passed in is never changed.
        values = None if p.values is None else p.values.copy()
        expect, spoilt = p.next_index, p.spoilt
        frames = []
        n_frames = bad = 0
        for line in lines:
            line = line.strip()
            if not line:
                skipped += 1  # a blank line carries nothing
                continue
            rec = self._record(line, expect if values is not None else 0)
            if rec is None or rec[0] >= total or (rec[0] != 0 and rec[0] != expect) \
                    or (rec[0] != 0 and values is None):
                # Garbage, or out of order (a lost line, or joined mid-frame): the frame in
                # progress is lost; wait for the next index 0.
                skipped += len(line) + 1
                bad += values is not None
                values = None
                continue
            index, value, garbage = rec
            skipped += garbage
            if index == 0:
                bad += values is not None  # the previous frame never finished
                values, spoilt = np.zeros(total, np.float32), False
            if not 0 <= value <= self.max_count:  # NaN fails too
                spoilt = True  # an impossible reading: the frame is dropped when complete
            values[index] = value if not spoilt else 0
            expect = index + 1
            if expect == total:
                if spoilt:
                    bad += 1
                else:
                    frames.append(RawFrame(values.reshape(self.rows, self.cols)))
                    n_frames += 1
                values = None
        if values is not None:
            values.flags.writeable = False  # shared with the caller's state: read only
        progress = IndexProgress(values, expect, spoilt, overlong)
        stats = count(state.stats, frames=n_frames, bad_frames=bad, bytes_skipped=skipped)
        return frames, dataclasses.replace(state, pending=rest, stats=stats, extra=progress)
