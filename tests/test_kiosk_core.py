"""The kiosk's pieces without a screen: guidance, PIN, staging and recovery, the store's queue."""

from __future__ import annotations

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
from orthofit.kiosk.pin import (
    PinCheck,
    check_pin_format,
    hash_pin,
    lock_seconds,
    needs_change,
    verify_pin,
)
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


def old_rule_hash(pin, n=2**14):
    """A PIN hash as the older orthofit made it (scrypt N = 2**14, four digits allowed)."""
    import hashlib

    salt = bytes(range(16))
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=8, p=1, dklen=32)
    return f"scrypt${n}$8$1${salt.hex()}${digest.hex()}"


def test_pin_is_kept_salted_and_checked():
    stored = hash_pin("246810")
    assert stored.startswith("scrypt$131072$8$1$") and "246810" not in stored
    assert hash_pin("246810") != stored  # a new salt each time
    assert verify_pin("246810", stored) and verify_pin(" 246810 ", stored)
    assert not verify_pin("246811", stored) and not verify_pin("246810", "garbage")
    assert not verify_pin("246810", stored.replace("scrypt", "md5"))
    assert not needs_change(stored)
    for bad in ("123", "abcd", "2468", "24681", "1234567890123", "\uff11" * 6):
        with pytest.raises(OrthofitError, match="6 to 12 digits"):
            check_pin_format(bad)
    # A hash that asks for absurd memory is refused, not computed.
    assert not verify_pin("246810", stored.replace("131072", str(2**30)))


def test_a_pin_set_under_the_older_rules_still_opens_but_should_change():
    old = old_rule_hash("2468")
    assert verify_pin("2468", old) and not verify_pin("2469", old)
    assert needs_change(old)


def test_pin_locks_grow_from_a_minute_to_an_hour():
    assert [lock_seconds(n) for n in range(1, 14)] == [
        0, 0, 0, 0, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]


def standing(complete=True):
    frames = np.zeros((5, 8, 8), np.float32)
    frames[:, 2:6, 2:6] = 80.0
    return Recording(frames, np.arange(5) * 0.02, (5.08, 5.08), mode="static",
                     metadata={"capture": {"complete": complete}})


OTHER = ("Zebedee", "Quartermain", "knee surgery 2019")  # never to reach the kiosk


@pytest.fixture()
def store(tmp_path):
    store = Store(tmp_path / "store")
    store.add_patient(*OTHER[:2], notes=OTHER[2])
    yield store
    store.close()


@pytest.fixture()
def kiosk(store):
    door = KioskStore(store.folder)
    yield door
    door.close()


def test_the_kiosk_door_cannot_read_patients(kiosk):
    public = {n for n in dir(kiosk) if not n.startswith("_")}
    assert public == {"staging", "staging_path", "discard", "file_staged", "recover", "alert",
                      "thresholds_name", "pin_state", "check_pin", "close"}
    assert kiosk.staging.stat().st_mode & 0o777 == 0o700
    with pytest.raises(TypeError, match="not a store object"):
        KioskStore(Store(kiosk.staging.parent))


def reachable(root, depth=8):
    """Every object reachable from ``root`` through attributes and containers."""
    import types

    seen, out, todo = set(), [], [(root, 0)]
    while todo:
        obj, d = todo.pop()
        if id(obj) in seen or d > depth:
            continue
        seen.add(id(obj))
        out.append(obj)
        if isinstance(obj, types.ModuleType | type | types.FunctionType
                      | types.BuiltinFunctionType | str | bytes | int | float):
            continue  # code and classes, not what an object holds
        children = []
        if isinstance(obj, dict):
            children += [*obj.keys(), *obj.values()]
        elif isinstance(obj, list | tuple | set | frozenset):
            children += list(obj)
        children += list(getattr(obj, "__dict__", {}).values())
        for cls in type(obj).__mro__:
            for name in getattr(cls, "__slots__", ()):
                try:
                    children.append(getattr(obj, name))
                except AttributeError:
                    pass
        if isinstance(obj, types.MethodType):
            children.append(obj.__self__)
        todo += [(c, d + 1) for c in children]
    return out


def test_no_attribute_of_the_door_leads_to_the_store(kiosk, store):
    import sqlite3

    found = reachable(kiosk)
    assert len(found) > 10  # the walk went somewhere (the pipe, the helper process)
    assert not [o for o in found if isinstance(o, sqlite3.Connection | Store)]
    # The old door's way in is gone.
    assert not hasattr(kiosk, "_store") and not hasattr(kiosk, "conn")


def test_the_kiosk_process_holds_no_connection_at_all(tmp_path):
    """A fresh interpreter that uses the door holds no connection and no Store anywhere."""
    folder = tmp_path / "store"
    store = Store(folder)
    store.add_patient(*OTHER[:2])
    store.close()
    script = textwrap.dedent(f"""
        import gc, sqlite3, sys
        from orthofit.kiosk.access import KioskStore
        door = KioskStore({str(folder)!r})
        door.alert("hello")
        door.pin_state(), door.thresholds_name(), door.recover()
        door.staging_path("123456", "Al", "static")
        held = [repr(o) for o in gc.get_objects() if isinstance(o, sqlite3.Connection)
                or type(o).__module__.startswith("orthofit.store")]
        print(held, "orthofit.store" in sys.modules)
        door.close()
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    # No connection and no Store in the kiosk process; the door did not even import the store.
    assert proc.stdout.split() == ["[]", "False"]


def test_what_the_door_returns_never_names_a_patient(kiosk, store, tmp_path):
    from orthofit.kiosk.access import KioskError

    store.set_settings(kiosk_pin=hash_pin("246810"))
    answers = [kiosk.staging, kiosk.pin_state(), kiosk.thresholds_name(), kiosk.recover()]
    path = kiosk.staging_path("111111", "Ann", "static")
    save_ofs(standing(), path)
    answers += [path, kiosk.file_staged(path), kiosk.check_pin("000000"),
                kiosk.check_pin("246810"), kiosk.alert("x")]
    half = kiosk.staging_path("222222", "Bo", "static")
    save_ofs(standing(complete=False), half)
    for bad in (lambda: kiosk.file_staged(half), lambda: kiosk.file_staged(path),
                lambda: kiosk.staging_path("../../x", "", "static"),
                lambda: kiosk.discard(store.db_path)):
        with pytest.raises((KioskError, OSError)) as caught:
            bad()
        answers.append(str(caught.value))
    answers.append(kiosk.recover())
    text = repr(answers)
    assert "Ann" not in text  # not even the name typed with the kiosk's own scan
    assert not any(word in text for word in OTHER)
    assert [q["kiosk_name"] for q in store.kiosk_queue()] == ["Ann"]


def test_staging_never_leaves_the_kiosk_folder(kiosk, store, tmp_path):
    from orthofit.kiosk.access import KioskError

    before = sorted(p for p in tmp_path.rglob("*"))
    for code, mode in [("../../escaped", "static"), ("/tmp/x", "static"), ("12345", "static"),
                       ("123456", "../x"), ("123456", "static/../../x")]:
        with pytest.raises(KioskError):
            kiosk.staging_path(code, "Eve", mode)
    assert sorted(p for p in tmp_path.rglob("*")) == before  # nothing was written anywhere
    for outside in (store.db_path, store.folder / "kiosk" / ".." / "orthofit.sqlite3",
                    tmp_path / "123456-static.ofs"):
        with pytest.raises(KioskError, match="not a kiosk capture"):
            kiosk.discard(outside)
        with pytest.raises(KioskError, match="not a kiosk capture"):
            kiosk.file_staged(outside)
    assert store.db_path.exists()
    # A link planted in the staging folder does not lead out of it either.
    target = tmp_path / "elsewhere.ofs"
    save_ofs(standing(), target)
    (kiosk.staging / "654321-static.ofs").symlink_to(target)
    with pytest.raises(KioskError, match="not a kiosk capture"):
        kiosk.discard(kiosk.staging / "654321-static.ofs")
    assert target.exists() and store.kiosk_queue() == []
    # Nor does a staging folder that is a link to somewhere else.
    other = Store(tmp_path / "other")
    (tmp_path / "elsewhere").mkdir()
    (other.folder / "kiosk").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(KioskError, match="leads out of the clinic store"):
        KioskStore(other.folder)
    other.close()


def test_the_pin_lockout_survives_a_restart_and_grows(store):
    store.set_settings(kiosk_pin=hash_pin("246810"))
    with KioskStore(store.folder) as door:
        for n in range(1, 5):
            assert door.check_pin("000000") == PinCheck(False, 0.0, n)
        fifth = door.check_pin("000000")
        assert not fifth.ok and fifth.failures == 5 and 55 < fifth.locked_s <= 60
    assert "5 wrong PINs in a row" in store.alerts()[0]["detail"]["message"]
    with KioskStore(store.folder) as door:  # the kiosk restarted: still locked
        again = door.check_pin("246810")
        assert not again.ok and 0 < again.locked_s <= 60 and again.failures == 5
        # The minute passes (the clock is the store's: move the lock's end instead) ...
        with store.engine.begin() as c:
            c.exec_driver_sql("UPDATE pin_lockout SET locked_until = 0")
        sixth = door.check_pin("000000")  # ... and the next wrong PIN locks for longer
        assert sixth.failures == 6 and 115 < sixth.locked_s <= 120
        store.clear_pin_lockout()  # staff lift it from the desktop
        assert door.check_pin("246810").ok
        assert store.pin_lockout()["failures"] == 0


def test_an_old_pin_opens_the_kiosk_and_is_rehashed_if_long_enough(kiosk, store):
    store.set_settings(kiosk_pin=old_rule_hash("2468"))
    assert kiosk.pin_state() == "change"
    assert kiosk.check_pin("2468").ok  # the clinic is not locked out
    assert kiosk.pin_state() == "change"  # four digits: only staff can make it stronger
    store.set_settings(kiosk_pin=old_rule_hash("24681357"))
    assert kiosk.check_pin("24681357").ok
    assert kiosk.pin_state() == "ok"  # the same PIN, now kept as new PINs are
    assert store.settings()["kiosk_pin"].startswith("scrypt$131072$")


def test_recover_files_a_complete_scan_and_discards_half_ones(kiosk, store):
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


def test_a_second_kiosk_on_the_store_never_tidies_the_first_ones_capture(kiosk, store):
    live = kiosk.staging_path("333333", "Cy", "static")
    journal = JournalWriter(journal_path_for(live), {"mode": "static"})
    journal.append_frame(np.zeros((8, 8), np.uint16), 0, None, 0.0)
    with KioskStore(store.folder) as second:  # starts while the first records
        assert second.recover() == []
    assert journal_path_for(live).exists()
    journal.close()


def test_a_kiosk_killed_mid_capture_leaves_no_half_record(tmp_path):
    folder = tmp_path / "store"
    script = textwrap.dedent(f"""
        from orthofit.capture.link import MatLink
        from orthofit.io.profiles import load_mat_profile
        from orthofit.kiosk.access import KioskStore
        from orthofit.kiosk.flow import CaptureJob, patient_script
        kiosk = KioskStore({str(folder)!r})
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
    with KioskStore(folder) as kiosk:
        done = kiosk.recover()
        assert len(done) == 1 and done[0].startswith("discarded an interrupted capture (")
        assert int(done[0].split("(")[1].split()[0]) > 5  # frames had arrived
        assert store.kiosk_queue() == [] and store.check() == []
        assert list(kiosk.staging.iterdir()) == []


def test_visit_codes_issued_by_the_desktop(kiosk, store):
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
