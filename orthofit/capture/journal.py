"""The append-only journal a capture streams into.

A crash or a pulled cable loses at most the frames in flight.

Layout: the line ``OFJ1``, one line of JSON (the mat profile, the capture settings, the start
time), then records. A record is a fixed header, a payload and a CRC-32 of both::

    magic 4s ("FRM1" frame, "FLT1" fault) | index u32 | seq i64 (-1: none) |
    device time us i64 (-1: none) | host time s f64 | dtype u8 | rows u16 | cols u16 |
    payload bytes u32 | payload | crc32 u32

A reader stops at the first record that is cut short or fails its CRC (the tail a crash
leaves) and says so; every record before it is intact.
"""

from __future__ import annotations

import dataclasses
import json
import os
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from orthofit.errors import ScanFileError

MAGIC = b"OFJ1\n"
RECORD = struct.Struct("<4sIqqdBHHI")
FRAME, FAULT = b"FRM1", b"FLT1"
DTYPES = {1: np.dtype("u1"), 2: np.dtype("<u2"), 3: np.dtype("<i4"), 4: np.dtype("<f4")}
_CODES = {v: k for k, v in DTYPES.items()}
#: Seconds between fsyncs: bounds what a power cut can take while keeping the disk quiet.
FSYNC_INTERVAL_S = 0.25
#: The largest record a reader accepts (bytes): a 4096 x 4096 float frame. A damaged length
#: field must not make the reader ask for gigabytes.
MAX_PAYLOAD = 4096 * 4096 * 4


class JournalWriter:
    """Append frames to a new journal file (owner-only, created exclusively)."""

    def __init__(self, path: str | Path, header: dict[str, Any]) -> None:
        self.path = Path(path)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND
        self._fd = os.open(self.path, flags, 0o600)
        self._last_sync = time.monotonic()
        self._index = 0
        self._write(MAGIC + json.dumps(header, sort_keys=True).encode("utf-8") + b"\n")
        os.fsync(self._fd)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        now = time.monotonic()
        if now - self._last_sync >= FSYNC_INTERVAL_S:
            os.fsync(self._fd)
            self._last_sync = now

    def append_frame(self, counts: np.ndarray, seq: int | None, device_time_us: int | None,
                     host_time_s: float) -> None:
        """Append one frame of raw counts."""
        arr = np.asarray(counts)
        dtype = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
        code = _CODES.get(np.dtype(dtype))
        if code is None:
            arr, code = arr.astype("<f4"), 4
        payload = np.ascontiguousarray(arr, dtype=DTYPES[code]).tobytes()
        head = RECORD.pack(FRAME, self._index, -1 if seq is None else seq,
                           -1 if device_time_us is None else device_time_us, host_time_s, code,
                           arr.shape[0], arr.shape[1], len(payload))
        self._index += 1
        self._write(head + payload + struct.pack("<I", zlib.crc32(payload, zlib.crc32(head))))

    def append_fault(self, kind: str, message: str, host_time_s: float) -> None:
        """Append a fault note (timeout, disconnection...)."""
        payload = json.dumps({"kind": kind, "message": message}).encode("utf-8")
        head = RECORD.pack(FAULT, self._index, -1, -1, host_time_s, 0, 0, 0, len(payload))
        self._write(head + payload + struct.pack("<I", zlib.crc32(payload, zlib.crc32(head))))

    def close(self) -> None:
        """Flush to disk and close."""
        if self._fd >= 0:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = -1


@dataclasses.dataclass
class JournalIndex:
    """Where a journal's intact frames are, without holding them (a journal can be gigabytes).

    ``offsets[i]`` is the file position of frame i's payload; ``dtype`` and ``shape`` are its
    array's. :meth:`frames` reads them back a block at a time.
    """

    path: Path
    header: dict[str, Any]
    offsets: list[int]
    dtype: np.dtype | None
    shape: tuple[int, int] | None
    seq: list[int | None]
    device_time_us: list[int | None]
    host_time_s: list[float]
    faults: list[dict[str, Any]]
    damaged_tail: str | None
    #: Frames left out because they hold values that are not finite numbers (a mat that sent
    #: ``nan``, or a journal written before such frames were refused at the driver).
    unusable_frames: int = 0

    @property
    def n_frames(self) -> int:
        """Intact frames."""
        return len(self.offsets)

    def frames(self, start: int = 0, stop: int | None = None,
               block: int = 32) -> Iterator[np.ndarray]:
        """Frames ``start`` to ``stop`` (end-exclusive) in blocks of ``block`` (B x R x C).

        32 frames of a 64 x 64 mat are half a megabyte once in kPa: small enough that saving
        a long capture stays within a few megabytes, large enough that numpy's per-call cost
        does not show.
        """
        stop = self.n_frames if stop is None else stop
        if self.shape is None or self.dtype is None:
            return
        size = self.dtype.itemsize * self.shape[0] * self.shape[1]
        with self.path.open("rb") as fh:
            for first in range(start, stop, block):
                out = np.empty((min(block, stop - first), *self.shape), self.dtype)
                for k in range(out.shape[0]):
                    fh.seek(self.offsets[first + k])
                    out[k] = np.frombuffer(fh.read(size), self.dtype).reshape(self.shape)
                yield out


def _fault_note(payload: bytes) -> dict[str, Any]:
    """A fault record's note; a note that does not read as one is kept as its text."""
    try:
        note = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        note = None
    if isinstance(note, dict):
        return note
    return {"kind": "unknown", "message": payload.decode("utf-8", "replace")[:200]}


def index_journal(path: str | Path) -> JournalIndex:
    """Check every record of a journal once and note where its frames are.

    Reads record by record (never the whole file); stops at the first record that is cut short
    or fails its CRC (the tail a crash leaves) and says so. Frames whose shape or type differ
    from the first one's (a mat that changed size mid-capture) are left out as damaged, and
    frames holding values that are not finite numbers are left out and counted.

    Raises
    ------
    ScanFileError
        When the file is not a journal at all.
    """
    path = Path(path)
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise ScanFileError(path, f"cannot be read ({exc.strerror or exc})") from exc
    with fh:
        head = fh.read(len(MAGIC))
        if head != MAGIC:
            raise ScanFileError(path, "not an orthofit capture journal")
        line = fh.readline(1_000_000)
        try:
            header = json.loads(line)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ScanFileError(path, f"its header is damaged ({exc})") from exc
        if not isinstance(header, dict):
            raise ScanFileError(path, "its header is damaged (not a JSON object)")
        out = JournalIndex(path, header, [], None, None, [], [], [], [], None)
        while True:
            pos = fh.tell()
            raw = fh.read(RECORD.size)
            if not raw:
                break
            if len(raw) < RECORD.size:
                out.damaged_tail = f"the last record is cut short ({len(raw)} bytes)"
                break
            magic, _, seq, dev, host, code, rows, cols, size = RECORD.unpack(raw)
            if magic not in (FRAME, FAULT) or size > MAX_PAYLOAD or (magic == FRAME and (
                    code not in DTYPES or size != DTYPES[code].itemsize * rows * cols)):
                out.damaged_tail = f"unreadable bytes at offset {pos}"
                break
            payload = fh.read(size)
            tail = fh.read(4)
            if len(payload) < size or len(tail) < 4:
                out.damaged_tail = "the last record is cut short"
                break
            if zlib.crc32(payload, zlib.crc32(raw)) != struct.unpack("<I", tail)[0]:
                out.damaged_tail = f"a record at offset {pos} fails its checksum"
                break
            if magic == FAULT:
                out.faults.append({**_fault_note(payload), "host_time_s": host})
                continue
            dtype, shape = DTYPES[code], (rows, cols)
            if out.dtype is None:
                out.dtype, out.shape = dtype, shape
            if (dtype, shape) != (out.dtype, out.shape):
                out.damaged_tail = f"a frame at offset {pos} has another size or type"
                break
            if not np.isfinite(host) or (dtype.kind == "f" and not np.isfinite(
                    np.frombuffer(payload, dtype)).all()):
                out.unusable_frames += 1
                continue
            out.offsets.append(pos + RECORD.size)
            out.seq.append(None if seq < 0 else seq)
            out.device_time_us.append(None if dev < 0 else dev)
            out.host_time_s.append(host)
    return out
