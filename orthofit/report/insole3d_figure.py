"""The printed insoles as a reportlab drawing: a compact strip on the prescription's page.

A title line (what the pictures are, and the key of heights in mm at its right), then one
column per foot: its insole's top seen from above, toes up (vector cells in a light grey ramp,
2 mm a step), and beside it, side by side, the sections across the heel seat (A) and the arch
(B), seen from behind at true scale (a millimetre across is a millimetre up), so the post's
slope on paper is the post's angle. The strip is low (:data:`STRIP_PT`) so it shares the page
with the lab drawing and the element table.
"""

from __future__ import annotations

import numpy as np
from reportlab.graphics.shapes import Drawing, Group, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from orthofit.insole3d.views import Section
from orthofit.report.insole3d_block import InsoleHeights, InsoleView

FONT, BOLD = "Vera", "VeraBd"
LABEL_PT = 6.5
#: Height of one shade of the map (mm).
BAND_MM = 2.0
#: The lightest and darkest grey of the map (0 black, 1 white).
LIGHT, DARK = 0.97, 0.45
#: Height of the strip (points): low enough that the lab drawing, the strip, the element
#: table, its reasons and the signature share one page even for a diabetic foot's long reasons.
STRIP_PT = 72.0
#: Height of the title line, and of the room above and below a section for its labels; the
#: width of a foot's name, set upright beside its map (points).
TITLE_PT = 10.0
SECTION_LABEL_PT = 9.0
SIDE_PT = 9.0
#: Room between a map and its sections, between two sections, and between the feet (points).
GAP_PT = 14.0
#: Title and what the pictures are, on the strip's first line.
TITLE = "Printed insoles"
EXPLAIN = (" as written to left.stl and right.stl: tops from above, toes up; sections from "
           "behind at true scale")


def band_grey(band: int, bands: int) -> float:
    """The grey (0-1) of the ``band``-th 2 mm step above the shell; below the shell, white."""
    if band < 0:
        return 1.0
    return LIGHT - (LIGHT - DARK) * min(band, bands) / max(bands, 1)


def _bands(fig: InsoleHeights) -> int:
    return max(1, int(np.ceil((fig.top_mm - fig.base_mm) / BAND_MM)))


def height_map_group(view: InsoleView, fig: InsoleHeights, x0: float, y0: float,
                     k: float) -> Group:
    """The top of one insole, ``k`` points per mm, its back-most medial/lateral box at x0, y0.

    Cells of one shade next to each other along a row are drawn as one rectangle.
    """
    g = Group()
    hm = view.heights
    xs = view.x_sign * hm.w_mm
    xmin = float(np.min(view.x_sign * view.outline[:, 1]))
    umin = float(view.outline[:, 0].min())
    bands = _bands(fig)
    order = np.argsort(xs)
    c = hm.cell_mm
    for i, u in enumerate(hm.u_mm):
        z = hm.z_mm[i, order]
        # A hair of tolerance: the mesh is stored in single precision, and the flat shell
        # must not read as a recess.
        band = np.where(np.isfinite(z), np.floor((z - fig.base_mm + 0.01) / BAND_MM), np.nan)
        j = 0
        while j < len(z):
            if np.isnan(band[j]):
                j += 1
                continue
            start = j
            while j + 1 < len(z) and band[j + 1] == band[start]:
                j += 1
            grey = band_grey(int(band[start]), bands)
            x = x0 + k * (xs[order][start] - c / 2 - xmin)
            # Overlap a hair so no white seams show between cells in a viewer.
            g.add(Rect(x, y0 + k * (u - c / 2 - umin), k * c * (j - start + 1) + 0.05,
                       k * c + 0.05, fillColor=colors.Color(grey, grey, grey),
                       strokeColor=None))
            j += 1
    pts = [v for u, w in view.outline
           for v in (x0 + k * (view.x_sign * w - xmin), y0 + k * (u - umin))]
    g.add(Polygon(pts, fillColor=None, strokeColor=colors.black, strokeWidth=0.8))
    return g


def section_group(section: Section, view: InsoleView, label: str, x0: float, y0: float,
                  k: float, mark: str) -> Group:
    """A section, seen from behind at ``k`` points per mm both ways, its bed line at y0."""
    g = Group()
    xs = view.x_sign * section.w_mm
    xmin = float(xs.min())
    z = np.nan_to_num(section.z_mm, nan=0.0)

    def pt(x: float, zz: float) -> tuple[float, float]:
        return x0 + k * (x - xmin), y0 + k * zz

    top = [pt(x, zz) for x, zz in zip(xs, z, strict=True)]
    outline = top + [pt(xs[-1], 0.0), pt(xs[0], 0.0)]
    g.add(Polygon([v for p in outline for v in p], fillColor=colors.Color(.85, .85, .85),
                  strokeColor=colors.black, strokeWidth=0.6))
    base = section.base_mm
    right = float(xs.max() - xmin)
    g.add(Line(x0, y0 + k * base, x0 + k * right, y0 + k * base, strokeWidth=0.4,
               strokeColor=colors.Color(.3, .3, .3), strokeDashArray=[2, 1.5]))
    if section.name == "arch":
        # The middle of the support's crest (it is flat along the medial edge).
        crest = np.flatnonzero(section.z_mm >= np.nanmax(section.z_mm) - 0.1)
        i = int(crest[len(crest) // 2])
        xp, zp = pt(xs[i], float(section.z_mm[i]))
        g.add(Line(xp, y0 + k * base, xp, zp, strokeWidth=0.8, strokeColor=colors.black))
        for yy in (y0 + k * base, zp):
            g.add(Line(xp - 2, yy, xp + 2, yy, strokeWidth=0.8, strokeColor=colors.black))
    # Which side is which: seen from behind, a left foot's medial side is on the right.
    medial_right = view.x_sign < 0
    g.add(String(x0, y0 - 7, "lateral" if medial_right else "medial", fontName=FONT,
                 fontSize=LABEL_PT - 1))
    g.add(String(x0 + k * right, y0 - 7, "medial" if medial_right else "lateral",
                 fontName=FONT, fontSize=LABEL_PT - 1, textAnchor="end"))
    g.add(String(x0, y0 + k * float(np.nanmax(z)) + 3, f"{mark}: {label}", fontName=BOLD,
                 fontSize=LABEL_PT))
    return g


def key_group(fig: InsoleHeights, right: float, y0: float) -> Group:
    """The shades with their heights above the bed (mm), ending at ``right``, on line ``y0``."""
    g = Group()
    bands = _bands(fig)
    cell = 9.0 if bands <= 10 else 90.0 / bands
    x = right - stringWidth(" mm", FONT, LABEL_PT) - bands * cell
    for b in range(bands):
        grey = band_grey(b, bands)
        g.add(Rect(x + b * cell, y0 + 3, cell, 5, fillColor=colors.Color(grey, grey, grey),
                   strokeColor=colors.Color(.5, .5, .5), strokeWidth=0.3))
    every = max(1, int(np.ceil(bands / 5)))  # at most about six numbers
    for b in range(0, bands + 1, every):
        g.add(String(x + b * cell, y0 - 4, f"{fig.base_mm + b * BAND_MM:g}",
                     fontName=FONT, fontSize=LABEL_PT - 1.5, textAnchor="middle"))
    g.add(String(right, y0 + 3, "mm", fontName=FONT, fontSize=LABEL_PT, textAnchor="end"))
    return g


def _sections(view: InsoleView) -> list[tuple[Section, str, str]]:
    """The sections drawn beside a foot's map: (section, label, mark), heel first."""
    out = [(view.heel, view.post_label or view.post_text, "A")]
    if view.arch is not None:
        out.append((view.arch, view.arch_label or view.arch_text or "arch", "B"))
    return out


def _label_width(label: str, mark: str) -> float:
    return stringWidth(f"{mark}: {label}", BOLD, LABEL_PT)


def layout_scales(fig: InsoleHeights, width: float, height: float) -> tuple[float, float]:
    """Points per mm of the maps and of the sections, the same for both feet.

    The maps fill the height under the title line; the sections, side by side, the width left
    beside each map (each as wide as it is or as its label, whichever is wider), and the
    height less their labels.
    """
    length = max(float(np.ptp(v.outline[:, 0])) for v in fig.views)
    col = (width - GAP_PT) / 2
    k_map = max((height - TITLE_PT - 2) / length, 0.05)
    k_sec = (height - TITLE_PT - 2 * SECTION_LABEL_PT) / fig.top_mm
    for view in fig.views:
        room = col - SIDE_PT - k_map * float(np.ptp(view.outline[:, 1])) - GAP_PT
        parts = [(float(np.ptp(sec.w_mm)), _label_width(label, mark))
                 for sec, label, mark in _sections(view)]
        room -= GAP_PT * (len(parts) - 1)
        # The widest scale at which the slots (section or label, the wider) fill the room:
        # sections narrower than their label at that scale take the label's width.
        k = room / sum(w for w, _ in parts)
        for _ in range(len(parts)):
            fixed = [lw for w, lw in parts if k * w < lw]
            free = [w for w, lw in parts if k * w >= lw]
            if free:
                k = (room - sum(fixed)) / sum(free)
        k_sec = min(k_sec, k)
    return k_map, max(k_sec, 0.1)


def insole3d_drawing(fig: InsoleHeights, width: float, height: float) -> Drawing:
    """Both printed insoles, left foot on the left, ``width`` points across.

    The strip is :data:`STRIP_PT` high, or ``height`` (what the layout offers a figure of
    the insoles) if that is less.
    """
    from orthofit.report.insole_figure import _fonts

    _fonts()
    height = min(height, STRIP_PT)
    k_map, k_sec = layout_scales(fig, width, height)
    d = Drawing(width, height)
    top = height - TITLE_PT + 3  # the title line's baseline
    d.add(String(0, top, TITLE, fontName=BOLD, fontSize=LABEL_PT + 1))
    d.add(String(stringWidth(TITLE, BOLD, LABEL_PT + 1), top, EXPLAIN, fontName=FONT,
                 fontSize=LABEL_PT))
    d.add(key_group(fig, width, top))
    col = (width - GAP_PT) / 2
    for n, view in enumerate(sorted(fig.views, key=lambda v: v.side != "left")):
        x0 = n * (col + GAP_PT)
        # Top-aligned under the title (a 3/4 shell is shorter than a full one), the foot's
        # name upright beside it.
        y_top = height - TITLE_PT - 2
        y0 = y_top - k_map * float(np.ptp(view.outline[:, 0]))
        name = Group(String(0, 0, view.side.capitalize(), fontName=BOLD,
                            fontSize=LABEL_PT + 0.5, textAnchor="end"))
        name.transform = (0, 1, -1, 0, x0 + SIDE_PT - 2, y_top)
        d.add(name)
        mx = x0 + SIDE_PT
        d.add(height_map_group(view, fig, mx, y0, k_map))
        across = float(np.ptp(view.outline[:, 1]))
        xmin = float(np.min(view.x_sign * view.outline[:, 1]))
        umin = float(view.outline[:, 0].min())
        # Side by side beside the map, their bed lines on one level, centred in the height
        # under the title with room for their labels above and below.
        sx = mx + k_map * across + GAP_PT
        spare = height - TITLE_PT - 2 * SECTION_LABEL_PT - k_sec * fig.top_mm
        bed = SECTION_LABEL_PT + max(spare, 0.0) / 2
        for section, label, mark in _sections(view):
            d.add(section_group(section, view, label, sx, bed, k_sec, mark))
            # Where the section lies on the map: a line across and its letter.
            ym = y0 + k_map * (section.u_mm - umin)
            xs = view.x_sign * section.w_mm
            d.add(Line(mx + k_map * (float(xs.min()) - xmin), ym,
                       mx + k_map * (float(xs.max()) - xmin), ym, strokeWidth=0.6,
                       strokeColor=colors.black, strokeDashArray=[2, 1]))
            d.add(String(mx + k_map * across + 2, ym - 2, mark, fontName=BOLD,
                         fontSize=LABEL_PT))
            sx += max(k_sec * float(np.ptp(xs)), _label_width(label, mark)) + GAP_PT
    return d
