"""A closed solid from a height field over a convex outline: top z(u, w), bottom, side walls.

The top and bottom share one structured grid: rows across the foot at chosen ``u`` (mm), each
row split into the same number of columns between the outline's medial and lateral edges. The
boundary of the grid is the outline, so the side walls join the top and the bottom ring by
ring and the solid is closed and consistently wound by construction (no booleans, no repair).
Coordinates stay in the foot frame: ``u`` toward the toes, ``w`` lateral, ``z`` up (mm).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

#: A height field: arrays of ``u`` and ``w`` (mm) in, ``z`` (mm) out, same shape.
Field = Callable[[np.ndarray, np.ndarray], np.ndarray]


def edges_across(poly: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The medial (smallest ``w``) and lateral edges of a convex polygon at each ``u`` (mm).

    Examples
    --------
    >>> square = np.array([[0, -2], [4, -2], [4, 3], [0, 3]], float)
    >>> lo, hi = edges_across(square, np.array([1.0, 3.0]))
    >>> lo.tolist(), hi.tolist()
    ([-2.0, -2.0], [3.0, 3.0])
    """
    a, b = poly, np.roll(poly, -1, axis=0)
    ua, ub = a[:, 0][None, :], b[:, 0][None, :]
    uu = np.asarray(u, float)[:, None]
    crosses = ((ua - uu) * (ub - uu) <= 0) & (ua != ub)
    t = np.where(crosses, (uu - ua) / np.where(ua == ub, 1.0, ub - ua), 0.0)
    w = a[:, 1][None, :] + t * (b[:, 1] - a[:, 1])[None, :]
    lo = np.where(crosses, w, np.inf).min(axis=1)
    hi = np.where(crosses, w, -np.inf).max(axis=1)
    return lo, hi


def distance_to_edge(poly: np.ndarray, u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Distance (mm) from points inside a convex polygon to its nearest edge.

    Inside a convex polygon the nearest edge is the nearest of the edges' lines, so this is
    the smallest distance to a line: one matrix product, whichever way the polygon runs.

    Examples
    --------
    >>> square = np.array([[0, 0], [4, 0], [4, 4], [0, 4]], float)
    >>> distance_to_edge(square, np.array([1.0, 2.0]), np.array([2.0, 2.0])).tolist()
    [1.0, 2.0]
    """
    a, b = poly, np.roll(poly, -1, axis=0)
    ab = b - a
    length = np.hypot(ab[:, 0], ab[:, 1])
    keep = length > 1e-9
    a, ab, length = a[keep], ab[keep], length[keep]
    normal = np.stack([-ab[:, 1], ab[:, 0]], axis=1) / length[:, None]
    # Turn every normal inward: toward the polygon's centre.
    centre = poly.mean(axis=0)
    normal *= np.sign(((centre - a) * normal).sum(axis=1))[:, None]
    offset = (a * normal).sum(axis=1)
    p = np.stack([np.ravel(u), np.ravel(w)], axis=1)
    d = p @ normal.T - offset[None, :]
    return np.maximum(d.min(axis=1), 0.0).reshape(np.shape(u))


def grid_rows(poly: np.ndarray, spacing: float, features: Sequence[float] = ()) -> np.ndarray:
    """Row positions ``u`` (mm) every ``spacing`` or less, with a row at each feature ``u``.

    The first and last rows sit a hair inside the outline's ends (where a rounded outline's
    width is zero, a row would have no width); the hair is a fiftieth of the spacing.
    """
    lo, hi = float(poly[:, 0].min()), float(poly[:, 0].max())
    inset = spacing / 50.0
    lo, hi = lo + inset, hi - inset
    n = max(2, int(np.ceil((hi - lo) / spacing)) + 1)
    rows = np.linspace(lo, hi, n)
    extra = [f for f in features if lo + spacing / 4 < f < hi - spacing / 4]
    if extra:
        # A feature row replaces the nearest regular row, so no row is crowded by it.
        rows = np.sort(np.concatenate([
            rows[[np.min(np.abs(r - np.asarray(extra))) > spacing / 2 for r in rows]], extra]))
        rows[0], rows[-1] = lo, hi
    return rows


def solid(poly: np.ndarray, top: Field, bottom: Field | None, spacing: float,
          features: Sequence[float] = ()) -> tuple[np.ndarray, np.ndarray]:
    """A closed, outward-wound triangle mesh between ``bottom`` and ``top`` over ``poly``.

    ``bottom`` None means a flat underside at ``z = 0``: it needs no grid, only a fan from the
    outline's centre to its edge (half the triangles; the bed does not care). Returns
    ``(vertices (N, 3) as u, w, z in mm, faces (F, 3) int)``; seen from above (+z) with ``u``
    as x and ``w`` as y, the top's triangles run counter-clockwise.
    """
    rows = grid_rows(poly, spacing, features)
    lo, hi = edges_across(poly, rows)
    cols = max(2, int(np.ceil(float(np.max(hi - lo)) / spacing)))
    frac = np.linspace(0.0, 1.0, cols + 1)
    uu = np.repeat(rows[:, None], cols + 1, axis=1)
    ww = lo[:, None] + frac[None, :] * (hi - lo)[:, None]
    n_rows, n_cols = uu.shape
    n = n_rows * n_cols
    idx = np.arange(n).reshape(n_rows, n_cols)
    a, b = idx[:-1, :-1].ravel(), idx[1:, :-1].ravel()
    c, d = idx[1:, 1:].ravel(), idx[:-1, 1:].ravel()
    top_faces = np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)])
    # The boundary counter-clockwise: medial edge forwards, front row outwards, lateral edge
    # backwards, back row inwards.
    ring = np.concatenate([idx[:-1, 0], idx[-1, :-1], idx[:0:-1, -1], idx[0, :0:-1]])
    top_verts = np.stack([uu, ww, top(uu, ww)], -1).reshape(-1, 3)
    if bottom is None:
        ring_uw = top_verts[ring, :2]
        centre = ring_uw.mean(axis=0)
        low = np.concatenate([np.column_stack([ring_uw, np.zeros(len(ring))]),
                              [[centre[0], centre[1], 0.0]]])
        below = n + np.arange(len(ring))  # the bottom vertex under each ring vertex
        mid = n + len(ring)
        nxt = np.roll(below, -1)
        bottom_faces = np.stack([np.full(len(ring), mid), nxt, below], 1)
    else:
        low = np.stack([uu, ww, bottom(uu, ww)], -1).reshape(-1, 3)
        below = ring + n
        bottom_faces = top_faces[:, ::-1] + n
    verts = np.concatenate([top_verts, low])
    p, q = ring, np.roll(ring, -1)
    bp, bq = below, np.roll(below, -1)
    walls = np.concatenate([np.stack([bp, bq, q], 1), np.stack([bp, q, p], 1)])
    return verts, np.concatenate([top_faces, bottom_faces, walls]).astype(np.int64)
