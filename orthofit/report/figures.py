"""Report figures as reportlab drawings.

Step strips, force curves, the stabilogram and the exercise illustrations; the pressure maps
are drawn in ``map_figure.py`` and the insoles in ``insole_figure.py`` (both re-exported here).

Every figure is vector graphics except the pressure image itself, so it prints sharp. Left and
right differ in colour and in line style, so they still differ in black-and-white print.
"""

from __future__ import annotations

import numpy as np
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import (
    Circle,
    Drawing,
    Line,
    Polygon,
    PolyLine,
    Rect,
    String,
)
from reportlab.lib import colors

from orthofit.report.content import (
    ForceCurves,
    Stabilogram,
    StepStrips,
)
from orthofit.report.fonts import BOLD, FONT, register_fonts  # noqa: F401 - re-exported

# The insole drawings live in their own module; re-exported here for older callers.
from orthofit.report.insole_figure import insole_drawing, insole_group  # noqa: F401
from orthofit.report.map_figure import colour_bar, pressure_maps_drawing  # noqa: F401
from orthofit.report.scale import nice_ticks

#: Left and right in every chart: blue solid and orange dashed (told apart in colour, in
#: grey print and by colour-blind readers).
SIDE_STYLE = {"left": (colors.Color(0.0, 0.35, 0.7), None),
              "right": (colors.Color(0.85, 0.4, 0.0), [4, 2])}


def _wrap(text: str, width: int) -> list[str]:
    """Words of ``text`` in lines of at most ``width`` characters."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def step_strips_drawing(fig: StepStrips, width: float, row: float = 30.0) -> Drawing:
    """One row per measure and foot: the steps as dots on an axis beside the normal range."""
    label_w, verdict_w = 70.0, 150.0
    axis_w = width - label_w - verdict_w - 10
    d = Drawing(width, row * len(fig.strips) + 4)
    for i, st in enumerate(fig.strips):
        y0 = d.height - (i + 1) * row + 10

        def x(v: float, st=st) -> float:
            return label_w + (v - st.lo) / max(st.hi - st.lo, 1e-9) * axis_w

        d.add(String(0, y0 + 2, st.label, fontName=FONT, fontSize=7.5))
        d.add(Rect(x(st.normal[0]), y0 - 4, x(st.normal[1]) - x(st.normal[0]), 14,
                   fillColor=colors.Color(.88, .88, .88), strokeColor=None))
        d.add(Line(label_w, y0 - 4, label_w + axis_w, y0 - 4, strokeColor=colors.black,
                   strokeWidth=0.4))
        step = nice_ticks(st.hi - st.lo)[1]
        for t in np.arange(np.ceil(st.lo / step) * step, st.hi + 1e-9, step):
            t = round(float(t), 6) + 0.0  # no "-0"
            d.add(Line(x(t), y0 - 4, x(t), y0 - 6, strokeColor=colors.black, strokeWidth=0.4))
            d.add(String(x(t), y0 - 13, f"{t:g}", fontName=FONT, fontSize=6,
                         textAnchor="middle"))
        for c in st.cuts:
            d.add(Line(x(c), y0 - 4, x(c), y0 + 10, strokeColor=colors.Color(.4, .4, .4),
                       strokeWidth=0.5, strokeDashArray=[1.5, 1.5]))
        if st.interval is not None:
            a, b = x(st.interval[0]), x(st.interval[1])
            d.add(PolyLine([a, y0 - 1, a, y0 - 2.5, b, y0 - 2.5, b, y0 - 1],
                           strokeColor=colors.black, strokeWidth=0.6))
        for k, v in enumerate(st.values):
            # Steps with equal values sit side by side, not on top of each other.
            dy = 2.5 * (sum(abs(w - v) < 1e-9 for w in st.values[:k]) % 3)
            d.add(Circle(x(v), y0 + 3 + dy, 1.8, fillColor=colors.black, strokeColor=None))
        d.add(Line(x(st.centre), y0 - 1, x(st.centre), y0 + 10, strokeColor=colors.black,
                   strokeWidth=1.4))
        d.add(String(label_w + axis_w + 8, y0 + 2, f"median {st.centre:.3g}{st.unit}, "
                     f"n {len(st.values)}", fontName=FONT, fontSize=7))
        for k, line in enumerate(_wrap(st.verdict, 46)[:2]):
            d.add(String(label_w + axis_w + 8, y0 - 7 - 7 * k, line, fontName=FONT,
                         fontSize=6.5))
    return d


def _legend(d: Drawing, x: float, y: float, entries: list[tuple[str, str]]) -> None:
    """Line samples in each side's colour and dash, with their words, one under another."""
    for k, (side, text) in enumerate(entries):
        colour, dash = SIDE_STYLE.get(side, (colors.black, None))
        yy = y - 11 * k
        d.add(Line(x, yy + 2.5, x + 18, yy + 2.5, strokeColor=colour, strokeWidth=1.4,
                   strokeDashArray=dash))
        d.add(String(x + 22, yy, text, fontName=FONT, fontSize=7))


def force_curves_drawing(fig: ForceCurves, width: float, height: float = 150) -> Drawing:
    """Force (N or % body weight) against time from touch-down (s), one line per step.

    Left steps are blue and solid, right steps orange and dashed, named in the legend.
    """
    d = Drawing(width, height)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 40, 30, width - 150, height - 45
    plot.data = [list(zip(t.tolist(), f.tolist(), strict=True)) for _, t, f in fig.series]
    sides = []
    for i, (label, _, _) in enumerate(fig.series):
        side = label.split(" ")[0]
        colour, dash = SIDE_STYLE.get(side, (colors.black, None))
        plot.lines[i].strokeColor = colour
        plot.lines[i].strokeWidth = 0.9
        if dash:
            plot.lines[i].strokeDashArray = dash
        if side not in sides:
            sides.append(side)
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName = FONT
        axis.labels.fontSize = 7
    plot.yValueAxis.valueMin = 0
    d.add(plot)
    unit = "force (% body weight)" if fig.unit.startswith("%") else f"force ({fig.unit})"
    d.add(String(plot.x - 30, plot.y + plot.height + 6, unit, fontName=FONT, fontSize=7))
    d.add(String(plot.x + plot.width, 8, "time from touch-down (s)", fontName=FONT,
                 fontSize=7, textAnchor="end"))
    counts = {s: sum(label.startswith(s + " ") for label, _, _ in fig.series) for s in sides}
    _legend(d, plot.x + plot.width + 14, plot.y + plot.height - 8,
            [(s, f"{s} foot ({counts[s]} steps)") for s in sides])
    return d


def stabilogram_drawing(fig: Stabilogram, size: float = 170.0) -> Drawing:
    """The standing COP path about its mean and its 95 % ellipse, on equal mm axes.

    x is to the patient's right, y forwards (as seen from above, toes up).
    """
    d = Drawing(size, size)
    pad_l, pad_b, pad_t = 26.0, 22.0, 16.0
    side = size - pad_l - pad_t
    a, b = fig.semi_axes_mm
    theta = np.radians(fig.angle_deg)
    t = np.linspace(0, 2 * np.pi, 73)
    ex = fig.centre_mm[0] + a * np.cos(t) * np.cos(theta) - b * np.sin(t) * np.sin(theta)
    ey = fig.centre_mm[1] + a * np.cos(t) * np.sin(theta) + b * np.sin(t) * np.cos(theta)
    extent = max(float(np.abs(fig.x_mm).max()), float(np.abs(fig.y_mm).max()),
                 float(np.abs(ex).max()), float(np.abs(ey).max()), 1.0)
    ticks = nice_ticks(extent * 1.1)
    r = ticks[-1] if ticks[-1] >= extent else ticks[-1] + (ticks[1] - ticks[0])
    s = side / (2 * r)
    cx, cy = pad_l + side / 2, pad_b + side / 2

    def pt(x: float, y: float) -> tuple[float, float]:
        return cx + x * s, cy + y * s

    d.add(Rect(pad_l, pad_b, side, side, fillColor=None, strokeColor=colors.black,
               strokeWidth=0.4))
    grey = colors.Color(.85, .85, .85)
    for v in sorted({*ticks, *(-x for x in ticks)}):
        if abs(v) > r + 1e-9:
            continue
        d.add(Line(*pt(v, -r), *pt(v, r), strokeColor=grey, strokeWidth=0.3))
        d.add(Line(*pt(-r, v), *pt(r, v), strokeColor=grey, strokeWidth=0.3))
        label = f"{v:g}"
        d.add(String(pt(v, -r)[0], pad_b - 9, label, fontName=FONT, fontSize=6.5,
                     textAnchor="middle"))
        d.add(String(pad_l - 3, pt(-r, v)[1] - 2, label, fontName=FONT, fontSize=6.5,
                     textAnchor="end"))
    d.add(Line(*pt(0, -r), *pt(0, r), strokeColor=colors.Color(.6, .6, .6), strokeWidth=0.5))
    d.add(Line(*pt(-r, 0), *pt(r, 0), strokeColor=colors.Color(.6, .6, .6), strokeWidth=0.5))
    # A long trial has thousands of points: every n-th keeps the drawing small and the shape.
    every = max(1, len(fig.x_mm) // 1500)
    path = [v for x, y in zip(fig.x_mm[::every], fig.y_mm[::every], strict=True)
            for v in pt(float(x), float(y))]
    d.add(PolyLine(path, strokeColor=SIDE_STYLE["left"][0], strokeWidth=0.35))
    d.add(PolyLine([v for x, y in zip(ex, ey, strict=True) for v in pt(float(x), float(y))],
                   strokeColor=colors.black, strokeWidth=1.1))
    d.add(String(pad_l + side, 1, "right (mm)", fontName=FONT, fontSize=7, textAnchor="end"))
    d.add(String(pad_l, pad_b + side + 7, "forwards (mm)", fontName=FONT, fontSize=7))
    return d


# --------------------------------------------------------------------------------------------
# Exercise illustrations: simple stick figures in a 100 x 50 box
# --------------------------------------------------------------------------------------------

_POSES: dict[str, list[tuple]] = {
    "clamshell": [("c", 8, 14, 5), ("l", 13, 14, 50, 14), ("l", 50, 14, 66, 30),
                  ("l", 66, 30, 56, 10), ("l", 50, 14, 66, 8), ("l", 66, 8, 56, 8),
                  ("l", 0, 4, 100, 4), ("a", 72, 22, 72, 34)],
    "hydrant": [("c", 18, 34, 5), ("l", 23, 32, 62, 32), ("l", 26, 32, 26, 6),
                ("l", 62, 32, 62, 6), ("l", 62, 6, 80, 6), ("l", 62, 32, 78, 40),
                ("l", 78, 40, 90, 34), ("l", 0, 5, 100, 5), ("a", 84, 30, 84, 44)],
    "side_raise": [("c", 8, 14, 5), ("l", 13, 14, 50, 14), ("l", 50, 14, 92, 34),
                   ("l", 50, 14, 64, 6), ("l", 64, 6, 84, 6), ("l", 0, 3, 100, 3),
                   ("a", 80, 22, 80, 36)],
    "bridge": [("c", 8, 9, 5), ("l", 13, 8, 50, 28), ("l", 50, 28, 70, 30),
               ("l", 70, 30, 74, 6), ("l", 13, 7, 34, 5), ("l", 0, 3, 100, 3),
               ("a", 48, 14, 48, 26)],
    "single_squat": [("c", 50, 45, 5), ("l", 50, 40, 50, 22), ("l", 50, 36, 36, 30),
                     ("l", 50, 36, 64, 30), ("l", 50, 22, 42, 12), ("l", 42, 12, 48, 2),
                     ("l", 50, 22, 64, 18), ("l", 64, 18, 74, 20), ("l", 30, 1, 70, 1)],
    "calf_stretch": [("l", 90, 0, 90, 50), ("c", 72, 42, 5), ("l", 70, 37, 45, 20),
                     ("l", 68, 34, 88, 36), ("l", 45, 20, 62, 12), ("l", 62, 12, 62, 1),
                     ("l", 45, 20, 20, 1), ("l", 0, 1, 100, 1)],
    "short_foot": [("p", [10, 6, 30, 6, 42, 14, 62, 14, 86, 6, 92, 10, 88, 16, 70, 24,
                          40, 26, 22, 22, 12, 14, 10, 6]), ("l", 0, 4, 100, 4),
                   ("a", 52, 18, 52, 32)],
    "balance": [("c", 50, 45, 5), ("l", 50, 40, 50, 20), ("l", 50, 35, 28, 38),
                ("l", 50, 35, 72, 38), ("l", 50, 20, 50, 1), ("l", 50, 20, 62, 16),
                ("l", 62, 16, 58, 6), ("l", 30, 1, 70, 1)],
}


def exercise_drawing(key: str, width: float = 110, height: float = 55,
                     poses: dict[str, list[tuple]] | None = None) -> Drawing:
    """A stick-figure illustration of an exercise (black lines, prints in grey scale).

    ``poses`` adds figures to this module's, each item in a 100 x 50 box: ("c", x, y, r) a
    head, ("l", x0, y0, x1, y1) a limb, ("p", points) a light shape (a foot), ("P", points) a
    dark one (a shoe), ("t", x0, y0, x1, y1) a band or towel, ("a", x0, y0, x1, y1) an arrow
    showing the movement.
    """
    d = Drawing(width, height)
    sx, sy = width / 100.0, height / 50.0
    grey = colors.Color(0.35, 0.35, 0.35)
    for item in {**_POSES, **(poses or {})}.get(key, []):
        kind = item[0]
        if kind == "c":
            d.add(Circle(item[1] * sx, item[2] * sy, item[3] * sx, fillColor=colors.white,
                         strokeColor=colors.black, strokeWidth=1.2))
        elif kind in "lt":
            band = kind == "t"
            d.add(Line(item[1] * sx, item[2] * sy, item[3] * sx, item[4] * sy,
                       strokeColor=colors.Color(.55, .55, .55) if band else colors.black,
                       strokeWidth=2.4 if band else 1.6, strokeLineCap=1))
        elif kind in "pP":
            pts = [v * (sx if i % 2 == 0 else sy) for i, v in enumerate(item[1])]
            shade = 0.9 if kind == "p" else 0.25
            d.add(Polygon(pts, fillColor=colors.Color(shade, shade, shade),
                          strokeColor=colors.black, strokeWidth=1.2 if kind == "p" else 0.8))
        elif kind == "a":
            x0, y0, x1, y1 = (item[1] * sx, item[2] * sy, item[3] * sx, item[4] * sy)
            d.add(Line(x0, y0, x1, y1, strokeColor=grey, strokeWidth=1.0))
            # The head points along the arrow, whichever way it runs.
            v = np.array([x1 - x0, y1 - y0], float)
            v /= max(float(np.hypot(*v)), 1e-9)
            n = np.array([-v[1], v[0]])
            back = np.array([x1, y1]) - 5 * v
            a, b = back + 3 * n, back - 3 * n
            d.add(Polygon([x1, y1, *a, *b], fillColor=grey, strokeColor=None))
    return d
