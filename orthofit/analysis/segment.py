"""Find the feet in a recording: in space (blobs of the peak image) and in time (contacts).

Works on the peak-pressure image (one pass over the frames) and on small windows around each
blob, never on the whole T x R x C volume at once, so a 2 m walk segments in milliseconds.

Rules (see DOMAIN.md): within a blob of the peak image, each sensel's runs of loaded frames are
linked to its neighbours' runs that overlap them in time, so a place stepped on twice, or two
prints that touch but were made at different times (stepping in place), are different
contacts; toes and the separate heel and forefoot prints of a high-arched foot join their foot;
two feet side by side stay apart because prints of one foot line up along the direction the
person faces or walks (read from the order in which the sensels load); pieces too small to be a
foot that sit next to no foot are noise specks and are dropped.
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


#: A sensel reads noise up to this many standard deviations above its empty level.
NOISE_SIGMAS = 6.0
#: Frames (spread over the recording) whose readings estimate the noise of an unknown mat.
NOISE_SAMPLE_FRAMES = 8


def noise_threshold_kpa(frames_kpa: np.ndarray, floor_kpa: float, *,
                        noise_kpa: float | None = None) -> float:
    """Noise threshold (kPa): readings at or below it are not contact.

    The floor comes from the threshold profile. A mat profile that states its noise (the
    standard deviation of an empty sensel, ``noise_kpa``, measured when the mat is zeroed)
    sets the threshold at six of those above zero: a property of the mat, the same for every
    trial. For a mat that does not say, the noise is read from the recording's own frames: the
    median reading (valid while the feet cover less than half of the mat) plus six robust
    standard deviations, from a few frames spread over the trial, so a longer trial (whose
    peak image collects more extreme noise) does not get a higher threshold.

    Parameters
    ----------
    frames_kpa : ndarray, shape (T, R, C) or (R, C)
    floor_kpa : float
    noise_kpa : float, optional

    Examples
    --------
    >>> noise_threshold_kpa(np.zeros((10, 10)), 5.0)
    5.0
    >>> noise_threshold_kpa(np.zeros((10, 10)), 5.0, noise_kpa=1.5)
    9.0
    """
    if noise_kpa is not None and noise_kpa > 0:
        return float(max(floor_kpa, NOISE_SIGMAS * noise_kpa))
    frames = frames_kpa if frames_kpa.ndim == 3 else frames_kpa[np.newaxis]
    pick = np.unique(np.linspace(0, frames.shape[0] - 1, NOISE_SAMPLE_FRAMES).astype(int))
    values = frames[pick].reshape(-1)
    if values.size > 200_000:
        values = values[:: values.size // 200_000 + 1]
    if np.count_nonzero(values) * 2 <= values.size:
        return float(floor_kpa)  # most of the mat reads exactly zero: a mat with a baseline
    median = float(np.median(values))
    top = float(values.max())
    # Noise reads a few kPa; a median far above the floor is a foot covering the sensor
    # (in-shoe insoles), not noise.
    if median <= 0 or median > 0.1 * top or median > 4 * floor_kpa:
        return float(floor_kpa)
    low = values[values <= 2 * median + 1e-9]
    sigma = 1.4826 * float(np.median(np.abs(low - median)))
    return float(max(floor_kpa, median + NOISE_SIGMAS * sigma))


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


def sensel_runs(active: np.ndarray, max_gap: int = 2) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray]:
    """Runs of loaded frames of every sensel: who, from when, until when.

    Parameters
    ----------
    active : ndarray of bool, shape (T, N)
        Whether each of N sensels is loaded in each frame.
    max_gap : int
        Gaps of up to this many unloaded frames inside a run are bridged (a reading that dips
        under the threshold for a frame is not a new contact).

    Returns
    -------
    sensel, start, end : ndarray of int
        One entry per run, ordered by sensel then time; ``end`` is exclusive.

    Examples
    --------
    >>> act = np.array([[1, 0], [1, 1], [0, 1], [0, 0], [0, 0], [0, 0], [1, 0]], bool)
    >>> [r.tolist() for r in sensel_runs(act)]
    [[0, 0, 1], [0, 6, 1], [2, 7, 3]]
    """
    t, n = active.shape
    padded = np.zeros((n, t + 2), np.int8)
    padded[:, 1:-1] = active.T
    edges = np.diff(padded, axis=1)
    who, start = np.nonzero(edges == 1)
    _, end = np.nonzero(edges == -1)
    if who.size > 1:
        merge = (who[1:] == who[:-1]) & (start[1:] - end[:-1] <= max_gap)
        keep_start = np.concatenate([[True], ~merge])
        keep_end = np.concatenate([~merge, [True]])
        who, start, end = who[keep_start], start[keep_start], end[keep_end]
    return who, start, end


#: Neighbour offsets (row, column) that cover every 8-connected pair of sensels once.
_HALF_NEIGHBOURS = ((0, 1), (1, -1), (1, 0), (1, 1))


def _linked_runs(image: np.ndarray, who: np.ndarray, start: np.ndarray,
                 end: np.ndarray) -> np.ndarray:
    """Group sensel runs into contacts; return a contact label per run.

    Two runs belong to the same contact when their sensels touch (8-connected) and they overlap
    in time for at least half of the shorter run. Sensels of one rolling foot load together;
    the same sensels loaded again later (stepping in place), or a neighbouring print made at
    another time (a foot landing beside where the other foot was), do not overlap that much.
    """
    rows, cols = np.nonzero(image)
    n = rows.size
    if who.size == n:
        # One run per sensel: when every run holds a common stretch at least half as long as
        # the longest run, every pair overlaps enough, and the blob is one contact.
        common = int(end.min()) - int(start.max())
        if common > 0 and 2 * common >= int((end - start).max()):
            return np.zeros(who.size, np.int64)
    index = np.full((image.shape[0] + 2, image.shape[1] + 2), -1, np.int64)
    index[rows + 1, cols + 1] = np.arange(n)
    counts = np.bincount(who, minlength=n)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    a_all, b_all = [], []
    for dr, dc in _HALF_NEIGHBOURS:
        b = index[rows + 1 + dr, cols + 1 + dc]
        ok = b >= 0
        a_all.append(np.arange(n)[ok])
        b_all.append(b[ok])
    a = np.concatenate(a_all)
    b = np.concatenate(b_all)
    na, nb = counts[a], counts[b]
    m = na * nb
    pair = np.repeat(np.arange(a.size), m)
    k = np.arange(int(m.sum())) - np.repeat(np.cumsum(m) - m, m)
    ia = first[a][pair] + k // nb[pair]
    ib = first[b][pair] + k % nb[pair]
    overlap = np.minimum(end[ia], end[ib]) - np.maximum(start[ia], start[ib])
    shorter = np.minimum(end[ia] - start[ia], end[ib] - start[ib])
    link = (overlap > 0) & (2 * overlap >= shorter)
    if who.size == n and link.all():
        return np.zeros(who.size, np.int64)  # one run a sensel, every neighbour linked
    return _components(who.size, ia[link], ib[link])


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected components of n nodes joined by edges (a, b): the smallest node of each.

    Label propagation with pointer jumping; the graphs here (runs of one blob) are small and
    local, so it settles in a few rounds, quicker than building a sparse matrix.

    Examples
    --------
    >>> _components(5, np.array([0, 3]), np.array([1, 4])).tolist()
    [0, 0, 2, 3, 3]
    """
    lab = np.arange(n)
    while True:
        low = np.minimum(lab[a], lab[b])
        new = lab.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        while True:
            jumped = new[new]
            if (jumped == new).all():
                break
            new = jumped
        if (new == lab).all():
            return lab
        lab = new


@dataclasses.dataclass
class _Piece:
    """Sensels of one blob loaded together over one stretch of time (part of a foot's contact).

    ``coords`` are mat (row, column) per sensel, ``onset`` the frame each started loading.
    """

    coords: np.ndarray
    onset: np.ndarray
    frames: tuple[int, int]
    n_active: int
    blob: int

    @property
    def area(self) -> int:
        return int(self.coords.shape[0])


def _pieces(frames_kpa: np.ndarray, box: tuple[int, int, int, int], image: np.ndarray,
            threshold_kpa: float, blob: int) -> list[_Piece]:
    """Split one blob of the peak image into pieces loaded at different times."""
    r0, c0, _, _ = box
    rows, cols = np.nonzero(image)
    win = frames_kpa[:, r0:r0 + image.shape[0], c0:c0 + image.shape[1]]
    active = win[:, rows, cols] > threshold_kpa
    # Only the frames in which the blob is loaded at all (a step is a fraction of a walk).
    busy = np.flatnonzero(active.any(axis=1))
    if busy.size == 0:
        return []
    who, start, end = sensel_runs(active[busy[0]:busy[-1] + 1])
    start, end = start + busy[0], end + busy[0]
    label_of = _linked_runs(image, who, start, end)
    out = []
    order = np.argsort(label_of, kind="stable")
    bounds = np.flatnonzero(np.diff(label_of[order])) + 1
    for sel in np.split(order, bounds):
        sensels, first = np.unique(who[sel], return_index=True)
        s, e = start[sel], end[sel]
        t0, t1 = int(s.min()), int(e.max())
        # Frames in which any of the piece's sensels is loaded: the union of its runs.
        depth = np.zeros(t1 - t0 + 1, np.int64)
        np.add.at(depth, s - t0, 1)
        np.add.at(depth, e - t0, -1)
        n_active = int((np.cumsum(depth[:-1]) > 0).sum())
        coords = np.stack([rows[sensels] + r0, cols[sensels] + c0], axis=1)
        out.append(_Piece(coords, s[first], (t0, t1), n_active, blob))
    return out


#: How closely onset times must follow position along the way for a walk to be seen.
MIN_ONSET_CORRELATION = 0.5


def facing_direction(pieces: list, pitch_mm: tuple[float, float]) -> np.ndarray | None:
    """Unit vector (x, y) of the way the person walks, from when each sensel started loading.

    In a step the heel loads first and the toes last; along a walk later steps land further
    on. Both show as the regression of the sensels' positions on their onset times, which
    points the way the person walks (the toe-out of left and right steps averages out). None
    when the loads do not travel at least 50 mm that way, or their order follows the way only
    loosely (correlation below :data:`MIN_ONSET_CORRELATION`): a standing trial.
    """
    if not pieces:
        return None
    onset = np.concatenate([p.onset for p in pieces]).astype(float)
    coords = np.concatenate([p.coords for p in pieces])
    xy = np.stack([(coords[:, 1] + 0.5) * pitch_mm[1], (coords[:, 0] + 0.5) * pitch_mm[0]],
                  axis=1)
    dt = onset - onset.mean()
    var = float(dt @ dt)
    if var <= 0:
        return None
    centred = xy - xy.mean(axis=0)
    slope = dt @ centred / var            # mm per frame
    travel = slope * float(np.ptp(onset))
    norm = float(np.hypot(*travel))
    if norm < 50.0:
        return None
    # A standing print whose outline flickers around the threshold has late onsets scattered
    # at random; a step or a walk loads its sensels in order along the way.
    along = centred @ (travel / norm)
    r = float(dt @ along) / max(float(np.sqrt(var * (along @ along))), 1e-12)
    return travel / norm if r >= MIN_ONSET_CORRELATION else None


def find_contacts(
    frames_kpa: np.ndarray,
    pitch_mm: tuple[float, float],
    threshold_kpa: float,
    th: Thresholds,
    *,
    peak_kpa: np.ndarray | None = None,
    valid: np.ndarray | None = None,
    in_shoe: bool = False,
    standing: bool = False,
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
    standing : bool
        A standing trial: the patient faces row 0 (the image convention), whatever the order
        in which the feet were put down.

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
    facing_row0 = np.array([0.0, -1.0])
    if not props:
        return [], facing_row0, 0
    row_mm, col_mm = pitch_mm
    sensel_cm2 = row_mm * col_mm / 100.0
    # Each blob of the peak image splits into pieces loaded at different times: a place
    # stepped on twice, or two prints that touch but were made one after the other.
    pieces = [piece for p in props
              for piece in _pieces(frames_kpa, p.bbox, p.image, threshold_kpa, p.label)]
    if not pieces:
        return [], facing_row0, 0
    n = len(pieces)
    intervals = [piece.frames for piece in pieces]
    n_active = [piece.n_active for piece in pieces]
    centres = [np.stack([(piece.coords[:, 1] + 0.5) * col_mm,
                         (piece.coords[:, 0] + 0.5) * row_mm], axis=1) for piece in pieces]
    areas = np.array([piece.area * sensel_cm2 for piece in pieces])
    big = areas >= th.min_foot_area_cm2
    # A toe stays loaded for many frames; an electrical spike lasts one or two.
    persistent = min(3, frames_kpa.shape[0])
    real = big | (np.asarray(n_active) >= persistent)
    direction = None if standing else facing_direction(
        [piece for piece, ok in zip(pieces, real, strict=True) if ok], pitch_mm)
    if direction is None:
        direction = facing_row0
    boxes = np.array([[*piece.coords.min(axis=0), *(piece.coords.max(axis=0) + 1)]
                      for piece in pieces], dtype=float)  # r0, c0, r1, c1
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Large pieces of one foot line up along the facing direction and touch the mat together.
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
    # Small pieces (toes, partial sensels) join the nearest large piece loaded at the same
    # time within reach; else they are noise. A sensel on the outline that flickers around the
    # threshold makes a piece of a frame or two inside a foot's blob: it belongs to that foot.
    # A short piece in a blob of its own is an electrical spike.
    n_specks = 0
    blobs_with_foot = {pieces[j].blob for j in big_idx}
    for i in np.flatnonzero(~big):
        best, best_gap = None, th.join_distance_mm
        if n_active[i] < persistent and pieces[i].blob not in blobs_with_foot:
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
        coords = np.concatenate([pieces[i].coords for i in members])  # may repeat a sensel
        t0 = min(intervals[i][0] for i in members)
        t1 = max(intervals[i][1] for i in members)
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
        contacts.append(Contact(mask, (int(r0), int(r1), int(c0), int(c1)),
                                (int(t0), int(t1)), edge))
    contacts.sort(key=lambda c: (c.frames[0], c.box[2]))
    return contacts, direction, n_specks
