"""The stabiliser while drawing (app/smoothing.Stabiliser through the real canvas): a jittery
drag comes out smoother and still ends where the pen lifted."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sketchfill.app.smoothing import Stabiliser, string_length
from tests.gui_support import drag


def jittery_arc(seed: int = 0) -> list[tuple[float, float]]:
    """A hand-drawn quarter circle: a sample every ~2 px, each off the curve by up to 2 px."""
    rng = np.random.default_rng(seed)
    angles = np.linspace(0.0, math.pi / 2, 160)
    r = 200 + rng.uniform(-2.0, 2.0, angles.size)
    return [(256 + ri * math.cos(a), 256 + ri * math.sin(a)) for ri, a in zip(r, angles)]


def turning(points) -> float:
    """Sum of the absolute turns between consecutive segments, in radians."""
    xy = np.array([p[:2] for p in points], dtype=float)
    d = np.diff(xy, axis=0)
    d = d[np.hypot(d[:, 0], d[:, 1]) > 1e-9]
    heading = np.arctan2(d[:, 1], d[:, 0])
    turn = np.angle(np.exp(1j * np.diff(heading)))
    return float(np.abs(turn).sum())


def drawn(window, strength: int, points) -> tuple:
    window.panel.steady.setValue(strength)
    drag(window.canvas, points)
    return window.controller.sketch.strokes[-1].points


def test_a_jittery_stroke_comes_out_smoother_and_ends_at_the_pen(qtbot, window):
    arc = jittery_arc()
    raw = drawn(window, 0, arc)
    steady = drawn(window, 6, arc)
    assert window.canvas.stabiliser() == 6
    assert turning(steady) < 0.05 * turning(raw)
    assert turning(steady) < 3.0  # the arc itself turns pi/2
    assert steady[-1][:2] == pytest.approx(raw[-1][:2])  # ends where the pen lifted
    assert math.dist(steady[0][:2], raw[0][:2]) < 1e-9  # and starts where it touched


def test_off_keeps_every_sample(qtbot, window):
    window.smooth_strokes.setChecked(False)
    arc = jittery_arc(1)
    assert len(drawn(window, 0, arc)) == len(arc)


def test_the_string_holds_the_ink_until_the_pen_has_gone_its_length():
    lazy = Stabiliser((0.0, 0.0, 1.0), 1)  # a 1.5 px string, the mean of 2 samples
    assert lazy.add((2.0, 0.0, 1.0)) is None  # the mean, 1 px away: the string is slack
    assert lazy.add((10.0, 0.0, 0.5)) == pytest.approx((4.5, 0.0, 0.5))  # 6 px, pulled 4.5
    tail = lazy.finish()
    assert tail[-1] == (10.0, 0.0, 0.5) and all(b[0] > a[0] for a, b in zip(tail, tail[1:]))
    assert string_length(0) == 0.0
