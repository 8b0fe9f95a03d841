"""The desktop's proposal tab on a small screen, and the kiosk's mat in the patient colours."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

pytest.importorskip("PyQt6")
pytest.importorskip("pytestqt")

from PyQt6.QtCore import QRectF, Qt  # noqa: E402
from PyQt6.QtGui import QFontMetricsF, QImage  # noqa: E402
from PyQt6.QtWidgets import QApplication, QLabel, QWidget  # noqa: E402

from orthofit.gui.app import MainWindow, demo_store  # noqa: E402
from orthofit.proposal.model import ELEMENT_KINDS, ELEMENT_TITLES  # noqa: E402
from orthofit.report.scale import colourise  # noqa: E402

#: The smallest window the desktop is made for.
SMALL = (1024, 768)


@pytest.fixture(scope="module")
def store_folder(tmp_path_factory):
    """One demo store for the module (loading the sample scans takes seconds)."""
    folder = tmp_path_factory.mktemp("proposal") / "store"
    demo_store(folder).close()
    return folder


@pytest.fixture
def window(qtbot, store_folder):
    win = MainWindow(demo_store(store_folder))
    qtbot.addWidget(win)
    win.resize(*SMALL)
    win.show()
    yield win
    win.store.close()


def open_proposal(window, qtbot, last_name):
    """Open a patient's first scan on the proposal tab, as a clinician would."""
    pid = window.store.search_patients(last_name)[0]["id"]
    window.patients.show_patient(pid)
    window.open_scan(window.store.visits(pid)[0]["scans"][0]["id"])
    window.tabs.setCurrentWidget(window.proposal_view)
    qtbot.waitExposed(window.proposal_view.canvas)
    # New rows show on the next turn of the event loop; processEvents leaves the deferred
    # deletions of the old rows pending, as a busy window may.
    QApplication.processEvents()
    window.proposal_view.canvas.repaint()


def rgb_of(widget):
    """A widget's pixels as an H x W x 3 uint8 array."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    ptr = image.constBits()
    ptr.setsize(image.sizeInBytes())
    bgra = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    return bgra[:, : image.width(), 2::-1].copy()


def painted_texts(widget, monkeypatch):
    """Each text a widget paints, with the rectangle (widget pixels) it covers.

    Read from the painter itself (its font's metrics and its transform), whatever the
    widget believes it drew.
    """
    from PyQt6.QtGui import QPainter

    painted = []
    draw = QPainter.drawText

    def spy(painter, *args):
        if len(args) == 2 and isinstance(args[1], str):
            point, text = args
            metrics = QFontMetricsF(painter.font())
            rect = QRectF(point.x(), point.y() - metrics.ascent(),
                          metrics.horizontalAdvance(text), metrics.height())
            painted.append((text, painter.transform().mapRect(rect)))
        return draw(painter, *args)

    monkeypatch.setattr(QPainter, "drawText", spy)
    widget.grab()  # paints now
    monkeypatch.undo()
    return painted


@pytest.mark.parametrize("last_name", ["Flatley", "Archer", "Walker"])
def test_at_1024x768_every_label_is_inside_the_drawing(window, qtbot, monkeypatch, last_name):
    open_proposal(window, qtbot, "Stand")  # another proposal first: the tab is rebuilt
    open_proposal(window, qtbot, last_name)
    canvas = window.proposal_view.canvas
    visible = QRectF(canvas.visibleRegion().boundingRect())
    assert visible.width() == canvas.width() and visible.height() >= 220
    painted = painted_texts(canvas, monkeypatch)
    texts = [text for text, _ in painted]
    assert sorted(texts) == sorted(label.text for label in canvas.sheet.labels)
    assert any(t.startswith("Left insole,") for t in texts)
    assert any(t.startswith("Right insole,") for t in texts)
    for text, rect in painted:
        assert visible.contains(rect), (text, rect, visible)
        assert rect.height() >= 8.0  # readable
    for (a, ra), (b, rb) in itertools.combinations(painted, 2):
        assert not ra.intersects(rb), (a, b)
    # The view's own account of where its labels are agrees with the painter's.
    for (label, rect), (text, drawn) in zip(canvas.label_rects(), painted, strict=True):
        assert label.text == text
        assert abs(rect.left() - drawn.left()) < 1 and abs(rect.right() - drawn.right()) < 1
    # Nothing is cut at the edges: the picture's outermost pixels are all background.
    rgb = rgb_of(canvas)
    edge = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    assert (edge == 255).all()
    # Ink where every label is: no label was left undrawn.
    for text, rect in painted:
        r = rect.toAlignedRect()
        assert (rgb[r.top():r.bottom() + 1, r.left():r.right() + 1] < 128).any(), text


@pytest.mark.parametrize("last_name", ["Flatley", "Archer", "Walker"])
def test_at_1024x768_the_table_rows_do_not_overlap(window, qtbot, last_name):
    open_proposal(window, qtbot, "Stand")
    open_proposal(window, qtbot, last_name)
    view = window.proposal_view
    grid = view.grid
    titles = {w.text(): w for w in view.form.findChildren(QLabel) if w.isVisible()}
    rows = []
    for row, kind in enumerate(ELEMENT_KINDS, 1):
        title = titles[f"<b>{ELEMENT_TITLES[kind]}</b>"]
        band = grid.cellRect(row, 0)
        text_h = QFontMetricsF(title.font()).height()
        assert band.height() >= text_h, (kind, band.height(), text_h)
        assert title.height() >= text_h
        rows.append(band)
    for upper, lower in itertools.pairwise(rows):
        assert upper.bottom() < lower.top()
    # No two of the table's widgets are drawn over each other: not in one row, not across
    # rows, and none left over from the proposal shown before.
    shown = [w for w in view.form.findChildren(QWidget, "",
                                               Qt.FindChildOption.FindDirectChildrenOnly)
             if w.isVisible()]
    assert len(shown) > 4 * len(ELEMENT_KINDS)
    for a, b in itertools.combinations(shown, 2):
        assert not a.geometry().intersects(b.geometry()), (a, b)
    # Each widget lies inside its row's band.
    for band in rows:
        for w in shown:
            g = w.geometry()
            if band.top() <= g.center().y() <= band.bottom():
                assert band.top() <= g.top() and g.bottom() <= band.bottom()


@pytest.mark.parametrize("size", [(700, 220), (1002, 300), (1900, 420)])
def test_the_drawing_fits_any_size_with_its_labels(qtbot, monkeypatch, size):
    from orthofit.gui.proposal import InsoleCanvas
    from orthofit.io.profiles import load_insole_rules
    from orthofit.proposal.rules import propose
    from orthofit.report.insole_blocks import insole_outlines

    from conftest import visit

    analysis = visit("cavus")
    proposal = propose(analysis, load_insole_rules("default"), diabetic=True, knee_oa=True)
    canvas = InsoleCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(*size)
    canvas.show()
    canvas.set_outlines(insole_outlines(analysis, proposal))
    qtbot.waitExposed(canvas)
    whole = QRectF(canvas.rect())
    painted = painted_texts(canvas, monkeypatch)
    assert len(painted) == len(canvas.sheet.labels) > 8
    assert all(whole.contains(rect) for _, rect in painted)
    # The insoles are drawn as large as the labels beside them allow: at least a third of
    # the height (a layout for another size would draw them tiny or past the edges).
    longest = max(o.length_mm for o in canvas.outlines)
    assert longest * canvas.sheet.scale * canvas.fit.zoom >= size[1] / 3
    rgb = rgb_of(canvas)
    edge = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    assert (edge == 255).all()


# -- the kiosk: a patient sees the patient colours -------------------------------------------

def test_the_kiosk_mat_pictures_use_the_patient_colours(qtbot, tmp_path):
    from orthofit.capture.link import MatLink
    from orthofit.gui.kiosk import KioskWindow
    from orthofit.io.profiles import load_mat_profile
    from orthofit.kiosk.access import KioskStore
    from orthofit.kiosk.flow import KIOSK_MAT, patient_script
    from orthofit.store import Store

    Store(tmp_path / "store").close()
    door = KioskStore(tmp_path / "store")
    link = MatLink(load_mat_profile("ofp1-generic"), frames_kpa=patient_script([("empty", 1.0)]))
    window = KioskWindow(door, link)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    try:
        rows, cols = 197, 98  # the kiosk mat's sensels
        frame = np.zeros((rows, cols))
        frame[60:140, 15:45] = 400.0  # a firm block and, beside it, one at half the pressure
        frame[60:140, 55:85] = 200.0
        for name, view in (("step_on", window.step_view), ("scan", window.scan_view),
                           ("walk", window.walk_view)):
            window.show_screen(name)
            view.show_kpa(frame, KIOSK_MAT.pitch_mm)
            qtbot.waitUntil(lambda view=view: view.isVisible() and view.height() > 100)
            pixels = rgb_of(view).reshape(-1, 3).astype(int)
            top = view.vmax(frame)
            for kpa in (400.0, 200.0):
                patient = colourise(np.array([kpa]), top, patient=True)[0].astype(int)
                clinician = colourise(np.array([kpa]), top)[0].astype(int)
                near = np.abs(pixels - patient).max(axis=1) <= 6
                assert near.sum() > 500, (name, kpa)  # each block is drawn in its colour
                assert not (np.abs(pixels - clinician).max(axis=1) <= 6).sum() > 50, name
            # Light to dark: the firmer block is the darker one.
            hi = colourise(np.array([400.0]), top, patient=True)[0].astype(int).sum()
            lo = colourise(np.array([200.0]), top, patient=True)[0].astype(int).sum()
            assert hi < lo
    finally:
        window._unlocked = True
        window.stop()
        window.close()
        door.close()
