"""A preview of the printed insoles on the proposal tab: rotatable in 3D, or their tops shaded.

The solids are built by :mod:`orthofit.insole3d` exactly as ``orthofit insole`` writes them.
Where OpenGL works, pyqtgraph's OpenGL view shows them as solids, both feet side by side as on
the 3MF's plate (offloading fills in their own colour), to turn with the mouse. Where it does
not (no PyOpenGL, no GL context: offscreen Qt, a remote desktop without GL), the preview is
their tops sampled every millimetre, each cell tinted by its height and shaded by a light
from the upper left (a hillshade), seen from above, toes up, left foot on the left; a note
says why. Whether GL works is decided once, by making a context (:func:`probe_opengl`);
``ORTHOFIT_3D=off`` in the environment chooses the height map without trying.

Building takes a fraction of a second: edits in quick succession rebuild once, after
:data:`DELAY_MS`.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QTimer, pyqtSignal
from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

from orthofit.analysis import Analysis
from orthofit.errors import OrthofitError
from orthofit.insole3d.spec import PrintSpec
from orthofit.insole3d.views import (
    HeightMap,
    PlateMesh,
    face_light,
    height_map,
    hillshade,
    plate_meshes,
    top_sampler,
)
from orthofit.proposal.model import Proposal

log = logging.getLogger(__name__)

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
#: Colours of the 3D view's bodies (RGBA 0-1) where fully lit: the insole as the map's low
#: tint, a fill warm.
INSOLE_RGBA = (0.86, 0.90, 0.95, 1.0)
FILL_RGBA = (0.98, 0.66, 0.32, 1.0)
#: The 3D view's first camera: from behind the heels and above (degrees), far enough back
#: that both insoles fit (a multiple of the plate's larger side), aimed a little behind the
#: middle (a share of the insoles' length) so the nearer heels, drawn larger, stay in view.
ELEVATION_DEG, AZIMUTH_DEG, DISTANCE_SCALE, AIM_BACK = 48.0, -90.0, 1.4, 0.08
#: Spacing of the grid drawn on the bed under the insoles (mm).
GRID_MM = 10.0


#: What :func:`opengl_unavailable` found, once a Qt application existed to ask.
_GL_FOUND: list[str | None] = []


def opengl_unavailable() -> str | None:
    """Why this process cannot draw the 3D view, or None when it can.

    Decided once per process (by :func:`probe_opengl`), once the QApplication exists: before
    it, the answer is "not yet" and nothing is remembered.
    """
    if _GL_FOUND:
        return _GL_FOUND[0]
    from PyQt6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        return "no Qt application yet"
    _GL_FOUND.append(probe_opengl())
    return _GL_FOUND[0]


def probe_opengl() -> str | None:
    """Why OpenGL cannot be used here, or None: ask PyOpenGL and make a context.

    PyOpenGL and pyqtgraph's OpenGL module must import, and a GL context must really be made
    current on an offscreen surface (offscreen Qt and some remote desktops import GL fine but
    give no context). ``ORTHOFIT_3D=off`` answers without trying. Any failure is a reason,
    never an exception.
    """
    if os.environ.get("ORTHOFIT_3D", "").lower() in ("off", "0", "no"):
        return "turned off by ORTHOFIT_3D"
    try:
        import OpenGL.GL  # noqa: F401 - PyOpenGL finds the system's libGL here
        import pyqtgraph.opengl  # noqa: F401
    except Exception as exc:  # ImportError, or PyOpenGL failing on libGL
        return f"PyOpenGL cannot be used ({type(exc).__name__}: {exc})"
    try:
        from PyQt6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext

        app = QGuiApplication.instance()
        if app is None:
            return "no Qt application yet"
        context = QOpenGLContext()
        if not context.create():
            return f"no OpenGL context on the {app.platformName()!r} display"
        surface = QOffscreenSurface()
        surface.setFormat(context.format())
        surface.create()
        if not surface.isValid() or not context.makeCurrent(surface):
            return "an OpenGL context cannot be made current"
        context.doneCurrent()
        surface.destroy()
    except Exception as exc:  # whatever the driver does, fall back
        return f"OpenGL failed ({type(exc).__name__}: {exc})"
    return None


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
    """The printed insoles, rotatable in 3D or shaded from above; rebuilt after each change.

    :attr:`gl` is the OpenGL view, or None when the height map stands in (:attr:`note` says
    why). :attr:`meshes` are the bodies last shown in 3D; :attr:`rgb`, :attr:`maps` and
    :attr:`where` the last height-map picture.
    """

    updated = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("note")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.gl = None
        self.view = self.box = self.image = None
        reason = opengl_unavailable()
        if reason is None:
            try:
                self.gl = _gl_view()
            except Exception as exc:  # a GL failure must not take the tab down
                log.warning("3D preview unavailable: %s", exc)
                reason = f"the 3D view could not start ({type(exc).__name__}: {exc})"
        if self.gl is not None:
            layout.addWidget(self.gl, 1)
            self.note.hide()
        else:
            self.view = pg.GraphicsLayoutWidget()
            self.view.setBackground("w")
            self.box = self.view.addViewBox(lockAspect=True, enableMouse=False)
            self.image = pg.ImageItem()
            self.box.addItem(self.image)
            layout.addWidget(self.view, 1)
            self.note.setText(f"No 3D view here ({reason}): the insoles' tops are shown "
                              "shaded instead.")
        layout.addWidget(self.caption)
        layout.addWidget(self.note)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.update_now)
        self._pending: tuple[Analysis, Proposal, PrintSpec | None] | None = None
        #: The last picture (rows from the heel, RGB) and where each foot is in it.
        self.rgb: np.ndarray | None = None
        self.maps: dict[str, HeightMap] = {}
        self.where: dict[str, tuple[int, float]] = {}
        self.meshes: list[PlateMesh] = []
        self._items: list = []
        self._aimed = False  # the camera is aimed once; later edits keep the user's view
        self.version = 0  # counts the pictures drawn (tests wait for the next)

    def show_insoles(self, analysis: Analysis, proposal: Proposal,
                     spec: PrintSpec | None) -> None:
        """Rebuild from this proposal after :data:`DELAY_MS` (``spec`` None: say why not).

        The first picture is drawn at once: only edits in quick succession need to wait.
        """
        self._pending = (analysis, proposal, spec)
        if self.version == 0:
            self.update_now()
        else:
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
            self.rgb, self.maps, self.where, self.meshes = None, {}, {}, []
            if self.gl is not None:
                self._clear_gl()
            else:
                self.image.clear()
            self.caption.setText(f"No printed insole can be built: {exc}")
            self.version += 1
            self.updated.emit()
            return
        top = max(float(s.body.bounds[1][2]) for s in solids)
        if self.gl is not None:
            self._draw_gl(solids)
            fills = " (offloading fills in orange)" if any(s.fills for s in solids) else ""
            self.caption.setText(f"The printed insoles as exported{fills}: drag to turn them, "
                                 f"scroll to zoom (the highest point {top:.0f} mm above the "
                                 "bed).")
        else:
            self.maps = {s.side: height_map(s, CELL_MM, top_sampler(s)) for s in solids}
            # The tint's scale: from the shell's top to the tallest support the catalogue
            # allows.
            self.rgb, self.where = preview_rgb(list(self.maps.values()),
                                               spec.base_thickness_mm,
                                               spec.base_thickness_mm + spec.max_arch_height_mm)
            # pyqtgraph's images are indexed (x, y), y up: rows from the heel put the toes up.
            self.image.setImage(self.rgb.transpose(1, 0, 2), autoLevels=False,
                                levels=(0, 255))
            self.box.autoRange(padding=0.02)
            self.caption.setText(f"The printed insoles as exported, seen from above, toes up "
                                 f"(lit from the upper left; the highest point {top:.0f} mm "
                                 "above the bed).")
        self.version += 1
        self.updated.emit()

    def _clear_gl(self) -> None:
        for item in self._items:
            self.gl.removeItem(item)
        self._items = []

    def _draw_gl(self, solids: list) -> None:
        """Replace the 3D view's bodies with these insoles' (and aim the camera the first time)."""
        import pyqtgraph.opengl as gl
        from PyQt6.QtGui import QVector3D

        self._clear_gl()
        self.meshes, centre = plate_meshes(solids)
        every = np.concatenate([m.vertices for m in self.meshes])
        size = every.max(axis=0) - every.min(axis=0)
        grid = gl.GLGridItem(color=(90, 90, 90, 90))
        grid.setSize(float(size[0]) + 4 * GRID_MM, float(size[1]) + 4 * GRID_MM)
        grid.setSpacing(GRID_MM, GRID_MM)
        grid.translate(float(centre[0]), float(centre[1]), 0.0)
        self._items.append(grid)
        for m in self.meshes:
            # Lit by a light fixed to the plate (numpy, not a shader): the same look on every
            # driver, and the top faces bright however the view is turned.
            rgba = np.array(FILL_RGBA if m.kind == "fill" else INSOLE_RGBA, np.float32)
            colours = np.repeat(rgba[None, :], len(m.faces), axis=0)
            colours[:, :3] *= face_light(m.vertices, m.faces)[:, None].astype(np.float32)
            item = gl.GLMeshItem(
                meshdata=gl.MeshData(vertexes=m.vertices, faces=m.faces, faceColors=colours),
                smooth=False, shader=None, glOptions="opaque")
            self._items.append(item)
        for item in self._items:
            self.gl.addItem(item)
        if not self._aimed:
            self.gl.setCameraPosition(
                pos=QVector3D(float(centre[0]), float(centre[1] - AIM_BACK * size[1]),
                              float(centre[2])),
                distance=DISTANCE_SCALE * float(max(size[0], size[1])),
                elevation=ELEVATION_DEG, azimuth=AZIMUTH_DEG)
            self._aimed = True

    def pixel(self, side: str, u_mm: float, w_mm: float) -> tuple[int, int]:
        """Where a point of a foot (foot frame, mm) is in :attr:`rgb`: (row, column)."""
        m = self.maps[side]
        col0, sign = self.where[side]
        i = int(np.argmin(np.abs(m.u_mm - u_mm)))
        j = int(np.argmin(np.abs(m.w_mm - w_mm)))
        return i, col0 + (j if sign > 0 else len(m.w_mm) - 1 - j)


def _gl_view():  # noqa: ANN202 - a pyqtgraph GLViewWidget
    """The OpenGL view of pyqtgraph, on a white background."""
    import pyqtgraph.opengl as gl

    view = gl.GLViewWidget()
    view.setBackgroundColor("w")
    view.setMinimumSize(200, 200)
    return view
