"""The printed insoles as a reportlab drawing: a height map and two sections per foot.

Each foot's column holds its insole's top seen from above, toes up (vector cells in a light
grey ramp, 2 mm a step), and beside it the sections across the heel seat (A) and the arch
(B), seen from behind at true scale (a millimetre across is a millimetre up), so the post's
slope on paper is the post's angle. A key under the feet gives the heights in mm.
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
#: Room under the feet for the key (points).
KEY_PT = 22.0
#: Room under a section for its label, and between the map and the sections (points).
SECTION_LABEL_PT = 10.0
GAP_PT = 12.0
#: The most of a foot's column its height map may take across.
MAP_SHARE = 0.36


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


def key_group(fig: InsoleHeights, x0: float, y0: float, width: float) -> Group:
    """The shades with their heights above the bed (mm)."""
    g = Group()
    bands = _bands(fig)
    title = "Height above the bed:"
    g.add(String(x0, y0 + 1, title, fontName=FONT, fontSize=LABEL_PT))
    x = x0 + stringWidth(title, FONT, LABEL_PT) + 6
    cell = min(16.0, (width - (x - x0) - 20) / bands)
    for b in range(bands):
        grey = band_grey(b, bands)
        g.add(Rect(x + b * cell, y0, cell, 8, fillColor=colors.Color(grey, grey, grey),
                   strokeColor=colors.Color(.5, .5, .5), strokeWidth=0.3))
    every = max(1, int(np.ceil(bands / 6)))  # at most about seven numbers
    for b in range(0, bands + 1, every):
        g.add(String(x + b * cell, y0 - 7, f"{fig.base_mm + b * BAND_MM:g}",
                     fontName=FONT, fontSize=LABEL_PT - 1, textAnchor="middle"))
    g.add(String(x + bands * cell + 6, y0 + 1, "mm", fontName=FONT, fontSize=LABEL_PT))
    return g


def layout_scales(fig: InsoleHeights, width: float, height: float) -> tuple[float, float]:
    """Points per mm of the maps and of the sections, the same for both feet.

    The maps fill the height left by the key; the sections the width left beside them, and
    (two above each other) the height.
    """
    length = max(float(np.ptp(v.outline[:, 0])) for v in fig.views)
    across = max(float(np.ptp(v.outline[:, 1])) for v in fig.views)
    col = width / 2
    # The map takes at most MAP_SHARE of its column: the sections need the width more.
    k_map = min((height - KEY_PT - LABEL_PT - 6) / length, MAP_SHARE * col / across)
    tall = fig.top_mm
    room = col - k_map * across - GAP_PT - 10
    k_sec = min(room / across, (height - KEY_PT - 2 * (SECTION_LABEL_PT + 12)) / (2 * tall))
    return k_map, max(k_sec, 0.1)


def insole3d_drawing(fig: InsoleHeights, width: float, height: float) -> Drawing:
    """Both printed insoles, left foot on the left, in ``width`` x ``height`` points."""
    from orthofit.report.insole_figure import _fonts

    _fonts()
    k_map, k_sec = layout_scales(fig, width, height)
    # As tall as what it holds: the maps, or the sections beside them, and the key.
    n_sections = max(1 + (v.arch is not None) for v in fig.views)
    length = max(float(np.ptp(v.outline[:, 0])) for v in fig.views)
    used = max(k_map * length + LABEL_PT + 6,
               2 * LABEL_PT + n_sections * (k_sec * fig.top_mm + SECTION_LABEL_PT + 12))
    height = min(height, used + KEY_PT + 6)
    d = Drawing(width, height)
    col = width / 2
    for n, view in enumerate(sorted(fig.views, key=lambda v: v.side != "left")):
        x0 = n * col
        # Top-aligned under the foot's name (a 3/4 shell is shorter than a full one).
        y0 = height - LABEL_PT - 6 - k_map * float(np.ptp(view.outline[:, 0]))
        d.add(String(x0, height - LABEL_PT, f"{view.side.capitalize()}", fontName=BOLD,
                     fontSize=LABEL_PT + 1))
        d.add(height_map_group(view, fig, x0, y0, k_map))
        across = float(np.ptp(view.outline[:, 1]))
        xmin = float(np.min(view.x_sign * view.outline[:, 1]))
        umin = float(view.outline[:, 0].min())
        sx = x0 + k_map * across + GAP_PT
        sections = [(view.heel, view.post_text, "A")]
        if view.arch is not None:
            sections.append((view.arch, view.arch_text or "arch support", "B"))
        # The sections stacked from the top of the column down (heel first).
        y = height - 2 * LABEL_PT
        for section, label, mark in sections:
            y -= k_sec * fig.top_mm + 6
            d.add(section_group(section, view, label, sx, y, k_sec, mark))
            # Where the section lies on the map: a line across and its letter.
            ym = y0 + k_map * (section.u_mm - umin)
            xs = view.x_sign * section.w_mm
            d.add(Line(x0 + k_map * (float(xs.min()) - xmin), ym,
                       x0 + k_map * (float(xs.max()) - xmin), ym, strokeWidth=0.6,
                       strokeColor=colors.black, strokeDashArray=[2, 1]))
            d.add(String(x0 + k_map * across + 2, ym - 2, mark, fontName=BOLD,
                         fontSize=LABEL_PT))
            y -= SECTION_LABEL_PT + 6
    d.add(key_group(fig, 0, 8, width / 2))
    return d
