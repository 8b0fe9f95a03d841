"""The patient report's own drawings (reportlab): footprints, the insole and its parts, exercises.

:func:`flowables` turns the blocks of :mod:`orthofit.report.patient` into platypus flowables
for ``render.py``; any other block is left to ``render.py`` (None). The footprints use the
patient's light-to-dark colours of :mod:`orthofit.report.scale` with a scale that says "less" and
"more pressure" and no number; the insole is the drawing of
:func:`orthofit.report.figures.insole_drawing` with its zones numbered as the part list.
"""

from __future__ import annotations

from typing import Any

from reportlab.graphics.shapes import Drawing, Group, Rect, String
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from orthofit.report import figures
from orthofit.report.content import InsoleFigure
from orthofit.report.footmaps import PressureMaps
from orthofit.report.map_figure import sensels
from orthofit.report.patient import Footprints, InsoleParts, PlanExercise
from orthofit.report.scale import PATIENT_LUT

FONT, BOLD = "Vera", "VeraBd"
_GREY = colors.Color(.35, .35, .35)
_RULE = colors.Color(.7, .7, .7)


def flowables(block: Any, width: float, height: float,
              styles: dict[str, ParagraphStyle]) -> list[Any] | None:
    """The flowables of a patient-report block (``width`` x ``height`` points of frame)."""
    if isinstance(block, Footprints):
        return [footprints_drawing(block.maps, width, min(82 * mm, height * 0.38)),
                Spacer(1, 6)]
    if isinstance(block, InsoleParts):
        return [insole_parts_table(block, width, styles), Spacer(1, 6)]
    if isinstance(block, PlanExercise):
        return [KeepTogether([exercise_row(block, width, styles), Spacer(1, 4)])]
    return None


# --------------------------------------------------------------------------------------------
# Footprints: light to dark, "less" to "more pressure"
# --------------------------------------------------------------------------------------------

def pressure_bar(height: float, width: float = 10.0) -> Group:
    """A vertical light-to-dark bar, "more pressure" at its top and "less pressure" at its foot."""
    g = Group()
    n = len(PATIENT_LUT)
    for i, (r, gg, b) in enumerate(PATIENT_LUT / 255.0):
        g.add(Rect(0, i * height / n, width, height / n + 0.3,
                   fillColor=colors.Color(r, gg, b), strokeColor=None))
    g.add(Rect(0, 0, width, height, fillColor=None, strokeColor=_GREY, strokeWidth=0.4))
    for y, word in ((height - 9, "more"), (11, "less")):
        g.add(String(width + 4, y, word, fontName=BOLD, fontSize=9))
        g.add(String(width + 4, y - 10, "pressure", fontName=FONT, fontSize=9))
    return g


def footprints_drawing(fig: PressureMaps, max_width: float, max_height: float) -> Drawing:
    """The feet side by side at one millimetre scale with the light-to-dark pressure bar.

    Every foot is coloured against the same top value (``fig.vmax_kpa``) so the two feet
    compare; the picture is centred in ``max_width`` and no taller than ``max_height``.
    """
    sizes = [m.size_mm for m in fig.maps]
    frame_w, frame_h = max(w for w, _ in sizes), max(h for _, h in sizes)
    gap, bar_space, top = 6 * mm, 75.0, 16.0
    # A standing foot's share of the weight goes under it: a number the patient knows.
    bottom = 14.0 if any(m.load is not None for m in fig.maps) else 0.0
    n = len(fig.maps)
    scale = min((max_width - bar_space - gap * (n - 1)) / (n * frame_w),
                (max_height - top - bottom) / frame_h)
    used = n * frame_w * scale + gap * (n - 1) + bar_space
    d = Drawing(max_width, frame_h * scale + top + bottom)
    x = (max_width - used) / 2
    for m, (w, h) in zip(fig.maps, sizes, strict=True):
        foot = sensels(m.peak_kpa, fig.vmax_kpa, m.pitch_mm, scale, patient=True)
        foot.translate(x + (frame_w - w) * scale / 2, bottom + (frame_h - h) * scale)
        d.add(foot)
        centre = x + frame_w * scale / 2
        d.add(String(centre, bottom + frame_h * scale + 4, m.title, fontName=BOLD,
                     fontSize=10, textAnchor="middle"))
        if m.load is not None:
            d.add(String(centre, 2, f"{m.load.total_pct:.0f} % of your weight",
                         fontName=FONT, fontSize=9, textAnchor="middle"))
        x += frame_w * scale + gap
    bar_h = min(frame_h * scale * 0.7, 160.0)
    bar = pressure_bar(bar_h)
    bar.translate(x + 4 - gap, bottom + (frame_h * scale - bar_h) / 2)
    d.add(bar)
    return d


# --------------------------------------------------------------------------------------------
# The insole and its parts
# --------------------------------------------------------------------------------------------

def insole_parts_table(block: InsoleParts, width: float,
                       styles: dict[str, ParagraphStyle]) -> RLTable:
    """The numbered insole drawing beside the list of parts, kept on one page."""
    pic_w = 0.45 * width
    drawing = figures.insole_drawing(InsoleFigure(block.outlines), pic_w, 88 * mm)
    cell = styles["cell"]
    number = ParagraphStyle("number", parent=styles["cellb"], alignment=1)
    rows = [[Paragraph(no, number), Paragraph(f"<b>{_esc(name)}</b><br/>{_esc(what)}", cell)]
            for no, name, what in block.rows[1:]]
    parts = RLTable(rows, colWidths=[8 * mm, width - pic_w - 8 * mm - 4], hAlign="LEFT")
    parts.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -2), 0.3, _RULE),
                               ("TOPPADDING", (0, 0), (-1, -1), 3),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                               ("LEFTPADDING", (0, 0), (-1, -1), 2)]))
    outer = RLTable([[drawing, parts]], colWidths=[pic_w, width - pic_w], hAlign="LEFT")
    outer.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return outer


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --------------------------------------------------------------------------------------------
# Exercises
# --------------------------------------------------------------------------------------------

#: Stick figures of the exercises figures.py does not draw, in a 100 x 50 box: ("c", x, y, r)
#: a head, ("l", x0, y0, x1, y1) a limb, ("P", points) a dark shape (feet, shoes),
#: ("a", x0, y0, x1, y1) an arrow showing the movement, ("t", x0, y0, x1, y1) a band or towel.
POSES: dict[str, list[tuple]] = {
    # Sitting on the floor, leg straight, a towel from the hands round the ball of the foot.
    "sole_stretch": [("l", 0, 1, 100, 1), ("c", 18, 37, 5), ("l", 19, 32, 24, 3),
                     ("l", 24, 3, 78, 3), ("l", 78, 3, 83, 15), ("l", 20, 27, 46, 18),
                     ("t", 46, 18, 84, 15), ("a", 92, 12, 86, 23)],
    # Seen from above: both legs out in front, a band round the front of the upper foot held
    # by a hand on the inside; the foot turns outwards (up) against it.
    "ankle_band": [("l", 4, 30, 70, 30), ("l", 4, 16, 70, 16),
                   ("P", [70, 27, 84, 26, 86, 30, 84, 34, 70, 33]),
                   ("P", [70, 13, 84, 12, 86, 16, 84, 20, 70, 19]),
                   ("t", 86, 31, 34, 5), ("t", 85, 27, 34, 5), ("c", 33, 5, 2.5),
                   ("a", 92, 33, 93, 46)],
    # Standing in shoes, holding a chair, up on the toes.
    "heel_raise": [("c", 42, 45, 5), ("l", 42, 40, 42, 20), ("l", 42, 35, 72, 30),
                   ("l", 42, 20, 40, 8), ("l", 42, 20, 46, 8),
                   ("P", [37, 8, 43, 9, 50, 2, 44, 1]), ("P", [43, 8, 49, 9, 56, 2, 50, 1]),
                   ("l", 72, 1, 72, 36), ("l", 72, 20, 92, 20), ("l", 92, 20, 92, 1),
                   ("l", 0, 1, 100, 1), ("a", 30, 6, 30, 20)],
    # Standing in shoes at a worktop, both hands on it, one foot a little off the floor.
    "supported_balance": [("c", 38, 45, 5), ("l", 38, 40, 38, 20), ("l", 38, 35, 66, 30),
                          ("l", 38, 33, 66, 28), ("l", 38, 20, 38, 4),
                          ("P", [34, 4, 46, 4, 46, 1, 34, 1]), ("l", 38, 20, 48, 16),
                          ("l", 48, 16, 46, 10), ("P", [43, 10, 54, 10, 54, 7, 43, 7]),
                          ("l", 62, 30, 100, 30), ("l", 66, 30, 66, 1), ("l", 0, 1, 100, 1),
                          ("a", 56, 8, 56, 18)],
}


def exercise_drawing(key: str, width: float = 110, height: float = 55) -> Drawing:
    """The illustration of an exercise: figures.py's stick figures and this module's."""
    return figures.exercise_drawing(key, width, height, POSES)


def exercise_row(block: PlanExercise, width: float, styles: dict[str, ParagraphStyle]) -> RLTable:
    """One exercise: its illustration beside its name, how to do it and how often."""
    body = styles["body"]
    text = [Paragraph(f"<b>{_esc(block.name)}</b>", body), Paragraph(_esc(block.how), body),
            Paragraph(f"<i>How often:</i> {_esc(block.dose)}", body)]
    t = RLTable([[exercise_drawing(block.figure), text]], colWidths=[42 * mm, width - 42 * mm],
                hAlign="LEFT")
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("LINEBELOW", (0, 0), (-1, -1), 0.3, _RULE)]))
    return t
