"""The kiosk's pieces without a screen: guidance, PIN, staging and recovery, the store's queue."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import orthofit
from orthofit.analysis import Thresholds
from orthofit.capture.journal import JournalWriter
from orthofit.capture.recorder import journal_path_for
from orthofit.errors import OrthofitError
from orthofit.io.ofs import save_ofs
from orthofit.kiosk.access import KioskStore
from orthofit.kiosk.flow import result_words
from orthofit.kiosk.guidance import stance_guidance
from orthofit.kiosk.pin import check_pin_format, hash_pin, verify_pin
from orthofit.model import Recording
from orthofit.store import Store, StoreError

from conftest import SAMPLES

PITCH = (5.0, 5.0)  # 0.25 cm^2 per sensel


def feet(left_kpa=100.0, right_kpa=100.0, *, rows=slice(30, 70), left=slice(20, 36),
         right=slice(55, 71), shape=(100, 100)):
    """Two rectangular 'feet' of 40 x 16 sensels (160 cm^2 each)."""
    kpa = np.zeros(shape)
    kpa[rows, left] = left_kpa
    kpa[rows, right] = right_kpa
    return kpa


@pytest.mark.parametrize(("kpa", "state", "feet_seen"), [
    (np.zeros((100, 100)), "empty", 0),
    (feet(0.0, 0.0) + np.pad(np.full((2, 2), 50.0), ((10, 88), (10, 88))), "empty", 0),
    (feet(100.0, 0.0), "one_foot", 1),
    (feet(100.0, 100.0, rows=slice(0, 40)), "off_edge", 1),
    (feet(100.0, 100.0, right=slice(85, 100)), "off_edge", 1),
    (feet(100.0, 100.0), "ready", 2),
])
def test_guidance_states(kpa, state, feet_seen):
    stance = stance_guidance(kpa, PITCH)
    assert (stance.state, stance.feet) == (state, feet_seen)


def test_guidance_measures_the_share_and_names_the_heavy_foot():
    even = stance_guidance(feet(100.0, 100.0), PITCH)
    assert even.left_share == pytest.approx(0.5) and even.words.startswith("Good.")
    heavy = stance_guidance(feet(100.0, 20.0), PITCH)
    assert heavy.state == "uneven" and heavy.left_share == pytest.approx(100 / 120)
    assert heavy.words.startswith("Most of your weight is on your left foot.")
    assert stance_guidance(feet(20.0, 100.0), PITCH).words.startswith(
        "Most of your weight is on your right foot.")


def test_guidance_splits_feet_pressed_together():
    kpa = feet(100.0, 100.0, left=slice(20, 40), right=slice(40, 60))  # 200 mm, no gap
    kpa[30:70, 39:41] = 10.0  # the inner edges carry little
    stance = stance_guidance(kpa, PITCH)
    assert stance.state == "ready" and stance.feet == 2
    assert stance.left_share == pytest.approx(0.5, abs=0.03)


def test_pin_is_kept_salted_and_checked():
    stored = hash_pin("2468")
    assert stored.startswith("scrypt$") and "2468" not in stored
    assert hash_pin("2468") != stored  # a new salt each time
    assert verify_pin("2468", stored) and verify_pin(" 2468 ", stored)
    assert not verify_pin("2469", stored) and not verify_pin("2468", "garbage")
    assert not verify_pin("2468", stored.replace("scrypt", "md5"))
    for bad in ("123", "abcd", "1234567890123", "\uff11\uff12\uff13\uff14"):
        with pytest.raises(OrthofitError, match="4 to 12 digits"):
            check_pin_format(bad)


def standing(complete=True):
    frames = np.zeros((5, 8, 8), np.float32)
    frames[:, 2:6, 2:6] = 80.0
    return Recording(frames, np.arange(5) * 0.02, (5.08, 5.08), mode="static",
                     metadata={"capture": {"complete": complete}})


@pytest.fixture()
def kiosk(tmp_path):
    store = Store(tmp_path / "store")
    store.add_patient("Zebedee", "Quartermain")
    yield KioskStore(store)
    store.close()


def test_the_kiosk_door_cannot_read_patients(kiosk):
    public = {n for n in dir(kiosk) if not n.startswith("_")}
    assert public == {"add_scan", "alert", "pin_hash", "thresholds_name", "staging",
                      "staging_path", "discard", "file_staged", "recover"}
    assert kiosk.staging.stat().st_mode & 0o777 == 0o700


def test_recover_files_a_complete_scan_and_discards_half_ones(kiosk):
    store = kiosk._store
    done_path = kiosk.staging_path("111111", "Ann", "static")
    save_ofs(standing(), done_path)
    half_path = kiosk.staging_path("222222", "Bo", "static")
    save_ofs(standing(complete=False), half_path)
    live = kiosk.staging_path("333333", "Cy", "static")
    journal = JournalWriter(journal_path_for(live), {"mode": "static"})
    for i in range(7):
        journal.append_frame(np.full((8, 8), i, np.uint16), i, None, i * 0.02)
    journal.close()  # a kiosk killed here leaves the journal and no scan
    (kiosk.staging / ".x.ofs.abc.part").write_bytes(b"cut")
    done = kiosk.recover()
    assert done == ["discarded an interrupted capture (7 frames)",
                    "filed a complete scan left by a stopped kiosk as scan 1",
                    "discarded an incomplete capture"]
    queue = store.kiosk_queue()
    assert [(q["kiosk_code"], q["kiosk_name"]) for q in queue] == [("111111", "Ann")]
    assert list(kiosk.staging.iterdir()) == []
    discards = [a for a in store.audit_trail() if a["action"] == "discard"]
    assert len(discards) == 2 and {a["actor"] for a in discards} == {"kiosk"}
    assert kiosk.recover() == []  # nothing left to do


def test_a_kiosk_killed_mid_capture_leaves_no_half_record(tmp_path):
    folder = tmp_path / "store"
    script = textwrap.dedent(f"""
        from orthofit.capture.link import MatLink
        from orthofit.io.profiles import load_mat_profile
        from orthofit.kiosk.access import KioskStore
        from orthofit.kiosk.flow import CaptureJob, patient_script
        from orthofit.store import Store
        kiosk = KioskStore(Store({str(folder)!r}))
        link = MatLink(load_mat_profile("ofp1-generic"),
                       frames_kpa=patient_script([("stand", 60.0)]))
        job = CaptureJob(link.open(), kiosk, "555555", "Di", "static")
        job.trigger.duration_s = 60.0  # still recording when it is killed
        job.run()
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    journal = folder / "kiosk" / ".555555-static.ofs.journal"
    try:
        deadline = time.monotonic() + 60
        while not (journal.exists() and journal.stat().st_size > 200_000):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.1)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    store = Store(folder)
    kiosk = KioskStore(store)
    done = kiosk.recover()
    assert len(done) == 1 and done[0].startswith("discarded an interrupted capture (")
    assert int(done[0].split("(")[1].split()[0]) > 5  # frames had arrived
    assert store.kiosk_queue() == [] and store.check() == []
    assert list(kiosk.staging.iterdir()) == []


def test_store_refuses_cleanly_when_the_disk_is_full(kiosk, monkeypatch):
    import orthofit.store.store as store_module

    def full(_rec, path):
        open(path, "wb").write(b"half")  # noqa: SIM115 - as a full disk leaves it
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module, "save_ofs", full)
    with pytest.raises(StoreError, match="No space left on device.*free some disk space"):
        kiosk.add_scan(standing(), "424242", "Ed")
    store = kiosk._store
    assert store.kiosk_queue() == []
    assert list((store.folder / "scans").iterdir()) == []  # no half file either


def test_visit_codes_issued_by_the_desktop(kiosk):
    store = kiosk._store
    pid = store.search_patients()[0]["id"]
    codes = {store.issue_kiosk_code(pid) for _ in range(20)}
    assert len(codes) == 20 and all(len(c) == 6 and c.isdigit() for c in codes)
    code = sorted(codes)[0]
    assert store.kiosk_code_patient(code) == pid and store.kiosk_code_patient("000000x") is None
    with pytest.raises(StoreError, match="no patient 99"):
        store.issue_kiosk_code(99)
    kiosk.alert("the kiosk mat stopped answering", code=code)
    alert = store.alerts()[0]
    assert alert["actor"] == "kiosk" and alert["detail"]["code"] == code


def test_the_kiosk_screens_never_import_the_store():
    import ast
    from pathlib import Path

    import orthofit.gui

    for name in ("kiosk.py", "kiosk_widgets.py"):
        tree = ast.parse((Path(orthofit.gui.__file__).parent / name).read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not any(m and m.startswith("orthofit.store") for m in imported), name
        assert "orthofit.kiosk.access" in imported or name == "kiosk_widgets.py"


def test_thank_you_words_state_only_what_the_scan_supports():
    rec = orthofit.load(SAMPLES / "static_normal.ofs")  # arch index about 0.225 on both feet
    stated = result_words(orthofit.analyze(rec))
    assert stated[:2] == ["Your left foot has a normal arch.", "Your right foot has a normal arch."]
    # A clinic whose high-arch cut-off lies within a hundredth of these prints: no type is said.
    near = Thresholds(ai_high=0.22, ai_low=0.30)
    analysis = orthofit.analyze(rec, thresholds=near)
    assert all(f.classification["arch_type"] == "uncertain" for f in analysis.feet)
    words = result_words(analysis)
    assert not any("arch." in w and w.startswith("Your left foot has") for w in words)
    assert words[0] == "Your podiatrist will look at the arch of your left foot with you."
    assert words[-1] == "Your podiatrist will go through it with you."
