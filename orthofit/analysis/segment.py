"""Find the feet in a recording: in space (blobs of the peak image) and in time (contacts).

Works on the peak-pressure image (one pass over the frames) and on small windows around each
blob, never on the whole T x R x C volume at once, so a 2 m walk segments in milliseconds.

Rules (see DOMAIN.md): toes and the separate heel and forefoot prints of a high-arched foot
join their foot; two feet side by side stay apart because prints of one foot line up along the
direction the person faces or walks; blobs too small to be a foot that sit next to no foot are
noise specks and are dropped; a place stepped on twice becomes two contacts.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.spatial import cKDTree
from skimage.measure import label, regionprops

from orthofit.analysis.classify import Thresholds


@dataclasses.dataclass(frozen=True)
class Contact:
    """One foot on the mat for one uninterrupted time (a step, or a standing foot).

    Attributes
    ----------
    mask : ndarray of bool, shape (r1 - r0, c1 - c0)
        Sensels of this foot inside ``box``.
    box : (int, int, int, int)
        Window ``r0, r1, c0, c1`` on the mat (end-exclusive).
    frames : (int, int)
        Frame range ``t0, t1`` (end-exclusive) in which the foot touches the mat.
    touches_edge : bool
        The print reaches the mat's border or an invalid sensel: part of the foot is off the mat.
    """

    mask: np.ndarray
    box: tuple[int, int, int, int]
    frames: tuple[int, int]
    touches_edge: bool

    @property
    def offset(self) -> tuple[int, int]:
        """Row and column of the window's first sensel."""
        return self.box[0], self.box[2]

    def window(self, frames_kpa: np.ndarray) -> np.ndarray:
        """The frames of this contact inside its window (a view, no copy)."""
        r0, r1, c0, c1 = self.box
        return frames_kpa[self.frames[0]:self.frames[1], r0:r1, c0:c1]


def noise_threshold_kpa(peak_kpa: np.ndarray, floor_kpa: float) -> float:
    """Noise threshold (kPa) for a recording from its peak image.

    The floor comes from the threshold profile. On mats whose unloaded sensels read noise
    rather than zero, the threshold rises to the unloaded level plus six robust standard
    deviations; the unloaded level is the median of the peak image, valid when the feet cover
    less than half of the mat (it is not raised otherwise).

    Examples
    --------
    >>> noise_threshold_kpa(np.zeros((10, 10)), 5.0)
    5.0
    """
    values = peak_kpa.reshape(-1)
    median = float(np.median(values))
    top = float(np.percentile(values, 99.5))
    # Noise reads a few kPa; a median far above the floor is a foot covering the sensor
    # (in-shoe insoles), not noise.
    if median <= 0 or median > 0.1 * top or median > 4 * floor_kpa:
        return float(floor_kpa)
    low = values[values <= 2 * median + 1e-9]
    sigma = 1.4826 * float(np.median(np.abs(low - median)))
    return float(max(floor_kpa, median + 6 * sigma))


def _contact_intervals(active: np.ndarray, min_gap: int = 2) -> list[tuple[int, int]]:
    """Runs of True in ``active`` (end-exclusive), merging gaps shorter than ``min_gap`` frames."""
    idx = np.flatnonzero(active)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > min_gap)
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks], [idx[-1]]]) + 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Time overlap of two frame ranges as a fraction of the shorter one."""
    inter = min(a[1], b[1]) - max(a[0], b[0])
    shorter = min(a[1] - a[0], b[1] - b[0])
    return max(inter, 0) / max(shorter, 1)


def _box_gap_mm(a: np.ndarray, b: np.ndarray, pitch_mm: tuple[float, float]) -> float:
    """Lower bound of the distance (mm) between two blobs from their bounding boxes."""
    dr = max(a[0] - b[2], b[0] - a[2], -1.0) + 1.0
    dc = max(a[1] - b[3], b[1] - a[3], -1.0) + 1.0
    return float(np.hypot(max(dr, 0.0) * pitch_mm[0], max(dc, 0.0) * pitch_mm[1]))


def _gap_mm(ca: np.ndarray, cb: np.ndarray) -> float:
    """Smallest distance between two sets of sensel centres (mm)."""
    return float(cKDTree(cb).query(ca, k=1)[0].min())


def facing_direction(starts: np.ndarray, centres_mm: np.ndarray, areas: np.ndarray,
                     n_frames: int) -> np.ndarray:
    """Unit vector (x, y) of the way the person faces or walks.

    Prints that land later lie further along a walk: the direction runs from the blobs that
    touch down first to those that touch down later (area-weighted centroids). When every blob
    touches down within the first tenth of the recording (standing) or they move less than
    50 mm, the image convention applies: the patient faces row 0, i.e. ``(0, -1)``.

    Parameters
    ----------
    starts : ndarray, shape (N,)
        First loaded frame of each blob.
    centres_mm : ndarray, shape (N, 2)
        Centroid (x, y) of each blob in mm.
    areas : ndarray, shape (N,)
        Area of each blob (any unit), the weights.
    n_frames : int
        Frames in the recording.
    """
    facing_row0 = np.array([0.0, -1.0])
    if starts.size < 2 or np.ptp(starts) <= max(0.1 * n_frames, 2):
        return facing_row0
    early = starts <= np.median(starts)
    if early.all():
        early = starts <= starts.min()
    a, b = areas[early], areas[~early]
    travel = (centres_mm[~early] * b[:, None]).sum(0) / b.sum() - \
        (centres_mm[early] * a[:, None]).sum(0) / a.sum()
    norm = float(np.hypot(*travel))
    return travel / norm if norm >= 50.0 else facing_row0


def find_contacts(
    frames_kpa: np.ndarray,
    pitch_mm: tuple[float, float],
    threshold_kpa: float,
    th: Thresholds,
    *,
    peak_kpa: np.ndarray | None = None,
    valid: np.ndarray | None = None,
    in_shoe: bool = False,
) -> tuple[list[Contact], np.ndarray, int]:
    """Segment feet in space and time.

    Parameters
    ----------
    frames_kpa : ndarray, shape (T, R, C)
    pitch_mm : (float, float)
    threshold_kpa : float
        Noise threshold; sensels at or below it are unloaded.
    th : Thresholds
        Supplies ``min_foot_area_cm2`` and ``join_distance_mm``.
    peak_kpa : ndarray, optional
        ``frames_kpa.max(axis=0)`` when the caller already has it.
    valid : ndarray of bool, optional
        Sensels that exist (vendor sensors are not rectangular); a print touching an invalid
        sensel or the border is marked ``touches_edge``.
    in_shoe : bool
        An in-shoe sensor has the shape of the sole, so a print reaching its border is whole:
        no ``touches_edge``.

    Returns
    -------
    contacts : list of Contact
        In time order of first contact.
    direction : ndarray, shape (2,)
        Unit vector (x, y) the person faces or walks.
    n_specks : int
        Blobs dropped as noise.
    """
    peak = frames_kpa.max(axis=0) if peak_kpa is None else peak_kpa
    loaded = peak > threshold_kpa
    labels = label(loaded, connectivity=2)
    props = regionprops(labels)
    if not props:
        return [], np.array([0.0, -1.0]), 0
    pr, pc = pitch_mm
    sensel_cm2 = pr * pc / 100.0
    n = len(props)
    # Contact interval of each blob from its own sensels (small windows only).
    intervals = []
    n_active: list[int] = []
    centres = []
    for p in props:
        r0, c0, r1, c1 = p.bbox
        win = frames_kpa[:, r0:r1, c0:c1]
        active = (win[:, p.image] > threshold_kpa).any(axis=1)
        ts = np.flatnonzero(active)
        intervals.append((int(ts[0]), int(ts[-1]) + 1) if ts.size else (0, 0))
        n_active.append(int(ts.size))
        rr, cc = p.coords[:, 0], p.coords[:, 1]
        centres.append(np.stack([(cc + 0.5) * pc, (rr + 0.5) * pr], axis=1))
    areas = np.array([p.area * sensel_cm2 for p in props])
    big = areas >= th.min_foot_area_cm2
    real = big | (np.asarray(n_active) >= min(3, frames_kpa.shape[0]))
    direction = facing_direction(
        np.array([iv[0] for iv in intervals])[real],
        np.array([c.mean(axis=0) for c in centres])[real], areas[real], frames_kpa.shape[0])
    boxes = np.array([p.bbox for p in props], dtype=float)  # r0, c0, r1, c1
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Large blobs of one foot line up along the facing direction and touch the mat together.
    max_gap = 2.5 * th.join_distance_mm
    big_idx = np.flatnonzero(big)
    for ii, i in enumerate(big_idx):
        for j in big_idx[ii + 1:]:
            if _overlap(intervals[i], intervals[j]) < 0.3 or _box_gap_mm(boxes[i], boxes[j],
                                                                         pitch_mm) > max_gap:
                continue
            gap = _gap_mm(centres[i], centres[j])
            if gap > max_gap:
                continue
            d = centres[j].mean(axis=0) - centres[i].mean(axis=0)
            along = abs(float(d @ direction)) / (np.hypot(*d) + 1e-9)
            # Close prints may sit at a wider angle (toes ahead of a turned-out forefoot);
            # far ones (a high arch's heel and forefoot) must line up with the direction.
            limit = np.cos(np.radians(65 if gap <= th.join_distance_mm else 40))
            if gap <= 0.35 * th.join_distance_mm or along > limit:
                parent[find(j)] = find(i)
    # Small blobs (toes, partial sensels) join the nearest large blob within reach; else noise.
    n_specks = 0
    # A toe stays loaded for many frames; an electrical spike lasts one or two.
    persistent = min(3, frames_kpa.shape[0])
    for i in np.flatnonzero(~big):
        best, best_gap = None, th.join_distance_mm
        if n_active[i] < persistent:
            n_specks += 1
            parent[i] = -1
            continue
        for j in big_idx:
            if _overlap(intervals[i], intervals[j]) <= 0 or _box_gap_mm(boxes[i], boxes[j],
                                                                        pitch_mm) > best_gap:
                continue
            gap = _gap_mm(centres[i], centres[j])
            if gap <= best_gap:
                best, best_gap = j, gap
        if best is None:
            n_specks += 1
            parent[i] = -1
        else:
            parent[i] = find(best)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        if parent[i] == -1:
            continue
        groups.setdefault(find(i), []).append(i)
    rows_all, cols_all = loaded.shape
    contacts = []
    for members in groups.values():
        coords = np.concatenate([props[i].coords for i in members])
        r0, c0 = coords.min(axis=0)
        r1, c1 = coords.max(axis=0) + 1
        mask = np.zeros((r1 - r0, c1 - c0), bool)
        mask[coords[:, 0] - r0, coords[:, 1] - c0] = True
        edge = bool(r0 == 0 or c0 == 0 or r1 == rows_all or c1 == cols_all) and not in_shoe
        if valid is not None and not edge and not in_shoe:
            grown = np.zeros_like(loaded)
            grown[coords[:, 0], coords[:, 1]] = True
            # A print next to a sensel that does not exist runs off the sensor.
            near = np.zeros_like(grown)
            near[1:, :] |= grown[:-1, :]
            near[:-1, :] |= grown[1:, :]
            near[:, 1:] |= grown[:, :-1]
            near[:, :-1] |= grown[:, 1:]
            edge = bool((near & ~valid).any())
        win = frames_kpa[:, r0:r1, c0:c1]
        active = (win[:, mask] > threshold_kpa).any(axis=1)
        for t0, t1 in _contact_intervals(active):
            # A place stepped on twice: each contact keeps only the sensels it loaded.
            sub_mask = mask & (win[t0:t1].max(axis=0) > threshold_kpa)
            if sub_mask.sum() * sensel_cm2 < th.min_foot_area_cm2:
                n_specks += 1
                continue
            contacts.append(Contact(sub_mask, (int(r0), int(r1), int(c0), int(c1)),
                                    (int(t0), int(t1)), edge))
    contacts.sort(key=lambda c: (c.frames[0], c.box[2]))
    return contacts, direction, n_specks
