"""The pressure maps of the reports as reportlab drawings: the feet, their overlays, the scale.

Draws a :class:`~orthofit.report.footmaps.PressureMaps`: both frames at one millimetre scale
(so the feet compare by eye), the colours of :mod:`orthofit.report.scale`, the region labels
with each region's peak printed in a white halo so the axis and COP lines never hide them, and,
for standing trials, each foot's share of the load beside it.
"""

from __future__ import annotations

import numpy as np
from reportlab.graphics.shapes import Drawing, Group, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from skimage.measure import find_contours

from orthofit.report.fonts import BOLD, FONT
from orthofit.report.footmaps import REGION_LABELS, FootMap, PressureMaps
from orthofit.report.scale import colourise, nice_ticks

#: Size of the region labels and values (pt): legible on paper (7 pt at least).
LABEL_PT = 7.0
#: Room beside a standing foot's frame for its fore/rear shares (pt).
LOAD_SPACE = 54.0
#: Region outlines: near-white, seen on every colour of the clinician scale (dark blue to red).
_OUTLINE = colors.Color(.92, .92, .92)


def halo_text(g: Group, x: float, y: float, text: str, *, size: float = LABEL_PT,
              font: str = FONT, anchor: str = "middle",
              colour: colors.Color = colors.black) -> None:
    """``text`` with a white halo around its letters, readable over lines and colours."""
    d = 0.7
    for dx, dy in ((-d, 0), (d, 0), (0, -d), (0, d), (-d, -d), (d, d), (-d, d), (d, -d)):
        g.add(String(x + dx, y + dy, text, fontName=font, fontSize=size, textAnchor=anchor,
                     fillColor=colors.white))
    g.add(String(x, y, text, fontName=font, fontSize=size, textAnchor=anchor, fillColor=colour))


def _outlines(g: Group, m: FootMap, pt) -> None:  # noqa: ANN001 - a local mapping
    """Outline every anatomical region along the sensel edges."""
    img = m.mask_index
    up = np.kron(img, np.ones((2, 2), int))  # contours between half-sensels follow the edges
    for k in range(len(REGION_LABELS)):
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
                g.add(PolyLine(points, strokeColor=_OUTLINE, strokeWidth=0.5))


def _labels(g: Group, m: FootMap, pt, mark: float | None, unit: str) -> None:  # noqa: ANN001
    """Each region's short name and, below it, its value; marked values boxed."""
    for r in m.regions:
        x, y = pt(r.x_mm, r.y_mm)
        halo_text(g, x, y + 1, r.label)
        value = f"{r.value:.0f}" if unit == "kPa" else f"{r.value:.2f}"
        marked = mark is not None and r.value >= mark
        halo_text(g, x, y - LABEL_PT, value, font=BOLD if marked else FONT)
        if marked:
            w = stringWidth(value, BOLD, LABEL_PT)
            g.add(Rect(x - w / 2 - 1.5, y - LABEL_PT - 2, w + 3, LABEL_PT + 2.5, fillColor=None,
                       strokeColor=colors.black, strokeWidth=0.9))


def sensels(values: np.ndarray, vmax: float, pitch_mm: tuple[float, float], scale: float,
            *, patient: bool = False) -> Group:
    """The loaded sensels as filled rectangles (row 0 at the top; unloaded ones left white).

    Vector rectangles rather than an image: they print sharp at any size, and an inline image
    in the page's text stream trips some PDF readers. Runs of one colour along a row are drawn
    as one rectangle; each overlaps the next by a hair so no seam shows between them.
    """
    rgb = colourise(values, vmax, patient=patient)
    loaded = np.nan_to_num(values) > 0
    rows, cols = values.shape
    h, w = pitch_mm[0] * scale, pitch_mm[1] * scale
    g = Group()
    for r in range(rows):
        c = 0
        while c < cols:
            if not loaded[r, c]:
                c += 1
                continue
            end = c + 1
            while end < cols and loaded[r, end] and (rgb[r, end] == rgb[r, c]).all():
                end += 1
            red, green, blue = (rgb[r, c] / 255.0).tolist()
            g.add(Rect(c * w, (rows - r - 1) * h, (end - c) * w + 0.3, h + 0.3,
                       fillColor=colors.Color(red, green, blue), strokeColor=None))
            c = end
    return g


def foot_map(m: FootMap, scale: float, fig: PressureMaps) -> Group:
    """One foot's picture, its frame at the origin; ``scale`` is points per mm."""
    w_mm, h_mm = m.size_mm
    g = sensels(m.peak_kpa, fig.vmax_kpa, m.pitch_mm, scale, patient=fig.patient)
    g.add(Rect(0, 0, w_mm * scale, h_mm * scale, fillColor=None, strokeColor=colors.grey,
               strokeWidth=0.3))
    ox, oy = m.origin_mm

    def pt(x: float, y: float) -> tuple[float, float]:
        return (x - ox) * scale, (h_mm - (y - oy)) * scale

    if fig.overlays:
        if m.mask_index is not None:
            _outlines(g, m, pt)
        heel, axis = np.array(m.heel_xy_mm), np.array(m.axis)
        a = pt(*(heel + axis * m.u_back_mm))
        b = pt(*(heel + axis * (m.u_back_mm + m.length_mm)))
        g.add(Line(*a, *b, strokeColor=colors.black, strokeWidth=0.8, strokeDashArray=[3, 2]))
        for p, q in m.thirds:
            g.add(Line(*pt(*p), *pt(*q), strokeColor=colors.black, strokeWidth=0.9))
        if m.split is not None:
            g.add(Line(*pt(*m.split[0]), *pt(*m.split[1]), strokeColor=colors.black,
                       strokeWidth=0.9, strokeDashArray=[1, 1.5]))
        if m.cop_xy_mm is not None and len(m.cop_xy_mm) > 1:
            points = [v for xy in m.cop_xy_mm for v in pt(*xy)]
            g.add(PolyLine(points, strokeColor=colors.white, strokeWidth=2.2))
            g.add(PolyLine(points, strokeColor=colors.black, strokeWidth=0.9))
        # Labels last: nothing is drawn over them.
        _labels(g, m, pt, fig.mark_kpa, fig.unit)
    title = m.title
    if m.load is not None:
        title += f": {m.load.total_pct:.0f} % of the load"
    g.add(String(w_mm * scale / 2, h_mm * scale + 4, title, fontName=BOLD, fontSize=9,
                 textAnchor="middle"))
    return g


def load_brackets(m: FootMap, scale: float, outside: float) -> Group:
    """A standing foot's fore and rear shares beside its frame (``outside`` -1 left, +1 right).

    Two brackets span the front and the rear half of the print along the frame's side, each
    with its share of the body's load.
    """
    g = Group()
    if m.load is None:
        return g
    w_mm, h_mm = m.size_mm
    heel, axis = np.array(m.heel_xy_mm), np.array(m.axis)
    # The brackets span the print as drawn (toes to heel), divided where the axis is halved.
    half = float((heel + axis * (m.u_back_mm + 0.5 * m.length_mm))[1])
    top, bottom = m.print_box_mm[1], m.print_box_mm[3]
    if axis[1] > 0:  # toes toward the last row: the picture is upside down
        top, bottom = bottom, top
    ys = [(h_mm - (y - m.origin_mm[1])) * scale for y in (top, half, bottom)]
    x = -6.0 if outside < 0 else w_mm * scale + 6.0
    tick = 3.0 * -outside
    for (y0, y1), share, word in (((ys[0], ys[1]), m.load.fore_pct, "front"),
                                  ((ys[1], ys[2]), m.load.rear_pct, "rear")):
        inset = 1.5 if y1 < y0 else -1.5
        g.add(PolyLine([x + tick, y0 - inset, x, y0 - inset, x, y1 + inset, x + tick,
                        y1 + inset], strokeColor=colors.black, strokeWidth=0.7))
        tx = x - 3 if outside < 0 else x + 3
        anchor = "end" if outside < 0 else "start"
        mid = (y0 + y1) / 2
        g.add(String(tx, mid + 1, f"{share:.0f} %", fontName=BOLD, fontSize=9,
                     textAnchor=anchor))
        g.add(String(tx, mid - 8, word, fontName=FONT, fontSize=7, textAnchor=anchor))
    return g


def colour_bar(vmax: float, height: float, width: float = 8.0, *, patient: bool = False,
               unit: str = "kPa") -> Group:
    """A vertical colour scale ``height`` points tall: kPa ticks, or "less"/"more" pressure."""
    g = Group()
    n = 64
    for i in range(n):
        v = (i + 0.5) / n * vmax
        r, gg, b = colourise(np.array([v]), vmax, patient=patient)[0] / 255.0
        g.add(Rect(0, i * height / n, width, height / n + 0.2, fillColor=colors.Color(r, gg, b),
                   strokeColor=None))
    g.add(Rect(0, 0, width, height, fillColor=None, strokeColor=colors.black, strokeWidth=0.4))
    if patient:
        g.add(String(width + 4, height - 7, "more", fontName=FONT, fontSize=8))
        g.add(String(width + 4, 1, "less", fontName=FONT, fontSize=8))
        g.add(String(0, height + 6, "pressure", fontName=BOLD, fontSize=8))
        return g
    for v in nice_ticks(vmax):
        y = v / vmax * height
        g.add(Line(width, y, width + 3, y, strokeColor=colors.black, strokeWidth=0.4))
        g.add(String(width + 5, y - 2.5, f"{v:g}", fontName=FONT, fontSize=7))
    g.add(String(0, height + 6, unit, fontName=BOLD, fontSize=7))
    return g


def pressure_maps_drawing(fig: PressureMaps, max_width: float, max_height: float) -> Drawing:
    """The feet side by side at one millimetre scale, in frames of one size, with the scale.

    The drawing is centred in ``max_width`` and no taller than ``max_height`` (points).
    """
    sizes = [m.size_mm for m in fig.maps]
    frame_w = max(w for w, _ in sizes)
    frame_h = max(h for _, h in sizes)
    gap = 8 * mm
    bar_space = 40.0
    side = LOAD_SPACE if any(m.load is not None for m in fig.maps) else 0.0
    n = len(fig.maps)
    fixed = bar_space + gap * (n - 1) + 2 * side
    top = 16.0  # the titles above the frames
    scale = min((max_width - fixed) / (n * frame_w), (max_height - top) / frame_h)
    used = n * frame_w * scale + fixed
    d = Drawing(max_width, frame_h * scale + top)
    x = (max_width - used) / 2 + side
    for i, (m, (_, h)) in enumerate(zip(fig.maps, sizes, strict=True)):
        g = foot_map(m, scale, fig)
        g.translate(x, (frame_h - h) * scale)
        d.add(g)
        if m.load is not None:
            # The left foot's shares on its left, the right foot's on its right.
            outside = -1.0 if (m.side == "left" or (n == 1 and i == 0)) else 1.0
            brackets = load_brackets(m, scale, outside)
            brackets.translate(x, (frame_h - h) * scale)
            d.add(brackets)
        x += frame_w * scale + (gap if i < n - 1 else side)
    bar = colour_bar(fig.vmax_kpa, frame_h * scale * 0.8, patient=fig.patient, unit=fig.unit)
    bar.translate(x + 6, 4)
    d.add(bar)
    return d
