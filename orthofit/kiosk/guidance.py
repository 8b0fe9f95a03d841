"""Plain guidance for the person on the mat, from one live frame (pure, no Qt).

The kiosk shows one sentence at a time: step on, move fully onto the mat, stand on both feet,
share the weight, or stand still. The patient faces the top of the mat (row 0), so the left of
the picture is their left foot, as in every top view in orthofit.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from skimage.measure import label

from orthofit.capture.modes import LOADED_KPA

#: Loaded area (cm^2) that counts as a foot; less is a toe or a dropped bag strap.
MIN_FOOT_CM2 = 20.0
#: Loaded area (cm^2) below which a patch is ignored (speck, noise).
MIN_PATCH_CM2 = 2.0
#: Share of the load on one foot above which we ask the patient to stand evenly.
UNEVEN_SHARE = 0.8
#: A loaded patch this wide or wider (mm) without a gap is two feet side by side.
TWO_FEET_WIDTH_MM = 180.0

WORDS = {
    "empty": "Step onto the mat with both feet, side by side.",
    "off_edge": "Move a little so that both feet are fully on the mat.",
    "one_foot": "Please stand on both feet, side by side.",
    "uneven": "Stand evenly: put the same weight on both feet.",
    "ready": "Good. Stand still, arms by your sides, and look ahead.",
}


@dataclasses.dataclass(frozen=True)
class Stance:
    """What the mat sees of the person on it.

    ``state`` is ``empty``, ``off_edge``, ``one_foot``, ``uneven`` or ``ready``;
    ``left_share`` is the fraction of the load on the left foot (None unless two feet);
    ``words`` is the sentence for the screen.
    """

    state: str
    feet: int
    left_share: float | None
    words: str


def _stance(state: str, feet: int, left_share: float | None = None) -> Stance:
    words = WORDS[state]
    if state == "uneven" and left_share is not None:
        heavy = "left" if left_share > 0.5 else "right"
        words = f"Most of your weight is on your {heavy} foot. {WORDS['uneven']}"
    return Stance(state, feet, left_share, words)


def stance_guidance(kpa: np.ndarray, pitch_mm: tuple[float, float], *,
                    loaded_kpa: float = LOADED_KPA) -> Stance:
    """Classify one frame (R x C, kPa) of a mat with sensel pitch (row, col) in mm.

    Examples
    --------
    >>> stance_guidance(np.zeros((40, 40)), (5.0, 5.0)).state
    'empty'
    """
    area_cm2 = pitch_mm[0] * pitch_mm[1] / 100.0
    labels = label(kpa > loaded_kpa, connectivity=2)
    sizes = np.bincount(labels.ravel())
    keep = np.flatnonzero(sizes * area_cm2 >= MIN_PATCH_CM2)
    keep = keep[keep > 0]
    loaded = np.isin(labels, keep)
    if loaded.sum() * area_cm2 < MIN_FOOT_CM2:
        return _stance("empty", 0)
    if loaded[0].any() or loaded[-1].any() or loaded[:, 0].any() or loaded[:, -1].any():
        return _stance("off_edge", 1)  # part of a foot is beyond the sensing area
    # Split left from right at the widest run of empty columns between the loaded ones; feet
    # pressed together (no such run) are split at the least loaded column of the middle third.
    force = np.where(loaded, kpa, 0.0).sum(axis=0)
    cols = np.flatnonzero(loaded.any(axis=0))
    first, last = int(cols[0]), int(cols[-1])
    gaps = np.diff(cols)
    if gaps.max(initial=0) > 1:
        split = int(cols[np.argmax(gaps)]) + 1
    elif (last - first + 1) * pitch_mm[1] >= TWO_FEET_WIDTH_MM:
        third = (last - first + 1) // 3
        middle = force[first + third:last - third + 1]
        split = first + third + int(np.argmin(middle))
    else:
        return _stance("one_foot", 1)
    left_area = loaded[:, :split].sum() * area_cm2
    right_area = loaded[:, split:].sum() * area_cm2
    if min(left_area, right_area) < MIN_FOOT_CM2:
        return _stance("one_foot", 1)
    share = float(force[:split].sum() / max(force.sum(), 1e-9))
    if max(share, 1.0 - share) > UNEVEN_SHARE:
        return _stance("uneven", 2, share)
    return _stance("ready", 2, share)
