"""Opening the link to a mat: a serial port name, any pyserial URL, or an open port object.

``socket://host:port`` reaches networked mats (ESP32 and the like), ``loop://`` and ``spy://``
help tests and field debugging; an object with ``read``/``write`` (a fake, the emulator's end
of a pipe) is used as it is. Nothing here listens on a network.
"""

from __future__ import annotations

from typing import Any

import serial

from orthofit.errors import OrthofitError


class PortError(OrthofitError):
    """The mat's port cannot be opened or has gone away (the message says what to check)."""


def is_port_object(port: Any) -> bool:
    """True for an already open port-like object (has ``read`` and ``write``)."""
    return hasattr(port, "read") and hasattr(port, "write")


def open_port(port: Any, *, baud: int = 115200, timeout_s: float = 0.05) -> Any:
    """Open ``port`` (name, URL or open object) for reading frames.

    Raises
    ------
    PortError
        With the port's name, the system's reason and what to check.
    """
    if is_port_object(port):
        return port
    name = str(port)
    try:
        if "://" in name:
            return serial.serial_for_url(name, baudrate=baud, timeout=timeout_s)
        return serial.Serial(name, baudrate=baud, timeout=timeout_s)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise PortError(
            f"cannot open the mat's port {name}: {exc}. Check that the mat is plugged in and "
            "not used by another program ('orthofit mats' lists the ports)"
        ) from exc
