"""Render a report :class:`~orthofit.report.content.Document` to PDF with reportlab.

Pages are A4 or Letter; the Bitstream Vera fonts that ship with reportlab are embedded (so the
PDF looks the same everywhere); every page carries the header and "page x of y"; the document
carries title, author and subject. Output is deterministic: the same content and date give the
same bytes (reportlab's invariant mode fixes its ids and timestamps).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
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
    SignatureLine,
    StepStrips,
    Table,
)
from orthofit.report.figures import register_fonts

PAGE_SIZES = {"a4": A4, "letter": LETTER}
def _styles(patient: bool) -> dict[str, ParagraphStyle]:
    size = 11.5 if patient else 9.0
    base = ParagraphStyle("body", fontName="Vera", fontSize=size, leading=size * 1.35,
                          alignment=TA_LEFT, spaceAfter=size * 0.5)
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
    rows = [[Paragraph(_escape(c), styles["cellb" if r == 0 else "cell"]) for c in row]
            for r, row in enumerate(block.rows)]
    widths = [f * width for f in block.widths] if block.widths else None
    t = RLTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = [("FONTNAME", (0, 0), (-1, -1), "Vera"),
             ("GRID", (0, 0), (-1, -1), 0.3, colors.Color(.6, .6, .6)),
             ("BACKGROUND", (0, 0), (-1, 0), colors.Color(.88, .88, .88)),
             ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    for r, c in block.flagged:
        style.append(("BOX", (c, r), (c, r), 1.2, colors.black))
    t.setStyle(TableStyle(style))
    return t


class _Signature(Flowable):
    def __init__(self, width: float, label: str) -> None:
        super().__init__()
        self.width, self.height, self.label = width, 70, label

    def draw(self) -> None:  # noqa: D102 - Flowable API
        c = self.canv
        c.setStrokeColor(colors.Color(.6, .6, .6))
        for y in (60, 42):
            c.line(0, y, self.width, y)
        c.setStrokeColor(colors.black)
        c.line(0, 10, self.width * 0.45, 10)
        c.line(self.width * 0.55, 10, self.width, 10)
        c.setFont("Vera", 7)
        c.drawString(0, 1, f"{self.label}: name and signature")
        c.drawString(self.width * 0.55, 1, "Date")


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


def flowables(doc: Document, width: float, height: float, patient: bool) -> list[Any]:
    """The platypus flowables for a document's blocks."""
    styles = _styles(patient)
    out: list[Any] = []
    for block in doc.blocks:
        if block is None:
            continue
        if isinstance(block, Heading):
            out.append(CondPageBreak(40 * mm))
            out.append(Paragraph(_escape(block.text), styles["h1" if block.level == 1 else "h2"]))
        elif isinstance(block, Para):
            out.append(Paragraph(_escape(block.text), styles.get(block.style, styles["body"])))
        elif isinstance(block, Table):
            table = _table(block, width, styles)
            # A short table is read as one: it moves to the next page whole rather than
            # leaving a row or two behind.
            out.append(KeepTogether([table]) if len(block.rows) <= 14 else table)
            out.append(Spacer(1, 4))
        elif isinstance(block, PressureMaps):
            out.append(figures.pressure_maps_drawing(block, width, min(110 * mm, height * 0.5)))
            out.append(Spacer(1, 4))
        elif isinstance(block, ForceCurves):
            out.append(figures.force_curves_drawing(block, width))
        elif isinstance(block, StepStrips):
            out.append(figures.step_strips_drawing(block, width))
            out.append(Spacer(1, 4))
        elif isinstance(block, InsoleFigure):
            out.append(figures.insole_drawing(block, width))
            out.append(Spacer(1, 6))
        elif isinstance(block, Exercise):
            out.append(KeepTogether([_exercise(block, width, styles), Spacer(1, 4)]))
        elif isinstance(block, SignatureLine):
            out.append(_Signature(width, block.label))
        elif isinstance(block, PageBreak):
            out.append(RLPageBreak())
    return out


def _numbered_canvas(header: str, date: str, logo: str | None = None) -> type:
    class NumberedCanvas(rl_canvas.Canvas):
        """Defers pages so each can say "page x of y"."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab API
            self._pages.append(dict(self.__dict__))
            self._startPage()

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
                self.drawString(x, h - 11 * mm, header)
                self.drawRightString(w - 18 * mm, h - 11 * mm, date)
                self.drawRightString(w - 18 * mm, 10 * mm, f"page {self._pageNumber} of {total}")
                self.drawString(18 * mm, 10 * mm, "orthofit")
                super().showPage()
            super().save()

    return NumberedCanvas


def render_pdf(doc: Document, *, page_size: str = "a4", patient: bool = False) -> bytes:
    """The PDF bytes of ``doc``."""
    register_fonts()
    size = PAGE_SIZES[page_size]
    buf = io.BytesIO()
    template = SimpleDocTemplate(
        buf, pagesize=size, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
        bottomMargin=18 * mm, title=doc.title, author=doc.author, subject=doc.subject,
        creator="orthofit", producer="orthofit (reportlab)", invariant=1,
        initialFontName="Vera", initialFontSize=9,
    )
    story = flowables(doc, template.width, template.height, patient)
    template.build(story, canvasmaker=_numbered_canvas(doc.header, doc.date, doc.logo))
    return buf.getvalue()


def write_pdf(doc: Document, path: str | Path, *, page_size: str = "a4",
              patient: bool = False) -> Path:
    """Render and write atomically, readable by the owner only."""
    data = render_pdf(doc, page_size=page_size, patient=patient)
    return write_atomic(path, lambda fh: fh.write(data), mode=0o600)

