"""Checksums used by mat protocols (pure functions over bytes).

Examples
--------
The standard check value of CRC-16/CCITT-FALSE and CRC-16/MODBUS over ``b"123456789"``:

>>> hex(crc16_ccitt_false(b"123456789")), hex(crc16_modbus(b"123456789"))
('0x29b1', '0x4b37')

The same CRC over many (overlapping) spans at once, in time that does not grow with their
lengths:

>>> spans = crc16_ccitt_false_spans(b"xx123456789", [2, 0], [11, 3])
>>> hex(spans[0]), int(spans[1]) == crc16_ccitt_false(b"xx1")
('0x29b1', True)
"""

from __future__ import annotations

import binascii
from collections.abc import Callable

import fastcrc
import numpy as np


def crc16_ccitt_false(data: bytes | memoryview) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final xor (C speed)."""
    return binascii.crc_hqx(data, 0xFFFF)


def _zero_shift_tables(levels: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Tables of the CCITT register after ``2**k`` zero bytes, split by its low and high byte.

    Running zero bytes through the register is linear over GF(2), so the register after
    ``2**k`` zeros is ``lo[k][r & 0xFF] ^ hi[k][r >> 8]`` for any start value ``r``.
    """
    j = np.arange(256)
    lo = np.zeros((levels, 256), np.uint16)
    hi = np.zeros((levels, 256), np.uint16)
    lo[0] = [binascii.crc_hqx(b"\0", int(v)) for v in j]
    hi[0] = [binascii.crc_hqx(b"\0", int(v) << 8) for v in j]
    for k in range(1, levels):
        # 2**k zeros are 2**(k-1) zeros twice.
        for out, start in ((lo, j), (hi, j << 8)):
            once = lo[k - 1][start & 0xFF] ^ hi[k - 1][start >> 8]
            out[k] = lo[k - 1][once & 0xFF] ^ hi[k - 1][once >> 8]
    return lo, hi


_ZERO_LO, _ZERO_HI = _zero_shift_tables()


def _after_zeros(register: np.ndarray, nbytes: np.ndarray) -> np.ndarray:
    """The CCITT registers after ``nbytes`` zero bytes each (vectorized, log2 steps)."""
    out = register.astype(np.uint16)
    for k in range(int(nbytes.max(initial=0)).bit_length()):
        sel = ((nbytes >> k) & 1).astype(bool)
        r = out[sel]
        out[sel] = _ZERO_LO[k][r & 0xFF] ^ _ZERO_HI[k][r >> 8]
    return out


def crc16_ccitt_false_spans(data: bytes, starts: np.ndarray | list[int],
                            stops: np.ndarray | list[int]) -> np.ndarray:
    """CRC-16/CCITT-FALSE of ``data[starts[i]:stops[i]]`` for many spans at once.

    Each byte of ``data`` between the first and the last span end is read once, whatever the
    spans' lengths and overlaps: the time grows with ``len(data)`` and the number of spans, not
    with their total length. This is what keeps a resynchronising OFP1 reader linear when every
    few bytes a (fake) header claims a large frame.

    The CRC register is linear: with ``R(i)`` the register over ``data[o:i]`` started at 0,
    the register over ``data[a:b]`` started at ``init`` is ``Z(init ^ R(a), b - a) ^ R(b)``,
    where ``Z(r, n)`` runs ``n`` zero bytes through a register holding ``r`` (tabulated for
    powers of two).

    Returns
    -------
    ndarray of uint16
        One CRC per span (same order).
    """
    starts = np.asarray(starts, np.int64)
    stops = np.asarray(stops, np.int64)
    if not starts.size:
        return np.zeros(0, np.uint16)
    points = np.sort(np.concatenate([starts, stops]))
    points = points[np.concatenate([[True], points[1:] != points[:-1]])]  # np.unique, faster
    view = memoryview(data)
    crc = binascii.crc_hqx
    out: list[int] = []
    append = out.append
    r = 0
    prev = int(points[0])
    for p in points.tolist():
        r = crc(view[prev:p], r)
        append(r)
        prev = p
    registers = np.array(out, np.uint16)
    at_start = registers[np.searchsorted(points, starts)]
    at_stop = registers[np.searchsorted(points, stops)]
    return _after_zeros(at_start ^ np.uint16(0xFFFF), stops - starts) ^ at_stop


def crc16_modbus(data: bytes | memoryview) -> int:
    """CRC-16/MODBUS: poly 0xA001 reflected, init 0xFFFF (fastcrc, compiled).

    Compiled because a resynchronising reader checks a frame-sized span at every candidate
    sync: a stream of fake headers made the table-driven Python loop take 5 s per 100 kB.
    """
    return fastcrc.crc16.modbus(bytes(data) if not isinstance(data, bytes) else data)


def sum8(data: bytes | memoryview) -> int:
    """Sum of the bytes modulo 256."""
    return sum(bytes(data)) & 0xFF


def sum16(data: bytes | memoryview) -> int:
    """Sum of the bytes modulo 65536."""
    return sum(bytes(data)) & 0xFFFF


#: Checksum algorithms by profile name, with their width in bytes.
CHECKSUMS: dict[str, tuple[Callable[[bytes | memoryview], int], int]] = {
    "crc16-ccitt-false": (crc16_ccitt_false, 2),
    "crc16-modbus": (crc16_modbus, 2),
    "sum8": (sum8, 1),
    "sum16": (sum16, 2),
}
