"""Several desktops on one store: changes seen at once, conflicts asked, the server away.

Each test opens the desktop on one store and works on the same store from another ``Store``
(another workstation: a kiosk, another room's desktop), as a clinic does.
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest

pytest.importorskip("PyQt6")
pytestqt = pytest.importorskip("pytestqt")

from PyQt6.QtCore import Qt, QTimer  # noqa: E402
from PyQt6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from orthofit.gui.app import MainWindow  # noqa: E402
from orthofit.io.load import load  # noqa: E402
from orthofit.store import Store  # noqa: E402

import pgserver  # noqa: E402
from conftest import SAMPLES  # noqa: E402

CLICK = Qt.MouseButton.LeftButton
#: A change made elsewhere is on screen within this long (ms).
ARRIVAL_MS = 2000


@pytest.fixture
def desks(qtbot, store_location, tmp_path):
    """(window on room 1's store, room 2's store, the patient): one store, two workstations."""
    mine = Store(store_location, actor="dr ames", workstation="room-1",
                 local=tmp_path / "room-1")
    theirs = Store(store_location, actor="dr lee", workstation="room-2",
                   local=tmp_path / "room-2")
    pid = theirs.add_patient("Nora", "Newfoot", notes="first visit")
    window = MainWindow(mine)
    qtbot.addWidget(window)
    window.show()
    yield window, theirs, pid
    window.close()
    theirs.close()
    mine.close()


def answer(choice, seen):
    """Click ``choice`` on the next message box (its text goes into ``seen``)."""
    def click():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(f"{box.text()} {box.informativeText()}")
        next(b for b in box.buttons() if b.text() == choice).click()

    QTimer.singleShot(0, click)


def test_a_kiosk_scan_shows_in_the_open_queue_within_2_s(qtbot, desks):
    window, kiosk, _pid = desks
    window.tabs.setCurrentWidget(window.kiosk_view)
    table = window.kiosk_view.table
    assert window.kiosk_view.rows == []
    t0 = time.monotonic()
    kiosk.add_scan(load(SAMPLES / "static_normal.ofs"), kiosk_code="381907", kiosk_name="Jo",
                   source="kiosk")
    qtbot.waitUntil(lambda: len(window.kiosk_view.rows) == 1, timeout=ARRIVAL_MS)
    took = time.monotonic() - t0
    assert took < ARRIVAL_MS / 1000
    assert table.item(0, 1).text() == "Jo" and table.item(0, 2).text() == "381907"
    # An alert from the kiosk too.
    kiosk.log_event("alert", "kiosk", {"message": "the kiosk mat stopped answering"})
    qtbot.waitUntil(lambda: window.kiosk_view.alerts.count() == 1, timeout=ARRIVAL_MS)


def test_the_open_patients_history_follows_other_workstations(qtbot, desks):
    window, other, pid = desks
    view = window.patients
    view.show_patient(pid)
    assert view.history.topLevelItemCount() == 0
    vid = other.add_visit(pid)
    sid = other.add_scan(load(SAMPLES / "static_normal.ofs"), visit_id=vid, source="capture")
    t0 = time.monotonic()
    qtbot.waitUntil(lambda: view.history.topLevelItemCount() == 1 and
                    view.history.topLevelItem(0).childCount() == 1, timeout=ARRIVAL_MS)
    assert time.monotonic() - t0 < ARRIVAL_MS / 1000
    assert view.history.topLevelItem(0).child(0).text(0) == f"Scan {sid}"
    # The form follows a change of the patient made elsewhere while nothing is typed here.
    other.update_patient(pid, notes="seen in room 2")
    qtbot.waitUntil(lambda: view.form.notes.toPlainText() == "seen in room 2",
                    timeout=ARRIVAL_MS)
    assert view.version == other.patient(pid)["row_version"]


def test_the_compare_view_gains_a_trial_filed_elsewhere_and_keeps_the_chosen_pair(qtbot,
                                                                                 desks):
    window, other, pid = desks
    for day, sample in (("2026-01-10", "static_flat"), ("2026-02-10", "static_normal"),
                        ("2026-03-10", "static_cavus")):
        other.add_scan(load(SAMPLES / f"{sample}.ofs"), visit_id=other.add_visit(pid, day))
    window.patients.show_patient(pid)
    assert window.patient_id == pid
    view = window.compare_view
    qtbot.waitUntil(lambda: view.before.count() == 3, timeout=ARRIVAL_MS)
    view.before.setCurrentIndex(0)  # the clinician compares the first visit with the second
    view.after.setCurrentIndex(1)
    chosen = (view.before.currentData(), view.after.currentData())
    vid = other.add_visit(pid, "2026-04-10")
    other.add_scan(load(SAMPLES / "walk_normal.ofs"), visit_id=vid, source="capture")
    t0 = time.monotonic()
    qtbot.waitUntil(lambda: view.before.count() == 4, timeout=ARRIVAL_MS)
    assert time.monotonic() - t0 < ARRIVAL_MS / 1000
    assert (view.before.currentData(), view.after.currentData()) == chosen


def test_a_patient_saved_meanwhile_elsewhere_is_never_overwritten(qtbot, desks):
    window, other, pid = desks
    view = window.patients
    view.show_patient(pid)
    view.form.notes.setPlainText("my notes")  # typed here, not saved yet
    other.update_patient(pid, notes="their notes")
    qtbot.wait(800)  # their change arrives; the form keeps what is typed here
    assert view.form.notes.toPlainText() == "my notes"
    seen = []
    answer("Keep my changes", seen)
    qtbot.mouseClick(view.save, CLICK)
    qtbot.waitUntil(lambda: bool(seen))
    assert re.search(r"Nora Newfoot was changed by dr lee on room-2 at \d\d:\d\d", seen[0])
    assert other.patient(pid)["notes"] == "their notes"  # theirs stands
    assert view.form.notes.toPlainText() == "my notes"  # mine stay on screen, not saved
    assert "Not saved" in view.status.text()
    answer("Reload", seen)
    qtbot.mouseClick(view.save, CLICK)
    qtbot.waitUntil(lambda: len(seen) == 2)
    assert view.form.notes.toPlainText() == "their notes"
    # Reloaded: a save now goes through, from their version.
    view.form.notes.setPlainText("both of ours")
    qtbot.mouseClick(view.save, CLICK)
    stored = other.patient(pid)
    assert stored["notes"] == "both of ours" and stored["updated_by"] == "dr ames on room-1"
    assert len(seen) == 2  # no question this time


def test_a_proposal_saved_meanwhile_elsewhere_asks_before_anything_is_lost(qtbot, desks):
    window, other, pid = desks
    vid = other.add_visit(pid)
    sid = other.add_scan(load(SAMPLES / "static_normal.ofs"), visit_id=vid, source="capture")
    window.patients.show_patient(pid)
    window.open_scan(sid)
    view = window.proposal_view
    key = next(k for k in view.editors if k[2] == "degrees")
    view.editors[key].setValue(4.0)  # saved: the first proposal of this scan
    record = other.proposal_record(sid)
    assert record["row_version"] == 1 and window.proposal_version == 1
    # Room 2 opens it and saves theirs.
    original, edited = record["original"], record["edited"]
    theirs = _with_degrees(edited, key, 7.0)
    other.save_proposal(sid, original, theirs, expected_version=1)
    seen = []
    answer("Keep my changes", seen)
    view.editors[key].setValue(5.0)
    qtbot.waitUntil(lambda: bool(seen))
    assert f"The proposal of scan {sid} was changed by dr lee on room-2" in seen[0]
    assert _degrees(other.proposal_record(sid)["edited"], key) == 7.0
    assert view.editors[key].value() == 5.0  # mine on screen, not saved
    assert "not saved" in window.statusBar().currentMessage()
    view.editors[key].setValue(5.5)  # about the same save of theirs: not asked again
    qtbot.wait(200)
    assert len(seen) == 1 and _degrees(other.proposal_record(sid)["edited"], key) == 7.0
    # Someone saves once more: asked again; this time reload theirs.
    other.save_proposal(sid, original, _with_degrees(edited, key, 8.0), expected_version=2)
    answer("Reload", seen)
    view.editors[key].setValue(6.0)
    qtbot.waitUntil(lambda: len(seen) == 2)
    assert view.editors[key].value() == 8.0 and window.proposal_version == 3
    view.editors[key].setValue(9.0)
    assert _degrees(other.proposal_record(sid)["edited"], key) == 9.0
    assert other.proposal_record(sid)["updated_by"] == "dr ames on room-1"


def _element(proposal, key):
    side, kind, value = key
    foot = next(f for f in proposal["feet"] if f["side"] == side)
    return next(e for e in foot["elements"] if e["kind"] == kind), value


def _degrees(proposal, key):
    element, value = _element(proposal, key)
    return element["values"][value]


def _with_degrees(proposal, key, degrees):
    import copy

    out = copy.deepcopy(proposal)
    element, value = _element(out, key)
    element["values"][value] = degrees
    return out


def test_the_status_bar_says_the_store_is_connected(desks):
    window, _other, _pid = desks
    text = window.store_state.text()
    if window.store.on_server:
        assert text == "Clinic store: connected"
    else:
        assert text == "Clinic store: on this computer"
    assert window.store.location in window.store_state.toolTip()


# -- the server away: a desktop session across a restart ------------------------------------------

def test_a_desktop_keeps_working_while_the_server_is_away_and_files_the_capture(
        qtbot, private_pg, tmp_path):

    folder, url = private_pg
    store = Store(url, actor="dr ames", workstation="room-1", local=tmp_path / "room-1")
    kiosk = Store(url, actor="kiosk", workstation="waiting-room", local=tmp_path / "kiosk")
    pid = store.add_patient("Nora", "Newfoot")
    kiosk.add_scan(load(SAMPLES / "static_flat.ofs"), kiosk_code="111111", source="kiosk")
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    window.live.feed.retry_s = (0.3,)
    try:
        window.patients.show_patient(pid)
        window.kiosk_view.refresh()
        qtbot.waitUntil(lambda: window.live.feed.listening, timeout=5000)
        pgserver.pause(folder)
        before = dt.datetime.now().astimezone().strftime("%H:%M")
        qtbot.waitUntil(lambda: not window.live.online, timeout=5000)
        said = window.store_state.text()
        assert re.fullmatch(r"Clinic store: server not reachable since \d\d:\d\d \u2014 working on "
                            r"what is open; will reconnect", said), said
        assert said.split("since ")[1][:5] in (before,
                                              dt.datetime.now().astimezone().strftime("%H:%M"))
        # What is open stays open and usable.
        assert window.patients.form.first.text() == "Nora"
        assert len(window.kiosk_view.rows) == 1 and window.kiosk_view.table.rowCount() == 1
        window.patients.search.setText("New")  # search as you type: no traceback, a word
        assert "could not be searched" in window.patients.status.text()
        window.kiosk_view.refresh()
        assert window.kiosk_view.table.rowCount() == 1
        # A capture made now is analysed, shown and kept on this computer.
        rec = load(SAMPLES / "static_normal.ofs")
        window.capture_view.recorded.emit(rec)
        assert window.analysis is not None and window.scan_id is None
        assert len(window.live.outbox.waiting()) == 1
        assert window.store_state.text().endswith("\u00b7 1 capture waiting to be filed")
        assert "kept on this computer" in window.statusBar().currentMessage()
        window.resize(1280, 800)
        window.grab().save(str(tmp_path / "offline.png"))
        pgserver.resume(folder)
        qtbot.waitUntil(lambda: window.live.online and window.live.waiting == 0, timeout=15000)
        assert window.store_state.text() == "Clinic store: connected"
        (visit,) = store.visits(pid)
        assert [s["source"] for s in visit["scans"]] == ["capture"]
        assert window.patients.history.topLevelItem(0).childCount() == 1  # shown at once
        assert "Filed 1 capture" in window.statusBar().currentMessage()
        # And changes made elsewhere arrive again.
        kiosk.add_scan(load(SAMPLES / "balance_normal.ofs"), kiosk_code="222222",
                       source="kiosk")
        qtbot.waitUntil(lambda: len(window.kiosk_view.rows) == 2, timeout=ARRIVAL_MS)
    finally:
        window.close()
        kiosk.close()
        store.close()


def test_a_capture_kept_at_an_earlier_session_is_filed_at_the_start(qtbot, tmp_path):
    from orthofit.store.outbox import Outbox

    store = Store(tmp_path / "store")
    pid = store.add_patient("Nora", "Newfoot")
    Outbox(store.folder).keep(load(SAMPLES / "static_normal.ofs"), patient_id=pid)
    window = MainWindow(store)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.live.waiting == 0, timeout=3000)
    assert [len(v["scans"]) for v in store.visits(pid)] == [1]
    assert window.store_state.text() == "Clinic store: on this computer"
    window.close()
    store.close()
