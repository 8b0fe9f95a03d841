"""Report figures as reportlab drawings.

Pressure maps, colour bar, force curves, insoles and the exercise illustrations.

Every figure is vector graphics except the pressure image itself, so it prints sharp; colours
run from white to dark red with steadily falling lightness (colorcet CET-L18), so the maps read
the same in black-and-white print, and overlays are black.
"""

from __future__ import annotations

from pathlib import Path

import colorcet
import numpy as np
import reportlab
from PIL import Image as PILImage
from reportlab.graphics.charts.legends import LineLegend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import (
    STATE_DEFAULTS,
    Circle,
    Drawing,
    Group,
    Image,
    Line,
    Polygon,
    PolyLine,
    Rect,
    String,
)
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from skimage.measure import find_contours

from orthofit.report.content import (
    FootMap,
    ForceCurves,
    InsoleFigure,
    PressureMaps,
    StepStrips,
)

_FONTS = {"Vera": "Vera.ttf", "VeraBd": "VeraBd.ttf", "VeraIt": "VeraIt.ttf",
          "VeraBI": "VeraBI.ttf"}


def register_fonts() -> None:
    """Register the Bitstream Vera TrueType fonts that ship with reportlab (embedded in PDFs)."""
    if "Vera" in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(reportlab.__file__).parent / "fonts"
    for name, file in _FONTS.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    pdfmetrics.registerFontFamily("Vera", normal="Vera", bold="VeraBd", italic="VeraIt",
                                  boldItalic="VeraBI")
    # Drawings start from reportlab's default state, whose font is Helvetica: it would be set
    # (and listed, unembedded) on every page with a figure even though no text uses it.
    STATE_DEFAULTS["fontName"] = "Vera"


register_fonts()

FONT = "Vera"
BOLD = "VeraBd"
#: The colour scale: CET-L18 (white - yellow - orange - red), perceptually uniform.
_LUT = np.array([[int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in colorcet.CET_L18],
                dtype=np.uint8)
_GREYS = [colors.Color(g, g, g) for g in (0.85, 0.7, 0.55, 0.4)]


def colourise(kpa: np.ndarray, vmax: float) -> np.ndarray:
    """RGB image (uint8) of pressures on the report's scale; zero stays white.

    Examples
    --------
    >>> colourise(np.array([[0.0, 100.0]]), 100.0)[0, 0].tolist()
    [255, 255, 255]
    """
    idx = np.clip(np.round(kpa / max(vmax, 1e-9) * (len(_LUT) - 1)), 0, len(_LUT) - 1)
    rgb = _LUT[idx.astype(int)]
    rgb[kpa <= 0] = 255
    return rgb


def _nice_ticks(vmax: float) -> list[float]:
    step = 10 ** np.floor(np.log10(max(vmax, 1e-9) / 4))
    for m in (1, 2, 2.5, 5, 10):
        if vmax / (m * step) <= 5:
            step *= m
            break
    return [float(v) for v in np.arange(0, vmax + 1e-9, step)]


def _foot_map(m: FootMap, scale: float, vmax: float, overlays: bool) -> Group:
    """One foot's picture; ``scale`` points per mm."""
    rows, cols = m.peak_kpa.shape
    h_mm, w_mm = rows * m.pitch_mm[0], cols * m.pitch_mm[1]
    rgb = colourise(m.peak_kpa, vmax)
    image = PILImage.fromarray(np.kron(rgb, np.ones((4, 4, 1), np.uint8)), "RGB")
    g = Group(Image(0, 0, w_mm * scale, h_mm * scale, image))
    g.add(Rect(0, 0, w_mm * scale, h_mm * scale, fillColor=None, strokeColor=colors.grey,
               strokeWidth=0.3))
    ox, oy = m.origin_mm

    def pt(x: float, y: float) -> tuple[float, float]:
        return (x - ox) * scale, (h_mm - (y - oy)) * scale

    if overlays:
        heel, axis, lat = np.array(m.heel_xy_mm), np.array(m.axis), np.array(m.lateral)
        a = pt(*(heel + axis * m.u_back_mm))
        b = pt(*(heel + axis * (m.u_back_mm + m.length_mm)))
        g.add(Line(*a, *b, strokeColor=colors.black, strokeWidth=0.8, strokeDashArray=[3, 2]))
        if m.mask_index is not None:
            _mask_outlines(g, m, pt)
        half = 0.2 * m.length_mm  # about the width of a forefoot either side of the axis
        for frac, dash in ((1 / 3, None), (2 / 3, None)):
            c = heel + axis * (m.u_back_mm + frac * m.toeless_length_mm)
            seg = clip_segment(pt(*(c - lat * half)), pt(*(c + lat * half)),
                               w_mm * scale, h_mm * scale)
            if seg is not None:
                g.add(Line(*seg[0], *seg[1], strokeColor=colors.black, strokeWidth=0.9,
                           strokeDashArray=dash))
        if m.cop_xy_mm is not None and len(m.cop_xy_mm) > 1:
            points = [v for xy in m.cop_xy_mm for v in pt(*xy)]
            g.add(PolyLine(points, strokeColor=colors.white, strokeWidth=2.2))
            g.add(PolyLine(points, strokeColor=colors.black, strokeWidth=0.9))
    g.add(String(w_mm * scale / 2, h_mm * scale + 4, m.title, fontName=BOLD, fontSize=9,
                 textAnchor="middle"))
    return g


def clip_segment(p: tuple[float, float], q: tuple[float, float], width: float,
                 height: float) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The part of segment pq inside the rectangle [0, width] x [0, height] (Liang-Barsky).

    Examples
    --------
    >>> clip_segment((-5.0, 5.0), (15.0, 5.0), 10.0, 10.0)
    ((0.0, 5.0), (10.0, 5.0))
    """
    (x0, y0), (x1, y1) = p, q
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for edge_p, edge_q in ((-dx, x0), (dx, width - x0), (-dy, y0), (dy, height - y0)):
        if edge_p == 0:
            if edge_q < 0:
                return None
            continue
        t = edge_q / edge_p
        if edge_p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
    if t0 > t1:
        return None
    return (x0 + t0 * dx, y0 + t0 * dy), (x0 + t1 * dx, y0 + t1 * dy)


_MASK_LABELS = ("MH", "LH", "MF", "M1", "M2", "M3", "M4", "M5", "H", "T")


def _mask_outlines(g: Group, m: FootMap, pt) -> None:  # noqa: ANN001 - a local mapping
    """Outline every anatomical mask (sensel edges) and label it at its centre."""
    img = m.mask_index
    up = np.kron(img, np.ones((2, 2), int))  # contours between half-sensels follow the edges
    for k, label in enumerate(_MASK_LABELS):
        region = np.pad(up == k, 1).astype(float)
        if region.sum() == 0:
            continue
        for contour in find_contours(region, 0.5):
            rows = (contour[:, 0] - 1) / 2.0
            cols = (contour[:, 1] - 1) / 2.0
            xs = m.origin_mm[0] + cols * m.pitch_mm[1]
            ys = m.origin_mm[1] + rows * m.pitch_mm[0]
            points = [v for x, y in zip(xs, ys, strict=True) for v in pt(x, y)]
            if len(points) >= 6:
                g.add(PolyLine(points, strokeColor=colors.Color(.45, .45, .45), strokeWidth=0.35))
        rr, cc = np.nonzero(img == k)
        x = m.origin_mm[0] + (cc.mean() + 0.5) * m.pitch_mm[1]
        y = m.origin_mm[1] + (rr.mean() + 0.5) * m.pitch_mm[0]
        px, py = pt(x, y)
        g.add(String(px, py - 2, label, fontName=FONT, fontSize=5, textAnchor="middle",
                     fillColor=colors.Color(.15, .15, .15)))


def colour_bar(vmax: float, height: float, width: float = 8.0) -> Group:
    """A vertical kPa scale ``height`` points tall."""
    g = Group()
    n = 64
    for i in range(n):
        v = (i + 0.5) / n * vmax
        r, gg, b = colourise(np.array([v]), vmax)[0] / 255.0
        g.add(Rect(0, i * height / n, width, height / n + 0.2, fillColor=colors.Color(r, gg, b),
                   strokeColor=None))
    g.add(Rect(0, 0, width, height, fillColor=None, strokeColor=colors.black, strokeWidth=0.4))
    for v in _nice_ticks(vmax):
        y = v / vmax * height
        g.add(Line(width, y, width + 3, y, strokeColor=colors.black, strokeWidth=0.4))
        g.add(String(width + 5, y - 2.5, f"{v:g}", fontName=FONT, fontSize=7))
    g.add(String(0, height + 6, "kPa", fontName=BOLD, fontSize=7))
    return g


def pressure_maps_drawing(fig: PressureMaps, max_width: float, max_height: float) -> Drawing:
    """Both feet side by side at true aspect (the pitch), with the colour bar."""
    widths = [m.peak_kpa.shape[1] * m.pitch_mm[1] for m in fig.maps]
    heights = [m.peak_kpa.shape[0] * m.pitch_mm[0] for m in fig.maps]
    gap = 8 * mm
    bar_space = 40.0
    scale = min((max_width - bar_space - gap * (len(widths) - 1)) / sum(widths),
                (max_height - 16) / max(heights))
    d = Drawing(max_width, max(heights) * scale + 16)
    x = 0.0
    for m, w, h in zip(fig.maps, widths, heights, strict=True):
        g = _foot_map(m, scale, fig.vmax_kpa, fig.overlays)
        g.translate(x, max(heights) * scale - h * scale)
        d.add(g)
        x += w * scale + gap
    bar = colour_bar(fig.vmax_kpa, max(heights) * scale * 0.8)
    bar.translate(x, 4)
    d.add(bar)
    return d


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
        step = _nice_ticks(st.hi - st.lo)[1]
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


def force_curves_drawing(fig: ForceCurves, width: float, height: float = 150) -> Drawing:
    """Force (N) against time from touch-down (s), one line per step; dashes tell sides."""
    d = Drawing(width, height)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 40, 30, width - 160, height - 45
    plot.data = [list(zip(t.tolist(), f.tolist(), strict=True)) for _, t, f in fig.series]
    for i, (label, _, _) in enumerate(fig.series):
        plot.lines[i].strokeColor = colors.black if label.startswith("left") else \
            colors.Color(0.45, 0.45, 0.45)
        plot.lines[i].strokeWidth = 1.0
        if label.startswith("right"):
            plot.lines[i].strokeDashArray = [3, 2]
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName = FONT
        axis.labels.fontSize = 7
    plot.yValueAxis.valueMin = 0
    d.add(plot)
    d.add(String(plot.x - 30, plot.y + plot.height + 6, "force (N)", fontName=FONT, fontSize=7))
    d.add(String(plot.x + plot.width - 60, 8, "time from touch-down (s)", fontName=FONT,
                 fontSize=7))
    legend = LineLegend()
    legend.x, legend.y = width - 110, height - 20
    legend.fontName, legend.fontSize = FONT, 7
    # One entry per side (a visit can have a dozen steps): solid black left, dashed grey right.
    pairs = {}
    for i, (label, _, _) in enumerate(fig.series):
        side = label.split(" ")[0]
        pairs.setdefault(side, (plot.lines[i].strokeColor, f"{side} steps"))
    legend.colorNamePairs = list(pairs.values())
    d.add(legend)
    return d


def insole_group(outline, scale: float, mirror: bool) -> Group:  # noqa: ANN001
    """One insole: outline, zones (grey levels, labelled), the shell's end and dimensions."""
    sign = -1.0 if mirror else 1.0
    u0 = float(outline.polygon[:, 0].min())

    def pts(poly: np.ndarray) -> list[float]:
        return [v for u, w in poly for v in (sign * w * scale, (u - u0) * scale)]

    g = Group()
    g.add(Polygon(pts(outline.polygon), fillColor=colors.white, strokeColor=colors.black,
                  strokeWidth=1.0))
    for i, zone in enumerate(outline.zones):
        if len(zone.polygon) < 3:
            continue
        g.add(Polygon(pts(zone.polygon), fillColor=_GREYS[i % len(_GREYS)],
                      strokeColor=colors.black, strokeWidth=0.5))
        c = zone.polygon.mean(axis=0)
        g.add(String(sign * c[1] * scale, (c[0] - u0) * scale, zone.label, fontName=FONT,
                     fontSize=6, textAnchor="middle"))
    end = (outline.shell_end_u_mm - u0) * scale
    w_lo, w_hi = outline.polygon[:, 1].min(), outline.polygon[:, 1].max()
    g.add(Line(sign * w_lo * scale, end, sign * w_hi * scale, end, strokeColor=colors.black,
               strokeDashArray=[4, 2], strokeWidth=0.6))
    label = f"{outline.side}: {outline.length_mm:.0f} x {outline.width_mm:.0f} mm"
    g.add(String(0, -12, label, fontName=FONT, fontSize=7, textAnchor="middle"))
    return g


def insole_drawing(fig: InsoleFigure, width: float, height: float = 230,
                   scale: float | None = None) -> Drawing:
    """The insoles side by side, seen from above, toes up (left foot on the left).

    ``scale`` is points per mm; by default the insoles are fitted into width x height.
    """
    d = Drawing(width, height)
    if not fig.outlines:
        return d
    longest = max(o.length_mm for o in fig.outlines)
    widest = max(o.width_mm for o in fig.outlines)
    if scale is None:
        scale = min((height - 24) / longest, width / (len(fig.outlines) * (widest + 30)))
    for i, outline in enumerate(fig.outlines):
        # Seen from above, the lateral side of a left foot is on the left.
        g = insole_group(outline, scale, mirror=outline.side == "left")
        g.translate(width * (i + 0.5) / len(fig.outlines), 16)
        d.add(g)
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


def exercise_drawing(key: str, width: float = 110, height: float = 55) -> Drawing:
    """A stick-figure illustration of an exercise (black lines, prints in grey scale)."""
    d = Drawing(width, height)
    sx, sy = width / 100.0, height / 50.0
    for item in _POSES.get(key, []):
        kind = item[0]
        if kind == "c":
            d.add(Circle(item[1] * sx, item[2] * sy, item[3] * sx, fillColor=colors.white,
                         strokeColor=colors.black, strokeWidth=1.2))
        elif kind == "l":
            d.add(Line(item[1] * sx, item[2] * sy, item[3] * sx, item[4] * sy,
                       strokeColor=colors.black, strokeWidth=1.6, strokeLineCap=1))
        elif kind == "p":
            pts = [v * (sx if i % 2 == 0 else sy) for i, v in enumerate(item[1])]
            d.add(Polygon(pts, fillColor=colors.Color(0.9, 0.9, 0.9), strokeColor=colors.black,
                          strokeWidth=1.2))
        elif kind == "a":  # an arrow showing the movement
            x0, y0, x1, y1 = (item[1] * sx, item[2] * sy, item[3] * sx, item[4] * sy)
            d.add(Line(x0, y0, x1, y1, strokeColor=colors.Color(0.35, 0.35, 0.35),
                       strokeWidth=1.0))
            d.add(Polygon([x1, y1, x1 - 3, y1 - 5, x1 + 3, y1 - 5],
                          fillColor=colors.Color(0.35, 0.35, 0.35), strokeColor=None))
    return d
