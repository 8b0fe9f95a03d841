"""Comparing two visits or two trials of one patient (before and after a fitting).

Each side of the comparison is a visit's trials of one kind analysed together, or one trial.
The feet are drawn before and after on one pressure scale (the clinic's), aligned by the heel
and the foot axis on a common grid (:func:`orthofit.report.comparison.align`), with the
difference after minus before in diverging colours (kPa). Every measure is listed before,
after and changed, the change coloured better (towards the normal range) or worse (away from
it); a walk compared with a standing trial gets a plain warning naming what cannot be compared.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PyQt6.QtGui import QBrush, QColor
from PyQt6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from orthofit.analysis import Analysis
from orthofit.errors import OrthofitError
from orthofit.gui.analysis import fit_table, table_widget
from orthofit.gui.colourbar import (
    DIFFERENCE_CMAP,
    PRESSURE_CMAP,
    colour_bar,
    set_range,
    still_map,
    unloaded_blank,
)
from orthofit.report.comparison import (
    BETTER,
    MEASURES,
    WORSE,
    AlignedMaps,
    align,
    compare,
    difference_range,
    kind_warning,
    trial_kind,
)
from orthofit.report.content import pressure_maps
from orthofit.report.scale import PressureScale
from orthofit.store import Store

#: Background of a change towards the normal range, and away from it.
VERDICT_COLOURS = {BETTER: QColor(198, 239, 206), WORSE: QColor(255, 199, 206)}
#: The columns of the table.
HEADER = ("Measure", "Left before", "Left after", "Left change", "Right before", "Right after",
          "Right change", "Normal range")

#: What a side of the comparison is: the scan ids analysed together.
Entry = tuple[int, ...]


class AlignedPlot(pg.PlotItem):
    """One aligned picture (the foot frame, toes up) with its title."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.image = still_map(self)  # row 0 of an aligned grid is the toe end
        self.setTitle(title, color="k", size="9pt")

    def show(self, values: np.ndarray, pitch_mm: float, size_mm: tuple[float, float],
             *, blank_zero: bool = True) -> None:
        """Draw a grid of values (``pitch_mm`` cells) centred in a window of ``size_mm``."""
        rows, cols = values.shape
        img = unloaded_blank(values) if blank_zero else values
        self.image.setImage(np.asarray(img, float).T, autoLevels=False)
        w, h = cols * pitch_mm, rows * pitch_mm
        self.image.setRect(pg.QtCore.QRectF(-w / 2, -h / 2, w, h))
        W, H = max(size_mm[0], w), max(size_mm[1], h)  # noqa: N806 - the window's size
        self.setRange(xRange=(-W / 2, W / 2), yRange=(-H / 2, H / 2), padding=0.02)


class CompareMaps(pg.GraphicsLayoutWidget):
    """For each foot: before, after (one pressure scale) and the difference."""

    def __init__(self) -> None:
        super().__init__()
        self.setBackground("w")
        self.plots: dict[tuple[str, str], AlignedPlot] = {}
        col = 0
        for side in ("left", "right"):
            for which in ("before", "after", "change"):
                plot = AlignedPlot(f"{side.capitalize()} {which}")
                self.plots[(side, which)] = plot
                self.addItem(plot, row=0, col=col)
                self.ci.layout.setColumnStretchFactor(col, 1)
                col += 1
        self.pressure_bar = colour_bar(PRESSURE_CMAP, "Peak pressure (kPa)")
        self.pressure_bar.setImageItem([p.image for (_, w), p in self.plots.items()
                                        if w != "change"])
        self.difference_bar = colour_bar(DIFFERENCE_CMAP, "Change (kPa)")
        self.difference_bar.setImageItem([p.image for (_, w), p in self.plots.items()
                                          if w == "change"])
        self.addItem(self.pressure_bar, row=0, col=col)
        self.addItem(self.difference_bar, row=0, col=col + 1)
        self.setMinimumHeight(220)


class CompareView(QWidget):
    """Two visits or trials of the shown patient: the maps, the measures and the change.

    ``analyse`` gives the analysis of scan ids analysed together (a visit's trials, or one).
    """

    def __init__(self, store: Store, analyse: Callable[[Entry], Analysis],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.analyse = analyse
        self.scale = PressureScale()
        self.before = QComboBox()
        self.after = QComboBox()
        for combo in (self.before, self.after):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.warning = QLabel("")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("background: #fff3cd; color: #5c4400; border: 1px solid "
                                   "#e0c060; padding: 6px")
        self.warning.setVisible(False)
        self.maps = CompareMaps()
        self.table = table_widget()
        self.table.verticalHeader().setVisible(False)
        self.note = QLabel("Choose a patient with two visits or trials.")
        self.note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Before", self.before)
        form.addRow("After", self.after)
        # The table is as tall as its rows; the maps take the rest of the height.
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.warning)
        layout.addWidget(self.maps, 1)
        layout.addWidget(self.table)
        layout.addWidget(self.note)
        self.before.currentIndexChanged.connect(self.refresh)
        self.after.currentIndexChanged.connect(self.refresh)
        self.verdicts: dict[tuple[str, str], str | None] = {}
        self._stale = False

    def set_scale(self, scale: PressureScale) -> None:
        """Draw pressures on the clinic's scale (or scaled to the two trials' peak)."""
        self.scale = scale
        self._refresh_when_shown()

    def show_patient(self, patient_id: int) -> None:
        """List the patient's visits and trials; choose the latest comparable pair.

        The comparison itself is worked out when the view is shown: browsing patients does
        not analyse their scans.
        """
        entries = patient_entries(self.store.visits(patient_id))
        pair = default_pair(entries)
        # The same patient again (a scan filed on another workstation): the pair the clinician
        # chose stays chosen, if both trials are still there.
        same = patient_id == getattr(self, "_patient_id", None)
        chosen = (self.before.currentData(), self.after.currentData()) if same else (None, None)
        ids = [e[1] for e in entries]
        if all(c is not None and c in ids for c in chosen):
            pair = (ids.index(chosen[0]), ids.index(chosen[1]))
        self._patient_id = patient_id
        for combo, index in ((self.before, 0), (self.after, 1)):
            combo.blockSignals(True)
            combo.clear()
            for label, entry_ids, _, _ in entries:
                combo.addItem(label, entry_ids)
            if pair is not None:
                combo.setCurrentIndex(pair[index])
            combo.blockSignals(False)
        self._refresh_when_shown()

    def _refresh_when_shown(self) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        """Work out a comparison that changed while the view was hidden."""
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Recompute the comparison: maps, table and warning."""
        self._stale = False
        a, b = self.before.currentData(), self.after.currentData()
        self.table.clear()
        self.verdicts = {}
        if a is None or b is None or tuple(a) == tuple(b):
            self.note.setText("Choose two different visits or trials.")
            self.warning.setVisible(False)
            self.table.setRowCount(0)
            self._clear_maps()
            return
        try:
            before, after = self.analyse(tuple(a)), self.analyse(tuple(b))
        except OrthofitError as exc:  # a damaged or unreadable scan: say which, draw nothing
            self.note.setText(f"Cannot compare: {exc}")
            self.warning.setVisible(False)
            self.table.setRowCount(0)
            self._clear_maps()
            return
        warning = kind_warning(before.mode, after.mode)
        self.warning.setText(f"<b>Different kinds of trial.</b> {warning}" if warning else "")
        self.warning.setVisible(warning is not None)
        self._fill_table(before, after)
        self._draw_maps(before, after)
        self.note.setText("Change = after minus before. Green: nearer the normal range; red: "
                          "further from it; no colour: within the range either way, within "
                          "the spread of the other visit's steps, smaller than a median of a "
                          "few steps moves by chance (arch index 0.022, CPEI 3.6), or no range. "
                          "Maps: peak pressure of the typical step, aligned by the "
                          "heel and the foot axis (toes up, as seen from above); "
                          f"{self.scale.describe()}; change in blue (less) to red (more).")

    def _fill_table(self, before: Analysis, after: Analysis) -> None:
        changes = {(c.measure.key, c.side): c for c in compare(before, after)}
        self.table.setColumnCount(len(HEADER))
        self.table.setHorizontalHeaderLabels(list(HEADER))
        self.table.setRowCount(len(MEASURES))
        for r, m in enumerate(MEASURES):
            self.table.setItem(r, 0, QTableWidgetItem(m.label))
            for k, side in enumerate(("left", "right")):
                change = changes[(m.key, side)]
                for j, which in enumerate(("before", "after", "change")):
                    text = change.text(which)
                    item = QTableWidgetItem(text)
                    if which == "change" and change.verdict in VERDICT_COLOURS:
                        item.setText(f"{text} ({change.verdict})")
                        item.setBackground(QBrush(VERDICT_COLOURS[change.verdict]))
                    self.table.setItem(r, 1 + 3 * k + j, item)
                self.verdicts[(m.key, side)] = change.verdict
            self.table.setItem(r, len(HEADER) - 1, QTableWidgetItem(m.normal_text))
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        fit_table(self.table)

    def _clear_maps(self) -> None:
        for plot in self.maps.plots.values():
            plot.image.clear()

    def _draw_maps(self, before: Analysis, after: Analysis) -> None:
        maps = {}
        for which, analysis in (("before", before), ("after", after)):
            rec = analysis.recordings[0] if analysis.recordings else None
            drawn = None if rec is None else pressure_maps(analysis, rec.frames, rec.pitch_mm,
                                                           scale=self.scale)
            maps[which] = {m.side: m for m in (drawn.maps if drawn else ())}
        aligned: dict[str, AlignedMaps] = {}
        for side in ("left", "right"):
            if side in maps["before"] and side in maps["after"]:
                aligned[side] = align(maps["before"][side], maps["after"][side])
        size = (max((a.size_mm[0] for a in aligned.values()), default=100.0),
                max((a.size_mm[1] for a in aligned.values()), default=100.0))
        peak = max((float(np.nanmax(g)) for a in aligned.values() for g in (a.before, a.after)),
                   default=0.0)
        for (side, which), plot in self.maps.plots.items():
            a = aligned.get(side)
            if a is None:
                plot.image.clear()
                continue
            values = {"before": a.before, "after": a.after, "change": a.difference}[which]
            plot.show(values, a.pitch_mm, size, blank_zero=which != "change")
        set_range(self.maps.pressure_bar, 0.0, self.scale.vmax(peak))
        reach = difference_range([a.difference for a in aligned.values()], self.scale.max_kpa)
        set_range(self.maps.difference_bar, -reach, reach)


def _kind_word(mode: str) -> str:
    return {"walk": "walk", "static": "static", "balance": "balance"}.get(mode, mode)


def patient_entries(visits: list[dict]) -> list[tuple[str, Entry, int, str]]:
    """What can be compared: per visit, its trials of one kind together, then each trial.

    Returns ``(label, scan ids, visit index, kind)`` in time order.
    """
    out = []
    for v_index, visit in enumerate(visits):
        by_kind: dict[str, list[dict]] = {}
        for s in visit["scans"]:
            by_kind.setdefault(trial_kind(s["mode"]), []).append(s)
        for kind, scans in by_kind.items():
            if len(scans) > 1 and kind != "unknown":
                modes = sorted({_kind_word(s["mode"]) for s in scans})
                label = (f"Visit {visit['date']}: {len(scans)} {' and '.join(modes)} trials "
                         "together")
                out.append((label, tuple(s["id"] for s in scans), v_index, kind))
            for s in scans:
                out.append((f"Visit {visit['date']}: scan {s['id']} ({s['mode']})",
                            (s["id"],), v_index, kind))
    return out


def default_pair(entries: list[tuple[str, Entry, int, str]]) -> tuple[int, int] | None:
    """Indices of the pair to show first: the latest visit against the one before it.

    Prefers trials of the same kind from two visits (whole visits before single trials), then
    any two visits (the warning then says what cannot be compared), then two trials of one
    kind in a visit, then the last two entries. Overlapping entries (a visit's trials together
    and one of them) are never paired.
    """
    if len(entries) < 2:
        return None
    n = len(entries)
    pairs = [(i, j) for j in range(n) for i in range(j)
             if not set(entries[i][1]) & set(entries[j][1])]

    def same_kind(p: tuple[int, int]) -> bool:
        return entries[p[0]][3] == entries[p[1]][3] != "unknown"

    def two_visits(p: tuple[int, int]) -> bool:
        return entries[p[0]][2] != entries[p[1]][2]

    def rank(p: tuple[int, int]) -> tuple:
        (_, ia, va, _), (_, ib, vb, _) = entries[p[0]], entries[p[1]]
        return (vb, va, len(ib), len(ia), p[1], p[0])

    for wanted in (lambda p: two_visits(p) and same_kind(p), two_visits, same_kind):
        chosen = [p for p in pairs if wanted(p)]
        if chosen:
            return max(chosen, key=rank)
    return n - 2, n - 1
