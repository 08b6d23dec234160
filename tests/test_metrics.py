"""Metric tests on synthetic drawings whose answers are known by construction."""
from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from sketchfill.models.evaluation import metrics as m

SIZE = 128


def drawing(lines, width: int = 5) -> np.ndarray:
    """uint8 (S,S) drawing (255 paper, 0 ink) of line segments ((x0,y0),(x1,y1))."""
    img = np.full((SIZE, SIZE), 255, np.uint8)
    for a, b in lines:
        cv2.line(img, a, b, 0, width)
    return img


def square(x0=30, y0=30, x1=98, y1=98, sides=("top", "right", "bottom", "left")):
    edges = {"top": ((x0, y0), (x1, y0)), "right": ((x1, y0), (x1, y1)),
             "bottom": ((x1, y1), (x0, y1)), "left": ((x0, y1), (x0, y0))}
    return [edges[s] for s in sides]


def verticals(dx: int = 0):
    return [((x + dx, 20), (x + dx, 108)) for x in (20, 50, 80, 110)]


def test_skeleton_is_one_pixel_centre_line():
    skel = m.skeleton_of(drawing([((10, 64), (118, 64))], width=7))
    rows = np.nonzero(skel.any(axis=1))[0]
    assert rows.tolist() == [64]
    assert skel.sum() > 100


def test_identical_drawings_match_perfectly():
    s = m.skeleton_of(drawing(square()))
    assert m.match(s, s) == m.Match(1.0, 1.0, 1.0)


def test_one_pixel_shift_is_within_tolerance():
    true = m.skeleton_of(drawing(verticals()))
    pred = m.skeleton_of(drawing(verticals(dx=1)))
    assert m.match(pred, true).f1 == pytest.approx(1.0)


def test_five_pixel_shift_is_outside_tolerance():
    true = m.skeleton_of(drawing(verticals()))
    pred = m.skeleton_of(drawing(verticals(dx=5)))
    got = m.match(pred, true)
    assert got.precision == pytest.approx(0.0, abs=0.03)  # only the line ends' corners
    assert got.recall == pytest.approx(0.0, abs=0.03)
    assert m.match(pred, true, tolerance=5.5).f1 == pytest.approx(1.0, abs=0.02)


def test_half_drawing_has_half_recall_and_full_precision():
    true = m.skeleton_of(drawing(verticals()))
    pred = m.skeleton_of(drawing(verticals()[:2]))
    got = m.match(pred, true)
    assert got.precision == pytest.approx(1.0)
    assert got.recall == pytest.approx(0.5, abs=0.02)
    assert got.f1 == pytest.approx(2 / 3, abs=0.02)


def test_empty_prediction_scores_zero_and_empty_truth_is_an_error():
    true = m.skeleton_of(drawing(square()))
    empty = np.zeros_like(true)
    assert m.match(empty, true) == m.Match(0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="empty"):
        m.match(true, empty)


def test_missing_part_is_what_the_partial_lacks():
    true = m.skeleton_of(drawing(square()))
    partial = m.skeleton_of(drawing(square(sides=("top", "bottom", "left"))))
    missing = m.missing_part(true, partial)
    xs = np.nonzero(missing)[1]
    assert xs.min() >= 96 and xs.max() <= 99  # only the right edge, minus its 2-px ends


def test_recovery_of_constructed_completions():
    true = m.skeleton_of(drawing(square()))
    partial = m.skeleton_of(drawing(square(sides=("top", "bottom", "left"))))
    full = true
    half = m.skeleton_of(drawing(square(sides=("top", "bottom", "left"))
                                 + [((98, 30), (98, 64))]))
    wrong = m.skeleton_of(drawing(square(sides=("top", "bottom", "left"))
                                  + [((110, 30), (110, 98))]))
    assert m.recovery(partial, true, partial) == 0.0  # the trivial baseline
    assert m.recovery(full, true, partial) == pytest.approx(1.0)
    assert m.recovery(half, true, partial) == pytest.approx(0.5, abs=0.06)
    assert m.recovery(wrong, true, partial) == 0.0  # right place matters, not ink amount
    assert math.isnan(m.recovery(full, true, true))  # nothing was missing


def test_iou_and_pairwise_diversity():
    a = np.zeros((10, 10), bool)
    a[:, :4] = True
    b = np.zeros((10, 10), bool)
    b[:, 2:6] = True
    assert m.iou(a, b) == pytest.approx(2 / 6)
    assert m.iou(a, ~a) == 0.0
    assert m.iou(a & ~a, a & ~a) == 1.0
    same = np.stack([drawing(square())] * 3)
    assert m.mean_pairwise_iou(same) == 1.0
    apart = np.stack([drawing(verticals()), drawing(verticals(dx=12))])
    assert m.mean_pairwise_iou(apart) == 0.0
    assert math.isnan(m.mean_pairwise_iou(same[:1]))


def test_added_strokes_are_scored_without_the_copied_partial():
    true = m.skeleton_of(drawing(square()))
    partial = m.skeleton_of(drawing(square(sides=("top", "bottom", "left"))))
    right = m.skeleton_of(drawing(square()))
    wrong = m.skeleton_of(drawing(square(sides=("top", "bottom", "left"))
                                  + [((110, 30), (110, 98))]))
    assert m.added_precision(right, true, partial) == pytest.approx(1.0)
    assert m.added_precision(wrong, true, partial) == pytest.approx(0.0, abs=0.05)
    assert math.isnan(m.added_precision(partial, true, partial))  # added nothing
    assert m.match(partial, true).precision == 1.0  # ... which plain precision rewards
    assert m.added_ratio(right, true, partial) == pytest.approx(1.0, abs=0.1)
    assert m.added_ratio(partial, true, partial) == 0.0


def test_added_iou_ignores_the_shared_partial():
    partial = drawing(verticals()[:2])
    a = drawing(verticals()[:2] + [((80, 20), (80, 108))])
    b = drawing(verticals()[:2] + [((110, 20), (110, 108))])
    assert 0.3 < m.mean_pairwise_iou(np.stack([a, b])) < 0.8  # the copied partial agrees
    assert m.mean_pairwise_iou(np.stack([a, b]), outside=partial) == 0.0
    assert m.mean_pairwise_iou(np.stack([partial, partial]), outside=partial) == 1.0
