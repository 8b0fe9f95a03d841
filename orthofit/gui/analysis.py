"""The analysis view: both feet side by side, the indices with their ranges, the findings.

The feet are the reports' pictures (:func:`orthofit.report.content.pressure_maps`): the same
windows, thirds lines clipped to the print, region peaks and clinic colour scale, with a
colour bar in kPa. The tables beside them are as tall as their rows, in one column that
scrolls as a whole when the window is too short, so no table scrolls inside itself while the
space below it stays empty.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import (
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from skimage.measure import find_contours

from orthofit.analysis import Analysis
from orthofit.gui.colourbar import (
    INK,
    PRESSURE_CMAP,
    colour_bar,
    set_range,
    still_map,
    unloaded_blank,
)
from orthofit.model import Recording
from orthofit.report.content import (
    DIABETIC_PEAK_KPA,
    MAP_KINDS,
    Table,
    balance_table,
    classification_table,
    gait_table,
    index_table,
    pressure_maps,
)
from orthofit.report.scale import PressureScale

#: What the colour bar says for each kind of picture (:data:`MAP_KINDS` order).
BAR_LABELS = ("Peak pressure (kPa)", "Mean pressure (kPa)", "Contact time (s)")
#: Region labels: colour of a value at or over the diabetic-risk peak.
MARK_COLOUR = (180, 0, 0)


def fill_table(widget: QTableWidget, table: Table) -> None:
    """Show a report table (first row is the header) in a QTableWidget, sized to its text.

    Every column is as wide as its widest cell or header and every row as tall as its text;
    :func:`fit_table` then makes the widget as tall as its rows.
    """
    header, *rows = table.rows
    widget.clear()
    widget.setColumnCount(len(header))
    widget.setRowCount(len(rows))
    widget.setHorizontalHeaderLabels(list(header))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            if (r + 1, c) in table.flagged:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            widget.setItem(r, c, item)
    widget.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    widget.horizontalHeader().setStretchLastSection(True)
    widget.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    widget.verticalHeader().setVisible(False)
    widget.setWordWrap(False)
    fit_table(widget)


def fit_table(widget: QTableWidget) -> None:
    """Make a table exactly as tall as its header and rows and at least as wide as its columns.

    Its own scroll bars are then never needed: the column it sits in scrolls instead.
    """
    widget.resizeColumnsToContents()
    widget.resizeRowsToContents()
    frame = 2 * widget.frameWidth()
    header = widget.horizontalHeader()
    height = header.sizeHint().height() + frame + sum(
        widget.rowHeight(r) for r in range(widget.rowCount()))
    width = frame + sum(widget.columnWidth(c) for c in range(widget.columnCount()))
    widget.setFixedHeight(height)
    widget.setMinimumWidth(width)
    widget.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)


def table_widget() -> QTableWidget:
    """A read-only table that never scrolls vertically inside itself."""
    table = QTableWidget()
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    return table


class FootPlot(pg.PlotItem):
    """One foot's picture at true aspect, with the axis, the thirds, the COP and region peaks."""

    def __init__(self) -> None:
        super().__init__()
        self.image = still_map(self)  # row 0 (the end the patient faces) at the top
        dash = pg.QtCore.Qt.PenStyle.DashLine
        self.axis_line = pg.PlotDataItem(pen=pg.mkPen("k", width=1.5, style=dash))
        self.cop = pg.PlotDataItem(pen=pg.mkPen("k", width=2))
        self.thirds = pg.PlotDataItem(pen=pg.mkPen("k", width=1), connect="finite")
        self.split = pg.PlotDataItem(pen=pg.mkPen("k", width=1.5,
                                                  style=pg.QtCore.Qt.PenStyle.DotLine))
        for item in (self.axis_line, self.cop, self.thirds, self.split):
            self.addItem(item)
        self.mask_lines: list[pg.PlotDataItem] = []
        self.labels: list[pg.TextItem] = []
        self.foot_map = None
        self.values: np.ndarray | None = None  # the picture's values (0 where unloaded)

    def show_masks(self, foot_map, visible: bool) -> None:  # noqa: ANN001 - a FootMap
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

    def show_labels(self, foot_map, visible: bool, unit: str,  # noqa: ANN001 - a FootMap
                    mark: float | None = None) -> None:
        """Each region's short name and its value (kPa, or s) at its centre.

        The text sits on a half-white box so the COP and axis lines do not hide it; a value at
        or above ``mark`` (kPa, a diabetic patient's risk line) is printed in dark red.
        """
        for label in self.labels:
            self.removeItem(label)
        self.labels = []
        if not visible:
            return
        font = QFont()
        font.setPointSizeF(7.5)
        for region in getattr(foot_map, "regions", ()):
            text = f"{region.value:.2f}" if unit == "s" else f"{region.value:.0f}"
            marked = mark is not None and region.value >= mark
            item = pg.TextItem(f"{region.label}\n{text}", anchor=(0.5, 0.5),
                               color=MARK_COLOUR if marked else INK,
                               fill=pg.mkBrush(255, 255, 255, 170))
            font.setBold(marked)
            item.setFont(font)
            item.setPos(region.x_mm, region.y_mm)
            self.addItem(item)
            self.labels.append(item)

    def show_map(self, foot_map, overlays: bool) -> None:  # noqa: ANN001 - a FootMap
        """Draw a report FootMap (mat mm); the colour bar sets the levels."""
        self.foot_map = foot_map
        self.values = np.asarray(foot_map.peak_kpa, dtype=float)
        rows, cols = foot_map.peak_kpa.shape
        self.image.setImage(unloaded_blank(foot_map.peak_kpa).T, autoLevels=False)
        x0, y0 = foot_map.origin_mm
        self.image.setRect(pg.QtCore.QRectF(x0, y0, cols * foot_map.pitch_mm[1],
                                             rows * foot_map.pitch_mm[0]))
        heel, axis = np.array(foot_map.heel_xy_mm), np.array(foot_map.axis)
        ends = [heel + axis * foot_map.u_back_mm,
                heel + axis * (foot_map.u_back_mm + foot_map.length_mm)]
        self.axis_line.setData([p[0] for p in ends], [p[1] for p in ends])
        self.axis_line.setVisible(overlays)
        xs, ys = [], []
        for (ax, ay), (bx, by) in getattr(foot_map, "thirds", ()):  # clipped to the print
            xs += [ax, bx, np.nan]
            ys += [ay, by, np.nan]
        self.thirds.setData(xs, ys)
        self.thirds.setVisible(overlays)
        split = getattr(foot_map, "split", None)
        if split is not None:
            self.split.setData([split[0][0], split[1][0]], [split[0][1], split[1][1]])
        else:
            self.split.setData([], [])
        self.split.setVisible(overlays)
        if foot_map.cop_xy_mm is not None and len(foot_map.cop_xy_mm) > 1:
            self.cop.setData(foot_map.cop_xy_mm[:, 0], foot_map.cop_xy_mm[:, 1])
            self.cop.setVisible(overlays)
        else:
            self.cop.setData([], [])
        title = foot_map.title
        load = getattr(foot_map, "load", None)
        if load is not None:  # a standing foot: its share of the load, in front of and
            # behind the dotted line at half its length (short lines: the title sets the width)
            title += (f": {load.total_pct:.0f} % of the load<br><span style='font-size:8pt'>"
                      f"front {load.fore_pct:.0f} %, back {load.rear_pct:.0f} %</span>")
        self.setTitle(title, color="k", size="10pt")
        window = getattr(foot_map, "window_mm", None)
        if window is not None:  # both feet's windows are the same size: the same mm scale
            self.setRange(xRange=(window[0], window[2]), yRange=(window[1], window[3]),
                          padding=0.0)
        else:
            self.autoRange()


class FootMaps(pg.GraphicsLayoutWidget):
    """Both feet side by side at one millimetre scale, and one colour bar for both."""

    def __init__(self) -> None:
        super().__init__()
        self.setBackground("w")
        self.plots = [FootPlot(), FootPlot()]
        for col, plot in enumerate(self.plots):
            # Equal columns whatever the titles say: equal frames in mm then draw both feet
            # at one millimetre scale.
            plot.setPreferredWidth(100)
            plot.titleLabel.setSizePolicy(QSizePolicy.Policy.Ignored,
                                          QSizePolicy.Policy.Preferred)
            self.addItem(plot, row=0, col=col)
            self.ci.layout.setColumnStretchFactor(col, 1)
        self.bar = colour_bar(PRESSURE_CMAP, BAR_LABELS[0])
        self.bar.setImageItem([p.image for p in self.plots])
        self.addItem(self.bar, row=0, col=2)
        self.setMinimumSize(240, 260)


class AnalysisView(QWidget):
    """The analysis of a scan, or of the ticked trials of its visit together.

    ``trials_changed`` carries the scan ids still ticked when the clinician ticks or unticks a
    trial of the visit.
    """

    trials_changed = pyqtSignal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scale = PressureScale()
        self.diabetic = False
        self.trials = QListWidget()
        self.trials_label = QLabel("<b>Trials of this visit</b> analysed together (untick one "
                                   "to leave it out)")
        self.trials.itemChanged.connect(self._trial_toggled)
        self.maps = FootMaps()
        self.plots = self.maps.plots
        self.bar = self.maps.bar
        self.scale_note = QLabel("")
        self.scale_note.setWordWrap(True)
        self.overlays = QCheckBox("Axis, thirds, COP")
        self.overlays.setToolTip("The foot axis, the thirds of the arch index and the centre "
                                 "of pressure's path")
        self.overlays.setChecked(True)
        self.peaks = QCheckBox("Region peaks")
        self.peaks.setToolTip("Each region's short name and its highest value: MH/LH medial "
                              "and lateral heel, MF midfoot, M1-M5 metatarsal heads, H hallux, "
                              "T the other toes")
        self.peaks.setChecked(True)
        self.masks = QCheckBox("Outlines")
        self.masks.setToolTip("The outlines of the regions (masks)")
        self.kind = QComboBox()
        self.kind.addItems(["Peak pressure (kPa)", "Mean pressure (kPa)", "Contact time (s)"])
        self.step = QSpinBox()
        self.step.setPrefix("Step ")
        self.step.setMinimum(0)
        self.step.setSpecialValueText("Typical step")
        self.summary = QLabel("Open a scan to see its analysis.")
        self.summary.setWordWrap(True)
        self.indices = table_widget()
        self.findings = table_widget()
        self.gait = table_widget()
        self.balance = table_widget()
        self.gait_label = QLabel("<b>Gait</b> (per foot)")
        self.balance_label = QLabel("<b>Balance and sway</b>")

        # The maps with their controls under them.
        maps_panel = QWidget()
        maps_box = QVBoxLayout(maps_panel)
        maps_box.setContentsMargins(0, 0, 0, 0)
        maps_box.addWidget(self.maps, 1)
        maps_box.addWidget(self.scale_note)
        controls = QHBoxLayout()
        for w in (self.kind, self.step):
            controls.addWidget(w)
        controls.addStretch(1)
        maps_box.addLayout(controls)
        toggles = QHBoxLayout()
        for w in (self.overlays, self.peaks, self.masks):
            toggles.addWidget(w)
        toggles.addStretch(1)
        maps_box.addLayout(toggles)

        # The tables, one under the other, in a column that scrolls as a whole.
        column = QWidget()
        tables = QVBoxLayout(column)
        tables.setContentsMargins(0, 0, 4, 0)
        tables.addWidget(self.trials_label)
        tables.addWidget(self.trials)
        tables.addWidget(QLabel("<b>Indices</b> (bold and *: outside the range)"))
        tables.addWidget(self.indices)
        tables.addWidget(QLabel("<b>Findings</b>"))
        tables.addWidget(self.findings)
        tables.addWidget(self.gait_label)
        tables.addWidget(self.gait)
        tables.addWidget(self.balance_label)
        tables.addWidget(self.balance)
        tables.addStretch(1)
        self.column = QScrollArea()
        self.column.setWidget(column)
        self.column.setWidgetResizable(True)
        self.column.setFrameShape(QFrame.Shape.NoFrame)
        self.column.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(maps_panel)
        self.splitter.addWidget(self.column)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.splitter, 1)
        self.overlays.toggled.connect(self._redraw)
        self.masks.toggled.connect(self._redraw)
        self.peaks.toggled.connect(self._redraw)
        self.kind.currentIndexChanged.connect(self._redraw)
        self.step.valueChanged.connect(self._redraw)
        self._last: tuple[Analysis, Recording] | None = None
        self.gait_label.setVisible(False)
        self.gait.setVisible(False)
        self.balance_label.setVisible(False)
        self.balance.setVisible(False)
        self.show_trials([])

    def set_scale(self, scale: PressureScale, *, diabetic: bool | None = None) -> None:
        """Draw pressures on ``scale`` (the clinic's, or per trial); redraw what is shown.

        ``diabetic`` marks region peaks at or over the diabetic-risk line.
        """
        self.scale = scale
        if diabetic is not None:
            self.diabetic = diabetic
        self._redraw()

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
        rows = max(len(trials), 1)
        self.trials.setFixedHeight(rows * self.trials.sizeHintForRow(0) + 2
                                   * self.trials.frameWidth() + 2 if several else 0)
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
        unit = "step" if analysis.mode == "walk" else "print"
        feet = ", ".join(f"{f.side}: {f.classification.get('arch_type') or 'n/a'} arch, "
                         f"{f.classification.get('pronation') or 'n/a'} "
                         f"({_count(len(f.used_steps), unit)})" for f in analysis.feet)
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
        for label, widget, table in ((self.gait_label, self.gait, gait_table(analysis)),
                                     (self.balance_label, self.balance,
                                      balance_table(analysis))):
            if table is not None:
                fill_table(widget, table)
            label.setVisible(table is not None)
            widget.setVisible(table is not None)
        # The column is as wide as its widest table: no column of a table is ever cut.
        widest = max(w.minimumWidth() for w in (self.indices, self.findings, self.gait,
                                                 self.balance) if w.isVisibleTo(self))
        scroll = self.column.verticalScrollBar().sizeHint().width()
        self.column.setMinimumWidth(widest + scroll + 8)
        most = max((sum(s.complete for s in f.steps) for f in analysis.feet), default=0)
        self.step.setToolTip("a step of any trial shown" if analysis.combined else "")
        self.step.blockSignals(True)
        self.step.setMaximum(most if analysis.mode == "walk" else 0)
        self.step.setValue(0)
        self.step.blockSignals(False)
        self.step.setVisible(analysis.mode == "walk")
        self._redraw()

    def _redraw(self) -> None:
        if self._last is None:
            return
        analysis, rec = self._last
        chosen = self.step.value()
        steps = {f.side: chosen - 1 for f in analysis.feet} if chosen else None
        dt = 1.0 / rec.rate_hz if rec.rate_hz else 1.0
        kind = MAP_KINDS[self.kind.currentIndex()]
        mark = DIABETIC_PEAK_KPA if self.diabetic and kind == "peak" else None
        maps = pressure_maps(analysis, rec.frames, rec.pitch_mm, steps=steps, dt=dt,
                             kind=kind, scale=self.scale, mark_kpa=mark)
        unit = "s" if kind == "contact" else "kPa"
        for i, plot in enumerate(self.plots):
            if maps is not None and i < len(maps.maps):
                plot.show_map(maps.maps[i], self.overlays.isChecked())
                plot.show_masks(maps.maps[i], self.masks.isChecked())
                plot.show_labels(maps.maps[i], self.peaks.isChecked(), unit, mark)
                plot.setVisible(True)
            else:
                plot.setVisible(False)
        if maps is None:
            self.scale_note.setText("No foot to draw.")
            return
        set_range(self.bar, 0.0, maps.vmax_kpa, BAR_LABELS[self.kind.currentIndex()])
        note = maps.scale_text if kind == "contact" else self.scale.describe()
        self.scale_note.setText(f"Colours: {note}" + (
            "; region values in dark red are at or over the diabetic-risk peak of "
            f"{DIABETIC_PEAK_KPA:.0f} kPa" if mark is not None else "") + ".")

    def bar_range(self) -> tuple[float, float]:
        """The colour bar's range (tests)."""
        low, high = self.bar.levels()
        return float(low), float(high)


def _count(n: int, word: str) -> str:
    """``n`` and the word, plural when n is not 1: "1 step", "2 steps"."""
    return f"{n} {word}{'' if n == 1 else 's'}"
