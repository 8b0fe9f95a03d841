"""The proposal view: the insoles drawn with their zones, each element editable with its reason."""

from __future__ import annotations

import dataclasses

import pyqtgraph as pg
from PyQt6.QtCore import QPointF, pyqtSignal
from PyQt6.QtGui import QBrush, QColor, QPen, QPolygonF
from PyQt6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGraphicsPolygonItem,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from orthofit.analysis import Analysis
from orthofit.proposal.model import ELEMENT_KINDS, ELEMENT_TITLES, Proposal, override, reset
from orthofit.proposal.outline import insole_outline

#: Editable numeric values: (kind, key, minimum, maximum, step).
NUMERIC = (("arch_support", "height_mm", 0, 30, 1), ("rearfoot_post", "degrees", 0, 10, 0.5),
           ("forefoot_post", "degrees", 0, 10, 0.5), ("metatarsal_pad", "height_mm", 0, 10, 0.5),
           ("metatarsal_pad", "offset_mm", 0, 20, 1), ("heel_cup", "depth_mm", 0, 30, 1),
           ("heel_lift", "height_mm", 0, 10, 0.5))
CHOICES = (("rearfoot_post", "side", ("none", "medial", "lateral")),
           ("forefoot_post", "side", ("none", "medial", "lateral")),
           ("metatarsal_pad", "type", ("none", "dome", "bar")))


def _polygon(points: list[tuple[float, float]], grey: tuple[int, int, int],
             width: float) -> QGraphicsPolygonItem:
    item = QGraphicsPolygonItem(QPolygonF([QPointF(x, y) for x, y in points]))
    item.setBrush(QBrush(QColor(*grey)))
    pen = QPen(QColor(0, 0, 0))
    pen.setCosmetic(True)
    pen.setWidthF(width)
    item.setPen(pen)
    return item


def _reason_text(element) -> str:  # noqa: ANN001 - an Element
    """An element's reason; for a changed element, the reason of the value it calls proposed."""
    why = f"{element.reason.text} <i>[{element.reason.evidence}]</i>"
    if not element.changed:
        return why
    proposed = dataclasses.replace(element, values=element.proposed).describe()
    return f"<b>(changed)</b> proposed as {proposed}: {why}"


class InsolePlot(pg.PlotWidget):
    """An insole outline with its zones, seen from above, toes up."""

    def __init__(self) -> None:
        super().__init__()
        self.setBackground("w")
        self.setAspectLocked(True)
        self.hideAxis("left")
        self.hideAxis("bottom")

    def draw(self, outline, side: str) -> None:  # noqa: ANN001
        """Redraw an :class:`~orthofit.proposal.outline.InsoleOutline`."""
        self.clear()
        sign = -1.0 if side == "left" else 1.0

        def xy(poly):  # noqa: ANN001, ANN202 - foot (u, w) to drawing (x, y)
            return [(sign * w, u) for u, w in poly]

        self.addItem(_polygon(xy(outline.polygon), (255, 255, 255), 2))
        greys = (200, 170, 140, 110)
        for i, zone in enumerate(outline.zones):
            if len(zone.polygon) < 3:
                continue
            g = greys[i % len(greys)]
            self.addItem(_polygon(xy(zone.polygon), (g, g, g), 1))
            text = pg.TextItem(zone.label, color="k", anchor=(0.5, 0.5))
            c = zone.polygon.mean(axis=0)
            text.setPos(sign * c[1], c[0])
            self.addItem(text)
        self.setTitle(f"{side} insole, {outline.length_mm:.0f} x {outline.width_mm:.0f} mm",
                      color="k")


class ProposalView(QWidget):
    """Edit the proposal element by element; the drawing follows every change."""

    changed = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.proposal: Proposal | None = None
        self.analysis: Analysis | None = None
        self.plots = {"left": InsolePlot(), "right": InsolePlot()}
        self.editors: dict[tuple[str, str, str], object] = {}
        self.reasons: dict[tuple[str, str], QLabel] = {}
        self.form = QWidget()
        self.grid = QGridLayout(self.form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        self.reset_button = QPushButton("Reset to the proposal")
        self.reset_button.clicked.connect(self.reset_all)
        plots = QHBoxLayout()
        for p in self.plots.values():
            plots.addWidget(p, 1)
        # What the engine did not propose and why (an uncertain class, leg length to measure).
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notes)
        layout.addLayout(plots, 2)
        layout.addWidget(scroll, 3)
        layout.addWidget(self.reset_button)

    def show_proposal(self, proposal: Proposal, analysis: Analysis) -> None:
        """Show (and make editable) a proposal for an analysis."""
        self.proposal, self.analysis = proposal, analysis
        self.notes.setText("<br>".join(proposal.notes))
        self.notes.setVisible(bool(proposal.notes))
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.editors.clear()
        self.reasons.clear()
        row = 0
        for kind in ELEMENT_KINDS:
            box = QGroupBox(ELEMENT_TITLES[kind])
            inner = QGridLayout(box)
            for col, foot in enumerate(proposal.feet):
                element = foot.elements[kind]
                cell = QHBoxLayout()
                cell.addWidget(QLabel(f"<b>{foot.side}</b>"))
                for k, key, choices in CHOICES:
                    if k == kind:
                        combo = QComboBox()
                        combo.addItems(choices)
                        combo.setCurrentText(str(element.values.get(key, "none")))
                        combo.currentTextChanged.connect(
                            lambda v, s=foot.side, k=kind, key=key: self.edit(s, k, **{key: v}))
                        self.editors[(foot.side, kind, key)] = combo
                        cell.addWidget(combo)
                for k, key, lo, hi, step in NUMERIC:
                    if k == kind:
                        spin = QDoubleSpinBox()
                        spin.setRange(lo, hi)
                        spin.setSingleStep(step)
                        spin.setSuffix(" " + ELEMENT_KINDS[kind][key])
                        spin.setValue(float(element.values.get(key) or 0))
                        spin.valueChanged.connect(
                            lambda v, s=foot.side, k=kind, key=key: self.edit(s, k, **{key: v}))
                        self.editors[(foot.side, kind, key)] = spin
                        cell.addWidget(spin)
                if not any(k == kind for k, *_ in NUMERIC + CHOICES):
                    cell.addWidget(QLabel(element.describe()))
                cell.addStretch(1)
                inner.addLayout(cell, 0, col)
                reason = QLabel(_reason_text(element))
                reason.setWordWrap(True)
                self.reasons[(foot.side, kind)] = reason
                inner.addWidget(reason, 1, col)
            self.grid.addWidget(box, row, 0)
            row += 1
        self.redraw()

    def edit(self, side: str, kind: str, **values: object) -> None:
        """Apply one change to the proposal and redraw."""
        if self.proposal is None:
            return
        self.proposal = override(self.proposal, side, kind, **values)
        element = self.proposal.foot(side).elements[kind]
        label = self.reasons.get((side, kind))
        if label is not None:
            label.setText(_reason_text(element))
        self.redraw()
        self.changed.emit()

    def reset_all(self) -> None:
        """Every element back to what the rules proposed."""
        if self.proposal is None or self.analysis is None:
            return
        p = self.proposal
        for foot in p.feet:
            for kind in ELEMENT_KINDS:
                p = reset(p, foot.side, kind)
        self.show_proposal(p, self.analysis)
        self.changed.emit()

    def redraw(self) -> None:
        """Redraw the insoles from the current proposal."""
        if self.proposal is None or self.analysis is None:
            return
        for foot in self.analysis.feet:
            step = foot.representative()
            fp = self.proposal.foot(foot.side)
            plot = self.plots.get(foot.side)
            if step is None or fp is None or plot is None:
                continue
            plot.draw(insole_outline(step.footprint, fp), foot.side)
