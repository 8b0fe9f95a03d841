"""When a capture starts and stops (pure logic, fed one frame at a time).

- ``static``: waits for a stable stance (enough of the mat loaded, total load steady within
  5 % for one second), then records a fixed time.
- ``walk``: starts when the first foot lands (keeping a short lead-in); a pass ends when the mat
  has been empty for a margin after the last foot left, and the capture ends after ``passes``
  passes (one by default), or at the longest a walk may take (``max_s`` a pass: someone who
  stays on the mat does not make a capture that never ends).
- ``balance``: like static, for a fixed time (30 s by default: stabilometry wants >= 25 s).
- fixed ``seconds`` or ``frames``: from the first frame.

A trigger sees each frame's loaded area and total pressure and answers whether the capture is
done; its ``window`` is then the (start, end) frame indices to keep.
"""

from __future__ import annotations

import collections
import dataclasses

import numpy as np

#: Pressure above which a sensel counts as loaded for triggering (kPa).
LOADED_KPA = 5.0


@dataclasses.dataclass
class Trigger:
    """A capture trigger.

    Parameters
    ----------
    mode : str
        ``static``, ``walk``, ``balance``, ``seconds`` or ``frames``.
    duration_s : float
        Recording time for static, balance and seconds.
    frames : int
        Frames for ``frames``.
    sensel_area_cm2 : float
        Area of one sensel, to turn loaded sensels into cm^2.
    min_area_cm2 : float
        Loaded area that counts as a stance (static, balance) or a foot (walk).
    stable_s : float
        How long the load must be steady before a static or balance capture starts.
    margin_s : float
        Walk: empty time after the last foot that ends the capture.
    lead_s : float
        Walk: time kept before the first foot lands.
    max_wait_s : float
        Give up waiting for a start after this long.
    restart_on_step_off : bool
        Static and balance: if the loaded area falls below half of ``min_area_cm2`` while
        recording (the patient stepped off), forget the frames so far and wait for a steady
        stance again; ``restarts`` counts how often. The kiosk uses it, so a scan is never
        half a stance.
    passes : int
        Walk: passes over the mat to record.
    max_s : float
        Walk: the longest a pass may take (s); a walk still going on then ends there, with
        ``capped`` set.
    """

    mode: str
    duration_s: float = 5.0
    frames: int = 0
    sensel_area_cm2: float = 0.258
    min_area_cm2: float = 40.0
    stable_s: float = 1.0
    margin_s: float = 1.0
    lead_s: float = 0.2
    max_wait_s: float = 60.0
    restart_on_step_off: bool = False
    restarts: int = 0
    passes: int = 1
    max_s: float = 30.0
    passes_done: int = 0
    capped: bool = False
    start: int | None = None
    end: int | None = None
    gave_up: bool = False
    _recent: collections.deque = dataclasses.field(default_factory=collections.deque)
    _t0: float | None = None
    _last_loaded: float | None = None
    _last_t: float | None = None
    _dt: float = 0.0
    _walk_t0: float = 0.0

    @property
    def watches_load(self) -> bool:
        """Whether ``update`` needs the frame's pressures (static, walk, balance)."""
        return self.mode in ("static", "walk", "balance")

    @property
    def window(self) -> tuple[int, int] | None:
        """Frame indices (start, end-exclusive) to keep, once known."""
        if self.start is None:
            return None
        return self.start, self.end if self.end is not None else self.start

    def update(self, index: int, t_s: float, kpa: np.ndarray | None) -> bool:
        """Feed one frame (index, time in s, kPa image or None); return True when done."""
        if self._t0 is None:
            self._t0 = t_s
        if self._last_t is not None and t_s > self._last_t:
            self._dt = t_s - self._last_t  # one frame interval: a duration covers whole frames
        self._last_t = t_s
        if self.mode == "frames":
            self.start = 0
            self.end = index + 1
            return self.end >= self.frames
        if self.mode == "seconds":
            self.start = 0
            self.end = index + 1
            return t_s - self._t0 + self._dt >= self.duration_s - 1e-9
        assert kpa is not None, "static, walk and balance triggers need the pressures"
        loaded = kpa > LOADED_KPA
        area = float(loaded.sum()) * self.sensel_area_cm2
        if self.mode == "walk":
            return self._walk(index, t_s, area)
        return self._stance(index, t_s, area, float(kpa[loaded].sum()))

    def _stance(self, index: int, t_s: float, area: float, total: float) -> bool:
        if self.start is None:
            self._recent.append((t_s, area, total))
            while self._recent and t_s - self._recent[0][0] > self.stable_s:
                self._recent.popleft()
            span = t_s - self._recent[0][0]
            areas = np.array([r[1] for r in self._recent])
            totals = np.array([r[2] for r in self._recent])
            steady = (span >= self.stable_s * 0.95 and areas.min() >= self.min_area_cm2
                      and totals.std() <= 0.05 * max(totals.mean(), 1e-9))
            if steady:
                self.start = index
                self._t0 = t_s
            elif t_s - self._t0 > self.max_wait_s:
                self.gave_up = True
                return True
            return False
        if self.restart_on_step_off and area < 0.5 * self.min_area_cm2:
            self.start = self.end = None
            self._recent.clear()
            self._t0 = t_s  # the wait for a steady stance starts again now
            self.restarts += 1
            return False
        self.end = index + 1
        return t_s - self._t0 + self._dt >= self.duration_s - 1e-9

    def _walk(self, index: int, t_s: float, area: float) -> bool:
        self._recent.append((index, t_s))
        while self._recent and t_s - self._recent[0][1] > self.lead_s:
            self._recent.popleft()
        if area >= self.min_area_cm2:
            if self.start is None:
                self.start = self._recent[0][0]
                self._walk_t0 = t_s
            self._last_loaded = t_s
        if self.start is None:
            if t_s - self._t0 > self.max_wait_s:
                self.gave_up = True
                return True
            return False
        self.end = index + 1
        if self._last_loaded is not None and t_s - self._last_loaded >= self.margin_s - 1e-9:
            self.passes_done += 1
            self._last_loaded = None  # the next pass starts when a foot lands again
            if self.passes_done >= self.passes:
                return True
        if t_s - self._walk_t0 >= self.max_s * self.passes:
            self.capped = True
            return True
        return False


def trigger_for(mode: str, *, seconds: float | None = None, frames: int | None = None,
                sensel_area_cm2: float = 0.258, passes: int = 1) -> Trigger:
    """The trigger for a capture mode (``seconds``/``frames`` override the mode's stop rule).

    ``capture()`` sets ``sensel_area_cm2`` from the reader's mat profile, so callers that
    record through it need not pass it; it matters only when a trigger is driven by hand.
    """
    if frames:
        return Trigger("frames", frames=frames, sensel_area_cm2=sensel_area_cm2)
    if seconds and mode not in ("static", "balance"):
        return Trigger("seconds", duration_s=seconds, sensel_area_cm2=sensel_area_cm2)
    if mode == "walk":
        return Trigger("walk", sensel_area_cm2=sensel_area_cm2, min_area_cm2=10.0,
                       passes=max(1, int(passes)))
    default = 30.0 if mode == "balance" else 5.0
    return Trigger(mode, duration_s=seconds or default, sensel_area_cm2=sensel_area_cm2)
