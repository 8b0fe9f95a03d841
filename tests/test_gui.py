"""The desktop, driven through its real widgets (pytest-qt, offscreen)."""

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("PyQt6")
pytestqt = pytest.importorskip("pytestqt")

from PyQt6.QtCore import Qt  # noqa: E402

from orthofit.gui.app import MainWindow, demo_store  # noqa: E402
from orthofit.gui.compare import VERDICT_COLOURS  # noqa: E402
from orthofit.store import Store  # noqa: E402


@pytest.fixture
def window(qtbot, tmp_path):
    store = demo_store(tmp_path / "store")
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.show()
    return win


def test_add_a_patient_and_search_as_you_type(window, qtbot):
    view = window.patients
    qtbot.mouseClick(view.new, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(view.form.first, "Nora")
    qtbot.keyClicks(view.form.last, "Newfoot")
    qtbot.keyClicks(view.form.conditions, "diabetes")
    qtbot.mouseClick(view.save, Qt.MouseButton.LeftButton)
    stored = window.store.search_patients("Newfoot")
    assert stored and stored[0]["conditions"] == ["diabetes"]
    qtbot.keyClicks(view.search, "newf")
    assert view.list.count() == 1 and "Newfoot" in view.list.item(0).text()
    view.search.clear()
    assert view.list.count() == 5


def test_open_a_scan_edit_the_proposal_and_export(window, qtbot, tmp_path):
    pid = window.store.search_patients("Flatley")[0]["id"]
    window.patients.show_patient(pid)
    scan_id = window.store.visits(pid)[0]["scans"][0]["id"]
    window.open_scan(scan_id)
    analysis = window.analysis
    table = window.analysis_view.indices
    assert table.rowCount() > 10
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    arch = table.item(rows["Arch index"], 1).text()
    assert arch.startswith(f"{analysis.foot('left').metrics['arch_index']:.3f}")
    # The visit's three walk passes are analysed together: the feet get their classes.
    assert len(analysis.trials) == 3 and table.item(rows["Figures from (steps)"], 1).text() == \
        "5 from 3 trials"
    assert analysis.foot("left").classification["arch_type"] == "low"
    # Change the left rearfoot post from 5 to 6.5 degrees in its spin box.
    spin = window.proposal_view.editors[("left", "rearfoot_post", "degrees")]
    spin.setValue(6.5)
    element = window.proposal_view.proposal.foot("left").elements["rearfoot_post"]
    assert element.changed and element.values["degrees"] == 6.5
    original, edited = window.store.proposal(scan_id)
    assert edited["feet"][0]["elements"][2]["values"]["degrees"] == 6.5
    assert "(changed)" in window.proposal_view.reasons[("left", "rearfoot_post")].text()
    paths = window.export_reports(str(tmp_path))
    assert {p.name for p in paths} == {"report-clinician.pdf", "report-patient.pdf",
                                       "insoles.json", "insoles.svg"}
    assert window.store.summary()["counts"]["reports"] == 2
    window.proposal_view.reset_all()
    assert not window.proposal_view.proposal.foot("left").elements["rearfoot_post"].changed


def test_a_diabetic_patient_gets_the_offloading_rule(window):
    pid = window.store.search_patients("Archer")[0]["id"]
    window.patients.show_patient(pid)
    window.open_scan(window.store.visits(pid)[0]["scans"][0]["id"])
    off = window.proposal_view.proposal.foot("left").elements["offloading"]
    assert off.reason.rule == "diabetic-risk" and off.values["regions"]


@pytest.mark.parametrize("view", ["patients", "capture", "analysis", "proposal"])
def test_screenshot_of_each_view(tmp_path, view):
    out = tmp_path / "missing" / f"{view}.png"  # the folder is made
    proc = subprocess.run([sys.executable, "-m", "orthofit.cli", "gui", "--screenshot", str(out),
                           "--view", view, "--store", str(tmp_path / "s")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out}" in proc.stdout
    assert "propagateSizeHints" not in proc.stderr  # Qt's notes stay off the terminal
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000
    assert Store(tmp_path / "s").summary()["counts"]["patients"] == 4


def test_capture_from_the_emulator_lands_in_the_store(window, qtbot):
    pid = window.store.search_patients("Walker")[0]["id"]
    window.patients.show_patient(pid)
    before = window.store.summary()["counts"]["scans"]
    view = window.capture_view
    view.foot.setCurrentText("flat")
    qtbot.mouseClick(view.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.displayed > 3, timeout=15000)  # the live picture moves
    assert view.latest_kpa() is not None and view.latest_kpa().max() > 20
    assert "Hz" in view.health.text()
    from orthofit.io.checksum import file_sha256

    filed = []  # the SHA-256 of the file handed to the store, taken as it is handed over
    add_scan = window.store.add_scan

    def spy(rec, **kw):
        filed.append(file_sha256(kw["file"]) if kw.get("file") else None)
        return add_scan(rec, **kw)

    window.store.add_scan = spy
    qtbot.mouseClick(view.record_button, Qt.MouseButton.LeftButton)
    view.wait_for_capture(60)
    qtbot.waitUntil(lambda: window.store.summary()["counts"]["scans"] == before + 1,
                    timeout=15000)
    scans = [s for v in window.store.visits(pid) for s in v["scans"]]
    assert scans[-1]["mode"] == "static" and scans[-1]["frames"] == 150
    # The store holds the very bytes the capture wrote, and no copy is left in /tmp.
    assert filed == [scans[-1]["sha256"]]
    assert view._scan_path is not None and not view._scan_path.parent.exists()
    assert window.analysis.feet[0].classification["arch_type"] == "low"
    assert view.reader is None  # the mat is released after the capture


def test_a_missing_port_is_a_message_not_a_crash(window, qtbot):
    view = window.capture_view
    view.port.setEditText("/dev/does-not-exist")
    qtbot.mouseClick(view.connect_button, Qt.MouseButton.LeftButton)
    assert "cannot open the mat's port" in view.message.text()
    assert view.reader is None and not view.record_button.isEnabled()


def test_settings_are_stored_and_used(window, qtbot, tmp_path, monkeypatch):
    from PyQt6.QtWidgets import QMessageBox

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    view = window.settings_view
    view.clinic.setText("Foot Clinic Nord")
    view.thresholds.setCurrentText(str(tmp_path / "missing.toml"))
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)  # refused, with a message
    assert window.store.settings()["clinic_name"] == ""
    assert "missing.toml" in warnings[0]
    view.thresholds.setCurrentText("default")
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert window.store.settings()["clinic_name"] == "Foot Clinic Nord"
    assert "Foot Clinic Nord" in window.windowTitle()
    pid = window.store.search_patients("Walker")[0]["id"]
    window.patients.show_patient(pid)
    window.open_scan(window.store.visits(pid)[0]["scans"][0]["id"])
    paths = window.export_reports(str(tmp_path))
    from pypdf import PdfReader

    text = PdfReader(str(paths[0])).pages[0].extract_text()
    assert "Foot Clinic Nord" in text and "Alex Walker" in text


def test_compare_opens_on_the_demo_patients_two_visits(window):
    from orthofit.report.comparison import MEASURES, compare

    pid = window.store.search_patients("Archer")[0]["id"]
    window.patients.show_patient(pid)
    view = window.compare_view
    window.tabs.setCurrentWidget(view)  # the comparison is worked out when it is shown
    visits = window.store.visits(pid)
    first = tuple(s["id"] for s in visits[0]["scans"])
    assert len(visits) == 2 and len(first) == 2
    # The first visit's two walks together against the second visit's walk.
    assert view.before.currentData() == first
    assert view.after.currentData() == (visits[1]["scans"][0]["id"],)
    assert not view.warning.isVisibleTo(view)
    table = view.table
    assert table.rowCount() == len(MEASURES)
    before, after = window.analyse_scans(first), window.analyse_scans(view.after.currentData())
    changes = {(c.measure.label, c.side): c for c in compare(before, after)}
    for r in range(table.rowCount()):
        label = table.item(r, 0).text()
        for col, side in ((3, "left"), (6, "right")):
            change = changes[(label, side)]
            item = table.item(r, col)
            assert item.text().startswith(change.text("change"))
            colour = item.background().color()
            if change.verdict in ("better", "worse"):
                assert f"({change.verdict})" in item.text()
                assert colour == VERDICT_COLOURS[change.verdict]
            else:
                assert colour not in VERDICT_COLOURS.values()
    arch = changes[("Arch index", "left")]
    expected = after.foot("left").metrics["arch_index"] - before.foot("left").metrics["arch_index"]
    assert arch.change == pytest.approx(expected)


def test_compare_colours_changes_against_the_normal_range(window, monkeypatch):
    from types import SimpleNamespace

    def fake(mode, metrics):
        foot = SimpleNamespace(metrics=metrics, stats={})
        return SimpleNamespace(mode=mode, foot=lambda side: foot, recordings=[])

    before = fake("walk", {"arch_index": 0.30, "peak_pressure_kpa": 690.0, "cpei": 20.0,
                           "foot_length_mm": 250.0})
    after = fake("walk", {"arch_index": 0.27, "peak_pressure_kpa": 720.0, "cpei": 25.0,
                          "foot_length_mm": 251.0})
    window.patients.show_patient(window.store.search_patients("Archer")[0]["id"])
    view = window.compare_view
    first = view.before.itemData(0)
    view.analyse = lambda ids: before if tuple(ids) == tuple(first) else after
    view.before.setCurrentIndex(0)
    view.after.setCurrentIndex(view.after.count() - 1)
    view.refresh()
    rows = {view.table.item(r, 0).text(): r for r in range(view.table.rowCount())}

    def cell(label, col=3):
        item = view.table.item(rows[label], col)
        return item.text(), item.background().color()

    assert cell("Arch index") == ("-0.030 (better)", VERDICT_COLOURS["better"])
    assert cell("Peak pressure") == ("+30 kPa (worse)", VERDICT_COLOURS["worse"])
    text, colour = cell("CPEI")  # 20 -> 25 %: inside 14-28 % both times
    assert text == "+5.0 %" and colour not in VERDICT_COLOURS.values()
    assert cell("Arch index", 6)[0] == "-0.030 (better)"  # the same fake foot on the right
    assert cell("Foot length") == ("+1 mm", cell("Mean pressure")[1])  # no range: no colour


def test_compare_warns_when_a_walk_meets_a_standing_trial(window):
    from orthofit import load

    from conftest import SAMPLES

    pid = window.store.search_patients("Walker")[0]["id"]
    vid = window.store.add_visit(pid, "2099-01-01")
    window.store.add_scan(load(SAMPLES / "static_flat.ofs"), visit_id=vid)
    window.patients.show_patient(pid)
    view = window.compare_view
    window.tabs.setCurrentWidget(view)
    assert len(view.before.currentData()) == 3  # the first visit's three walks together
    assert view.warning.isVisibleTo(view)
    text = view.warning.text()
    assert "Before is a walk, after is a static (standing) trial" in text
    assert "cannot be compared" in text and "peak pressure" in text
    rows = {view.table.item(r, 0).text(): r for r in range(view.table.rowCount())}
    arch = view.table.item(rows["Arch index"], 3)
    assert arch.text() == "not comparable"
    assert arch.background().color() not in VERDICT_COLOURS.values()
    assert view.table.item(rows["Foot length"], 3).text().endswith(" mm")
    # Two walks of the first visit compare without a warning.
    view.after.setCurrentIndex(2)
    assert view.after.currentData() != view.before.currentData()
    assert not view.warning.isVisibleTo(view)


def test_a_damaged_scan_is_a_message_in_the_comparison(window, monkeypatch):
    from orthofit.store import StoreError

    def broken(ids):
        raise StoreError("scan 7: the file is damaged")

    pid = window.store.search_patients("Archer")[0]["id"]
    window.compare_view.analyse = broken
    window.patients.show_patient(pid)
    window.tabs.setCurrentWidget(window.compare_view)
    assert "Cannot compare: scan 7: the file is damaged" in window.compare_view.note.text()
    assert window.compare_view.table.rowCount() == 0


def tcp_mat(port=0, **faults):
    from orthofit.drivers.emulator import FaultSpec, MatEmulator, foot_model_frames
    from orthofit.io.profiles import load_mat_profile

    profile = load_mat_profile("ofp1-generic")
    frames = foot_model_frames(profile, "normal", "static", rate_hz=50.0).frames
    emulator = MatEmulator(profile, frames, rate_hz=50.0, faults=FaultSpec(**faults))
    host, port = emulator.start_tcp(port)
    return emulator, port


def test_countdown_then_unplug_keeps_the_frames_and_reconnects(window, qtbot):
    pid = window.store.search_patients("Stand")[0]["id"]
    window.patients.show_patient(pid)
    before = window.store.summary()["counts"]["scans"]
    emulator, port = tcp_mat(disconnect_at_s=2.5)
    view = window.capture_view
    view.port.setEditText(f"socket://127.0.0.1:{port}")
    qtbot.mouseClick(view.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.displayed > 3, timeout=10000)
    qtbot.mouseClick(view.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "to go" in view.message.text(), timeout=10000)  # the countdown
    qtbot.waitUntil(lambda: "unplugged during the recording" in view.message.text(),
                    timeout=20000)
    assert window.store.summary()["counts"]["scans"] == before + 1  # the partial scan is kept
    assert view.reconnect_timer.isActive()
    emulator.stop()
    back, _ = tcp_mat(port)  # the mat comes back on the same address
    try:
        qtbot.waitUntil(lambda: "The mat is back" in view.message.text(), timeout=15000)
        qtbot.waitUntil(lambda: view.displayed > 10, timeout=10000)
    finally:
        view.disconnect_mat()
        back.stop()


def test_analysis_maps_steps_and_masks(window):
    pid = window.store.search_patients("Walker")[0]["id"]
    window.patients.show_patient(pid)
    window.open_scan(window.store.visits(pid)[0]["scans"][0]["id"])
    view = window.analysis_view
    left = view.plots[0]
    peak = left.values.copy()
    view.kind.setCurrentIndex(2)  # contact time, in seconds
    contact = left.values
    assert contact.max() < 1.0 < peak.max()  # a step lasts ~0.65 s; pressures are hundreds
    view.masks.setChecked(True)
    assert len(left.mask_lines) >= 8
    assert view.step.maximum() == 5  # the left foot took five steps in the visit's 3 passes
    view.kind.setCurrentIndex(0)
    view.step.setValue(2)
    second = left.values
    assert second.shape != peak.shape or not np.array_equal(second, peak)


def test_unticking_a_trial_leaves_it_out(window):
    pid = window.store.search_patients("Flatley")[0]["id"]
    window.patients.show_patient(pid)
    scans = [s["id"] for s in window.store.visits(pid)[0]["scans"]]
    window.open_scan(scans[0])
    view = window.analysis_view
    assert view.trials.isVisibleTo(view) and view.trials.count() == 3
    assert view.ticked_trials() == scans
    assert [len(f.used_steps) for f in window.analysis.feet] == [5, 4]
    view.trials.item(1).setCheckState(Qt.CheckState.Unchecked)  # the second pass
    assert view.ticked_trials() == [scans[0], scans[2]]
    assert len(window.analysis.trials) == 2
    assert [len(f.used_steps) for f in window.analysis.feet] == [4, 2]
    # With two steps the right foot's class is not stated, and the screen says why.
    right = window.analysis.foot("right").classification
    assert right["pronation"] == "uncertain"
    assert "record more steps" in view.summary.text()
    # ...and the proposal posts nothing for it, saying why.
    assert window.proposal_view.proposal.foot("right").elements["rearfoot_post"].describe() == \
        "none"
    assert "No posting is proposed for the right foot" in window.proposal_view.notes.text()
    # The last ticked trial cannot be unticked: something is always analysed.
    view.trials.item(0).setCheckState(Qt.CheckState.Unchecked)
    view.trials.item(2).setCheckState(Qt.CheckState.Unchecked)
    assert view.ticked_trials() == [scans[2]]


def test_live_view_draws_the_feet_outline(window, qtbot):
    view = window.capture_view
    qtbot.mouseClick(view.connect_button, Qt.MouseButton.LeftButton)
    try:
        qtbot.waitUntil(lambda: view.displayed > 3, timeout=15000)
        x, y = view.outline.getData()
        assert x is not None and np.isnan(x).sum() >= 2  # separate contours (two feet, toes)
        assert np.nanmax(x) > np.nanmin(x) + 200  # spans both feet, in mm
    finally:
        view.disconnect_mat()


def test_standing_trial_shows_balance(window):
    pid = window.store.search_patients("Stand")[0]["id"]
    window.patients.show_patient(pid)
    window.open_scan(window.store.visits(pid)[0]["scans"][0]["id"])
    table = window.analysis_view.balance
    labels = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert "Load left / right" in labels and "95 % ellipse area" in labels
    x, _ = window.analysis_view.plots[0].thirds.getData()
    assert x is not None and np.isnan(x).sum() == 2  # two thirds lines


def test_the_pressure_scale_setting_is_checked_with_a_clear_message(window, monkeypatch):
    from PyQt6.QtWidgets import QMessageBox

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    view = window.settings_view
    assert view.scale_mode.currentIndex() == 0 and view.scale_max.text() == "800"
    for typed, says in (("5000", "5000 kPa is not between 50 and 3000 kPa"),
                        ("lots", "expected 'per trial' or a maximum in kPa"),
                        ("", "type the top of the clinic's pressure scale in kPa")):
        view.scale_max.setText(typed)
        view.save()
        assert says in warnings[-1]
        assert window.store.settings()["pressure_scale"] == "800"  # nothing was saved
    view.scale_max.setText("650 kPa")
    view.contact.setPlainText("Foot Clinic Nord\nHarbour Street 4\n+49 40 123456")
    view.save()
    stored = window.store.settings()
    assert stored["pressure_scale"] == "650"
    assert stored["clinic_contact"] == "Foot Clinic Nord\nHarbour Street 4\n+49 40 123456"
    assert window.scale.max_kpa == 650.0 and window.report_info()["pressure_scale"] == window.scale
    view.scale_mode.setCurrentIndex(1)
    assert not view.scale_max.isEnabled()
    view.save()
    assert window.store.settings()["pressure_scale"] == "per trial"
    assert window.scale.max_kpa is None


def test_a_bad_stored_scale_falls_back_with_a_message(qtbot, tmp_path):
    store = demo_store(tmp_path / "store")
    store.set_settings(pressure_scale="huge")
    win = MainWindow(store)
    qtbot.addWidget(win)
    assert win.scale.max_kpa == 800.0
    assert "using the clinic scale of 800 kPa" in win.statusBar().currentMessage()


def test_weight_and_referrer_are_kept_and_checked(window, qtbot, monkeypatch):
    from PyQt6.QtWidgets import QMessageBox

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    view = window.patients
    qtbot.mouseClick(view.new, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(view.form.first, "Nora")
    qtbot.keyClicks(view.form.last, "Newfoot")
    qtbot.keyClicks(view.form.weight, "500")
    qtbot.mouseClick(view.save, Qt.MouseButton.LeftButton)
    assert "weight 500 kg is not between 20 and 300 kg" in warnings[-1]
    assert not window.store.search_patients("Newfoot")
    view.form.weight.setText("72,5")  # a decimal comma as typed in much of Europe
    qtbot.keyClicks(view.form.referrer, "Dr. Lind (GP)")
    qtbot.mouseClick(view.save, Qt.MouseButton.LeftButton)
    stored = window.store.search_patients("Newfoot")[0]
    assert stored["weight_kg"] == 72.5 and stored["referrer"] == "Dr. Lind (GP)"
    view.show_patient(stored["id"])
    assert view.form.weight.text() == "72.5" and view.form.referrer.text() == "Dr. Lind (GP)"
    view.form.weight.clear()  # not known any more
    qtbot.mouseClick(view.save, Qt.MouseButton.LeftButton)
    assert window.store.patient(stored["id"])["weight_kg"] is None


def test_the_reports_get_the_patient_the_contact_and_the_scale(window, tmp_path):
    from orthofit.report.scale import PressureScale

    window.store.set_settings(clinic_contact="Harbour Street 4\n+49 40 123456")
    pid = window.store.search_patients("Archer")[0]["id"]
    window.patients.show_patient(pid)
    window.open_scan(window.store.visits(pid)[0]["scans"][0]["id"])
    info = window.report_info()
    assert info["patient"] == {"name": "Robin Archer", "birth_date": "1976-11-23",
                               "weight_kg": 91.0, "shoe_size": "44",
                               "referrer": "Diabetes clinic", "conditions": ["diabetes"]}
    assert info["clinic_contact"] == "Harbour Street 4\n+49 40 123456"
    assert info["pressure_scale"] == PressureScale(800.0) and info["diabetic"] is True
    assert info["patient_name"] == "Robin Archer"
    walker = window.store.search_patients("Walker")[0]["id"]
    window.patients.show_patient(walker)
    window.open_scan(window.store.visits(walker)[0]["scans"][0]["id"])
    info = window.report_info()
    assert info["diabetic"] is False and "referrer" not in info["patient"]
    paths = window.export_reports(str(tmp_path))
    assert paths and paths[0].exists()


def test_browsing_patients_does_not_analyse_until_the_comparison_is_shown(window):
    calls = []
    real = window.compare_view.analyse
    window.compare_view.analyse = lambda ids: calls.append(ids) or real(ids)
    for name in ("Archer", "Walker", "Archer"):
        window.patients.show_patient(window.store.search_patients(name)[0]["id"])
    assert calls == []
    window.tabs.setCurrentWidget(window.compare_view)
    assert len(calls) == 2 and window.compare_view.table.rowCount() > 0
