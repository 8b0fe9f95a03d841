"""The kiosk flow, unattended (``orthofit kiosk --emulate --once``)."""

import json
import subprocess
import sys

import pytest

from orthofit.store import Store


def cli(*args):
    return subprocess.run([sys.executable, "-m", "orthofit.cli", *args], capture_output=True,
                          text=True, timeout=180)


def test_once_stores_a_kiosk_scan_and_says_the_result(tmp_path):
    store_dir = tmp_path / "store"
    Store(store_dir).add_patient("Other", "Patient", notes="private")  # never shown
    proc = cli("kiosk", "--emulate", "--store", str(store_dir), "--once", "--foot", "cavus",
               "--code", "424242")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["code"] == "424242" and result["frames"] == 150
    assert result["words"][0] == "Your left foot has a high arch."
    assert "Other" not in proc.stdout and "private" not in proc.stdout
    listed = json.loads(cli("store", "list", "--json", "--store", str(store_dir)).stdout)
    scan = listed["scans"][0]
    assert scan["kiosk_code"] == "424242" and scan["visit_id"] is None
    assert listed["kiosk_queue"] == [scan["id"]]
    audit = Store(store_dir).audit_trail()
    assert audit[0]["actor"] == "kiosk" and audit[0]["entity"] == "scan"


def test_kiosk_needs_a_mat_and_a_pin_and_says_what_is_missing(tmp_path):
    proc = cli("kiosk", "--store", str(tmp_path), "--once")
    assert proc.returncode == 2 and "--emulate" in proc.stderr and "Traceback" not in proc.stderr
    proc = cli("kiosk", "--store", str(tmp_path), "--emulate")
    assert proc.returncode == 1 and "no administrator PIN is set" in proc.stderr
    assert "--set-pin" in proc.stderr and "Traceback" not in proc.stderr


def test_set_pin_keeps_a_salted_hash(tmp_path):
    from orthofit.kiosk.pin import verify_pin

    proc = subprocess.run([sys.executable, "-m", "orthofit.cli", "kiosk", "--store",
                           str(tmp_path), "--set-pin"], input="13579\n", capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0 and "13579" not in proc.stdout
    stored = Store(tmp_path).settings()["kiosk_pin"]
    assert verify_pin("13579", stored) and "13579" not in stored
    proc = subprocess.run([sys.executable, "-m", "orthofit.cli", "kiosk", "--store",
                           str(tmp_path), "--set-pin"], input="12\n", capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1 and "4 to 12 digits" in proc.stderr
    assert Store(tmp_path).settings()["kiosk_pin"] == stored  # unchanged


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)])
def test_screenshots_of_every_screen_at_kiosk_size(tmp_path, size):
    from PyQt6.QtGui import QImage

    from orthofit.gui.kiosk import SCREENS

    shots = tmp_path / "new" / "screens"  # a folder that is not there yet is made
    proc = cli("kiosk", "--store", str(tmp_path / "s"), "--screenshot", str(shots),
               "--size", f"{size[0]}x{size[1]}")
    assert proc.returncode == 0, proc.stderr
    for name in SCREENS:
        image = QImage(str(shots / f"kiosk-{name}-{size[0]}x{size[1]}.png"))
        assert (image.width(), image.height()) == size
    sheet = QImage(str(shots / f"kiosk-all-{size[0]}x{size[1]}.png"))
    assert sheet.width() > 0


def test_kiosk_screenshots_never_open_the_users_own_store(tmp_path, monkeypatch):
    monkeypatch.setenv("ORTHOFIT_DATA", str(tmp_path / "users-store"))
    proc = cli("kiosk", "--screenshot", str(tmp_path / "shots"))
    assert proc.returncode == 2 and "give --store DIR" in proc.stderr
    assert not (tmp_path / "users-store").exists()
