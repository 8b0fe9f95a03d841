"""The pictures of the feet, as content: each foot's pressure image and what is drawn over it.

Built before any drawing (no reportlab, no Qt): the PDF (``map_figure.py``) and the desktop
draw the same :class:`PressureMaps`. Every position is in mat millimetres (x along the columns,
y along the rows, as in DOMAIN.md's image convention), so a test can check that a picture holds
the whole print without rendering it.

The window around each print is padded by :data:`MARGIN_MM` on every side and both feet get
windows of the same size, so the heel and toe sensels and the region outlines never touch the
frame, and the two feet are drawn the same height at the same millimetre scale.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from orthofit.analysis.gait import frame_durations_s
from orthofit.analysis.masks import MASK_NAMES, assign_masks
from orthofit.analysis.pipeline import Analysis, StepResult
from orthofit.report.scale import PressureScale

#: Space left around the print inside its frame (mm): room for the outlines and the labels.
MARGIN_MM = 15.0
#: How far a thirds line reaches past the edge of the print (mm), so it reads as a line across.
LINE_OVERHANG_MM = 3.0
#: Short names of the regions, in the order of :data:`~orthofit.analysis.masks.MASK_NAMES`.
REGION_LABELS = ("MH", "LH", "MF", "M1", "M2", "M3", "M4", "M5", "H", "T")
#: Pictures a foot can be shown as: peak pressure (kPa), mean pressure while loaded (kPa),
#: contact time (s).
MAP_KINDS = ("peak", "mean", "contact")
#: Barefoot peak pressure (kPa) marked on a diabetic patient's maps (Armstrong 1998).
DIABETIC_PEAK_KPA = 700.0

Segment = tuple[tuple[float, float], tuple[float, float]]


@dataclasses.dataclass(frozen=True)
class RegionLabel:
    """A region's short name, where to print it (mat mm) and its value on the picture."""

    label: str
    name: str
    x_mm: float
    y_mm: float
    value: float


@dataclasses.dataclass(frozen=True)
class FootLoad:
    """A standing foot's share of the body's load (% of both feet together)."""

    total_pct: float
    fore_pct: float
    rear_pct: float


@dataclasses.dataclass(frozen=True, eq=False)
class FootMap:
    """One foot's picture and the overlays drawn over it (mat mm).

    ``peak_kpa`` is the image inside the window (rows x columns of the mat from ``origin_mm``);
    ``print_box_mm`` is the bounding box ``(x0, y0, x1, y1)`` of the print's sensels;
    ``thirds`` are the arch-index thirds lines, ``split`` the fore/rear half line of a standing
    foot, each clipped to the print.
    """

    side: str
    peak_kpa: np.ndarray
    origin_mm: tuple[float, float]
    pitch_mm: tuple[float, float]
    heel_xy_mm: tuple[float, float]
    axis: tuple[float, float]
    lateral: tuple[float, float]
    u_back_mm: float
    toeless_length_mm: float
    length_mm: float
    cop_xy_mm: np.ndarray | None
    title: str
    mask_index: np.ndarray | None = None
    print_box_mm: tuple[float, float, float, float] | None = None
    thirds: tuple[Segment, ...] = ()
    regions: tuple[RegionLabel, ...] = ()
    split: Segment | None = None
    load: FootLoad | None = None

    @property
    def window_mm(self) -> tuple[float, float, float, float]:
        """The frame ``(x0, y0, x1, y1)`` the picture fills (mat mm)."""
        rows, cols = self.peak_kpa.shape
        x0, y0 = self.origin_mm
        return x0, y0, x0 + cols * self.pitch_mm[1], y0 + rows * self.pitch_mm[0]

    @property
    def size_mm(self) -> tuple[float, float]:
        """Width and height of the frame (mm)."""
        x0, y0, x1, y1 = self.window_mm
        return x1 - x0, y1 - y0


@dataclasses.dataclass(frozen=True)
class PressureMaps:
    """Both feet side by side on one shared scale.

    ``vmax_kpa`` is the value drawn in the top colour (kPa; s for contact time), ``scale_text``
    names the scale for the caption, ``patient`` picks the patient's light-to-dark colours,
    ``mark_kpa`` (diabetic patients) the peak at or above which a region's value is marked.
    """

    maps: tuple[FootMap, ...]
    vmax_kpa: float
    overlays: bool = True
    scale_text: str = ""
    kind: str = "peak"
    patient: bool = False
    mark_kpa: float | None = None

    @property
    def unit(self) -> str:
        """The unit of the pictures' values."""
        return "s" if self.kind == "contact" else "kPa"


def map_image(window: np.ndarray, mask: np.ndarray, kind: str, threshold: float,
              held: np.ndarray | float) -> np.ndarray:
    """One picture of a step (``kind`` of :data:`MAP_KINDS`); ``held``: each frame's time (s)."""
    if kind == "peak":
        img = window.max(axis=0)
    else:
        loaded = window > threshold
        if kind == "mean":
            n = loaded.sum(axis=0)
            img = np.where(n > 0, (window * loaded).sum(axis=0) / np.maximum(n, 1), 0.0)
        else:
            weights = np.broadcast_to(np.asarray(held, dtype=np.float64), window.shape[:1])
            img = np.tensordot(weights, loaded, axes=1)
    return np.where(mask, img, 0.0)


def _held(analysis: Analysis, step: StepResult, dt: float) -> np.ndarray | float:
    """How long each frame of ``step`` stands for (s)."""
    if step.trial < len(analysis.recordings):
        t0, t1 = step.frames
        return frame_durations_s(analysis.recordings[step.trial].times_s)[t0:t1]
    return dt


def _line_across(fp, level_mm: float, pitch: tuple[float, float],  # noqa: ANN001 - Footprint
                 toeless: bool = True) -> Segment | None:
    """The segment across the print at ``level_mm`` from the back of the heel (mat mm).

    It spans the print's sensels near that level, plus :data:`LINE_OVERHANG_MM`: a line that
    marks a level of the foot, not a line across the mat. Where no sensel lies near the level
    (a high arch's empty midfoot), the band widens until the print is met.
    """
    u, w = fp.sensel_u_mm, fp.sensel_w_mm
    keep = ~fp.sensel_is_toe if toeless else np.ones(u.shape, bool)
    if not keep.any():
        keep = np.ones(u.shape, bool)
    u, w = u[keep], w[keep]
    step = max(pitch)
    half = step
    near = np.abs(u - level_mm) <= half
    while not near.any() and half < 10 * step:
        half += step
        near = np.abs(u - level_mm) <= half
    if not near.any():
        return None
    w0 = float(w[near].min()) - min(pitch) / 2 - LINE_OVERHANG_MM
    w1 = float(w[near].max()) + min(pitch) / 2 + LINE_OVERHANG_MM
    heel, axis, lat = np.array(fp.heel_xy_mm), np.array(fp.axis), np.array(fp.lateral)
    c = heel + axis * (fp.u_back_mm + level_mm)
    a, b = c + lat * w0, c + lat * w1
    return (float(a[0]), float(a[1])), (float(b[0]), float(b[1]))


def _regions(img: np.ndarray, mask_img: np.ndarray, origin: tuple[float, float],
             pitch: tuple[float, float]) -> tuple[RegionLabel, ...]:
    """Each region's label at its centre, with the picture's highest value inside it."""
    out = []
    for k, label in enumerate(REGION_LABELS):
        rr, cc = np.nonzero(mask_img == k)
        if rr.size == 0:
            continue
        x = origin[0] + (cc.mean() + 0.5) * pitch[1]
        y = origin[1] + (rr.mean() + 0.5) * pitch[0]
        out.append(RegionLabel(label, MASK_NAMES[k], float(x), float(y),
                               float(img[rr, cc].max())))
    return tuple(out)


def standing_loads(analysis: Analysis, rec_frames: np.ndarray) -> dict[str, FootLoad]:
    """Each standing foot's share of the load, and how it splits front and rear (%).

    The foot's share is the analysis's balance (``left_pct``, ``right_pct``), so the picture
    and the balance table agree; it is split as the analysis splits the forefoot from the
    rearfoot: the load is the time integral of the pressure under the foot, the rear part lies
    behind half the foot's length (toes included).
    """
    if analysis.mode not in ("static", "balance"):
        return {}
    impulse: dict[str, np.ndarray] = {}
    for s in analysis.steps:
        if s.side is None or s.footprint is None or not s.complete:
            continue
        source = analysis.frames_of(s)
        source = rec_frames if source is None else source
        t0, t1 = s.frames
        r0, _, c0, _ = s.contact.box
        rows, cols = np.nonzero(s.contact.mask)
        vals = source[t0:t1, rows + r0, cols + c0].astype(np.float64)
        held = np.broadcast_to(np.asarray(_held(analysis, s, 0.01), np.float64), (t1 - t0,))
        is_rear = s.footprint.sensel_u_mm < 0.5 * s.footprint.length_mm
        impulse[s.side] = impulse.get(s.side, np.zeros(2)) + np.array(
            [held @ vals[:, ~is_rear].sum(axis=1), held @ vals[:, is_rear].sum(axis=1)])
    grand = sum(float(v.sum()) for v in impulse.values())
    balance = analysis.balance or {}
    out = {}
    for side, (fore, rear) in impulse.items():
        if fore + rear <= 0:
            continue
        total = balance.get(f"{side}_pct")
        total = 100.0 * (fore + rear) / grand if total is None else float(total)
        out[side] = FootLoad(total, total * fore / (fore + rear), total * rear / (fore + rear))
    return out


def _margin(pitch_mm: float) -> int:
    """Sensels of padding that hold at least :data:`MARGIN_MM`."""
    return math.ceil(MARGIN_MM / pitch_mm - 1e-9)


def _window(img: np.ndarray, mask_img: np.ndarray, box: tuple[int, int, int, int],
            target_mm: tuple[float, float], pitch: tuple[float, float]
            ) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
    """Pad a print's image to ``target_mm`` (width, height), the print in the middle.

    Every side gets at least :data:`MARGIN_MM`; a smaller print gets more.
    """
    r0, _, c0, _ = box
    rows, cols = img.shape
    mr, mc = _margin(pitch[0]), _margin(pitch[1])
    want_r = max(rows + 2 * mr, math.ceil(target_mm[1] / pitch[0] - 1e-9))
    want_c = max(cols + 2 * mc, math.ceil(target_mm[0] / pitch[1] - 1e-9))
    top = mr + (want_r - rows - 2 * mr) // 2
    left = mc + (want_c - cols - 2 * mc) // 2
    pads = ((top, want_r - rows - top), (left, want_c - cols - left))
    return (np.pad(img, pads), np.pad(mask_img, pads, constant_values=-1),
            ((c0 - left) * pitch[1], (r0 - top) * pitch[0]))


def pressure_maps(analysis: Analysis, rec_frames: np.ndarray, pitch: tuple[float, float],
                  *, overlays: bool = True, kind: str = "peak",
                  steps: dict[str, int] | None = None, dt: float = 0.01,
                  scale: PressureScale | None = None, patient: bool = False,
                  mark_kpa: float | None = None) -> PressureMaps | None:
    """Pictures of each foot: its representative print, or the step chosen in ``steps``.

    ``kind`` is one of :data:`MAP_KINDS`; ``steps`` maps a side to an index into that foot's
    complete steps; ``dt`` is the frame interval (s) for contact time, used only when the
    analysis does not keep its recordings. ``scale`` sets the top colour of pressure pictures
    (default: the clinic scale, :data:`~orthofit.report.scale.DEFAULT_MAX_KPA`); contact time
    is always scaled to its own longest time. Standing trials carry each foot's load share.
    """
    scale = PressureScale() if scale is None else scale
    loads = standing_loads(analysis, rec_frames)
    raw = []
    for foot in analysis.feet:
        step = foot.representative()
        if steps and foot.side in steps:
            chosen = [s for s in foot.steps if s.complete]
            step = chosen[min(steps[foot.side], len(chosen) - 1)] if chosen else step
        if step is None or step.footprint is None:
            continue
        r0, r1, c0, c1 = step.contact.box
        t0, t1 = step.frames
        # A combined analysis keeps each trial's frames; a step is drawn from its own trial.
        source = analysis.frames_of(step)
        source = rec_frames if source is None else source
        img = map_image(source[t0:t1, r0:r1, c0:c1], step.contact.mask, kind,
                        analysis.threshold_kpa, _held(analysis, step, dt))
        # The anatomical mask of every sensel, as an image (-1 outside the foot).
        mask_img = np.full(step.contact.mask.shape, -1, int)
        rows, cols = np.nonzero(step.contact.mask)
        mask_img[rows, cols] = assign_masks(step.footprint)
        raw.append((foot, step, img, mask_img, rows, cols))
    if not raw:
        return None
    # One window size for both feet: the larger print plus the margin on every side.
    target = (max((cols.max() - cols.min() + 1 + 2 * _margin(pitch[1])) * pitch[1]
                  for *_, rows, cols in raw),
              max((rows.max() - rows.min() + 1 + 2 * _margin(pitch[0])) * pitch[0]
                  for *_, rows, cols in raw))
    maps = []
    for foot, step, img, mask_img, rows, cols in raw:
        # Crop to the print first (a contact box can hold stray empty rows), then pad.
        rs, re_, cs, ce = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
        r0, _, c0, _ = step.contact.box
        box = (r0 + rs, r0 + re_, c0 + cs, c0 + ce)
        img_w, mask_w, origin = _window(img[rs:re_, cs:ce], mask_img[rs:re_, cs:ce], box,
                                        target, pitch)
        fp = step.footprint
        cop = None
        if analysis.mode == "walk":
            cop = step.cop_xy_mm[np.isfinite(step.cop_xy_mm).all(axis=1)]
        pbox = (box[2] * pitch[1], box[0] * pitch[0], box[3] * pitch[1], box[1] * pitch[0])
        thirds = tuple(seg for frac in (1 / 3, 2 / 3)
                       if (seg := _line_across(fp, frac * fp.toeless_length_mm, pitch))
                       is not None)
        load = loads.get(foot.side)
        split = _line_across(fp, 0.5 * fp.length_mm, pitch, toeless=False) if load else None
        title = f"{foot.side.capitalize()} foot"
        maps.append(FootMap(foot.side, img_w, origin, pitch, fp.heel_xy_mm, fp.axis, fp.lateral,
                            fp.u_back_mm, fp.toeless_length_mm, fp.length_mm, cop, title, mask_w,
                            pbox, thirds, _regions(img_w, mask_w, origin, pitch), split, load))
    data_max = max(float(m.peak_kpa.max()) for m in maps)
    vmax = max(data_max, 1e-3) if kind == "contact" else scale.vmax(data_max)
    text = "scaled to the longest contact" if kind == "contact" else scale.describe()
    return PressureMaps(tuple(maps), vmax, overlays, text, kind, patient,
                        mark_kpa if kind == "peak" else None)
