import json
import subprocess
import sys

import numpy as np
import pytest
import serial

from orthofit.capture.modes import trigger_for
from orthofit.capture.recorder import capture
from orthofit.drivers.discovery import PortInfo, match_profiles
from orthofit.drivers.emulator import FaultSpec, MatEmulator
from orthofit.drivers.ofp1 import Ofp1Codec
from orthofit.drivers.reader import MatReader
from orthofit.drivers.transport import open_port
from orthofit.io.load import load
from orthofit.io.profiles import load_mat_profile, profile_names


def test_an_open_port_object_is_used_as_it_is(tmp_path):
    port = serial.serial_for_url("loop://", timeout=0.05)
    assert open_port(port) is port
    codec = Ofp1Codec()
    for i in range(20):
        port.write(codec.encode(np.full((4, 5), i, np.uint16), seq=i, time_us=i * 10_000))
    reader = MatReader(port, load_mat_profile("ofp1-generic"))
    reader.start()
    result = capture(reader, tmp_path / "x.ofs", trigger_for("x", sensel_area_cm2=1, frames=20))
    rec = load(tmp_path / "x.ofs")
    assert result.complete and rec.raw_counts[:, 0, 0].tolist() == list(range(20))
    assert np.allclose(np.diff(rec.times_s), 0.01)


def test_spy_url_wraps_a_real_port(tmp_path):
    emulator = MatEmulator(load_mat_profile("ofp1-generic"), np.ones((5, 4, 4)), rate_hz=100,
                           wait_for_start=True)
    device = emulator.start_pty()
    log = tmp_path / "spy.txt"
    port = open_port(f"spy://{device}?file={log}", timeout_s=0.2)
    port.write(b"S\n")
    data = port.read(200)
    port.close()
    emulator.stop()
    assert data.startswith(b"\xa5\x5a")
    assert "TX" in log.read_text() and "RX" in log.read_text()


def test_usb_ids_pick_the_profile():
    profiles = [load_mat_profile(n) for n in profile_names("mats")]
    ports = [PortInfo("/dev/ttyACM0", "Teensy USB Serial", 0x16C0, 0x0483),
             PortInfo("/dev/ttyS0", "n/a", None, None)]
    matches = dict((p.device, names) for p, names in match_profiles(ports, profiles))
    assert matches == {"/dev/ttyACM0": ["velostat-48x48-ascii"], "/dev/ttyS0": []}


def test_mats_command_lists_profiles_as_json():
    proc = subprocess.run([sys.executable, "-m", "orthofit.cli", "mats", "--json"],
                          capture_output=True, text=True, check=True)
    data = json.loads(proc.stdout)
    names = {p["name"] for p in data["profiles"]}
    assert "ofp1-generic" in names and all(not p["calibrated"] for p in data["profiles"])
    assert isinstance(data["ports"], list)


@pytest.mark.parametrize("text, message", [("crc=2", "between 0 and 1"),
                                           ("boom=1", "unknown fault")])
def test_fault_spec_errors(text, message):
    with pytest.raises(ValueError, match=message):
        FaultSpec.parse(text)
    proc = subprocess.run([sys.executable, "-m", "orthofit.cli", "emulate", "--faults", text,
                           "--seconds", "0.1"], capture_output=True, text=True)
    assert proc.returncode == 1 and message in proc.stderr and "Traceback" not in proc.stderr
