"""The kiosk's screens, driven as a patient and as staff would (pytest-qt, offscreen)."""

from __future__ import annotations

import errno
import re

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QLineEdit, QPushButton

from orthofit.capture.link import MatLink
from orthofit.drivers.emulator import FaultSpec, MatEmulator
from orthofit.io.profiles import load_mat_profile
from orthofit.kiosk.access import KioskStore
from orthofit.kiosk.flow import patient_script
from orthofit.kiosk.pin import hash_pin
from orthofit.store import Store

OTHER = ("Zebedee", "Quartermain")  # a patient in the store the kiosk must never show
PIN = "246810"
PIN_HASH = hash_pin(PIN)  # once: a PIN hash costs half a second on purpose
PROFILE = load_mat_profile("ofp1-generic")


@pytest.fixture()
def store(tmp_path):
    store = Store(tmp_path / "store")
    store.add_patient(*OTHER, notes="knee surgery 2019")
    store.set_settings(kiosk_pin=PIN_HASH)
    yield store
    store.close()


@pytest.fixture()
def door(store):
    """The kiosk's door to the store (its helper process stops with the test)."""
    door = KioskStore(store.folder)
    yield door
    door.close()


def make_window(qtbot, door, link, *, start=True, **kw):
    from orthofit.gui.kiosk import KioskWindow

    window = KioskWindow(door, link, **kw)
    qtbot.addWidget(window)
    window.resize(1080, 1920)
    window.show()
    if start:
        window.start()
    return window


def close(window):
    window._unlocked = True
    window.stop()
    window.close()


def click(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def button(window, screen, text):
    return next(b for b in window.screens[screen].findChildren(QPushButton) if b.text() == text)


def type_keys(qtbot, window, field, text):
    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)  # the keys type where the patient taps
    for ch in text:
        click(qtbot, window.keyboard.keys[ch.upper()])


def identify(qtbot, window, name="ANNE", code="381907"):
    click(qtbot, button(window, "welcome", "Start"))
    assert window.current() == "identify"
    type_keys(qtbot, window, window.name_edit, name)
    type_keys(qtbot, window, window.code_edit, code)
    click(qtbot, button(window, "identify", "Next"))


def texts(window):
    """Everything written on any screen."""
    out = []
    for kind in (QLabel, QLineEdit, QPushButton):
        out += [w.text() for w in window.findChildren(kind)]
    return " ".join(out)


def emulated(phases, **faults):
    return MatLink(PROFILE, frames_kpa=patient_script(phases))


def test_a_patient_scans_alone_and_the_scans_wait_in_the_queue(qtbot, store, door):
    link = emulated([("empty", 0.6), ("one_foot", 1.5), ("stand", 7.0), ("empty", 1.0),
                     ("walk", 0.0), ("empty", 2.0)])
    window = make_window(qtbot, door, link, start=False)
    seen = set()
    try:
        assert window.current() == "welcome"
        identify(qtbot, window)
        assert window.name == "Anne" and window.code == "381907"  # typed as a name is written
        assert window.current() == "step_on"
        # The emulated patient's clock starts once they are at the step-on screen: typing on
        # a loaded machine must not use up the one-foot phase.
        window.start()

        def watch(target):
            seen.add(window.screens["step_on"].text.text())
            assert OTHER[0] not in texts(window) and OTHER[1] not in texts(window)
            return window.current() == target

        qtbot.waitUntil(lambda: watch("scan"), timeout=20000)
        assert "Please stand on both feet, side by side." in seen  # the one-foot phase
        qtbot.waitUntil(lambda: window.countdown.text() in ("1", "2", "3"), timeout=5000)
        qtbot.waitUntil(lambda: watch("walk_offer"), timeout=10000)
        click(qtbot, button(window, "walk_offer", "Yes, walk"))
        qtbot.waitUntil(lambda: watch("thanks"), timeout=30000)
        thanks = window.screens["thanks"]
        assert thanks.title.text() == "Thank you, Anne!"
        assert "Your left foot has a normal arch." in thanks.text.text()
        assert "Your podiatrist will go through it with you." in thanks.text.text()
        assert window.code_label.text() == "Your visit code: 381 907"
        queue = store.kiosk_queue()
        assert [(q["mode"], q["kiosk_code"], q["kiosk_name"]) for q in queue] == [
            ("static", "381907", "Anne"), ("walk", "381907", "Anne")]
        assert queue[0]["frames"] == 150  # exactly the 3 s at 50 Hz, nothing of the waiting
        assert not list((store.folder / "kiosk").iterdir())  # nothing left staged
        click(qtbot, button(window, "thanks", "Done"))
        assert window.current() == "welcome" and window.name_edit.text() == ""
        assert window.code is None and "Anne" not in texts(window)
    finally:
        close(window)


def test_idle_time_clears_everything(qtbot, store, door):
    window = make_window(qtbot, door, emulated([("empty", 1.0)]), idle_s=1.0)
    try:
        click(qtbot, button(window, "welcome", "Start"))
        type_keys(qtbot, window, window.name_edit, "BO")
        assert window.name_edit.text() == "Bo"
        qtbot.waitUntil(lambda: window.current() == "welcome", timeout=5000)
        assert window.name_edit.text() == "" and window.code_edit.text() == ""
    finally:
        close(window)


def test_identify_asks_for_what_is_missing_and_can_make_a_code(qtbot, store, door):
    window = make_window(qtbot, door, emulated([("empty", 1.0)]))
    try:
        click(qtbot, button(window, "welcome", "Start"))
        click(qtbot, button(window, "identify", "Next"))
        assert "6 digits" in window.identify_message.text() and window.current() == "identify"
        type_keys(qtbot, window, window.code_edit, "12A3")  # letters do not go into a code
        assert window.code_edit.text() == "123"
        click(qtbot, button(window, "identify", "I have no code"))
        assert len(window.code_edit.text()) == 6 and window.code_edit.text().isdigit()
        click(qtbot, button(window, "identify", "Next"))  # a code made here needs the name
        assert window.identify_message.text().startswith("Please type your first name")
        type_keys(qtbot, window, window.name_edit, "JO")
        click(qtbot, button(window, "identify", "Next"))
        assert window.current() == "step_on" and window.name == "Jo"
        click(qtbot, button(window, "step_on", "Cancel"))
        assert window.current() == "welcome"
        # A code from the desktop is enough on its own: it names the patient already.
        click(qtbot, button(window, "welcome", "Start"))
        type_keys(qtbot, window, window.code_edit, "654321")
        click(qtbot, button(window, "identify", "Next"))
        assert window.current() == "step_on" and (window.code, window.name) == ("654321", "")
    finally:
        close(window)


def test_leaving_needs_the_pin(qtbot, store, door):
    window = make_window(qtbot, door, emulated([("empty", 1.0)]))
    try:
        assert window.close() is False and window.isVisible()  # Alt+F4 and the like
        assert window.current() == "staff"
        for ch in "111111":
            click(qtbot, window.pin_keys.keys[ch])
        assert window.try_pin() is False
        assert window.pin_message.text() == "That PIN is not right." and window.isVisible()
        for _ in range(4):
            window.pin_edit.setText("000000")
            window.try_pin()
        assert window.pin_message.text() == "Too many wrong PINs: wait 60 s."
        assert "5 wrong PINs" in store.alerts()[0]["detail"]["message"]
        window.pin_edit.setText(PIN)
        assert window.try_pin() is False  # locked for a minute even with the right one
        assert "Too many wrong PINs" in window.pin_message.text()
        assert store.pin_lockout()["failures"] == 5  # kept in the store: a restart keeps it
        store.clear_pin_lockout()  # staff lift the lock from the desktop
        window.pin_edit.setText(PIN)
        assert window.try_pin() is True and not window.isVisible()
    finally:
        close(window)


def test_stepping_off_mid_scan_starts_it_again(qtbot, store, door):
    # Steady after 1 s, so the 3 s recording is cut by stepping off at 2.5 s.
    link = emulated([("stand", 2.5), ("empty", 1.2), ("stand", 8.0), ("empty", 3.0)])
    window = make_window(qtbot, door, link, start=False)
    try:
        # The emulated patient's clock starts with the mat, once they are at the step-on
        # screen: how long typing takes on a loaded machine cannot eat into the 2.5 s.
        identify(qtbot, window)
        assert window.current() == "step_on"
        window.start()
        qtbot.waitUntil(lambda: window.current() == "scan", timeout=10000)
        qtbot.waitUntil(lambda: window.current() == "step_on", timeout=10000)
        assert window.screens["step_on"].text.text().startswith("You stepped off the mat")
        qtbot.waitUntil(lambda: window.current() in ("walk_offer", "thanks"), timeout=20000)
        queue = store.kiosk_queue()
        assert len(queue) == 1 and queue[0]["frames"] == 150  # one whole stance only
    finally:
        close(window)


def tcp_link(port=0, phases=(("stand", 6.0),), **faults):
    emulator = MatEmulator(PROFILE, patient_script(list(phases)), rate_hz=50.0,
                           faults=FaultSpec(**faults))
    _, port = emulator.start_tcp(port)
    return emulator, MatLink(PROFILE, f"socket://127.0.0.1:{port}"), port


def test_an_unplugged_mat_is_said_kindly_logged_and_reconnected(qtbot, store, door):
    emulator, link, port = tcp_link(phases=[("empty", 2.0)], disconnect_at_s=1.0)
    window = make_window(qtbot, door, link)
    back = None
    try:
        identify(qtbot, window)
        qtbot.waitUntil(lambda: window.current() == "mat_problem", timeout=10000)
        assert "not responding" in window.screens["mat_problem"].text.text()
        assert "stopped answering" in store.alerts()[0]["detail"]["message"]
        emulator.stop()
        back, _, _ = tcp_link(port, phases=[("empty", 2.0)])  # plugged in again
        qtbot.waitUntil(lambda: window.current() == "step_on", timeout=15000)
        assert window.code == "381907"  # the patient carries on where they were
        assert store.alerts()[0]["detail"]["message"] == "the kiosk mat is answering again"
    finally:
        close(window)
        for e in (emulator, back):
            if e is not None:
                e.stop()


def test_a_silent_mat_during_the_scan_stores_nothing_and_recovers(qtbot, store, door):
    # The mat goes quiet 2.5 s in (during the recording) for 4 s, then sends again.
    emulator, link, _ = tcp_link(phases=[("stand", 30.0)], stall_at_s=2.5,
                                 stall_for_s=4.0)
    window = make_window(qtbot, door, link, max_wait_s=60.0)
    try:
        identify(qtbot, window)
        qtbot.waitUntil(lambda: window.current() == "mat_problem", timeout=15000)
        assert store.kiosk_queue() == []  # nothing half-saved
        assert not list((store.folder / "kiosk").glob("*.ofs"))
        qtbot.waitUntil(lambda: window.current() in ("step_on", "scan"), timeout=15000)
        qtbot.waitUntil(lambda: window.current() == "walk_offer", timeout=20000)
        assert len(store.kiosk_queue()) == 1 and store.kiosk_queue()[0]["frames"] == 150
    finally:
        close(window)
        emulator.stop()


def test_a_full_disk_says_so_and_leaves_no_file(qtbot, store, door, monkeypatch):
    from orthofit.capture import journal

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal.JournalWriter, "append_frame", full)
    window = make_window(qtbot, door, emulated([("stand", 6.0)]))
    try:
        identify(qtbot, window)
        qtbot.waitUntil(lambda: window.current() == "save_problem", timeout=15000)
        assert "disk is full" in window.screens["save_problem"].text.text()
        assert "disk is full" in store.alerts()[0]["detail"]["message"]
        assert store.kiosk_queue() == []
        assert not [p for p in (store.folder / "kiosk").iterdir()]
        click(qtbot, button(window, "save_problem", "Start again"))
        assert window.current() == "welcome"
    finally:
        close(window)


def test_starting_after_a_kill_discards_the_half_capture_and_tells_staff(qtbot, store, door):
    import numpy as np

    from orthofit.capture.journal import JournalWriter
    from orthofit.capture.recorder import journal_path_for

    journal = JournalWriter(journal_path_for(door.staging_path("777777", "Al", "static")),
                            {"mode": "static"})
    journal.append_frame(np.zeros((4, 4), np.uint16), 0, None, 0.0)
    journal.close()
    window = make_window(qtbot, door, emulated([("empty", 1.0)]))
    try:
        assert window.current() == "welcome"
        assert list((store.folder / "kiosk").iterdir()) == []
        message = store.alerts()[0]["detail"]["message"]
        assert message == ("kiosk started after an interruption: discarded an interrupted "
                           "capture (1 frame)")
        assert store.kiosk_queue() == []
    finally:
        close(window)


def test_no_walk_then_the_thank_you_screen_returns_to_welcome_by_itself(qtbot, store, door):
    window = make_window(qtbot, door, emulated([("empty", 0.5), ("stand", 8.0)]), thanks_s=1.0)
    try:
        identify(qtbot, window, name="", code="246810")  # a code from the desktop suffices
        qtbot.waitUntil(lambda: window.current() == "walk_offer", timeout=20000)
        click(qtbot, button(window, "walk_offer", "No, thank you"))
        assert window.current() == "thanks"
        assert window.screens["thanks"].title.text() == "Thank you!"
        assert [(q["mode"], q["kiosk_code"], q["kiosk_name"]) for q in store.kiosk_queue()] == [
            ("static", "246810", None)]
        qtbot.waitUntil(lambda: window.current() == "welcome", timeout=5000)
        assert window.code is None and window.screens["thanks"].text.text() == ""
    finally:
        close(window)


def test_a_pin_of_the_older_rules_still_opens_and_staff_are_told_to_change_it(qtbot, store,
                                                                              door):
    import hashlib

    from orthofit.kiosk.pin import CHANGE_ADVICE

    salt = bytes(16)
    digest = hashlib.scrypt(b"2468", salt=salt, n=2**14, r=8, p=1, dklen=32)
    store.set_settings(kiosk_pin=f"scrypt${2**14}$8$1${salt.hex()}${digest.hex()}")
    window = make_window(qtbot, door, emulated([("empty", 1.0)]))
    try:
        assert store.alerts()[0]["detail"]["message"] == CHANGE_ADVICE  # for staff, on the desk
        window.show_screen("staff")
        assert "weaker" not in texts(window) and "digits" not in texts(window)  # not for patients
        window.pin_edit.setText("2468")
        assert window.try_pin() is True  # the clinic is not locked out
    finally:
        close(window)


# -- what the patient sees: the slip picture and the size of their feet --------------------------

def test_the_slip_picture_shows_no_code_beside_the_typed_one(qtbot, door, monkeypatch):
    import re

    from PyQt6.QtGui import QPainter

    drawn = []  # every text the kiosk's own pictures paint
    paint_text = QPainter.drawText

    def spy(painter, *args):
        drawn.append(" ".join(a for a in args if isinstance(a, str)))
        return paint_text(painter, *args)

    monkeypatch.setattr(QPainter, "drawText", spy)
    window = make_window(qtbot, door, emulated([("empty", 1.0)]), start=False)
    try:
        window.resize(1366, 768)
        click(qtbot, button(window, "welcome", "Start"))
        type_keys(qtbot, window, window.code_edit, "381907")
        screen = window.screens["identify"]
        drawn.clear()
        screen.picture.repaint()
        window.grab()  # everything on the screen painted now
        assert screen.picture.kind == "card" and screen.picture.isVisible()
        assert not any(re.search(r"\d", text) for text in drawn), drawn  # blanks, no digits
        # Words on the screen quote no number a patient could take for a code; the only
        # code-like digits are the ones typed.
        words = [w.text() for w in screen.findChildren(QLabel) if w.isVisibleTo(screen)]
        assert not [w for w in words if re.search(r"\d{2,}", w)]
        fields = [w.text() for w in screen.findChildren(QLineEdit) if w.isVisibleTo(screen)]
        assert [f for f in fields if re.search(r"\d", f)] == ["381907"]
    finally:
        close(window)


def feet_rows(view):
    """The rows of a mat view's picture that show the feet's black outline (pixels)."""
    import numpy as np
    from PyQt6.QtGui import QImage

    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    ptr = image.constBits()
    ptr.setsize(image.sizeInBytes())
    rgb = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    dark = (rgb[:, : image.width(), :3] < 40).all(axis=2)
    rows = np.nonzero(dark.any(axis=1))[0]
    return (int(rows.min()), int(rows.max()) + 1) if rows.size else (0, 0)


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768), (1024, 768)])
def test_standing_feet_fill_about_half_the_screen_height(qtbot, door, size):
    from orthofit.kiosk.flow import KIOSK_MAT

    frames = patient_script([("stand", 1.0)])
    frame = frames[len(frames) // 2]
    window = make_window(qtbot, door, emulated([("empty", 1.0)]), start=False)
    try:
        window.resize(*size)
        for name, view in (("step_on", window.step_view), ("scan", window.scan_view)):
            window.show_screen(name)
            view.show_kpa(frame, KIOSK_MAT.pitch_mm)
            qtbot.waitUntil(lambda view=view: view.isVisible() and view.height() > 100)
            top, bottom = feet_rows(view)
            share = (bottom - top) / window.height()
            assert 0.38 <= share <= 0.55, (name, size, share)
            # The whole feet are in the picture: the view's part of the mat holds every
            # loaded sensel.
            r0, r1, c0, c1 = view.window_rc
            assert (frame[r0:r1, c0:c1] > 5).sum() == (frame > 5).sum()
    finally:
        close(window)


# -- the clinic store out of reach: the scan is kept, the patient waits a moment ----------------

UNREACHABLE = re.compile(r"the clinic store was unreachable from the kiosk from "
                         r"\d\d:\d\d to \d\d:\d\d")


class AwayDoor:
    """The real door, but while ``away`` is set the store "cannot be reached".

    Every request that needs the database is refused as the helper refuses it when its server
    is down (the door's KioskStoreUnavailable); an alert is lost, as it is then. The staging
    folder stays in reach, as it does: it is on the kiosk's own computer.
    """

    NEEDS_STORE = ("file_staged", "recover", "thresholds_name", "pin_state", "check_pin",
                   "alert")

    def __init__(self, door):
        self.door, self.away, self.refused = door, False, 0

    def __getattr__(self, name):
        real = getattr(self.door, name)
        if name not in self.NEEDS_STORE:
            return real

        def call(*args, **kwargs):
            if self.away:
                self.refused += 1
                if name == "alert":
                    return None  # the real door's alert never raises either
                from orthofit.kiosk.flow import STORE_AWAY

                raise STORE_AWAY[0]("the clinic store's server (postgresql://kiosk@db/clinic) "
                                    "cannot be reached (connection refused)")
            return real(*args, **kwargs)

        return call


def unreachable_alerts(store):
    return [a["detail"]["message"] for a in store.alerts(50)
            if UNREACHABLE.fullmatch(a["detail"]["message"])]


def test_a_store_out_of_reach_keeps_the_scan_and_files_it_when_back(qtbot, store, door):
    away = AwayDoor(door)
    window = make_window(qtbot, away, emulated([("empty", 0.6), ("stand", 8.0)]), start=False)
    window.store_timer.setInterval(300)
    try:
        identify(qtbot, window)
        away.away = True  # from the start: the tidy-up waits for the store too
        window.start()
        qtbot.waitUntil(lambda: window.current() == "store_wait", timeout=20000)
        screen = window.screens["store_wait"]
        assert screen.title.text() == "One moment, please"
        assert "kept safe" in screen.text.text()
        assert store.kiosk_queue() == [] and len(list(door.staging.glob("*.ofs"))) == 1
        tried = away.refused
        qtbot.wait(1000)
        assert window.current() == "store_wait" and away.refused > tried  # it keeps trying
        away.away = False
        qtbot.waitUntil(lambda: window.current() == "walk_offer", timeout=5000)
        assert [(q["kiosk_code"], q["kiosk_name"], q["frames"]) for q in store.kiosk_queue()
                ] == [("381907", "Anne", 150)]
        assert not list(door.staging.glob("*.ofs"))
        assert "normal arch" in " ".join(window.result_words)
        qtbot.wait(1000)  # the timer has stopped: one alert, not one per try
        assert len(unreachable_alerts(store)) == 1 and not window.store_timer.isActive()
    finally:
        close(window)


def test_a_patient_who_leaves_while_the_store_is_away_still_has_their_scan_filed(qtbot, store,
                                                                                door):
    away = AwayDoor(door)
    # They step off after the scan, and nobody touches the screen: the kiosk is idle.
    window = make_window(qtbot, away, emulated([("empty", 0.6), ("stand", 6.0),
                                                ("empty", 30.0)]), start=False, idle_s=1.0)
    window.store_timer.setInterval(300)
    try:
        identify(qtbot, window)
        window.start()
        away.away = True
        qtbot.waitUntil(lambda: window.current() == "store_wait", timeout=20000)
        qtbot.waitUntil(lambda: window.current() == "welcome", timeout=5000)  # idle: gone
        assert window.code is None and "Anne" not in texts(window)
        away.away = False
        qtbot.waitUntil(lambda: len(store.kiosk_queue()) == 1, timeout=5000)
        assert window.current() == "welcome"  # the next patient is not shown the last one's
        assert store.kiosk_queue()[0]["kiosk_name"] == "Anne"
        qtbot.waitUntil(lambda: len(unreachable_alerts(store)) == 1, timeout=2000)
    finally:
        close(window)


def test_the_kiosk_on_a_server_that_restarts_files_the_scan_when_it_is_back(
        qtbot, monkeypatch, tmp_path, private_pg):
    """End to end: the kiosk's helper on a PostgreSQL server of this test's own, stopped."""
    import pgserver

    folder, url = private_pg
    monkeypatch.setenv("ORTHOFIT_DATA", str(tmp_path / "kiosk-pc"))  # the kiosk's own folder
    desk = Store(url, create=True, local=tmp_path / "desk")
    door = KioskStore(url)
    window = make_window(qtbot, door, emulated([("empty", 0.6), ("stand", 8.0)]),
                         start=False)
    window.store_timer.setInterval(300)
    try:
        identify(qtbot, window)
        window.start()
        pgserver.pause(folder)
        qtbot.waitUntil(lambda: window.current() == "store_wait", timeout=20000)
        assert len(list(door.staging.glob("*.ofs"))) == 1
        assert str(door.staging).startswith(str(tmp_path / "kiosk-pc"))
        pgserver.resume(folder)
        qtbot.waitUntil(lambda: window.current() == "walk_offer", timeout=20000)
        assert [q["kiosk_code"] for q in desk.kiosk_queue()] == ["381907"]
        assert len(unreachable_alerts(desk)) == 1
        assert not list(door.staging.glob("*.ofs"))
    finally:
        close(window)
        door.close()
        desk.close()
