"""The desktop's pressure maps: colour bars, scales, region labels, thirds, live load, fit."""

import numpy as np
import pytest

pytest.importorskip("PyQt6")
pytestqt = pytest.importorskip("pytestqt")

from PyQt6.QtGui import QFontMetrics  # noqa: E402
from PyQt6.QtWidgets import QApplication  # noqa: E402

from orthofit.analysis.masks import MASK_NAMES  # noqa: E402
from orthofit.gui.app import MainWindow, analysed_message, demo_store  # noqa: E402
from orthofit.gui.capture import GRAVITY, live_load  # noqa: E402
from orthofit.report.scale import PressureScale  # noqa: E402

SHORT = ("MH", "LH", "MF", "M1", "M2", "M3", "M4", "M5", "H", "T")


@pytest.fixture
def window(qtbot, tmp_path):
    win = MainWindow(demo_store(tmp_path / "store"))
    qtbot.addWidget(win)
    win.show()
    return win


def open_first_scan(window, name):
    pid = window.store.search_patients(name)[0]["id"]
    window.patients.show_patient(pid)
    window.open_scan(window.store.visits(pid)[0]["scans"][0]["id"])
    return window.analysis_view


def bar_label(bar):
    return bar.axis.labelText


def test_the_analysis_maps_have_a_kpa_colour_bar_on_the_clinic_scale(window):
    view = open_first_scan(window, "Walker")
    assert window.store.settings()["pressure_scale"] == "800"
    assert view.bar.isVisible() and bar_label(view.bar) == "Peak pressure (kPa)"
    assert view.bar_range() == (0.0, 800.0)
    assert "clinic scale 0-800 kPa" in view.scale_note.text()
    # The bar drives both feet's pictures: the same levels and the reports' colours.
    for plot in view.plots:
        assert tuple(plot.image.levels) == (0.0, 800.0)
    view.kind.setCurrentIndex(2)  # contact time has its own scale, in seconds
    top = max(float(p.values.max()) for p in view.plots if p.isVisible())
    assert bar_label(view.bar) == "Contact time (s)"
    assert view.bar_range() == pytest.approx((0.0, top))


def test_per_trial_scales_to_the_trials_peak(window, qtbot):
    settings = window.settings_view
    settings.scale_mode.setCurrentIndex(1)  # per trial
    settings.save()
    assert window.store.settings()["pressure_scale"] == "per trial"
    view = open_first_scan(window, "Walker")
    peak = max(float(p.values.max()) for p in view.plots if p.isVisible())
    assert 300 < peak < 800 and view.bar_range() == pytest.approx((0.0, peak))
    assert "scaled to this trial's peak" in view.scale_note.text()
    settings.scale_mode.setCurrentIndex(0)
    settings.scale_max.setText("600")
    settings.save()
    assert view.bar_range() == (0.0, 600.0)  # the shown analysis is redrawn at once


def test_region_peaks_are_labelled_on_each_foot(window):
    view = open_first_scan(window, "Walker")
    for plot in view.plots:
        fm = plot.foot_map
        labels = {item.toPlainText().split("\n")[0]: item.toPlainText().split("\n")[1]
                  for item in plot.labels}
        assert set(labels) <= set(SHORT) and {"MH", "LH", "M1", "M5", "H"} <= set(labels)
        for short, text in labels.items():
            k = SHORT.index(short)
            inside = plot.values[fm.mask_index == k]
            assert text == f"{inside.max():.0f}", MASK_NAMES[k]
    view.peaks.setChecked(False)
    assert all(not p.labels for p in view.plots)


def test_a_diabetic_patients_high_peaks_are_marked(window):
    view = open_first_scan(window, "Archer")  # diabetic, high arch: peaks over 700 kPa
    marked = [item for p in view.plots for item in p.labels
              if item.color.getRgb()[:3] == (180, 0, 0)]
    assert marked and all(float(i.toPlainText().split("\n")[1]) >= 700 for i in marked)
    assert "diabetic-risk peak of 700 kPa" in view.scale_note.text()


def test_the_thirds_lines_stay_on_the_print(window):
    view = open_first_scan(window, "Stand")
    for plot in view.plots:
        x, y = plot.thirds.getData()
        x0, y0, x1, y1 = plot.foot_map.print_box_mm
        reach = 3.0 + max(plot.foot_map.pitch_mm)  # the overhang and half a sensel's slack
        ends = np.isfinite(x)
        assert ends.sum() == 4  # two lines
        assert (x[ends] >= x0 - reach).all() and (x[ends] <= x1 + reach).all()
        assert (y[ends] >= y0 - reach).all() and (y[ends] <= y1 + reach).all()
        # ...and across most of the print's width, not a stub.
        widths = np.hypot(x[ends][1::2] - x[ends][::2], y[ends][1::2] - y[ends][::2])
        assert (widths > 0.4 * (x1 - x0)).all()


def test_the_feet_fit_their_frame_at_1024_by_768(window, qtbot):
    window.resize(1024, 768)
    view = open_first_scan(window, "Flatley")
    window.tabs.setCurrentWidget(view)
    QApplication.processEvents()
    assert window.width() == 1024  # no minimum width pushes the window wider
    maps = view.maps
    area = maps.viewport().rect()
    for item in [*(p for p in view.plots if p.isVisible()), view.bar]:
        box = maps.mapFromScene(item.sceneBoundingRect()).boundingRect()
        assert area.contains(box), (item, box, area)
    # Both feet at one millimetre scale: the same window in mm, the same width in pixels.
    left, right = view.plots
    assert left.vb.viewRange() and left.vb.width() == pytest.approx(right.vb.width(), abs=1)
    lw = np.diff(left.vb.viewRange()[0])[0]
    rw = np.diff(right.vb.viewRange()[0])[0]
    assert lw == pytest.approx(rw, rel=0.01)


def text_width(item):
    """Pixels the item's text needs in its own font (bold for a flagged value)."""
    return QFontMetrics(item.font()).horizontalAdvance(item.text())


@pytest.mark.parametrize("name", ["Flatley", "Stand"])
def test_the_tables_fit_at_1024_by_768(window, name):
    window.resize(1024, 768)
    view = open_first_scan(window, name)
    window.tabs.setCurrentWidget(view)
    QApplication.processEvents()
    tables = [t for t in (view.indices, view.findings, view.gait, view.balance)
              if t.isVisibleTo(view)]
    assert view.indices in tables and len(tables) >= 3
    for table in tables:
        assert not table.horizontalScrollBar().isVisible()
        assert not table.verticalScrollBar().isVisible()
        header = table.horizontalHeader()
        used = sum(table.columnWidth(c) for c in range(table.columnCount()))
        assert used <= table.viewport().width()  # no column runs off the right edge
        for c in range(table.columnCount()):
            title = table.horizontalHeaderItem(c).text()
            assert table.columnWidth(c) >= header.sectionSizeHint(c), title
            assert table.columnWidth(c) >= header.fontMetrics().horizontalAdvance(title) + 6
            for r in range(table.rowCount()):
                assert table.columnWidth(c) >= text_width(table.item(r, c)) + 6, \
                    (title, table.item(r, c).text())
        # Every row is inside the widget: the table does not scroll inside itself.
        rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
        assert table.viewport().height() >= rows
    normal = view.indices.horizontalHeaderItem(3).text()
    assert normal == "Normal range"


def test_the_status_bar_counts_feet_and_steps_in_words(window):
    open_first_scan(window, "Archer")
    assert window.statusBar().currentMessage() == "2 feet analysed, 6 steps from 2 trials"
    open_first_scan(window, "Stand")
    assert window.statusBar().currentMessage() == "2 feet analysed, 2 prints from 1 trial"
    from types import SimpleNamespace

    one = SimpleNamespace(mode="walk", feet=[SimpleNamespace(used_steps=[object()])])
    assert analysed_message(one, 1) == "1 foot analysed, 1 step from 1 trial"


def synthetic_frame():
    """40 x 40 sensels of 5 x 5 mm: 50 sensels of 40 kPa on the left, 100 on the right."""
    kpa = np.zeros((40, 40))
    kpa[10:20, 5:10] = 40.0   # 50 sensels x 40 kPa x 25 mm2 = 50 N
    kpa[10:20, 25:35] = 40.0  # 100 N
    kpa[30, 20] = 3.0         # noise under the loaded threshold: not weight
    return kpa


def test_live_load_of_a_known_frame():
    load = live_load(synthetic_frame(), (5.0, 5.0), weight_kg=20.0)
    assert load.force_n == pytest.approx(150.0)
    assert load.left_pct == pytest.approx(100 / 3) and load.right_pct == pytest.approx(200 / 3)
    assert load.split_x_mm == pytest.approx(100.0)  # halfway between columns 5 and 34
    assert load.body_weight_pct == pytest.approx(100 * 150 / (20 * GRAVITY))
    assert live_load(np.zeros((4, 4)), (5.0, 5.0)) is None
    assert live_load(synthetic_frame(), (5.0, 5.0)).body_weight_pct is None


def test_the_capture_view_shows_force_share_and_a_kpa_bar(window):
    view = window.capture_view
    view.set_weight(20.0)
    view.mode.setCurrentText("static")
    view.show_frame(synthetic_frame(), (5.0, 5.0))
    assert view.load.text() == "Total 150 N (76 % of body weight); left 33 %, right 67 %"
    bar = view.plot.bar
    assert bar is not None and bar_label(bar) == "Pressure (kPa)"
    assert tuple(bar.levels()) == (0.0, 800.0)  # the clinic scale from the settings
    x, _ = view.plot.divider.getData()
    assert list(x) == [100.0, 100.0]
    view.set_weight(None)
    view.mode.setCurrentText("walk")  # one foot down at a time: no left/right share
    view.show_frame(synthetic_frame(), (5.0, 5.0))
    assert view.load.text() == "Total 150 N"
    view.set_scale(PressureScale(None))
    view.show_frame(synthetic_frame(), (5.0, 5.0))
    assert tuple(bar.levels()) == (0.0, 50.0)  # per trial: 40 kPa, shown up to 50 at least


def test_the_shown_patients_weight_reaches_the_capture_view(window):
    pid = window.store.search_patients("Archer")[0]["id"]
    window.patients.show_patient(pid)
    assert window.capture_view.weight_kg == 91.0
    window.patients.new_patient()
    assert window.capture_view.weight_kg is None


def test_the_comparison_maps_share_one_scale_and_a_diverging_difference(window):
    pid = window.store.search_patients("Archer")[0]["id"]
    window.patients.show_patient(pid)
    window.tabs.setCurrentWidget(window.compare_view)
    maps = window.compare_view.maps
    assert bar_label(maps.pressure_bar) == "Peak pressure (kPa)"
    assert bar_label(maps.difference_bar) == "Change (kPa)"
    assert tuple(maps.pressure_bar.levels()) == (0.0, 800.0)
    assert tuple(maps.difference_bar.levels()) == (-200.0, 200.0)
    for (side, which), plot in maps.plots.items():
        img = plot.image.image
        assert img is not None and np.isfinite(img).any(), (side, which)
        wanted = (-200.0, 200.0) if which == "change" else (0.0, 800.0)
        assert tuple(plot.image.levels) == wanted
