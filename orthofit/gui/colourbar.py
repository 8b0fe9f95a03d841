"""Colour maps and colour bars of the desktop's pressure pictures (pyqtgraph).

Every map on screen uses the colours of :mod:`orthofit.report.scale` (the reports' scale) and
carries a pyqtgraph :class:`~pyqtgraph.ColorBarItem` with its unit, so a colour can be read as
a pressure. Unloaded sensels are drawn as NaN, which pyqtgraph leaves transparent: the white
background shows through, as on paper, and the bar's colours start at the lowest pressure.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from orthofit.report.comparison import DIFFERENCE_LUT
from orthofit.report.scale import CLINICIAN_LUT, PATIENT_LUT, nice_ticks

#: Clinician colours (blue - green - yellow - red, CET-R2).
PRESSURE_CMAP = pg.ColorMap(np.linspace(0, 1, len(CLINICIAN_LUT)), CLINICIAN_LUT)
#: Patient colours (light to dark), for screens a patient looks at.
PATIENT_CMAP = pg.ColorMap(np.linspace(0, 1, len(PATIENT_LUT)), PATIENT_LUT)
#: Differences: blue (less after) - white (no change) - red (more after), CET-D1.
DIFFERENCE_CMAP = pg.ColorMap(np.linspace(0, 1, len(DIFFERENCE_LUT)), DIFFERENCE_LUT)
#: Text colour of the bars' scales (pyqtgraph's default grey is faint on white).
INK = (40, 40, 40)


def still_map(plot: pg.PlotWidget) -> pg.ImageItem:
    """Set ``plot`` up as a still picture of the mat; return the image item it shows.

    True aspect, row 0 at the top, no axes, no mouse.
    """
    plot.setAspectLocked(True)
    plot.invertY(True)
    plot.hideAxis("left")
    plot.hideAxis("bottom")
    plot.setMouseEnabled(False, False)
    plot.hideButtons()
    image = pg.ImageItem()
    plot.addItem(image)
    return image


def unloaded_blank(values: np.ndarray) -> np.ndarray:
    """A float copy with every sensel at or below 0 set to NaN (drawn transparent)."""
    out = np.array(values, dtype=np.float64, copy=True)
    out[~(np.nan_to_num(out) > 0)] = np.nan
    return out


def colour_bar(cmap: pg.ColorMap = PRESSURE_CMAP, label: str = "Pressure (kPa)",
               width: float = 14) -> pg.ColorBarItem:
    """A fixed (not draggable) vertical colour bar with a labelled, dark scale."""
    bar = pg.ColorBarItem(values=(0, 1), colorMap=cmap, interactive=False, width=width,
                          colorMapMenu=False)
    # The label goes on the scale's own axis (right of the bar), beside its numbers.
    bar.axis.setPen(pg.mkPen(INK))
    bar.axis.setTextPen(pg.mkPen(INK))
    bar.axis.setLabel(label)
    return bar


def set_range(bar: pg.ColorBarItem, low: float, high: float, label: str | None = None) -> None:
    """Show ``low`` to ``high`` on the bar (and its images) with round ticks.

    A range from 0 gets :func:`~orthofit.report.scale.nice_ticks`; a symmetric one (a
    difference) the same ticks on both sides of 0.
    """
    high = max(float(high), 1e-6)
    bar.setLevels(low=float(low), high=high)
    if low < 0:
        ticks = sorted({*nice_ticks(high), *(-t for t in nice_ticks(-low))})
    else:
        ticks = nice_ticks(high)
    bar.axis.setTicks([[(t, f"{t:+g}" if low < 0 and t else f"{t:g}") for t in ticks]])
    if label is not None:
        bar.axis.setLabel(label)
