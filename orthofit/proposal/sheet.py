"""The insoles laid out on a sheet: outlines, zones, labels with leader lines, a scale bar.

One layout serves the clinician PDF, the lab's true-size SVG and the GUI's proposal tab, so the
three show the same picture. It is pure geometry: the caller says how wide a text is (its own
font's metrics) and how many drawing units make a millimetre; renderers only draw.

Coordinates are drawing units with y growing upwards (toes up). Each insole is seen from above:
a left foot's lateral side is on the left. Labels stand in columns beside each insole, never
over it: the medial zones' labels in the gap between the feet, the lateral ones outside, each
joined to its zone by a leader line, so no word covers an outline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from orthofit.proposal.outline import InsoleOutline, width_at
from orthofit.proposal.wording import format_value

#: Fill grey (0 black - 1 white) of each kind of zone: light enough for black text and lines.
ZONE_GREY = {"heel_lift": 0.9, "rearfoot_post": 0.78, "forefoot_post": 0.78,
             "arch_support": 0.66, "metatarsal_pad": 0.56, "offloading": 1.0}
#: Kinds of zone drawn with a dashed edge: a cut-out is a hole, not a raised part.
DASHED_ZONES = frozenset({"offloading"})
SCALE_BAR_MM = 50.0


def rough_width(text: str, size: float) -> float:
    """A text's width without font metrics: 0.6 of the size per character (a sans serif)."""
    return 0.6 * size * len(text)


@dataclasses.dataclass(frozen=True)
class Label:
    """A text in its box (x0, y0, x1, y1), set from ``baseline``.

    ``leader`` runs from ``leader[0]`` in the zone to ``leader[1]`` at the label (None for
    captions); ``anchor`` is "start", "middle" or "end" (where ``baseline`` is on the text).
    """

    text: str
    box: tuple[float, float, float, float]
    baseline: tuple[float, float]
    kind: str
    leader: tuple[tuple[float, float], tuple[float, float]] | None = None
    anchor: str = "start"
    bold: bool = False


@dataclasses.dataclass(frozen=True)
class Shape:
    """A polygon (closed) or a polyline of the drawing: an insole, a zone or the shell's end."""

    kind: str
    element: str
    points: np.ndarray
    closed: bool = True
    dashed: bool = False
    grey: float = 1.0
    side: str = ""


@dataclasses.dataclass(frozen=True)
class ScaleBar:
    """A scale bar: ``length_mm`` long, ``length`` drawing units from ``start`` (x, y).

    It has a tick every ``tick_mm``.
    """

    start: tuple[float, float]
    length: float
    length_mm: float
    tick_mm: float = 10.0


@dataclasses.dataclass(frozen=True)
class Sheet:
    """A laid-out drawing of the insoles, ``width`` x ``height`` drawing units."""

    width: float
    height: float
    scale: float  # drawing units per mm
    font_size: float
    shapes: tuple[Shape, ...]
    labels: tuple[Label, ...]
    scale_bar: ScaleBar | None

    def outlines(self) -> list[np.ndarray]:
        """The insoles' outline polygons (drawing units)."""
        return [s.points for s in self.shapes if s.kind == "outline"]


@dataclasses.dataclass
class _Item:
    text: str
    anchor: tuple[float, float]  # insole mm, (x, y) after mirroring
    right: bool  # in the column right of the insole
    kind: str


def _items(outline: InsoleOutline, sign: float, u0: float) -> list[_Item]:
    """The labels an insole needs, with the point each points to (insole mm)."""
    centre = float(np.mean(sign * outline.polygon[:, 1]))
    items = []
    for zone in outline.zones:
        u, w = zone.anchor
        x = sign * w
        items.append(_Item(zone.label, (x, u - u0), x > centre, zone.kind))
    if outline.shell_part:
        med, lat = width_at(outline.polygon, outline.shell_end_u_mm)
        # The end of the line on the lateral side: medial labels crowd the gap between feet.
        x = sign * (lat - 2.0)
        items.append(_Item(f"{outline.shell_part} shell ends here", (x, outline.shell_end_u_mm
                                                                      - u0), x > centre,
                           "shell_end"))
    return items


def _spread(wanted: list[float], height: float, lo: float, hi: float) -> list[float]:
    """Box bottoms near ``wanted`` (sorted), at least ``height`` apart, within [lo, hi]."""
    out: list[float] = []
    for y in wanted:
        out.append(max(y, lo) if not out else max(y, out[-1] + height))
    # Pushed past the top: move the stack down (as far as the bottom allows).
    excess = (out[-1] + height - hi) if out else 0.0
    if excess > 0:
        out = [y - excess for y in out]
        for i in range(len(out)):
            out[i] = max(out[i], lo + i * height)
    return out


def layout_sheet(outlines: Sequence[InsoleOutline], *, scale: float | None = None,
                 width: float | None = None, height: float | None = None,
                 font_size: float = 7.0,
                 measure: Callable[[str, float], float] = rough_width,
                 scale_bar_mm: float | None = SCALE_BAR_MM,
                 print_check: bool = False) -> Sheet:
    """Lay the insoles out side by side (left foot on the left) with their labels.

    ``scale`` is drawing units per mm (1 for a sheet in mm, 72 / 25.4 for points at true
    size); without it the insoles are fitted into ``width`` x ``height``. ``measure(text,
    size)`` gives a text's width in drawing units. ``print_check`` adds the line that tells
    the lab how long the scale bar must measure when printed at 100 %.
    """
    feet = []
    for o in outlines:
        sign = -1.0 if o.side == "left" else 1.0
        u0 = float(o.polygon[:, 0].min())
        xs = sign * o.polygon[:, 1]
        caption = f"{o.side.capitalize()} insole, {o.length_mm:.0f} \u00d7 {o.width_mm:.0f} mm"
        feet.append((o, sign, u0, float(xs.min()), float(xs.max()), _items(o, sign, u0),
                     caption))
    widths = [f[4] - f[3] for f in feet]
    longest = max((o.length_mm for o in outlines), default=100.0)
    given_scale = scale

    def plan(fs: float) -> tuple[float, float, float, list[tuple[float, float]], list[float]]:
        """Label columns, fixed width and height, scale and padding of each foot at size fs."""
        cols = [tuple(max((measure(i.text, fs) for i in f[5] if i.right is r), default=0.0)
                      for r in (False, True)) for f in feet]
        fixed_w = fs * (2 * 0.6 + 2.0 * max(len(feet) - 1, 0)) + sum(
            c + (0.8 * fs if c else 0.0) for col in cols for c in col)
        fixed_h = fs * (2 * 0.6 + 1.8 + (2.6 if scale_bar_mm else 0.0) +
                        (1.4 if print_check and scale_bar_mm else 0.0))
        pads = [0.0] * len(feet)
        k = given_scale
        for _ in range(3):  # a caption wider than its insole and labels widens the block
            extra = fixed_w + sum(pads)
            if given_scale is None:
                k = max(min(((width or 1e9) - extra) / max(sum(widths), 1.0),
                            ((height or 1e9) - fixed_h) / longest), 1e-3)
            pads = [max(0.0, measure(f[6], fs) - (sum(c) + 1.6 * fs + w * k))
                    for f, c, w in zip(feet, cols, widths, strict=True)]
        return fixed_w + sum(pads), fixed_h, float(k), cols, pads

    fixed_w, fixed_h, scale, cols, pads = plan(font_size)
    if given_scale is None and width is not None:
        # Labels so wide that the insoles would be drawn much smaller than the height allows:
        # a smaller type (down to 70 %) rather than tiny insoles. Labels, gaps and margins
        # all grow with the type, so the width they take scales with it.
        room = (height - fixed_h) / longest if height is not None else 1e9
        wanted = min(0.8 * room, 0.6 * width / max(sum(widths), 1.0))
        if scale < wanted:
            shrink = (width - wanted * sum(widths)) / fixed_w
            font_size *= float(np.clip(shrink, 0.7, 1.0))
            fixed_w, fixed_h, scale, cols, pads = plan(font_size)
    fs = font_size
    line = 1.35 * fs  # a label's box height
    gap = 0.8 * fs  # between a column of labels and its insole
    between = 2.0 * fs  # between one insole's labels and the next insole's
    margin = 0.6 * fs
    caption_h = 1.8 * fs
    bar_h = (2.6 if scale_bar_mm else 0) * fs + (1.4 * fs if print_check and scale_bar_mm
                                                 else 0)
    body_h = longest * scale
    sheet_w = width if width is not None else fixed_w + sum(widths) * scale
    sheet_h = height if height is not None else fixed_h + body_h
    y_feet = margin + bar_h + caption_h  # the heels' line
    top = sheet_h - margin
    # Centre the row of insoles when the sheet is wider than they need.
    x = margin + max(0.0, (sheet_w - fixed_w - sum(widths) * scale) / 2)
    shapes: list[Shape] = []
    labels: list[Label] = []
    for (o, sign, u0, xmin, _xmax, items, caption), w, (col_l, col_r), pad in zip(
            feet, widths, cols, pads, strict=True):
        x_ins = x + pad / 2 + col_l + (gap if col_l else 0.0)

        def to_sheet(poly: np.ndarray, sign=sign, u0=u0, xmin=xmin, x_ins=x_ins) -> np.ndarray:
            return np.stack([x_ins + (sign * poly[:, 1] - xmin) * scale,
                             y_feet + (poly[:, 0] - u0) * scale], axis=1)

        shapes.append(Shape("outline", "", to_sheet(o.polygon), side=o.side))
        for zone in o.zones:
            shapes.append(Shape("zone", zone.kind, to_sheet(zone.polygon),
                                dashed=zone.kind in DASHED_ZONES,
                                grey=ZONE_GREY.get(zone.kind, 0.8), side=o.side))
        if o.shell_part:
            med, lat = width_at(o.polygon, o.shell_end_u_mm)
            chord = np.array([[o.shell_end_u_mm, med], [o.shell_end_u_mm, lat]])
            shapes.append(Shape("shell_end", "shell", to_sheet(chord), closed=False,
                                dashed=True, side=o.side))
        x_right = x_ins + w * scale
        for right in (False, True):
            col = [i for i in items if i.right is right]
            col.sort(key=lambda i: i.anchor[1])
            wanted = [y_feet + i.anchor[1] * scale - line / 2 for i in col]
            ys = _spread(wanted, line, y_feet, top)
            for item, y in zip(col, ys, strict=True):
                tw = measure(item.text, fs)
                ax = x_ins + (item.anchor[0] - xmin) * scale
                ay = y_feet + item.anchor[1] * scale
                if right:
                    x0 = x_right + gap
                    box = (x0, y, x0 + tw, y + line)
                    end = (x0 - 0.2 * fs, y + line / 2)
                    base, anchor = (x0, y + 0.3 * fs), "start"
                else:
                    x1 = x_ins - gap
                    box = (x1 - tw, y, x1, y + line)
                    end = (x1 + 0.2 * fs, y + line / 2)
                    base, anchor = (x1, y + 0.3 * fs), "end"
                labels.append(Label(item.text, box, base, item.kind, ((ax, ay), end), anchor))
        cx = x_ins + w * scale / 2
        cw = measure(caption, fs)
        cy = y_feet - caption_h
        labels.append(Label(caption, (cx - cw / 2, cy, cx + cw / 2, cy + line),
                            (cx, cy + 0.3 * fs), "caption", None, "middle", bold=True))
        x = x_right + (gap + col_r if col_r else 0.0) + pad / 2 + between
    bar = None
    if scale_bar_mm:
        y_bar = margin + (1.4 * fs if print_check else 0.0) + 1.2 * fs
        bar = ScaleBar((margin, y_bar), scale_bar_mm * scale, scale_bar_mm)
        text = format_value(scale_bar_mm, "mm")
        tx = margin + scale_bar_mm * scale + 0.6 * fs
        labels.append(Label(text, (tx, y_bar - 0.2 * fs, tx + measure(text, fs),
                                   y_bar - 0.2 * fs + line), (tx, y_bar),
                            "scale"))
        if print_check:
            check = (f"Print at 100 %: this bar measures {text}. If it does not, the outlines "
                     "are not true size.")
            y = margin
            labels.append(Label(check, (margin, y, margin + measure(check, fs), y + line),
                                (margin, y + 0.3 * fs), "print_check"))
    return Sheet(float(sheet_w), float(sheet_h), float(scale), fs, tuple(shapes),
                 tuple(labels), bar)


def boxes_overlap(a: tuple[float, float, float, float],
                  b: tuple[float, float, float, float]) -> bool:
    """Whether two boxes (x0, y0, x1, y1) share more than an edge."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _segments_cross(p: np.ndarray, q: np.ndarray, r: np.ndarray, s: np.ndarray) -> bool:
    def orient(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
        return float((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))

    d1, d2 = orient(r, s, p), orient(r, s, q)
    d3, d4 = orient(p, q, r), orient(p, q, s)
    return d1 * d2 < 0 and d3 * d4 < 0


def inside(point: Sequence[float], poly: np.ndarray) -> bool:
    """Whether a point lies inside a polygon (even-odd rule).

    Examples
    --------
    >>> square = np.array([[0, 0], [2, 0], [2, 2], [0, 2]], float)
    >>> inside((1, 1), square), inside((3, 1), square)
    (True, False)
    """
    x, y = point
    hit = False
    n = len(poly)
    for i in range(n):
        (xa, ya), (xb, yb) = poly[i], poly[(i + 1) % n]
        if (ya > y) != (yb > y) and x < xa + (y - ya) * (xb - xa) / (yb - ya):
            hit = not hit
    return hit


def box_meets_polygon(box: tuple[float, float, float, float], poly: np.ndarray) -> bool:
    """Whether a box (x0, y0, x1, y1) and a polygon overlap.

    They do when a corner of one lies inside the other or two of their edges cross.

    Examples
    --------
    >>> tri = np.array([[0, 0], [10, 0], [0, 10]], float)
    >>> box_meets_polygon((1, 1, 2, 2), tri), box_meets_polygon((8, 8, 9, 9), tri)
    (True, False)
    """
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)
    if any(inside(c, poly) for c in corners):
        return True
    if any(x0 < px < x1 and y0 < py < y1 for px, py in poly):
        return True
    n = len(poly)
    for i in range(n):
        for k in range(4):
            if _segments_cross(poly[i], poly[(i + 1) % n], corners[k], corners[(k + 1) % 4]):
                return True
    return False
