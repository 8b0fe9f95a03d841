"""Render a report :class:`~orthofit.report.content.Document` to PDF with reportlab.

Pages are A4 or Letter; the Bitstream Vera fonts that ship with reportlab are embedded (so the
PDF looks the same everywhere); every page carries the header and "page x of y"; the document
carries title, author and subject. Output is deterministic: the same content and date give the
same bytes (reportlab's invariant mode fixes its ids and timestamps).
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import PageBreak as RLPageBreak
from reportlab.platypus import Table as RLTable

from orthofit.io.ofs import write_atomic
from orthofit.report import figures
from orthofit.report.content import (
    Document,
    Exercise,
    ForceCurves,
    Heading,
    InsoleFigure,
    PageBreak,
    Para,
    PressureMaps,
    Row,
    SignatureLine,
    Stabilogram,
    StepStrips,
    Table,
)
from orthofit.report.figures import register_fonts
from orthofit.report.insole3d_block import InsoleHeights
from orthofit.report.insole3d_figure import insole3d_drawing

PAGE_SIZES = {"a4": A4, "letter": LETTER}
def _styles(patient: bool) -> dict[str, ParagraphStyle]:
    size = 11.5 if patient else 9.0
    base = ParagraphStyle("body", fontName="Vera", fontSize=size, leading=size * 1.35,
                          alignment=TA_LEFT, spaceAfter=size * 0.5,
                          # No paragraph's last line alone at the top of a page.
                          allowWidows=0, allowOrphans=0)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=size - 1.5,
                                leading=(size - 1.5) * 1.3, textColor=colors.Color(.25, .25, .25)),
        "note": ParagraphStyle("note", parent=base, fontName="VeraIt"),
        "warning": ParagraphStyle("warning", parent=base, fontName="VeraBd", borderWidth=0.8,
                                  borderColor=colors.black, borderPadding=6, spaceBefore=6,
                                  spaceAfter=12),
        "big": ParagraphStyle("big", parent=base, fontName="VeraBd", fontSize=size + 7,
                              leading=(size + 7) * 1.25, spaceAfter=4),
        "h1": ParagraphStyle("h1", parent=base, fontName="VeraBd", fontSize=size + 3.5,
                             leading=(size + 3.5) * 1.3, spaceBefore=size, spaceAfter=size * 0.4),
        "h2": ParagraphStyle("h2", parent=base, fontName="VeraBd", fontSize=size + 1.5,
                             spaceBefore=size * 0.6),
        "cell": ParagraphStyle("cell", parent=base, fontSize=size - 1, leading=(size - 1) * 1.25,
                               spaceAfter=0),
        "cellb": ParagraphStyle("cellb", parent=base, fontName="VeraBd", fontSize=size - 1,
                                leading=(size - 1) * 1.25, spaceAfter=0),
    }


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("&lt;b&gt;", "<b>").replace("&lt;/b&gt;", "</b>").replace("\n", "<br/>"))


def _table(block: Table, width: float, styles: dict[str, ParagraphStyle]) -> RLTable:
    labels = getattr(block, "labels", False)

    def style_of(r: int, c: int) -> ParagraphStyle:
        bold = c % 2 == 0 if labels else r == 0
        return styles["cellb" if bold else "cell"]

    rows = [[Paragraph(_escape(cell), style_of(r, c)) for c, cell in enumerate(row)]
            for r, row in enumerate(block.rows)]
    widths = [f * width for f in block.widths] if block.widths else None
    t = RLTable(rows, colWidths=widths, repeatRows=0 if labels else 1, hAlign="LEFT")
    style = [("FONTNAME", (0, 0), (-1, -1), "Vera"),
             ("GRID", (0, 0), (-1, -1), 0.3, colors.Color(.6, .6, .6)),
             ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    if labels:
        style += [("BACKGROUND", (c, 0), (c, -1), colors.Color(.93, .93, .93))
                  for c in range(0, len(block.rows[0]), 2)]
    else:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(.88, .88, .88)))
    for r, c in block.flagged:
        style.append(("BOX", (c, r), (c, r), 1.2, colors.black))
    t.setStyle(TableStyle(style))
    return t


class _Signature(Flowable):
    """Two lines for notes, then the clinician's name, signature and date lines."""

    def __init__(self, width: float, label: str) -> None:
        super().__init__()
        self.width, self.height, self.label = width, 74, label

    def draw(self) -> None:  # noqa: D102 - Flowable API
        c = self.canv
        c.setStrokeColor(colors.Color(.6, .6, .6))
        for y in (64, 46):
            c.line(0, y, self.width, y)
        c.setStrokeColor(colors.black)
        c.line(0, 14, self.width * 0.45, 14)
        c.line(self.width * 0.55, 14, self.width, 14)
        c.setFont("Vera", 7)
        c.drawString(0, 4, f"{self.label}: name and signature")
        c.drawString(self.width * 0.55, 4, "Date")


def _exercise(block: Exercise, width: float, styles: dict[str, ParagraphStyle]) -> RLTable:
    text = [Paragraph(f"<b>{_escape(block.name)}</b>", styles["body"]),
            Paragraph(_escape(block.how), styles["body"]),
            Paragraph(f"<i>How often:</i> {_escape(block.dose)}", styles["body"])]
    t = RLTable([[figures.exercise_drawing(block.figure), text]],
                colWidths=[42 * mm, width - 42 * mm], hAlign="LEFT")
    t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "Vera"),
                           ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.Color(.7, .7, .7))]))
    return t


@dataclasses.dataclass(frozen=True)
class Layout:
    """How large the figures are drawn: the first try, and a compact one to save a page."""

    maps_mm: float = 120.0
    insoles_pt: float = 230.0
    curves_pt: float = 150.0
    drop_soft_breaks: bool = False


#: The layouts tried in turn until the last page is not an orphan (see :func:`render_pdf`).
LAYOUTS = (Layout(), Layout(drop_soft_breaks=True), Layout(105.0, 190.0, 130.0),
           Layout(105.0, 190.0, 130.0, drop_soft_breaks=True), Layout(95.0, 170.0, 120.0),
           Layout(95.0, 170.0, 120.0, drop_soft_breaks=True))
#: Height of the printed insoles' figure, as a share of the outlines' drawing's height.
INSOLE3D_SHARE = 0.85
#: The least share of its frame the last page must fill (below it the page is an orphan).
MIN_LAST_PAGE_FILL = 0.3


def _block(block: Any, width: float, height: float, styles: dict[str, ParagraphStyle],
           layout: Layout) -> list[Any]:
    """The flowables of one block."""
    if isinstance(block, Heading):
        return [Paragraph(_escape(block.text), styles["h1" if block.level == 1 else "h2"])]
    if isinstance(block, Para):
        return [Paragraph(_escape(block.text), styles.get(block.style, styles["body"]))]
    if isinstance(block, Table):
        table = _table(block, width, styles)
        # A short table is read as one: it moves to the next page whole rather than
        # leaving a row or two behind.
        return [KeepTogether([table]) if len(block.rows) <= 14 else table, Spacer(1, 4)]
    if isinstance(block, PressureMaps):
        return [figures.pressure_maps_drawing(block, width, min(layout.maps_mm * mm,
                                                                height * 0.55)), Spacer(1, 4)]
    if isinstance(block, ForceCurves):
        return [figures.force_curves_drawing(block, width, layout.curves_pt)]
    if isinstance(block, StepStrips):
        return [figures.step_strips_drawing(block, width), Spacer(1, 4)]
    if isinstance(block, Stabilogram):
        return [figures.stabilogram_drawing(block, min(width, 62 * mm))]
    if isinstance(block, Row):
        # Inside a table cell a flowable cannot move to the next page: unwrap KeepTogether.
        cells = [[p for f_ in _block(b, f * width - 8, height, styles, layout)
                  for p in (f_._content if isinstance(f_, KeepTogether) else [f_])
                  if not isinstance(p, Spacer)]
                 for b, f in zip(block.blocks, block.widths, strict=True)]
        t = RLTable([cells], colWidths=[f * width for f in block.widths], hAlign="LEFT")
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (0, -1), 0),
                               ("ALIGN", (1, 0), (-1, -1), "CENTER")]))
        return [t, Spacer(1, 4)]
    if isinstance(block, InsoleFigure):
        return [figures.insole_drawing(block, width, layout.insoles_pt), Spacer(1, 6)]
    if isinstance(block, InsoleHeights):
        # As tall as the outlines' drawing in this layout: both shrink to spare a page.
        return [insole3d_drawing(block, width, layout.insoles_pt * INSOLE3D_SHARE),
                Spacer(1, 4)]
    if isinstance(block, Exercise):
        return [KeepTogether([_exercise(block, width, styles), Spacer(1, 4)])]
    if isinstance(block, SignatureLine):
        return [Spacer(1, 8), _Signature(width, block.label), Spacer(1, 6)]
    if isinstance(block, PageBreak):
        if block.soft:
            return [] if layout.drop_soft_breaks else [_SoftBreak()]
        return [RLPageBreak()]
    return []


def flowables(doc: Document, width: float, height: float, patient: bool,
              layout: Layout | None = None) -> list[Any]:
    """The platypus flowables for a document's blocks.

    A heading is kept on one page with the block that follows it (a table, a figure), so no
    heading is left alone at the foot of a page.
    """
    from orthofit.report import patient_figures  # the patient report's own blocks

    layout = layout or Layout()
    styles = _styles(patient)
    groups: list[tuple[bool, list[Any]]] = []
    for block in doc.blocks:
        if block is None:
            continue
        own = patient_figures.flowables(block, width, height, styles)
        parts = own if own is not None else _block(block, width, height, styles, layout)
        if parts:
            groups.append((isinstance(block, Heading), parts))
    out: list[Any] = []
    pending: list[Any] = []  # headings waiting for the block they introduce
    for is_heading, parts in groups:
        if is_heading:
            if not pending:
                out.append(CondPageBreak(40 * mm))
            pending += parts
            continue
        if pending and isinstance(parts[0], RLPageBreak):
            out.append(parts[0])  # the break goes before the waiting heading
            parts = parts[1:]
        if pending and parts:
            # Unwrap a kept-together table so the heading and the table move as one.
            first = parts[0]._content if isinstance(parts[0], KeepTogether) else [parts[0]]
            out.append(KeepTogether([*pending, *first]))
            parts, pending = parts[1:], []
        out += parts
    return out + pending


def _numbered_canvas(header: str, date: str, logo: str | None = None,
                     flag: str | None = None) -> type:
    class NumberedCanvas(rl_canvas.Canvas):
        """Defers pages so each can say "page x of y" (and carry the flag, if any)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab API
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def _flag(self, right: float, y: float) -> float:
            """The flag as white bold words on a dark red box ending at ``right``."""
            size = 8.0
            w = stringWidth(flag, "VeraBd", size) + 8
            self.setFillColor(colors.Color(.65, .05, .05))
            self.roundRect(right - w, y - 2.5, w, size + 4, 2, stroke=0, fill=1)
            self.setFillColor(colors.white)
            self.setFont("VeraBd", size)
            self.drawString(right - w + 4, y, flag)
            return right - w

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                w, h = self._pagesize
                self.setFont("Vera", 7.5)
                self.setFillColor(colors.Color(.3, .3, .3))
                x = 18 * mm
                if logo:
                    try:
                        self.drawImage(logo, x, h - 13 * mm, width=20 * mm, height=8 * mm,
                                       preserveAspectRatio=True, anchor="w", mask="auto")
                        x += 22 * mm
                    except OSError:
                        pass  # a logo that cannot be read leaves the header as text
                right = w - 18 * mm
                self.drawRightString(right, h - 11 * mm, date)
                text = header
                if flag:
                    left_end = self._flag(right - stringWidth(date, "Vera", 7.5) - 8,
                                          h - 11 * mm)
                    self.setFont("Vera", 7.5)
                    self.setFillColor(colors.Color(.3, .3, .3))
                    # A long name is shortened rather than run under the flag.
                    while text and stringWidth(text, "Vera", 7.5) > left_end - x - 8:
                        text = text[:-2] + "\u2026"
                self.drawString(x, h - 11 * mm, text)
                self.drawRightString(right, 10 * mm, f"page {self._pageNumber} of {total}")
                self.drawString(18 * mm, 10 * mm, "orthofit")
                super().showPage()
            super().save()

    return NumberedCanvas


class _SoftBreak(RLPageBreak):
    """A page break the layout may leave out (see :func:`render_pdf`)."""


class _Template(SimpleDocTemplate):
    """A document template that notes how far down each page its flowables reach."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lowest: dict[int, float] = {}

    def afterFlowable(self, flowable: Any) -> None:  # noqa: N802 - reportlab API
        if self.frame is None or isinstance(flowable, RLPageBreak):
            return
        y = self.frame._y
        self.lowest[self.page] = min(self.lowest.get(self.page, y), y)

    def fill(self, page: int) -> float:
        """The share of a page's frame its flowables fill (0-1)."""
        top = self.bottomMargin + self.height
        return (top - self.lowest.get(page, top)) / self.height

    def last_page_fill(self) -> float:
        """The share of the last page's frame its flowables fill (0-1)."""
        return self.fill(max(self.lowest, default=1))


@dataclasses.dataclass(frozen=True)
class _Rendered:
    data: bytes
    pages: int
    last_fill: float

    @property
    def orphan(self) -> bool:
        return self.pages > 1 and self.last_fill < MIN_LAST_PAGE_FILL


def _render(doc: Document, size: tuple[float, float], patient: bool,
            layout: Layout) -> _Rendered:
    """The PDF of one layout, with its number of pages and how full its last page is."""
    buf = io.BytesIO()
    template = _Template(
        buf, pagesize=size, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
        bottomMargin=18 * mm, title=doc.title, author=doc.author, subject=doc.subject,
        creator="orthofit", producer="orthofit (reportlab)", invariant=1,
        initialFontName="Vera", initialFontSize=9,
    )
    story = flowables(doc, template.width, template.height, patient, layout)
    template.build(story, canvasmaker=_numbered_canvas(doc.header, doc.date, doc.logo,
                                                       getattr(doc, "flag", None)))
    return _Rendered(buf.getvalue(), template.page, template.last_page_fill())


def render_pdf(doc: Document, *, page_size: str = "a4", patient: bool = False) -> bytes:
    """The PDF bytes of ``doc``.

    The layouts of :data:`LAYOUTS` (full-size figures or smaller ones, with or without the
    page breaks marked ``soft``) are weighed and the best is kept: no orphan last page (one
    holding less than :data:`MIN_LAST_PAGE_FILL` of a page: a few table rows or a lone
    signature line), then the fewest pages, then the first of :data:`LAYOUTS` (the largest
    figures, the proposal on a page of its own). The most compact layout is rendered first:
    its page count is what the others aim at, so most documents need two renders. The choice
    depends only on the content, so the output stays deterministic.
    """
    register_fonts()
    size = PAGE_SIZES[page_size]
    has_soft = any(isinstance(b, PageBreak) and b.soft for b in doc.blocks)
    sized = any(isinstance(b, PressureMaps | InsoleFigure | ForceCurves | InsoleHeights)
                for b in doc.blocks)
    layouts = [layout for layout in LAYOUTS if has_soft or not layout.drop_soft_breaks]
    if not sized:  # the layouts differ only in the size of these figures
        layouts = [layout for layout in layouts if layout.maps_mm == LAYOUTS[0].maps_mm]
    done = {len(layouts) - 1: _render(doc, size, patient, layouts[-1])}
    fewest = done[len(layouts) - 1].pages
    for i, layout in enumerate(layouts):
        if i not in done:
            done[i] = _render(doc, size, patient, layout)
        if not done[i].orphan and done[i].pages <= fewest:
            return done[i].data
    best = min(done, key=lambda i: (done[i].orphan, done[i].pages,
                                    -done[i].last_fill if done[i].orphan else i))
    return done[best].data


def write_pdf(doc: Document, path: str | Path, *, page_size: str = "a4",
              patient: bool = False) -> Path:
    """Render and write atomically, readable by the owner only."""
    data = render_pdf(doc, page_size=page_size, patient=patient)
    return write_atomic(path, lambda fh: fh.write(data), mode=0o600)
