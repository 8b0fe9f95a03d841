"""When each captured frame was taken (pure functions).

A mat with a clock (OFP1's microseconds) says when; the codec unwraps it and it is used as it
is. A mat without one leaves only the times its frames arrived, and arrival is not taking:
frames queued in a serial buffer arrive together (a burst as the port opens, or after the host
was busy), which would become a fake rate. What a burst cannot do is make a frame arrive before
it was taken. So the arrivals are read against the line under all of them that lies closest to
them all (the lower envelope of arrival time against frame number, which late arrivals cannot
bend):

- a mat that streams steadily has its frames arrive close to that line (half of them within two
  periods, or 20 ms), the others late in bursts: its frames were taken evenly, at the line's
  period, and are spaced so;
- a mat whose own timing wanders (low-cost mats that send frames 10 to 160 ms apart) has few
  frames near any straight line: its arrival times stand, except that the frames of a burst
  (closer than 1 ms) are moved back, at its shortest genuine interval, before the burst's
  last one.

With too few frames to judge (under 10), the profile's nominal rate is used when it has one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Frames arriving closer together than this came in one burst (s).
BURST_S = 0.001
#: A steady mat's median frame arrives within this many periods (or 20 ms) of the envelope.
STEADY_PERIODS = 2.0
#: Fewer frames than this cannot tell the rate.
MIN_FRAMES = 10


def lower_envelope_period(index: np.ndarray, arrival_s: np.ndarray) -> float | None:
    """The period (s) of the line under every ``(index, arrival)`` point closest to them all.

    Of the lines that no arrival lies below (a frame never arrives before it is taken), the
    one whose summed distance to the arrivals is least: an edge of their lower convex hull.

    Examples
    --------
    >>> i = np.arange(6.0)
    >>> late = np.array([0.03, 0.03, 0.03, 0.03, 0.04, 0.05])  # four frames in one burst
    >>> round(lower_envelope_period(i, late), 6)
    0.01
    """
    n = index.size
    hull: list[int] = []
    for k in range(n):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            # Keep b only if it lies below the segment from a to k.
            if (arrival_s[b] - arrival_s[a]) * (index[k] - index[a]) < \
                    (arrival_s[k] - arrival_s[a]) * (index[b] - index[a]):
                break
            hull.pop()
        hull.append(k)
    total_a, total_i = float(arrival_s.sum()), float(index.sum())
    best, best_cost = None, np.inf
    for a, b in zip(hull[:-1], hull[1:], strict=True):
        slope = (arrival_s[b] - arrival_s[a]) / (index[b] - index[a])
        if slope <= 0:
            continue
        cost = total_a - n * (arrival_s[a] - slope * index[a]) - slope * total_i
        if cost < best_cost:
            best, best_cost = float(slope), cost
    return best


def frame_times(device_time_us: Sequence[int | None], host_time_s: Sequence[float], *,
                nominal_rate_hz: float | None = None) -> np.ndarray:
    """Timestamps (s from the first frame) of captured frames, strictly increasing.

    Parameters
    ----------
    device_time_us : sequence of int or None
        The mat's own clock per frame (unwrapped), None where it has none.
    host_time_s : sequence of float
        When each frame arrived (s, any origin).
    nominal_rate_hz : float, optional
        The mat profile's nominal frame rate, for captures too short to measure one.

    Examples
    --------
    A steady 100 Hz mat whose first frames waited in the port's buffer:

    >>> arrivals = [0.05, 0.05, 0.05, 0.05, 0.05] + [0.05 + 0.01 * k for k in range(1, 16)]
    >>> frame_times([None] * 20, arrivals)[:3].round(3).tolist()
    [0.0, 0.01, 0.02]
    """
    n = len(host_time_s)
    if n == 0:
        return np.zeros(0)
    if all(t is not None for t in device_time_us):
        dev = np.asarray(device_time_us, dtype=np.float64)
        if n == 1 or np.all(np.diff(dev) > 0):
            return (dev - dev[0]) / 1e6
    if n == 1:
        return np.zeros(1)
    arrival = np.asarray(host_time_s, dtype=np.float64)
    index = np.arange(n, dtype=np.float64)
    period = lower_envelope_period(index, arrival) if n >= MIN_FRAMES else None
    if period is None:
        period = 1.0 / nominal_rate_hz if nominal_rate_hz else \
            max(float(arrival[-1] - arrival[0]), 1e-3 * (n - 1)) / (n - 1)
        return index * period
    line = arrival - index * period
    lateness = line - line.min()
    # Bursts and a host that reads late delay frames by a bounded amount; a mat whose own
    # timing wanders drifts away from any straight line.
    if float(np.median(lateness)) <= max(STEADY_PERIODS * period, 0.02):
        return index * period
    # Irregular: arrival times stand, but a burst is spread back at the shortest genuine
    # interval (frames cannot be taken faster than the mat ever takes them).
    gaps = np.diff(arrival)
    real = gaps[gaps > BURST_S]
    shortest = float(real.min()) if real.size else period
    # taken[k] = min(arrival[k], taken[k + 1] - shortest), unrolled: the least, over the
    # frames from k on, of when each arrived less the shortest intervals back to k.
    ahead = arrival - index * shortest
    taken = np.minimum.accumulate(ahead[::-1])[::-1] + index * shortest
    return taken - taken[0]
