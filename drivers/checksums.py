"""Checksums used by mat protocols (pure functions over bytes).

Examples
--------
The standard check value of CRC-16/CCITT-FALSE and CRC-16/MODBUS over ``b"123456789"``:

>>> hex(crc16_ccitt_false(b"123456789")), hex(crc16_modbus(b"123456789"))
('0x29b1', '0x4b37')
"""

from __future__ import annotations

import binascii
from collections.abc import Callable

import numpy as np


def crc16_ccitt_false(data: bytes | memoryview) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final xor (C speed)."""
    return binascii.crc_hqx(data, 0xFFFF)


def _modbus_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint16)
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table[i] = crc
    return table


_MODBUS = _modbus_table().tolist()


def crc16_modbus(data: bytes | memoryview) -> int:
    """CRC-16/MODBUS: poly 0xA001 reflected, init 0xFFFF (table-driven)."""
    crc = 0xFFFF
    table = _MODBUS
    for byte in bytes(data):
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


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
