"""The proposal view: the insoles drawn with their zones, each element editable with its reason.

The drawing is the same layout as the clinician PDF's and the lab SVG's
(:func:`orthofit.proposal.sheet.layout_sheet`), measured in the screen's font: labels beside
the insoles with leader lines, never over them. Reasons are numbered footnotes, each distinct
reason once (:func:`orthofit.proposal.footnotes.footnotes`), with the same numbers as the PDF.
"""

from __future__ import annotations

import dataclasses
from html import escape

from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen, QPolygonF
from PyQt6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from orthofit.analysis import Analysis
from orthofit.errors import OrthofitError
from orthofit.gui.insole3d_view import InsolePreview
from orthofit.proposal.footnotes import footnotes
from orthofit.proposal.model import ELEMENT_KINDS, ELEMENT_TITLES, Proposal, override, reset
from orthofit.proposal.outline import InsoleOutline, insole_outline
from orthofit.proposal.sheet import Label, Sheet, layout_sheet
from orthofit.proposal.wording import DEGREE, format_value

#: Editable numeric values: (kind, key, minimum, maximum, step).
NUMERIC = (("arch_support", "height_mm", 0, 30, 1), ("rearfoot_post", "degrees", 0, 10, 0.5),
           ("forefoot_post", "degrees", 0, 10, 0.5), ("metatarsal_pad", "height_mm", 0, 10, 0.5),
           ("metatarsal_pad", "offset_mm", 0, 20, 1), ("heel_cup", "depth_mm", 0, 30, 1),
           ("heel_lift", "height_mm", 0, 10, 0.5))
CHOICES = (("rearfoot_post", "side", ("none", "medial", "lateral")),
           ("forefoot_post", "side", ("none", "medial", "lateral")),
           ("metatarsal_pad", "type", ("none", "dome", "bar")))
#: What a spin box's value is, beside it (a pad has two millimetre values).
SPIN_NAMES = {("metatarsal_pad", "height_mm"): "high", ("metatarsal_pad", "offset_mm"): "behind"}


class UnitSpin(QDoubleSpinBox):
    """A spin box that shows a value as the reports word it: "18 mm", "6.5°", not "18.0 mm"."""

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt API
        """The value with one decimal only when it has one."""
        return format_value(value)


def _reason_ref(element, number: int) -> str:  # noqa: ANN001 - an Element
    """An element's pointer to its numbered reason; a changed element says what was proposed."""
    ref = f"reason [{number}]"
    if not element.changed:
        return ref
    proposed = dataclasses.replace(element, values=element.proposed).describe()
    return f"<b>(changed)</b> proposed as {escape(proposed)}; {ref}"


#: The smallest type (pixels) the drawing is scaled down to: smaller labels cannot be read.
MIN_TEXT_PX = 8.0
#: Screen pixels per layout unit tried when the widget is too small for insoles and labels
#: at the screen's type: the layout is made on a larger sheet and drawn scaled down.
ZOOMS = (1.0, 0.9, 0.8, 0.7, 0.6)
#: A smaller zoom is taken only when it draws the insoles this much larger (smaller type
#: costs legibility; a few per cent of insole size are not worth it).
ZOOM_GAIN = 1.15


@dataclasses.dataclass(frozen=True)
class Fit:
    """A laid-out sheet and where it goes in the widget: X = dx + zoom x, Y = dy - zoom y."""

    sheet: Sheet
    zoom: float  # widget pixels per sheet unit
    dx: float
    dy: float
    widget_size: tuple[int, int]  # the widget's (width, height) it was made for

    def point(self, x: float, y: float) -> QPointF:
        """A sheet point (y up) in widget pixels (y down)."""
        return QPointF(self.dx + self.zoom * x, self.dy - self.zoom * y)

    def rect(self, box: tuple[float, float, float, float]) -> QRectF:
        """A sheet box (x0, y0, x1, y1), y up, in widget pixels."""
        x0, y0, x1, y1 = box
        return QRectF(self.point(x0, y1), self.point(x1, y0))


class InsoleCanvas(QWidget):
    """Both insoles seen from above, toes up, laid out as on paper and fitted to the widget.

    The whole drawing, labels included, is fitted: when the widget is too narrow for the
    labels beside insoles of a useful size, the layout is made on a larger sheet of the same
    shape and drawn scaled down (type no smaller than :data:`MIN_TEXT_PX`), and a drawing that
    would still reach past an edge is shrunk and centred, so no label is ever cut.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outlines: tuple[InsoleOutline, ...] = ()
        self.sheet: Sheet | None = None  # the layout last drawn (for tests)
        self.fit: Fit | None = None
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_outlines(self, outlines: tuple[InsoleOutline, ...]) -> None:
        """Draw these insoles."""
        self.outlines = tuple(outlines)
        self._relayout()
        self.update()

    def _font(self, bold: bool = False) -> QFont:
        """The labels' font at the screen's size (the layout's type size is relative to it)."""
        font = QFont(self.font())
        font.setPixelSize(max(11, round(QFontMetricsF(self.font()).height() * 0.9)))
        font.setBold(bold)
        return font

    def lay_out(self, width: float | None = None, height: float | None = None) -> Sheet | None:
        """The layout for a sheet of ``width`` x ``height`` units (default: the widget's size).

        A unit is a pixel at zoom 1; y grows upwards.
        """
        if not self.outlines:
            return None
        bold = QFontMetricsF(self._font(bold=True))
        size = float(self._font().pixelSize())

        def measure(text: str, fs: float) -> float:
            return bold.horizontalAdvance(text) * fs / size

        return layout_sheet(self.outlines, width=float(width or self.width()),
                            height=float(height or self.height()), font_size=size,
                            measure=measure)

    def text_box(self, label: Label, font_size: float) -> tuple[float, float, float, float]:
        """Where a label's text is drawn (sheet units, y up): its advance, ascent and descent.

        The text is set from the label's baseline in its font scaled to ``font_size``.
        """
        base = float(self._font().pixelSize())
        metrics = QFontMetricsF(self._font(bold=label.bold))
        k = font_size / base
        width = metrics.horizontalAdvance(label.text) * k
        x0 = label.baseline[0] - {"start": 0.0, "middle": width / 2, "end": width}[label.anchor]
        y = label.baseline[1]
        return x0, y - metrics.descent() * k, x0 + width, y + metrics.ascent() * k

    def bounds(self, sheet: Sheet) -> tuple[float, float, float, float]:
        """The box (x0, y0, x1, y1; sheet units) that holds everything drawn on a sheet."""
        xs: list[float] = []
        ys: list[float] = []
        for shape in sheet.shapes:
            xs += [float(shape.points[:, 0].min()), float(shape.points[:, 0].max())]
            ys += [float(shape.points[:, 1].min()), float(shape.points[:, 1].max())]
        for label in sheet.labels:
            for x0, y0, x1, y1 in (label.box, self.text_box(label, sheet.font_size)):
                xs += [x0, x1]
                ys += [y0, y1]
        bar = sheet.scale_bar
        if bar is not None:
            xs += [bar.start[0], bar.start[0] + bar.length]
            ys += [bar.start[1], bar.start[1] + 5.0]
        return min(xs), min(ys), max(xs), max(ys)

    def _fit_at(self, zoom: float) -> Fit | None:
        """The layout on a sheet 1/zoom the widget's size, fitted into the widget."""
        size = (self.width(), self.height())
        w, h = float(size[0]), float(size[1])
        sheet = self.lay_out(w / zoom, h / zoom)
        if sheet is None:
            return None
        x0, y0, x1, y1 = self.bounds(sheet)
        if x0 >= 0 and y0 >= 0 and x1 <= sheet.width and y1 <= sheet.height:
            return Fit(sheet, zoom, 0.0, h, size)  # the sheet is the widget, scaled
        # Something reaches past an edge: shrink the whole drawing into the widget, centred.
        margin = 2.0
        z = min(zoom, (w - 2 * margin) / max(x1 - x0, 1e-6),
                (h - 2 * margin) / max(y1 - y0, 1e-6))
        return Fit(sheet, z, (w - z * (x1 - x0)) / 2 - z * x0,
                   (h - z * (y1 - y0)) / 2 + z * y1, size)

    def best_fit(self) -> Fit | None:
        """The zoom that draws the insoles largest with readable type (the first of near ties).

        Each candidate's insole size on screen is its layout's scale times its zoom.
        """
        fits = [f for f in (self._fit_at(z) for z in ZOOMS) if f is not None]
        if not fits:
            return None
        readable = [f for f in fits if f.sheet.font_size * f.zoom >= MIN_TEXT_PX] or fits[:1]
        best = readable[0]
        for f in readable[1:]:
            if f.sheet.scale * f.zoom >= ZOOM_GAIN * best.sheet.scale * best.zoom:
                best = f
        return best

    def label_rects(self) -> list[tuple[Label, QRectF]]:
        """Each label with the rectangle (widget pixels) its text is drawn in."""
        fit = self.fit
        if fit is None:
            return []
        return [(label, fit.rect(self.text_box(label, fit.sheet.font_size)))
                for label in fit.sheet.labels]

    def _relayout(self) -> None:
        self.fit = self.best_fit()
        self.sheet = None if self.fit is None else self.fit.sheet

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        """Lay the insoles out again for the new size."""
        self._relayout()
        super().resizeEvent(event)

    def paintEvent(self, _event) -> None:  # noqa: ANN001, N802 - Qt API
        """Draw the fitted sheet (its y grows upwards; the screen's downwards)."""
        if self.outlines and (self.fit is None or self._stale()):
            self._relayout()  # laid out while hidden at another size
        fit = self.fit
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(255, 255, 255))
        if fit is None:
            p.end()
            return
        sheet, pt = fit.sheet, fit.point
        for shape in sheet.shapes:
            pen = QPen(QColor(0, 0, 0), 2.0 if shape.kind == "outline" else 1.0)
            if shape.dashed:
                pen.setStyle(Qt.PenStyle.DashLine)
            p.setPen(pen)
            poly = QPolygonF([pt(x, y) for x, y in shape.points])
            if shape.closed:
                g = round(255 * shape.grey)
                p.setBrush(QBrush(QColor(g, g, g)))
                p.drawPolygon(poly)
            else:
                p.drawPolyline(poly)
        base = float(self._font().pixelSize())
        k = sheet.font_size / base * fit.zoom  # the labels' type on screen, from the layout's
        for label in sheet.labels:
            if label.leader is not None:
                (ax, ay), (ex, ey) = label.leader
                p.setPen(QPen(QColor(70, 70, 70), 1.0))
                p.drawLine(pt(ax, ay), pt(ex, ey))
                p.setBrush(QBrush(QColor(0, 0, 0)))
                p.drawEllipse(pt(ax, ay), 2.0, 2.0)
            x0 = self.text_box(label, sheet.font_size)[0]
            p.save()
            p.setPen(QColor(0, 0, 0))
            p.setFont(self._font(bold=label.bold))
            p.translate(pt(x0, label.baseline[1]))
            p.scale(k, k)  # the width the layout measured, whatever its type size
            p.drawText(QPointF(0.0, 0.0), label.text)
            p.restore()
        bar = sheet.scale_bar
        if bar is not None:
            (x0, y0), length = bar.start, bar.length
            p.setPen(QPen(QColor(0, 0, 0), 1.5))
            p.drawLine(pt(x0, y0), pt(x0 + length, y0))
            ticks = round(bar.length_mm / bar.tick_mm)
            for n in range(ticks + 1):
                x = x0 + length * n / ticks
                p.drawLine(pt(x, y0), pt(x, y0 + (5 if n in (0, ticks) else 3)))
        p.end()

    def _stale(self) -> bool:
        """Whether the fit was made for another widget size."""
        return self.fit is not None and self.fit.widget_size != (self.width(), self.height())


class ProposalView(QWidget):
    """Edit the proposal element by element; the drawing and the 3D preview follow each change.

    ``rules_profile`` names the insole profile (shipped name or path) whose ``[print3d]``
    section sizes the printed insoles; ``report_info`` (set by the main window) gives the
    shown scans' names and checksums for the exported files' note.
    """

    changed = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.proposal: Proposal | None = None
        self.analysis: Analysis | None = None
        self.rules_profile = "default"
        self.report_info = None
        self.canvas = InsoleCanvas()
        self.preview = InsolePreview()
        self.editors: dict[tuple[str, str, str], object] = {}
        self.reasons: dict[tuple[str, str], QLabel] = {}
        self.values: dict[tuple[str, str], QLabel] = {}
        self.form = QWidget()
        self.grid = QGridLayout(self.form)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 1)
        # The numbered reasons, each once (the PDF prints the same numbers).
        self.footnotes = QLabel()
        self.footnotes.setWordWrap(True)
        self.footnotes.setTextFormat(Qt.TextFormat.RichText)
        inner = QWidget()
        box = QVBoxLayout(inner)
        box.addWidget(self.form)
        box.addWidget(self.footnotes)
        box.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        self.reset_button = QPushButton("Reset to the proposal")
        self.reset_button.clicked.connect(self.reset_all)
        self.export_button = QPushButton("Export 3D insoles...")
        self.export_button.setToolTip("Write left.stl, right.stl, insoles.3mf and insoles.txt "
                                      "(as 'orthofit insole') into a folder")
        self.export_button.clicked.connect(lambda: self.export_insoles())
        # What the engine did not propose and why (an uncertain class, leg length to measure).
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notes)
        drawings = QHBoxLayout()
        drawings.addWidget(self.canvas, 3)
        drawings.addWidget(self.preview, 2)
        layout.addLayout(drawings, 1)
        layout.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    def show_proposal(self, proposal: Proposal, analysis: Analysis) -> None:
        """Show (and make editable) a proposal for an analysis."""
        self.proposal, self.analysis = proposal, analysis
        self.notes.setText("<br>".join(escape(n) for n in proposal.notes))
        self.notes.setVisible(bool(proposal.notes))
        _clear(self.grid)
        self.editors.clear()
        self.reasons.clear()
        self.values.clear()
        sides = [f.side for f in proposal.feet]
        for col, side in enumerate(sides, 1):
            head = QLabel(f"<b>{side.capitalize()}</b>")
            self.grid.addWidget(head, 0, col)
        for row, kind in enumerate(ELEMENT_KINDS, 1):
            self.grid.addWidget(QLabel(f"<b>{ELEMENT_TITLES[kind]}</b>"), row, 0,
                                Qt.AlignmentFlag.AlignVCenter)
            for col, foot in enumerate(proposal.feet, 1):
                self.grid.addLayout(self._cell(foot.side, kind, foot.elements[kind]), row, col)
        self._refresh_reasons()
        # The rows' places now, not at the next turn of the event loop: until then the new
        # widgets would sit at their first, overlapping, places (a screenshot would show it).
        self.grid.activate()
        self.redraw()

    def _cell(self, side: str, kind: str, element) -> QVBoxLayout:  # noqa: ANN001 - an Element
        """One element of one foot: its editors (or its value in words) and its reason's number."""
        cell = QVBoxLayout()
        line = QHBoxLayout()
        for k, key, choices in CHOICES:
            if k == kind:
                combo = QComboBox()
                combo.addItems(choices)
                combo.setCurrentText(str(element.values.get(key, "none")))
                combo.currentTextChanged.connect(
                    lambda v, s=side, k=kind, key=key: self.edit(s, k, **{key: v}))
                self.editors[(side, kind, key)] = combo
                line.addWidget(combo)
        for k, key, lo, hi, step in NUMERIC:
            if k == kind:
                spin = UnitSpin()
                spin.setRange(lo, hi)
                spin.setSingleStep(step)
                # As precise as the step (0.5° or 1 mm); shown without a needless ".0".
                spin.setDecimals(0 if float(step).is_integer() else 1)
                unit = ELEMENT_KINDS[kind][key]
                spin.setSuffix((DEGREE if unit == "deg" else f" {unit}") +
                               (f" {SPIN_NAMES[(kind, key)]}" if (kind, key) in SPIN_NAMES
                                else ""))
                spin.setValue(float(element.values.get(key) or 0))
                spin.valueChanged.connect(
                    lambda v, s=side, k=kind, key=key: self.edit(s, k, **{key: v}))
                self.editors[(side, kind, key)] = spin
                line.addWidget(spin)
        if not any(k == kind for k, *_ in NUMERIC + CHOICES):
            value = QLabel(escape(element.describe()))
            self.values[(side, kind)] = value
            line.addWidget(value)
        reason = QLabel()
        reason.setObjectName("reason")
        self.reasons[(side, kind)] = reason
        line.addWidget(reason)
        line.addStretch(1)
        cell.addLayout(line)
        return cell

    def _refresh_reasons(self) -> None:
        """Number the reasons again (a change can add or merge one) and show them."""
        if self.proposal is None:
            return
        notes, refs = footnotes(self.proposal)
        for (side, kind), label in self.reasons.items():
            foot = self.proposal.foot(side)
            if foot is not None and (side, kind) in refs:
                label.setText(_reason_ref(foot.elements[kind], refs[(side, kind)]))
        for (side, kind), label in self.values.items():
            label.setText(escape(self.proposal.foot(side).elements[kind].describe()))
        self.footnotes.setText("<p><b>Reasons</b></p>" + "".join(
            f"<p>[{n.number}] <i>{n.sides_words}:</i> {escape(n.text)}</p>" for n in notes))

    def edit(self, side: str, kind: str, /, **values: object) -> None:
        """Apply one change to the proposal and redraw."""
        if self.proposal is None:
            return
        self.proposal = override(self.proposal, side, kind, **values)
        self._refresh_reasons()
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
        spec = self._spec()
        # The drawing's zones placed and sized by the same catalogue as the solids beside it.
        sizes = {} if spec is None else {"margin_mm": spec.margin_mm, "shapes": spec.shapes}
        outlines = []
        for foot in self.analysis.feet:
            step = foot.representative()
            fp = self.proposal.foot(foot.side)
            if step is not None and fp is not None:
                outlines.append(insole_outline(step.footprint, fp, **sizes))
        self.canvas.set_outlines(tuple(outlines))
        self.preview.show_insoles(self.analysis, self.proposal, spec)

    def _spec(self):  # noqa: ANN202 - a PrintSpec or None
        """The printed insoles' dimensions from the insole profile (None if it has none)."""
        from orthofit.report.insole3d_block import print_spec

        try:
            return print_spec(self.rules_profile)
        except OrthofitError:
            return None

    def export_insoles(self, folder: str | None = None) -> list:
        """Write the printed insoles of the shown proposal, as ``orthofit insole`` does.

        ``left.stl``, ``right.stl``, ``insoles.3mf`` and ``insoles.txt`` go into ``folder``
        (asked for when not given), all of them or none; what cannot be built is said in a
        message box and nothing is written.
        """
        from orthofit.insole3d import build_insoles
        from orthofit.insole3d.files import insole_files
        from orthofit.io.folder import write_files
        from orthofit.report.insole3d_block import print_spec

        if self.proposal is None or self.analysis is None:
            QMessageBox.information(self, "Nothing to export", "Open a scan first.")
            return []
        folder = folder or QFileDialog.getExistingDirectory(self, "Export 3D insoles to")
        if not folder:
            return []
        info = self.report_info() if self.report_info is not None else {}
        edited = any(el.changed for f in self.proposal.feet for el in f.elements.values())
        source = ("the desktop's proposal, edited by the clinician" if edited else
                  f"proposed by the rules {self.proposal.rules!r}")
        try:
            solids = build_insoles(self.analysis, self.proposal, print_spec(self.rules_profile))
            contents = insole_files(solids, self.proposal,
                                    scans=[str(info.get("file") or "a scan not stored")],
                                    checksums=list(info.get("scan_sha256") or []),
                                    source=source, notes=self.proposal.notes)
            return write_files(folder, contents)
        except (OrthofitError, OSError) as exc:
            QMessageBox.warning(self, "Cannot export the 3D insoles", str(exc))
            return []


def _clear(layout) -> None:  # noqa: ANN001 - a QLayout
    """Remove a layout's widgets, nested layouts' too (a grid cell holds editors in layouts).

    Each is hidden at once: deletion waits for the event loop, and until then an old row
    would still be drawn over the new ones.
    """
    while layout.count():
        item = layout.takeAt(0)
        if item.widget() is not None:
            item.widget().hide()
            item.widget().deleteLater()
        elif item.layout() is not None:
            _clear(item.layout())
