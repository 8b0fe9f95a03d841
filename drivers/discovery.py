"""Which mats are attached: serial ports matched to mat profiles by USB vendor and product id."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from serial.tools import list_ports

from orthofit.matprofile import MatProfile


@dataclasses.dataclass(frozen=True)
class PortInfo:
    """A serial port the system reports (USB ids are None for non-USB ports)."""

    device: str
    description: str
    vid: int | None
    pid: int | None
    serial_number: str | None = None

    @property
    def usb_id(self) -> str | None:
        """``"VID:PID"`` in hex, or None."""
        return None if self.vid is None else f"{self.vid:04X}:{self.pid:04X}"


def list_serial_ports() -> list[PortInfo]:
    """Serial ports on this machine, sorted by device name."""
    return sorted(
        (PortInfo(p.device, p.description or "", p.vid, p.pid, p.serial_number)
         for p in list_ports.comports()),
        key=lambda p: p.device,
    )


def match_profiles(ports: Iterable[PortInfo],
                   profiles: Iterable[MatProfile]) -> list[tuple[PortInfo, list[str]]]:
    """Each port with the names of the profiles whose USB ids it carries.

    Examples
    --------
    >>> from orthofit.matprofile import Calibration
    >>> teensy = MatProfile("velostat", "", 48, 48, (10, 10), {"kind": "ascii_rows"},
    ...                     {"usb_ids": ["16C0:0483"]}, Calibration())
    >>> port = PortInfo("/dev/ttyACM0", "Teensy", 0x16C0, 0x0483)
    >>> match_profiles([port], [teensy])[0][1]
    ['velostat']
    """
    profiles = list(profiles)
    out = []
    for port in ports:
        names = [p.name for p in profiles
                 if port.vid is not None and (port.vid, port.pid) in p.usb_ids]
        out.append((port, names))
    return out
