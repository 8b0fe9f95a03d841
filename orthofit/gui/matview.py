"""The live picture of a mat: pressure at true aspect and the outline of the feet on it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtWidgets import QWidget
from skimage.measure import find_contours

from orthofit.capture.modes import LOADED_KPA
from orthofit.gui.analysis import CMAP


class LiveMat(pg.PlotWidget):
    """A mat's newest frame (kPa, white to dark red) with the feet's outline in black."""

    def __init__(self, parent: QWidget | None = None, *, outline_width: float = 1.5) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self.setAspectLocked(True)
        self.invertY(True)  # row 0 at the top: the top view every orthofit picture uses
        self.hideAxis("left")
        self.hideAxis("bottom")
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.image = pg.ImageItem()
        self.addItem(self.image)
        self.outline = pg.PlotDataItem(pen=pg.mkPen("k", width=outline_width), connect="finite")
        self.addItem(self.outline)
        self.frame_border = pg.PlotDataItem(pen=pg.mkPen((150, 150, 150), width=2))
        self.addItem(self.frame_border)

    def show_kpa(self, kpa: np.ndarray, pitch_mm: tuple[float, float]) -> None:
        """Show one frame (R x C kPa) of a mat with sensel pitch (row, col) in mm."""
        self.image.setImage(kpa.T, levels=(0, max(float(kpa.max()), 50.0)),
                            lut=CMAP.getLookupTable(), autoLevels=False)
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

    def latest_kpa(self) -> np.ndarray | None:
        """The frame on screen (for tests)."""
        return None if self.image.image is None else self.image.image.T
