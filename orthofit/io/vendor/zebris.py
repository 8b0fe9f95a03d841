"""Zebris plate text exports (FORMATS.md section 3).

A ``Platform { ... }`` block names the geometry (``Columns 128``, ``Lines 56``,
``Cell width,mm 8.47``, ``Units N/cm^2``, ``Frequency 100``); each ``Frame n { ... }`` block
then holds ``Lines`` rows of ``Columns`` numbers (other lines in a frame, such as a time stamp,
are skipped). N/cm2 x 10 = kPa.

Real exports do not begin with the Platform block: a preamble comes first (the person and
record fields, then a per-frame table of time, forces and centre of pressure), and the
Platform block starts about 1,500 lines in. The reader looks for a line that opens
``Platform {`` within the first :data:`PREAMBLE_LIMIT` bytes and skips what comes before.
No sample of this export is available to the project: the reader follows the documented layout
and rejects anything else with the line it stopped at.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from orthofit.errors import ScanFileError
from orthofit.io.vendor import checks
from orthofit.io.vendor.numtext import NumberTextError, parse_numbers
from orthofit.model import Recording, RecordingError

_UNITS = {"n/cm^2": 10.0, "n/cm2": 10.0, "kpa": 1.0, "mpa": 1000.0}
_OTHER_LINE = re.compile(r"^.*[^\s\d.,;-].*$", re.MULTILINE)  # a line that is not numbers
#: How far into a file the ``Platform {`` block may start (a preamble of some 1,500 lines of
#: per-frame table is about 100 kB; a long walk at a high rate stays well under this).
PREAMBLE_LIMIT = 8 * 1024 * 1024
_PLATFORM = re.compile(rb"[ \t]*Platform[ \t]*\{")
_FRAME = re.compile(r"Frame[ \t]+(\d+)[ \t]*\{([^{}]*)\}")
_CHUNK = 1024 * 1024


def _platform_line(text: bytes, limit: int) -> int | None:
    """Offset of the first line opening ``Platform {`` that starts before ``limit``."""
    # bytes.find, then a look at the one line: several times faster than a MULTILINE regex
    # over megabytes of a file that is not a Zebris export.
    i = text.find(b"Platform")
    while i >= 0:
        start = text.rfind(b"\n", 0, i) + 1
        if start >= limit:
            return None
        if not text[start:i].strip(b" \t") and _PLATFORM.match(text, start, i + 64):
            return start
        i = text.find(b"Platform", i + 8)
    return None


def _find_platform(path: Path, head: bytes = b"") -> int | None:
    """Byte offset of the line opening ``Platform {`` in the first :data:`PREAMBLE_LIMIT` bytes.

    The file is read in chunks, so a large file that is not a Zebris export costs one pass
    over its first megabytes and no more memory than a chunk.
    """
    found = _platform_line(head, PREAMBLE_LIMIT)
    if found is not None:
        return found
    overlap = 64  # a 'Platform {' line split across two chunks is found in the next one
    try:
        with Path(path).open("rb") as fh:
            offset, tail = 0, b""
            while offset < PREAMBLE_LIMIT:
                chunk = fh.read(_CHUNK)
                if not chunk:
                    return None
                if b"\x00" in chunk:
                    return None  # binary: no text export
                base = offset - len(tail)
                found = _platform_line(tail + chunk, PREAMBLE_LIMIT - base)
                if found is not None:
                    return base + found
                offset += len(chunk)
                # Carry the end of the last line over: from its line break, so that a
                # 'Platform {' split between chunks is found; else a byte that is not a line
                # break, so that the next chunk's first bytes do not count as a line start.
                tail = (tail + chunk)[-overlap:]
                cut = tail.rfind(b"\n")
                tail = tail[cut:] if cut >= 0 else b"-"
    except OSError:
        return None
    return None


def sniff(head: bytes, path: Path) -> bool:
    """A Zebris export: a line opening a ``Platform {`` block, first or after a preamble."""
    if re.match(rb"\s*Platform\s*\{", head) is not None:
        return True
    if b"\x00" in head or not head.strip():
        return False
    return _find_platform(path, head) is not None


def _key(block: str, name: str) -> str | None:
    m = re.search(rf"^[ \t]*{re.escape(name)}[ \t,:=]+(.+?)[ \t]*$", block,
                  re.MULTILINE | re.IGNORECASE)
    return m.group(1) if m else None


def _frame_values(body: str, *, path: Path | None = None, where: str = "",
                  line: int | None = None) -> np.ndarray | None:
    """The numbers of frame bodies, their other lines (a time stamp) skipped.

    When a number does not parse: None, or a ScanFileError at ``line`` when ``path`` is given.
    """
    data = _OTHER_LINE.sub("", body).encode("latin-1")
    try:
        return parse_numbers(data)
    except NumberTextError as exc:
        if path is None:
            return None
        raise ScanFileError(path, f"{where}: {exc}", "The export is garbled",
                            line=line) from None


def read(path: Path, *, pitch_mm: object = None, rate_hz: object = None) -> Recording:
    """Read a Zebris text export (its preamble, if any, is skipped).

    A file cut inside its last ``Frame`` block keeps the complete frames;
    ``metadata["warning"]`` says that the unfinished one was dropped.
    """
    data = Path(path).read_bytes()
    begin = _platform_line(data, PREAMBLE_LIMIT)
    if begin is None:
        raise ScanFileError(path, "no 'Platform {' block in the first "
                            f"{PREAMBLE_LIMIT // 2**20} MB", "Export the measurement again "
                            "as text from the Zebris software, with the raw pressure frames")
    text = data.decode("latin-1")
    first_line = text.count("\n", 0, begin) + 1
    m = re.compile(r"[ \t]*Platform[ \t]*\{([^{}]*)\}").match(text, begin)
    if m is None:
        raise ScanFileError(path, "the 'Platform {' block is not closed by '}'",
                            "The export is cut short or garbled", line=first_line)
    platform = m.group(1)

    def field(name: str) -> tuple[str, int]:
        value = _key(platform, name)
        if value is None:
            raise ScanFileError(path, f"the Platform block has no '{name}' (Columns, Lines, "
                                "'Cell width,mm' and Frequency are needed)", line=first_line)
        k = re.search(rf"^[ \t]*{re.escape(name)}", platform, re.MULTILINE | re.IGNORECASE)
        return value, first_line + platform.count("\n", 0, k.start() if k else 0)

    cols_text, cols_line = field("Columns")
    cols = checks.count(path, cols_text, "Columns", line=cols_line)
    rows_text, rows_line = field("Lines")
    rows = checks.count(path, rows_text, "Lines", line=rows_line)
    cell_text, cell_line = field("Cell width,mm")
    cell = checks.pitch_mm(path, checks.number(path, (cell_text.split() or [""])[0],
                                               "Cell width,mm", line=cell_line),
                           f"Cell width,mm {cell_text}", line=cell_line)
    freq_text, freq_line = field("Frequency")
    freq = checks.rate_hz(path, checks.number(path, freq_text, "Frequency", line=freq_line),
                          "Frequency", line=freq_line)
    units = (_key(platform, "Units") or "N/cm^2").strip().lower()
    if units not in _UNITS:
        raise ScanFileError(path, f"Units {units!r} is not N/cm^2 or kPa", line=first_line)
    bodies: list[str] = []
    numbers: list[int] = []
    lines: list[int] = []  # the line of each 'Frame n {'
    pos, line = m.end(), first_line + text.count("\n", begin, m.end())
    dropped = None
    while True:
        fm = _FRAME.search(text, pos)
        between = text[pos:fm.start() if fm else len(text)]
        if between.strip():
            # Text that is not a closed Frame block: the cut end of a file, or damage.
            at = line + between.count("\n", 0, len(between) - len(between.lstrip()))
            rest = between.lstrip()
            if fm is None and re.match(r"Frame[ \t]+\d+[ \t]*\{[^{}]*$", rest):
                dropped = rest.split("{", 1)[0].strip()
                if bodies:
                    break
                raise ScanFileError(path, f"the file ends inside its first frame ({dropped})",
                                    "The file is cut short: copy or export it again",
                                    line=at)
            raise ScanFileError(path, f"{rest[:40].splitlines()[0]!r} is not a closed "
                                "'Frame n { ... }' block", "The export is garbled", line=at)
        if fm is None:
            break
        line += text.count("\n", pos, fm.start())
        number = fm.group(1)
        if len(number) > 9 or (numbers and int(number) <= numbers[-1]):
            raise ScanFileError(path, f"frame {number} does not follow frame "
                                f"{numbers[-1] if numbers else '(none)'}",
                                "The export is garbled", line=line)
        bodies.append(fm.group(2))
        numbers.append(int(number))
        lines.append(line)
        line += text.count("\n", fm.start(), fm.end())
        pos = fm.end()
    if not bodies:
        raise ScanFileError(path, "no 'Frame n { ... }' block was found", line=first_line)
    checks.size(path, len(bodies), rows, cols, line=lines[0])
    # Every frame's numbers parsed at once (a Python step per frame made a file of 300,000
    # tiny frames take half a minute); a frame's other lines (a time stamp) are dropped first.
    values = _frame_values("\n".join(bodies))
    if values is None or values.size != len(bodies) * rows * cols:
        for k, body in enumerate(bodies):  # only for a broken file: name the first bad frame
            got = _frame_values(body, path=path, where=f"frame {numbers[k]}", line=lines[k])
            if got.size != rows * cols:
                raise ScanFileError(path, f"frame {numbers[k]} has {got.size} values; the "
                                    f"Platform block promises {rows} x {cols}", line=lines[k])
        raise ScanFileError(path, "the frames do not hold the values the Platform block "
                            "promises", "The export is garbled", line=first_line)
    frames = checks.pressures(path, values.reshape(len(bodies), rows, cols),
                              line_of=lambda i: lines[i[0]])
    metadata: dict = {"source": {"file": Path(path).name, "format": "zebris-text",
                                 "units": units}}
    if begin > 0:
        metadata["source"]["preamble_lines"] = first_line - 1
    if dropped is not None:
        metadata["source"]["truncated"] = True
        metadata["source"]["dropped_frames"] = 1
        checks.add_warning(metadata, f"the file is cut short inside '{dropped}': "
                           f"{len(bodies)} complete frame{'s' if len(bodies) > 1 else ''} "
                           "read, the unfinished one dropped")
    try:
        return Recording(frames * np.float32(_UNITS[units]),
                         (np.asarray(numbers) - numbers[0]) / freq, cell,
                         profile={"name": "zebris", "rows": rows, "cols": cols},
                         metadata=metadata)
    except RecordingError as exc:
        raise ScanFileError(path, str(exc)) from exc
