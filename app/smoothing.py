"""Stroke smoothing while drawing: Catmull-Rom curves through the pen's samples.

A mouse reports 60-125 positions a second, so a quick circle arrives as a polygon of a dozen
or two corners. The curve through the samples (centripetal Catmull-Rom would be safer on
cusps, the uniform one is enough at these spacings and cheaper) is cut into pieces of at most
STEP_PX, and the pressure is interpolated linearly along it. A segment's curve needs the
sample after it, so the smoothed stroke lags the pen by one sample until the pen lifts; the
points it has given out never change (the ink layer and the rasteriser only append).
"""

from __future__ import annotations

import math

from sketchfill.app.document import Point

STEP_PX = 2.0  # longest straight piece of a smoothed curve, in canvas pixels


def curve_piece(p0: Point, p1: Point, p2: Point, p3: Point) -> list[Point]:
    """The Catmull-Rom curve from p1 to p2 (p0 and p3 its neighbours) as points after p1 up to
    and including p2; the pressure goes linearly from p1's to p2's."""
    n = max(1, math.ceil(math.dist(p1[:2], p2[:2]) / STEP_PX))
    points = []
    for i in range(1, n + 1):
        t = i / n
        t2, t3 = t * t, t * t * t
        # Uniform Catmull-Rom basis (tension 0.5): passes through p1 at t=0 and p2 at t=1.
        a, b = -0.5 * t3 + t2 - 0.5 * t, 1.5 * t3 - 2.5 * t2 + 1.0
        c, d = -1.5 * t3 + 2.0 * t2 + 0.5 * t, 0.5 * t3 - 0.5 * t2
        x = a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0]
        y = a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]
        points.append((x, y, p1[2] + (p2[2] - p1[2]) * t))
    points[-1] = p2  # exactly on the sample
    return points


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
