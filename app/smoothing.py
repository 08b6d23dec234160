"""Stroke smoothing while drawing: a stabiliser that keeps the hand's tremor out of the line
(Stabiliser, a lazy brush), and Catmull-Rom curves through the samples it lets through.

A mouse reports 60-125 positions a second, so a quick circle arrives as a polygon of a dozen
or two corners. The curve through the samples (centripetal Catmull-Rom would be safer on
cusps, the uniform one is enough at these spacings and cheaper) is cut into pieces of at most
STEP_PX, and the pressure is interpolated linearly along it. A segment's curve needs the
sample after it, so the smoothed stroke lags the pen by one sample until the pen lifts; the
points it has given out never change (the ink layer and the rasteriser only append).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from sketchfill.app.document import Point

STEP_PX = 2.0  # longest straight piece of a smoothed curve, in canvas pixels


def catmull_rom(t):
    """The uniform Catmull-Rom basis (tension 0.5) at t in [0, 1]: weights (a, b, c, d) of p0..p3;
    the curve passes through p1 at t=0 and p2 at t=1. For floats or float arrays alike (the same
    operations in the same order, so both give the same bits)."""
    t2, t3 = t * t, t * t * t
    return (-0.5 * t3 + t2 - 0.5 * t, 1.5 * t3 - 2.5 * t2 + 1.0,
            -1.5 * t3 + 2.0 * t2 + 0.5 * t, 0.5 * t3 - 0.5 * t2)


def piece_count(p1: Point, p2: Point) -> int:
    """Straight pieces of the curve from p1 to p2: none longer than about STEP_PX."""
    return max(1, math.ceil(math.dist(p1[:2], p2[:2]) / STEP_PX))


def curve_piece(p0: Point, p1: Point, p2: Point, p3: Point) -> list[Point]:
    """The Catmull-Rom curve from p1 to p2 (p0 and p3 its neighbours) as points after p1 up to
    and including p2; the pressure goes linearly from p1's to p2's."""
    n = piece_count(p1, p2)
    points = []
    for i in range(1, n + 1):
        t = i / n
        a, b, c, d = catmull_rom(t)
        x = a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0]
        y = a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]
        points.append((x, y, p1[2] + (p2[2] - p1[2]) * t))
    points[-1] = p2  # exactly on the sample
    return points


def curves_through(vertices: list[np.ndarray]) -> list[np.ndarray]:
    """For each (M,2) array of M >= 2 vertices, (N,2) float64 points of the Catmull-Rom curve
    through them: the first vertex, then each segment's points as curve_piece gives them (the
    ends' missing neighbours repeated). All segments of all the curves in one pass of array
    arithmetic: a Python loop per point costs several times as much. Vertices on the pixel grid
    (as traced lines are) give curve_piece's numbers to the bit."""
    if not vertices:
        return []
    v = np.concatenate(vertices).astype(np.float64)
    sizes = np.array([len(p) for p in vertices])
    first = np.cumsum(sizes) - sizes                           # each curve's first vertex
    owner = np.repeat(np.arange(len(vertices)), sizes - 1)     # each segment's curve
    seg = np.arange(len(owner))
    i = first[owner] + seg - np.repeat(np.cumsum(sizes - 1) - (sizes - 1), sizes - 1)
    last = first[owner] + sizes[owner] - 1
    p0, p1, p2, p3 = v[np.maximum(i - 1, first[owner])], v[i], v[i + 1], v[np.minimum(i + 2, last)]
    d = p2 - p1
    n = np.maximum(1, np.ceil(np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]) / STEP_PX)
                   ).astype(np.int64)
    at = np.repeat(seg, n)                                     # each point's segment
    t = (np.arange(len(at)) - np.repeat(np.cumsum(n) - n, n) + 1) / n[at]
    a, b, c, w = catmull_rom(t)
    points = (a[:, None] * p0[at] + b[:, None] * p1[at] + c[:, None] * p2[at]
              + w[:, None] * p3[at])
    points[np.cumsum(n) - 1] = p2                              # exactly on the vertices
    per_curve = np.bincount(owner, weights=n, minlength=len(vertices)).astype(np.int64)
    pieces = np.split(points, np.cumsum(per_curve)[:-1])
    return [np.concatenate([v[f:f + 1], piece]) for f, piece in zip(first, pieces)]


class Smoother:
    """Turns the pen's samples into a smoothed point list that only ever grows."""

    def __init__(self, first: Point) -> None:
        self.samples: list[Point] = [first]
        self.points: list[Point] = [first]  # smoothed, final

    def add(self, sample: Point) -> None:
        """A new sample: the curve up to the previous sample becomes final."""
        self.samples.append(sample)
        s = self.samples
        if len(s) >= 3:
            self.points += curve_piece(s[-4] if len(s) >= 4 else s[-3], s[-3], s[-2], s[-1])

    def finish(self) -> list[Point]:
        """The pen lifted: the last segment's curve (its end repeated as the missing neighbour)."""
        s = self.samples
        if len(s) >= 2:
            before = s[-3] if len(s) >= 3 else s[-2]
            self.points += curve_piece(before, s[-2], s[-1], s[-1])
        return self.points


# ---- stabiliser ---------------------------------------------------------------------------------
STRING_PX_PER_STEP = 1.5  # canvas px of string per step of the stabiliser's strength
SAMPLES_PER_STEP = 2  # pen samples averaged per step of strength
MAX_STRENGTH = 10


def string_length(strength: int) -> float:
    """The pulled string's length for a strength in 0..MAX_STRENGTH (0: no stabiliser)."""
    return STRING_PX_PER_STEP * min(max(strength, 0), MAX_STRENGTH)


class Stabiliser:
    """Weighted smoothing and a lazy brush together, as paint programs stabilise a hand: the
    ink is pulled on a string of fixed length towards the mean of the pen's last samples, so
    it moves only once the pen has gone that far, and then along their average direction; the
    hand's tremor, shorter than the string and averaged out, never reaches the line. When the
    pen lifts, the ink is drawn on to where it lifted, so the line ends where the artist ended
    it."""

    def __init__(self, first: Point, strength: int) -> None:
        self.length = string_length(strength)
        self.brush: Point = first  # where the ink is
        self.recent: deque[Point] = deque([first], maxlen=max(1, SAMPLES_PER_STEP * strength))

    @property
    def pen(self) -> Point:
        """The newest sample of the pen."""
        return self.recent[-1]

    def add(self, sample: Point) -> Point | None:
        """The pen's new sample; the ink's new point, or None while the string is slack."""
        self.recent.append(sample)
        n = len(self.recent)
        tx, ty = sum(p[0] for p in self.recent) / n, sum(p[1] for p in self.recent) / n
        dx, dy = tx - self.brush[0], ty - self.brush[1]
        dist = math.hypot(dx, dy)
        if dist <= self.length:
            return None
        pull = (dist - self.length) / dist
        self.brush = (self.brush[0] + dx * pull, self.brush[1] + dy * pull, sample[2])
        return self.brush

    def finish(self) -> list[Point]:
        """Points from the ink to where the pen lifted, at most STEP_PX apart, ending on it."""
        (x0, y0, _), pen = self.brush, self.pen
        n = math.ceil(math.dist((x0, y0), pen[:2]) / STEP_PX)
        points = [(x0 + (pen[0] - x0) * i / n, y0 + (pen[1] - y0) * i / n, pen[2])
                  for i in range(1, n + 1)]
        self.brush = pen
        return points
