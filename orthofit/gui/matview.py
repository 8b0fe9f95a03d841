"""The live picture of a mat: pressure at true aspect and the outline of the feet on it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtWidgets import QWidget
from skimage.measure import find_contours

from orthofit.capture.modes import LOADED_KPA
from orthofit.gui.colourbar import (
    PATIENT_CMAP,
    PRESSURE_CMAP,
    colour_bar,
    set_range,
    unloaded_blank,
)
from orthofit.report.scale import PressureScale

#: The lowest top of the live colours in "per trial" scaling (kPa): an empty mat's noise is
#: not stretched over the whole scale.
LIVE_MIN_KPA = 50.0


class LiveMat(pg.PlotWidget):
    """A mat's newest frame in the reports' colours, with the feet's outline in black.

    ``colour_bar`` adds a bar in kPa beside the picture (the desktop's capture view); the
    kiosk's patient screens go without, and may ask for the patient's light-to-dark colours
    (``patient_colours``). Each frame is scaled to its own peak until :meth:`set_scale` gives
    the clinic's scale.
    """

    def __init__(self, parent: QWidget | None = None, *, outline_width: float = 1.5,
                 colour_bar: bool = False, patient_colours: bool = False) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.setAspectLocked(True)
        self.invertY(True)  # row 0 at the top: the top view every orthofit picture uses
        self.hideAxis("left")
        self.hideAxis("bottom")
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.scale = PressureScale(None)
        self.image = pg.ImageItem()
        self.image.setColorMap(PATIENT_CMAP if patient_colours else PRESSURE_CMAP)
        self.addItem(self.image)
        self.outline = pg.PlotDataItem(pen=pg.mkPen("k", width=outline_width), connect="finite")
        self.addItem(self.outline)
        self.frame_border = pg.PlotDataItem(pen=pg.mkPen((150, 150, 150), width=2))
        self.addItem(self.frame_border)
        self.divider = pg.PlotDataItem(pen=pg.mkPen((60, 60, 60), width=1,
                                                    style=pg.QtCore.Qt.PenStyle.DashLine))
        self.addItem(self.divider)
        self.bar = None
        if colour_bar:
            self.bar = _make_bar()
            self.bar.setImageItem(self.image, insert_in=self.getPlotItem())
            self.getPlotItem().layout.setContentsMargins(4, 12, 4, 12)  # room for end ticks
        self._kpa: np.ndarray | None = None

    def set_scale(self, scale: PressureScale) -> None:
        """Draw on the clinic's fixed scale, or scale each frame to its own peak."""
        self.scale = scale

    def vmax(self, kpa: np.ndarray) -> float:
        """The pressure (kPa) at the top colour for this frame."""
        if self.scale.max_kpa is not None:
            return float(self.scale.max_kpa)
        return max(float(np.nanmax(kpa)) if kpa.size else 0.0, LIVE_MIN_KPA)

    def show_kpa(self, kpa: np.ndarray, pitch_mm: tuple[float, float]) -> None:
        """Show one frame (R x C kPa) of a mat with sensel pitch (row, col) in mm."""
        self._kpa = kpa
        top = self.vmax(kpa)
        self.image.setImage(unloaded_blank(kpa).T, levels=(0, top), autoLevels=False)
        if self.bar is not None and tuple(self.bar.levels()) != (0.0, top):
            set_range(self.bar, 0.0, top)  # only when it moves: ticks cost time at 30 Hz
        rows, cols = kpa.shape
        pr, pc = pitch_mm
        self.image.setRect(0, 0, cols * pc, rows * pr)  # true aspect from the pitch
        w, h = cols * pc, rows * pr
        self.frame_border.setData([0, w, w, 0, 0], [0, 0, h, h, 0])  # the mat's edge
        xs, ys = [], []
        for contour in find_contours(np.pad(kpa > LOADED_KPA, 1).astype(float), 0.5):
            xs += list((contour[:, 1] - 0.5) * pc) + [np.nan]
            ys += list((contour[:, 0] - 0.5) * pr) + [np.nan]
        self.outline.setData(xs, ys)

    def show_divider(self, x_mm: float | None, height_mm: float) -> None:
        """A dashed line across the mat at ``x_mm`` (where the load is split), or none."""
        if x_mm is None:
            self.divider.setData([], [])
        else:
            self.divider.setData([x_mm, x_mm], [0.0, height_mm])

    def latest_kpa(self) -> np.ndarray | None:
        """The frame on screen (for tests)."""
        return self._kpa


def _make_bar() -> pg.ColorBarItem:
    return colour_bar(PRESSURE_CMAP, "Pressure (kPa)")
