"""The analysis view: both feet side by side, the indices with their ranges, the findings."""

from __future__ import annotations

import colorcet
import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from skimage.measure import find_contours

from orthofit.analysis import Analysis
from orthofit.model import Recording
from orthofit.report.content import (
    MAP_KINDS,
    Table,
    balance_table,
    classification_table,
    index_table,
    pressure_maps,
)

#: The same perceptual scale as the reports (white to dark red).
CMAP = pg.ColorMap(np.linspace(0, 1, len(colorcet.CET_L18)), colorcet.CET_L18)


def fill_table(widget: QTableWidget, table: Table) -> None:
    """Show a report table (first row is the header) in a QTableWidget."""
    header, *rows = table.rows
    widget.clear()
    widget.setColumnCount(len(header))
    widget.setRowCount(len(rows))
    widget.setHorizontalHeaderLabels(list(header))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if (r + 1, c) in table.flagged:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            widget.setItem(r, c, item)
    widget.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    widget.verticalHeader().setVisible(False)


class FootPlot(pg.PlotWidget):
    """One foot's peak pressure at true aspect, with the axis and the COP path."""

    def __init__(self) -> None:
        super().__init__()
        self.setBackground("w")
        self.setAspectLocked(True)
        self.invertY(True)  # row 0 (the end the patient faces) at the top, as on the mat
        self.hideAxis("left")
        self.hideAxis("bottom")
        self.image = pg.ImageItem()
        self.addItem(self.image)
        self.axis_line = pg.PlotDataItem(pen=pg.mkPen("k", width=1.5,
                                                      style=pg.QtCore.Qt.PenStyle.DashLine))
        self.cop = pg.PlotDataItem(pen=pg.mkPen("k", width=2))
        self.thirds = pg.PlotDataItem(pen=pg.mkPen("k", width=1), connect="finite")
        self.addItem(self.axis_line)
        self.addItem(self.cop)
        self.addItem(self.thirds)
        self.mask_lines: list[pg.PlotDataItem] = []

    def show_masks(self, foot_map, visible: bool) -> None:  # noqa: ANN001
        """Outline the anatomical masks (sensel edges)."""
        for line in self.mask_lines:
            self.removeItem(line)
        self.mask_lines = []
        if not visible or foot_map.mask_index is None:
            return
        up = np.kron(foot_map.mask_index, np.ones((2, 2), int))
        for k in range(int(foot_map.mask_index.max()) + 1):
            for contour in find_contours(np.pad(up == k, 1).astype(float), 0.5):
                x = foot_map.origin_mm[0] + (contour[:, 1] - 1) / 2 * foot_map.pitch_mm[1]
                y = foot_map.origin_mm[1] + (contour[:, 0] - 1) / 2 * foot_map.pitch_mm[0]
                line = pg.PlotDataItem(x, y, pen=pg.mkPen((90, 90, 90), width=1))
                self.addItem(line)
                self.mask_lines.append(line)

    def show_map(self, foot_map, vmax: float, overlays: bool) -> None:  # noqa: ANN001
        """Draw a report FootMap (mat mm)."""
        rows, cols = foot_map.peak_kpa.shape
        self.image.setImage(foot_map.peak_kpa.T, levels=(0, vmax), lut=CMAP.getLookupTable())
        x0, y0 = foot_map.origin_mm
        self.image.setRect(pg.QtCore.QRectF(x0, y0, cols * foot_map.pitch_mm[1],
                                             rows * foot_map.pitch_mm[0]))
        heel, axis = np.array(foot_map.heel_xy_mm), np.array(foot_map.axis)
        ends = [heel + axis * foot_map.u_back_mm,
                heel + axis * (foot_map.u_back_mm + foot_map.length_mm)]
        self.axis_line.setData([p[0] for p in ends], [p[1] for p in ends])
        self.axis_line.setVisible(overlays)
        lat = np.array(foot_map.lateral)
        xs, ys = [], []
        for frac in (1 / 3, 2 / 3):  # the thirds of the arch index
            c = heel + axis * (foot_map.u_back_mm + frac * foot_map.toeless_length_mm)
            a, b = c - lat * 0.2 * foot_map.length_mm, c + lat * 0.2 * foot_map.length_mm
            xs += [a[0], b[0], np.nan]
            ys += [a[1], b[1], np.nan]
        self.thirds.setData(xs, ys)
        self.thirds.setVisible(overlays)
        if foot_map.cop_xy_mm is not None and len(foot_map.cop_xy_mm) > 1:
            self.cop.setData(foot_map.cop_xy_mm[:, 0], foot_map.cop_xy_mm[:, 1])
            self.cop.setVisible(overlays)
        else:
            self.cop.setData([], [])
        self.setTitle(foot_map.title, color="k")


class AnalysisView(QWidget):
    """The analysis of a scan, or of the ticked trials of its visit together.

    ``trials_changed`` carries the scan ids still ticked when the clinician ticks or unticks a
    trial of the visit.
    """

    trials_changed = pyqtSignal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trials = QListWidget()
        self.trials.setMaximumHeight(80)
        self.trials_label = QLabel("<b>Trials of this visit</b> analysed together (untick one "
                                   "to leave it out)")
        self.trials.itemChanged.connect(self._trial_toggled)
        self.plots = [FootPlot(), FootPlot()]
        self.overlays = QCheckBox("Axis, thirds and COP path")
        self.overlays.setChecked(True)
        self.masks = QCheckBox("Regions (masks)")
        self.kind = QComboBox()
        self.kind.addItems(["Peak pressure (kPa)", "Mean pressure (kPa)", "Contact time (s)"])
        self.step = QSpinBox()
        self.step.setPrefix("Step ")
        self.step.setMinimum(0)
        self.step.setSpecialValueText("Typical step")
        self.summary = QLabel("Open a scan to see its analysis.")
        self.summary.setWordWrap(True)
        self.indices = QTableWidget()
        self.findings = QTableWidget()
        self.balance = QTableWidget()
        maps = QHBoxLayout()
        for p in self.plots:
            maps.addWidget(p, 1)
        tables = QVBoxLayout()
        tables.addWidget(self.trials_label)
        tables.addWidget(self.trials)
        tables.addWidget(QLabel("<b>Indices</b> (bold: outside the range)"))
        tables.addWidget(self.indices, 3)
        tables.addWidget(QLabel("<b>Findings</b>"))
        tables.addWidget(self.findings, 1)
        tables.addWidget(QLabel("<b>Balance and sway</b> (standing trials)"))
        tables.addWidget(self.balance, 1)
        top = QHBoxLayout()
        top.addLayout(maps, 3)
        top.addLayout(tables, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(top, 1)
        controls = QHBoxLayout()
        for w in (self.kind, self.step, self.overlays, self.masks):
            controls.addWidget(w)
        controls.addStretch(1)
        layout.addLayout(controls)
        self.overlays.toggled.connect(self._redraw)
        self.masks.toggled.connect(self._redraw)
        self.kind.currentIndexChanged.connect(self._redraw)
        self.step.valueChanged.connect(self._redraw)
        self._last: tuple[Analysis, Recording] | None = None

    def show_trials(self, trials: list[tuple[int, str, bool]]) -> None:
        """List the visit's trials of this kind: ``(scan id, label, ticked)``."""
        self.trials.blockSignals(True)
        self.trials.clear()
        for scan_id, label, ticked in trials:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, scan_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            self.trials.addItem(item)
        self.trials.blockSignals(False)
        several = len(trials) > 1
        self.trials.setVisible(several)
        self.trials_label.setVisible(several)

    def ticked_trials(self) -> list[int]:
        """Scan ids of the ticked trials, in list order."""
        return [self.trials.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.trials.count())
                if self.trials.item(i).checkState() == Qt.CheckState.Checked]

    def _trial_toggled(self, item: QListWidgetItem) -> None:
        ticked = self.ticked_trials()
        if not ticked:  # one trial at least: the last one stays ticked
            self.trials.blockSignals(True)
            item.setCheckState(Qt.CheckState.Checked)
            self.trials.blockSignals(False)
            return
        self.trials_changed.emit(ticked)

    def show_analysis(self, analysis: Analysis, rec: Recording) -> None:
        """Show an analysis (``rec`` is its first recording)."""
        self._last = (analysis, rec)
        feet = ", ".join(f"{f.side}: {f.classification.get('arch_type') or 'n/a'} arch, "
                         f"{f.classification.get('pronation') or 'n/a'} "
                         f"({len(f.used_steps)} {'steps' if analysis.mode == 'walk' else 'prints'})"
                         for f in analysis.feet)
        what = (f"<b>{len(analysis.trials)} {analysis.mode} trials analysed together</b>"
                if analysis.combined else f"<b>{analysis.mode.capitalize()} trial</b> - "
                f"{rec.n_frames} frames at {rec.rate_hz or 0:g} Hz")
        uncertain = [f"{f.side} {word}: {f.classification[reason]}"
                     for f in analysis.feet
                     for key, word, reason in (("arch_type", "arch", "arch_reason"),
                                               ("pronation", "rolling", "pronation_reason"))
                     if f.classification.get(key) == "uncertain"]
        self.summary.setText(f"{what}. {feet or 'No foot found.'} "
                             + ("Uncertain: " + "; ".join(uncertain) + ". " if uncertain else "")
                             + " ".join(analysis.warnings))
        fill_table(self.indices, index_table(analysis))
        fill_table(self.findings, classification_table(analysis))
        bal = balance_table(analysis)
        fill_table(self.balance, bal or Table((("Measure", "Value"), ("Trial", "a walk: no "
                                                                             "standing balance"))))
        most = max((sum(s.complete for s in f.steps) for f in analysis.feet), default=0)
        self.step.setToolTip("a step of any trial shown" if analysis.combined else "")
        self.step.blockSignals(True)
        self.step.setMaximum(most if analysis.mode == "walk" else 0)
        self.step.setValue(0)
        self.step.blockSignals(False)
        self._redraw()

    def _redraw(self) -> None:
        if self._last is None:
            return
        analysis, rec = self._last
        chosen = self.step.value()
        steps = {f.side: chosen - 1 for f in analysis.feet} if chosen else None
        dt = 1.0 / rec.rate_hz if rec.rate_hz else 1.0
        maps = pressure_maps(analysis, rec.frames, rec.pitch_mm, steps=steps, dt=dt,
                             kind=MAP_KINDS[self.kind.currentIndex()])
        for i, plot in enumerate(self.plots):
            if maps is not None and i < len(maps.maps):
                plot.show_map(maps.maps[i], maps.vmax_kpa, self.overlays.isChecked())
                plot.show_masks(maps.maps[i], self.masks.isChecked())
                plot.setVisible(True)
            else:
                plot.setVisible(False)
