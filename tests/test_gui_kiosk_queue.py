"""The kiosk queue, kiosk codes and the kiosk PIN on the desktop (pytest-qt, offscreen)."""

import datetime as dt
import subprocess
import sys

import pytest

pytest.importorskip("PyQt6")
pytestqt = pytest.importorskip("pytestqt")

from PyQt6.QtCore import Qt  # noqa: E402
from PyQt6.QtWidgets import (  # noqa: E402
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QTableWidget,
    QWidget,
)

from orthofit.gui.app import MainWindow, demo_store  # noqa: E402
from orthofit.io.load import load  # noqa: E402
from orthofit.kiosk.pin import hash_pin, lock_seconds, verify_pin  # noqa: E402
from orthofit.store import Store  # noqa: E402

from conftest import SAMPLES  # noqa: E402

CLICK = Qt.MouseButton.LeftButton
PIN_HASH = hash_pin("246810")  # once: a PIN hash costs half a second on purpose


@pytest.fixture
def window(qtbot, tmp_path):
    """A main window on a small store: two patients, an empty kiosk queue."""
    store = Store(tmp_path / "store", actor="test")
    store.add_patient("Nora", "Newfoot")
    store.add_patient("Ben", "Archer")
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.show()
    return win


def pid_of(store, last_name):
    return store.search_patients(last_name)[0]["id"]


def kiosk_scan(store, code="123456", name="Jo", sample="balance_normal.ofs"):
    return store.add_scan(load(SAMPLES / sample), kiosk_code=code, kiosk_name=name,
                          source="kiosk")


def show_kiosk_tab(window):
    window.tabs.setCurrentWidget(window.kiosk_view)  # showing the tab refreshes the queue
    return window.kiosk_view


def row_texts(table, row):
    return [table.item(row, c).text() for c in range(table.columnCount())]


@pytest.fixture
def messages(monkeypatch):
    """Message boxes answered at once; their texts collected by kind."""
    seen = {"warning": [], "information": [], "question": []}
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: seen["warning"].append(a[2]))
    monkeypatch.setattr(QMessageBox, "information",
                        lambda *a, **k: seen["information"].append(a[2]))
    seen["answer"] = QMessageBox.StandardButton.No

    def question(*a, **k):
        seen["question"].append(a[2])
        return seen["answer"]

    monkeypatch.setattr(QMessageBox, "question", question)
    return seen


def test_the_queue_shows_a_kiosk_scan(window):
    scan_id = kiosk_scan(window.store)
    view = show_kiosk_tab(window)
    assert view.table.rowCount() == 1 and not view.table.isHidden()
    recorded, name, code, mode, frames, issued = row_texts(view.table, 0)
    row = window.store.kiosk_queue()[0]
    local = dt.datetime.fromisoformat(row["recorded"]).astimezone().strftime("%Y-%m-%d %H:%M")
    assert recorded == local and "+00:00" not in recorded  # local time, not the stored UTC
    assert (name, code, mode, frames) == ("Jo", "123456", row["mode"], str(row["frames"]))
    assert issued == "made at the kiosk"
    assert view.selected()["id"] == scan_id
    # Nobody chosen yet: the first button cannot attach, and says why.
    assert not view.attach_current.isEnabled()
    assert "Choose a patient" in view.attach_current.toolTip()
    assert not view.attach_issued.isEnabled()  # the kiosk made the code up


def test_an_empty_queue_says_so(window):
    view = show_kiosk_tab(window)
    assert view.table.rowCount() == 0 and view.table.isHidden() and not view.empty.isHidden()
    assert not view.open_button.isEnabled()


def test_attach_to_the_chosen_patient_files_it_under_today(window, qtbot):
    scan_id = kiosk_scan(window.store)
    pid = pid_of(window.store, "Newfoot")
    window.patients.show_patient(pid)
    view = show_kiosk_tab(window)
    assert view.attach_current.text() == "Attach to Nora Newfoot"
    assert view.attach_current.isEnabled()
    with qtbot.waitSignal(view.attached, timeout=2000) as signal:
        qtbot.mouseClick(view.attach_current, CLICK)
    assert signal.args == [pid]
    visits = window.store.visits(pid)
    assert len(visits) == 1 and visits[0]["date"] == dt.date.today().isoformat()
    assert [s["id"] for s in visits[0]["scans"]] == [scan_id]
    assert window.store.kiosk_queue() == [] and view.table.rowCount() == 0
    assert "Nora Newfoot" in view.status.text()
    # The patients view shows the new scan under the visit.
    top = window.patients.history.topLevelItem(0)
    assert top.childCount() == 1 and top.child(0).text(0) == f"Scan {scan_id}"


def test_attach_reuses_todays_visit(window, qtbot):
    pid = pid_of(window.store, "Newfoot")
    vid = window.store.add_visit(pid)
    first, second = kiosk_scan(window.store, "111111"), kiosk_scan(
        window.store, "222222", sample="static_flat.ofs")
    window.patients.show_patient(pid)
    view = show_kiosk_tab(window)
    for _ in range(2):
        qtbot.mouseClick(view.attach_current, CLICK)
    visits = window.store.visits(pid)
    assert [v["id"] for v in visits] == [vid]  # no second visit for the same day
    assert sorted(s["id"] for s in visits[0]["scans"]) == sorted([first, second])


def test_a_code_issued_for_a_patient_attaches_to_that_patient(window, qtbot):
    store = window.store
    archer = pid_of(store, "Archer")
    code = store.issue_kiosk_code(archer)
    scan_id = kiosk_scan(store, code, name="Ben")
    window.patients.show_patient(pid_of(store, "Newfoot"))  # someone else is on screen
    view = show_kiosk_tab(window)
    assert row_texts(view.table, 0)[-1] == "issued for Ben Archer"
    assert view.attach_issued.isEnabled()
    with qtbot.waitSignal(view.attached, timeout=2000) as signal:
        qtbot.mouseClick(view.attach_issued, CLICK)
    assert signal.args == [archer]
    assert [s["id"] for v in store.visits(archer) for s in v["scans"]] == [scan_id]
    assert store.visits(pid_of(store, "Newfoot")) == []
    assert window.patients.current == archer  # the window now shows the scan's patient
    assert view.attach_current.text() == "Attach to Ben Archer"


def test_attaching_another_patients_code_to_the_chosen_one_asks_first(window, qtbot,
                                                                      messages):
    store = window.store
    code = store.issue_kiosk_code(pid_of(store, "Archer"))
    scan_id = kiosk_scan(store, code)
    nora = pid_of(store, "Newfoot")
    window.patients.show_patient(nora)
    view = show_kiosk_tab(window)
    qtbot.mouseClick(view.attach_current, CLICK)  # answered No
    assert "issued for Ben Archer" in messages["question"][0]
    assert [r["id"] for r in store.kiosk_queue()] == [scan_id]
    messages["answer"] = QMessageBox.StandardButton.Yes
    qtbot.mouseClick(view.attach_current, CLICK)
    assert [s["id"] for v in store.visits(nora) for s in v["scans"]] == [scan_id]


def test_a_scan_attached_elsewhere_gives_a_message(window, qtbot, messages):
    store = window.store
    scan_id = kiosk_scan(store)
    pid = pid_of(store, "Newfoot")
    window.patients.show_patient(pid)
    view = show_kiosk_tab(window)
    store.attach_scan(scan_id, store.add_visit(pid_of(store, "Archer")))  # another desktop
    qtbot.mouseClick(view.attach_current, CLICK)
    assert messages["warning"] and "not waiting in the kiosk queue" in messages["warning"][0]
    assert view.table.rowCount() == 0  # the queue was read again


def test_open_analyses_the_scan_and_keeps_it_queued(window, qtbot):
    scan_id = kiosk_scan(window.store)
    view = show_kiosk_tab(window)
    qtbot.mouseClick(view.open_button, CLICK)
    assert window.scan_id == scan_id and window.analysis is not None
    assert window.tabs.currentWidget() is window.analysis_view
    assert [r["id"] for r in window.store.kiosk_queue()] == [scan_id]


def test_a_damaged_scan_file_is_a_message(window, qtbot, messages):
    scan_id = kiosk_scan(window.store)
    path = window.store.scan_path(window.store.kiosk_queue()[0]["sha256"])
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    view = show_kiosk_tab(window)
    qtbot.mouseClick(view.open_button, CLICK)
    assert "does not match its checksum" in messages["warning"][0]
    assert window.scan_id != scan_id


def test_kiosk_alerts_are_listed(window):
    view = show_kiosk_tab(window)
    assert view.alerts.count() == 0 and not view.no_alerts.isHidden()
    window.store.log_event("alert", "kiosk", {"message": "the kiosk mat stopped answering"})
    window.store.log_event("discard", "kiosk", {"message": "not an alert"})
    view.refresh_button.click()
    assert view.alerts.count() == 1 and view.no_alerts.isHidden()
    text = view.alerts.item(0).text()
    assert text.endswith("the kiosk mat stopped answering")
    assert text[:4].isdigit()  # the time comes first


def test_the_queue_is_read_when_its_tab_is_shown(window):
    view = show_kiosk_tab(window)
    assert view.table.rowCount() == 0
    window.tabs.setCurrentWidget(window.patients)
    kiosk_scan(window.store)  # the kiosk files a scan meanwhile
    show_kiosk_tab(window)
    assert view.table.rowCount() == 1


def test_show_patient_none_disables_attach(window):
    kiosk_scan(window.store)
    view = show_kiosk_tab(window)
    view.show_patient(pid_of(window.store, "Newfoot"))
    assert view.attach_current.isEnabled()
    view.show_patient(None)
    assert not view.attach_current.isEnabled() and view.attach_current.toolTip()


def test_the_demo_has_a_kiosk_scan(qtbot, tmp_path):
    store = demo_store(tmp_path / "demo")
    win = MainWindow(store)
    qtbot.addWidget(win)
    view = show_kiosk_tab(win)
    assert view.table.rowCount() == 1
    assert row_texts(view.table, 0)[1] == "Jo"
    assert row_texts(view.table, 0)[-1] == "issued for Jo Stand"


def test_kiosk_code_for_a_patient(window, qtbot, messages):
    view = window.patients
    assert not view.kiosk_code.isEnabled()  # nobody shown yet
    pid = pid_of(window.store, "Newfoot")
    view.show_patient(pid)
    qtbot.mouseClick(view.kiosk_code, CLICK)
    box = view._code_box
    text = box.text()
    assert "Give this code to the patient" in text
    code = window.store.audit_trail(1)[0]["detail"]["code"]
    assert f"{code[:3]} {code[3:]}" in text
    assert window.store.kiosk_code_patient(code) == pid
    box.close()
    view.new_patient()
    assert not view.kiosk_code.isEnabled()


def test_the_printed_slip_carries_the_code_and_nothing_personal(window, monkeypatch):
    import io

    from pypdf import PdfReader
    from PyQt6.QtGui import QDesktopServices

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url))
    window.store.set_settings(clinic_name="Riverside Podiatry")
    view = window.patients
    view.show_patient(pid_of(window.store, "Newfoot"))
    path = view.print_slip("381907")
    assert opened and opened[0].toLocalFile() == str(path)
    assert path.stat().st_mode & 0o777 == 0o600
    page = PdfReader(io.BytesIO(path.read_bytes())).pages[0]
    fonts = [f.get_object() for f in page["/Resources"]["/Font"].values()]
    assert fonts and all("/FontFile2" in f["/FontDescriptor"].get_object() for f in fonts)
    text = page.extract_text()
    assert "381 907" in text and "Riverside Podiatry" in text and "tap Start" in text
    assert "Nora" not in text and "Newfoot" not in text


def widget_texts(root):
    """Every text a user could see or read out of the window's widgets."""
    out = []
    for w in [root, *root.findChildren(QWidget)]:
        out += [w.toolTip(), w.windowTitle()]
        if isinstance(w, QLineEdit):
            out += [w.text(), w.placeholderText(), w.displayText()]
        elif isinstance(w, QLabel | QAbstractButton):
            out.append(w.text())
        elif isinstance(w, QComboBox):
            out += [w.itemText(i) for i in range(w.count())]
        elif isinstance(w, QListWidget):
            out += [w.item(i).text() for i in range(w.count())]
        elif isinstance(w, QTableWidget):
            out += [w.item(r, c).text() for r in range(w.rowCount())
                    for c in range(w.columnCount()) if w.item(r, c) is not None]
    return out


def test_setting_the_kiosk_pin_stores_a_hash(window, qtbot, messages):
    view = window.settings_view
    window.tabs.setCurrentWidget(view)
    assert "No kiosk PIN is set" in view.pin_state.text()
    assert view.pin.echoMode() == QLineEdit.EchoMode.Password
    qtbot.keyClicks(view.pin, "246810")
    qtbot.keyClicks(view.pin_repeat, "246810")
    qtbot.mouseClick(view.save_button, CLICK)
    stored = window.store.settings()["kiosk_pin"]
    assert stored.startswith("scrypt$131072$8$1$") and "246810" not in stored
    assert verify_pin("246810", stored) and not verify_pin("135791", stored)
    assert view.pin.text() == "" and view.pin_repeat.text() == ""
    assert "A kiosk PIN is set" in view.pin_state.text()
    texts = "\n".join(widget_texts(window))
    assert "A kiosk PIN is set" in texts and "Repeat the kiosk PIN" in texts  # texts were read
    for part in (stored, *stored.split("$")[4:]):  # the hash, its salt, its digest
        assert part not in texts
    # Saving again with the fields empty keeps the PIN.
    view.clinic.setText("Foot Clinic Nord")
    qtbot.mouseClick(view.save_button, CLICK)
    assert window.store.settings()["kiosk_pin"] == stored
    assert window.store.settings()["clinic_name"] == "Foot Clinic Nord"
    assert messages["warning"] == []


@pytest.mark.parametrize("pin, repeat, why", [("246810", "246811", "not the same"),
                                              ("246810", "", "not the same"),
                                              ("12a456", "12a456", "6 to 12 digits"),
                                              ("123", "123", "6 to 12 digits"),
                                              ("2468", "2468", "6 to 12 digits")])
def test_a_bad_kiosk_pin_stores_nothing(window, qtbot, messages, pin, repeat, why):
    view = window.settings_view
    view.clinic.setText("Not saved either")
    qtbot.keyClicks(view.pin, pin)
    qtbot.keyClicks(view.pin_repeat, repeat)
    qtbot.mouseClick(view.save_button, CLICK)
    assert why in messages["warning"][0]
    assert window.store.settings()["kiosk_pin"] == ""
    assert window.store.settings()["clinic_name"] == ""
    assert "No kiosk PIN is set" in view.pin_state.text()


def test_screenshot_of_the_kiosk_view(tmp_path):
    out = tmp_path / "kiosk.png"
    proc = subprocess.run([sys.executable, "-m", "orthofit.cli", "gui", "--screenshot", str(out),
                           "--view", "kiosk", "--store", str(tmp_path / "s")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes().startswith(b"\x89PNG")
    assert len(Store(tmp_path / "s").kiosk_queue()) == 1


def test_a_queued_scan_is_nobodys_until_attached(window, qtbot):
    # The chosen patient (diabetic) must not lend their name or conditions to a kiosk scan.
    from orthofit.io.load import load

    store = window.store
    ben = pid_of(store, "Archer")
    store.update_patient(ben, conditions=["diabetes"])
    window.patients.show_patient(ben)
    window._patient_selected(ben)
    queued = store.add_scan(load(SAMPLES / "static_normal.ofs"), kiosk_code="123456",
                            kiosk_name="Jo", source="kiosk")
    window.open_scan(queued)
    assert window._patient_name() is None and window._diabetic() is False
    store.attach_scan(queued, store.visit_today(ben))
    window.open_scan(queued)
    assert window._patient_name() == "Ben Archer" and window._diabetic() is True


def test_a_new_patient_form_chooses_nobody(window):
    ben = pid_of(window.store, "Archer")
    window.patients.show_patient(ben)
    assert window.patient_id == ben and window.kiosk_view.patient_id == ben
    window.patients.new_patient()
    assert window.patient_id is None and window.kiosk_view.patient_id is None


def test_times_are_shown_in_local_time(monkeypatch):
    import time

    from orthofit.gui.timefmt import local_time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        assert local_time("2026-11-21T07:05:00+00:00") == "2026-11-21 08:05"  # CET, +1 h
        assert local_time("2026-07-01T23:30:00+00:00") == "2026-07-02 01:30"  # CEST, +2 h
        assert local_time("not a time") == "not a time"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_the_queue_says_when_the_kiosk_pin_should_be_changed(window):
    import hashlib

    view = show_kiosk_tab(window)
    assert view.pin_advice.isHidden()  # no PIN yet: the settings view says so
    window.store.set_settings(kiosk_pin="scrypt$16384$8$1$00$" + hashlib.sha256().hexdigest())
    view.refresh_button.click()
    assert not view.pin_advice.isHidden()
    assert "at least 6 digits" in view.pin_advice.text()
    window.store.set_settings(kiosk_pin=PIN_HASH)
    view.refresh_button.click()
    assert view.pin_advice.isHidden()


def test_settings_say_an_old_pin_should_be_changed_and_a_new_one_lifts_the_lock(window, qtbot):
    import hashlib

    view = window.settings_view
    window.store.set_settings(kiosk_pin="scrypt$16384$8$1$00$" + hashlib.sha256().hexdigest())
    for _ in range(5):
        window.store.record_pin_attempt(False, lock_s=lock_seconds)
    assert window.store.pin_lockout()["locked_until"] > 0
    view.load()
    assert "at least 6 digits" in view.pin_state.text()
    qtbot.keyClicks(view.pin, "864201")
    qtbot.keyClicks(view.pin_repeat, "864201")
    qtbot.mouseClick(view.save_button, CLICK)
    assert verify_pin("864201", window.store.settings()["kiosk_pin"])
    assert window.store.pin_lockout() == {"failures": 0, "locked_until": 0.0}
    assert "A kiosk PIN is set" in view.pin_state.text()
