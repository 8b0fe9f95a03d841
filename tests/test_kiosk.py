"""The kiosk flow, unattended (``orthofit kiosk --emulate --once``)."""

import json
import subprocess
import sys

import pytest

from orthofit.store import Store


def cli(*args):
    return subprocess.run([sys.executable, "-m", "orthofit.cli", *args], capture_output=True,
                          text=True, timeout=180)


def old_rule_hash(pin):
    """A PIN hash as the older orthofit made it (scrypt N = 2**14, four digits allowed)."""
    import hashlib

    salt = bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${2**14}$8$1${salt.hex()}${digest.hex()}"


def test_once_stores_a_kiosk_scan_and_says_the_result(tmp_path):
    store_dir = tmp_path / "store"
    store = Store(store_dir)
    store.add_patient("Other", "Patient", notes="private")  # never shown
    store.set_settings(kiosk_pin=old_rule_hash("2468"))
    proc = cli("kiosk", "--emulate", "--store", str(store_dir), "--once", "--foot", "cavus",
               "--code", "424242")
    assert proc.returncode == 0, proc.stderr
    # The PIN of the older rules still works, but whoever starts the kiosk is told to change it.
    assert "older, weaker rules" in proc.stderr and "at least 6 digits" in proc.stderr
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


def set_pin(folder, pin):
    return subprocess.run([sys.executable, "-m", "orthofit.cli", "kiosk", "--store",
                           str(folder), "--set-pin"], input=f"{pin}\n", capture_output=True,
                          text=True, timeout=60)


def test_set_pin_keeps_a_salted_hash(tmp_path):
    from orthofit.kiosk.pin import needs_change, verify_pin

    proc = set_pin(tmp_path, "1357911")
    assert proc.returncode == 0 and "1357911" not in proc.stdout
    stored = Store(tmp_path).settings()["kiosk_pin"]
    assert verify_pin("1357911", stored) and "1357911" not in stored
    assert not needs_change(stored)
    for short in ("12", "1357", "13579"):  # fewer than six digits are refused
        proc = set_pin(tmp_path, short)
        assert proc.returncode == 1 and "6 to 12 digits" in proc.stderr
    assert Store(tmp_path).settings()["kiosk_pin"] == stored  # unchanged


def test_the_visit_code_is_six_digits_or_nothing_happens(tmp_path):
    store_dir = tmp_path / "clinic" / "store"
    Store(store_dir).close()
    for code in ("../../escaped", "../../../tmp/x", "12345", "1234567", "abcdef"):
        proc = cli("kiosk", "--emulate", "--store", str(store_dir), "--once", "--code", code)
        assert proc.returncode == 2 and "6 digits" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    outside = [p for p in tmp_path.rglob("*") if store_dir not in p.parents and p != store_dir]
    assert outside == [tmp_path / "clinic"]  # nothing was staged beside the store
    assert not (store_dir / "kiosk").exists()  # refused before the kiosk started
    assert Store(store_dir).kiosk_queue() == []


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
