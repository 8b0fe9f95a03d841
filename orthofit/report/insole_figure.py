"""The proposed insoles as a reportlab drawing (the clinician PDF's insole page).

The layout (where each outline, zone, label and leader line goes) is
:func:`orthofit.proposal.sheet.layout_sheet`'s, the same as the lab's SVG and the GUI's; this
module only draws it, measuring text with the report's embedded font.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, PolyLine, String
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics

from orthofit.proposal.sheet import Sheet, layout_sheet

if TYPE_CHECKING:
    from orthofit.proposal.outline import InsoleOutline
    from orthofit.report.content import InsoleFigure

#: The report's fonts (Bitstream Vera, registered by fonts.register_fonts: it has "°", "×").
FONT, BOLD = "Vera", "VeraBd"
LABEL_PT = 7.0


def _fonts() -> None:
    from orthofit.report.fonts import register_fonts

    register_fonts()


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Width in points of ``text`` set in the report's font."""
    _fonts()
    return pdfmetrics.stringWidth(text, BOLD if bold else FONT, size)


def measure(text: str, size: float) -> float:
    """Text width for the layout: captions are bold, so measure every text as bold (wider)."""
    return text_width(text, size, bold=True)


def sheet_group(sheet: Sheet) -> Group:
    """Every shape, label and leader of a laid-out sheet (points, y up) as a Group."""
    g = Group()

    def flat(points: np.ndarray) -> list[float]:
        return [float(v) for xy in points for v in xy]

    for shape in sheet.shapes:
        dash = [3, 2] if shape.dashed else None
        if shape.closed:
            grey = shape.grey
            g.add(Polygon(flat(shape.points), fillColor=colors.Color(grey, grey, grey),
                          strokeColor=colors.black,
                          strokeWidth=1.0 if shape.kind == "outline" else 0.5,
                          strokeDashArray=dash))
        else:
            g.add(PolyLine(flat(shape.points), strokeColor=colors.black, strokeWidth=0.8,
                           strokeDashArray=dash))
    for label in sheet.labels:
        if label.leader is not None:
            (ax, ay), (ex, ey) = label.leader
            g.add(Line(ax, ay, ex, ey, strokeColor=colors.Color(.25, .25, .25),
                       strokeWidth=0.5))
            g.add(Circle(ax, ay, 1.2, fillColor=colors.black, strokeColor=None))
        g.add(String(label.baseline[0], label.baseline[1], label.text,
                     fontName=BOLD if label.bold else FONT, fontSize=sheet.font_size,
                     textAnchor=label.anchor))
    bar = sheet.scale_bar
    if bar is not None:
        (x0, y0), length = bar.start, bar.length
        g.add(Line(x0, y0, x0 + length, y0, strokeColor=colors.black, strokeWidth=1.2))
        ticks = int(round(bar.length_mm / bar.tick_mm))
        for k in range(ticks + 1):
            x = x0 + length * k / ticks
            h = 4.0 if k in (0, ticks) else 2.0
            g.add(Line(x, y0, x, y0 + h, strokeColor=colors.black, strokeWidth=0.6))
    return g


def insole_sheet(outlines: tuple[InsoleOutline, ...], width: float, height: float,
                 scale: float | None = None) -> Sheet:
    """The PDF's layout of the insoles in ``width`` x ``height`` points."""
    return layout_sheet(outlines, scale=scale, width=width, height=height, font_size=LABEL_PT,
                        measure=measure)


def insole_drawing(fig: InsoleFigure, width: float, height: float = 330,
                   scale: float | None = None) -> Drawing:
    """The insoles side by side, seen from above, toes up (left foot on the left).

    Zones are labelled beside the insole with leader lines, a 3/4 shell's end is marked and
    named, and a 50 mm scale bar tells the drawing's size. ``scale`` is points per mm; by
    default the insoles are fitted into ``width`` x ``height``.
    """
    d = Drawing(width, height)
    if not fig.outlines:
        return d
    d.add(sheet_group(insole_sheet(fig.outlines, width, height, scale)))
    return d


def insole_group(outline: InsoleOutline, scale: float, mirror: bool | None = None) -> Group:
    """One insole with its labels at ``scale`` points per mm (kept for older callers)."""
    return sheet_group(layout_sheet((outline,), scale=scale, font_size=LABEL_PT,
                                    measure=measure))
