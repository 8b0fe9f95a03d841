"""A preview of the printed insoles on the proposal tab: their tops, shaded as if lit.

The solids are built by :mod:`orthofit.insole3d` exactly as ``orthofit insole`` writes them,
and their tops sampled every millimetre; each cell is tinted by its height and shaded by a
light from the upper left (a hillshade), so the arch support, the cup and a dome read as
shapes. This machine's offscreen Qt has no OpenGL (pyqtgraph's 3D view needs PyOpenGL), so
the preview is this shaded map, seen from above, toes up, left foot on the left.

Building takes a fraction of a second: edits in quick succession rebuild once, after
:data:`DELAY_MS`.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QTimer, pyqtSignal
from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

from orthofit.analysis import Analysis
from orthofit.errors import OrthofitError
from orthofit.insole3d.spec import PrintSpec
from orthofit.insole3d.views import HeightMap, height_map, hillshade, top_sampler
from orthofit.proposal.model import Proposal

#: Cell of the preview's height map (mm): a pixel a millimetre.
CELL_MM = 1.0
#: Wait after an edit before rebuilding (ms): a spin box held down rebuilds once.
DELAY_MS = 150
#: Columns of white between the two insoles in the picture (one a millimetre).
GAP_PX = 12
#: The tint of the lowest and highest top (RGB 0-1): a light ramp, warmer as it rises.
LOW_RGB = np.array([0.86, 0.90, 0.95])
HIGH_RGB = np.array([0.95, 0.78, 0.55])
#: The light's height above the horizon (degrees): low enough that a 5 degree post shows.
ALTITUDE_DEG = 50.0


def preview_rgb(maps: list[HeightMap], lo: float,
                hi: float) -> tuple[np.ndarray, dict[str, tuple[int, float]]]:
    """The picture (rows along the foot from the heel up, RGB uint8) of the feet's height maps.

    Heights from ``lo`` to ``hi`` (mm) are tinted along the ramp, the same whatever the
    insoles hold, so an edit of one foot leaves the other's picture as it was. Returns the
    image and, per side, the column its block starts at and the sign turning the foot
    frame's ``w`` into the picture's x (as seen from above: a left foot mirrored).
    """
    rows = max(m.z_mm.shape[0] for m in maps)
    blocks, where, col = [], {}, 0
    for m in sorted(maps, key=lambda m: m.side != "left"):
        sign = -1.0 if m.side == "left" else 1.0
        z = m.z_mm[:, ::-1] if sign < 0 else m.z_mm
        # Lit so a flat top is its tint's own colour, a slope toward the light a little
        # brighter and one away from it darker.
        shade = hillshade(z, m.cell_mm, altitude_deg=ALTITUDE_DEG) / np.sin(
            np.radians(ALTITUDE_DEG))
        t = np.clip((np.nan_to_num(z, nan=lo) - lo) / max(hi - lo, 1e-6), 0.0, 1.0)
        tint = LOW_RGB + t[..., None] * (HIGH_RGB - LOW_RGB)
        rgb = np.clip(tint * (0.45 + 0.55 * shade[..., None]), 0.0, 1.0)
        rgb[~np.isfinite(z)] = 1.0
        block = np.ones((rows, z.shape[1], 3))
        block[: z.shape[0]] = rgb
        if blocks:
            blocks.append(np.ones((rows, GAP_PX, 3)))
            col += GAP_PX
        where[m.side] = (col, sign)
        blocks.append(block)
        col += z.shape[1]
    return (np.concatenate(blocks, axis=1) * 255).round().astype(np.uint8), where


class InsolePreview(QWidget):
    """The printed insoles' tops, shaded; rebuilt a moment after the proposal changes."""

    updated = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("w")
        self.box = self.view.addViewBox(lockAspect=True, enableMouse=False)
        self.image = pg.ImageItem()
        self.box.addItem(self.image)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.caption)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.update_now)
        self._pending: tuple[Analysis, Proposal, PrintSpec | None] | None = None
        #: The last picture (rows from the heel, RGB) and where each foot is in it.
        self.rgb: np.ndarray | None = None
        self.maps: dict[str, HeightMap] = {}
        self.where: dict[str, tuple[int, float]] = {}
        self.version = 0  # counts the pictures drawn (tests wait for the next)

    def show_insoles(self, analysis: Analysis, proposal: Proposal,
                     spec: PrintSpec | None) -> None:
        """Rebuild from this proposal after :data:`DELAY_MS` (``spec`` None: say why not)."""
        self._pending = (analysis, proposal, spec)
        self.timer.start(DELAY_MS)

    def update_now(self) -> None:
        """Build the insoles and draw them (or say in the caption why they cannot be)."""
        from orthofit.insole3d import build_insoles

        self.timer.stop()
        if self._pending is None:
            return
        analysis, proposal, spec = self._pending
        try:
            if spec is None:
                raise OrthofitError("the insole profile gives no [print3d] dimensions")
            solids = build_insoles(analysis, proposal, spec)
        except OrthofitError as exc:
            self.rgb, self.maps, self.where = None, {}, {}
            self.image.clear()
            self.caption.setText(f"No printed insole can be built: {exc}")
            self.version += 1
            self.updated.emit()
            return
        self.maps = {s.side: height_map(s, CELL_MM, top_sampler(s)) for s in solids}
        # The tint's scale: from the shell's top to the tallest support the catalogue allows.
        self.rgb, self.where = preview_rgb(list(self.maps.values()), spec.base_thickness_mm,
                                           spec.base_thickness_mm + spec.max_arch_height_mm)
        # pyqtgraph's images are indexed (x, y), y up: rows from the heel put the toes up.
        self.image.setImage(self.rgb.transpose(1, 0, 2), autoLevels=False, levels=(0, 255))
        self.box.autoRange(padding=0.02)
        top = max(float(s.body.bounds[1][2]) for s in solids)
        self.caption.setText(f"The printed insoles as exported, seen from above, toes up "
                             f"(lit from the upper left; the highest point {top:.0f} mm above "
                             "the bed).")
        self.version += 1
        self.updated.emit()

    def pixel(self, side: str, u_mm: float, w_mm: float) -> tuple[int, int]:
        """Where a point of a foot (foot frame, mm) is in :attr:`rgb`: (row, column)."""
        m = self.maps[side]
        col0, sign = self.where[side]
        i = int(np.argmin(np.abs(m.u_mm - u_mm)))
        j = int(np.argmin(np.abs(m.w_mm - w_mm)))
        return i, col0 + (j if sign > 0 else len(m.w_mm) - 1 - j)
