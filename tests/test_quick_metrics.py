"""In-run metric estimates: perfect and empty completions, colour-histogram classes."""
from __future__ import annotations

import torch

from sketchfill.models.training.quick_metrics import (
    classify, colour_histogram, completion_scores, pairwise_iou)


def _outline(cols: list[int], size: int = 16) -> torch.Tensor:
    x = torch.ones(1, size, size)
    for c in cols:
        x[0, 2:14, c] = -1.0
    return x


def test_perfect_completion_scores_one_and_empty_scores_zero():
    partial, full = _outline([3]), _outline([3, 10])
    outs = torch.stack([full, partial, _outline([3, 7])])
    recall, precision = completion_scores(partial, full, outs, tol=1)
    assert recall[0] == 1.0 and precision[0] == 1.0
    assert recall[1] == 0.0 and precision[1] == 0.0        # drew nothing new: no NaN
    assert recall[2] == 0.0 and precision[2] == 0.0        # a line 3 px off, tolerance 1


def test_the_scores_are_the_evaluations():
    from sketchfill.models.evaluation import metrics
    from sketchfill.models.training.quick_metrics import to_drawing
    partial, full, out = _outline([3]), _outline([3, 10]), _outline([3, 11])
    recall, precision = completion_scores(partial, full, out[None], tol=2)
    skel = [metrics.skeleton_of(to_drawing(x)) for x in (out, full, partial)]
    assert recall[0] == metrics.recovery(*skel, 2) == 1.0
    assert precision[0] == metrics.added_precision(*skel, 2)


def test_identical_completions_have_iou_one():
    outs = torch.stack([_outline([3, 10])] * 3)
    assert pairwise_iou(outs, 1) == 1.0


def test_histogram_classifier_picks_the_nearest_colour():
    red = torch.full((3, 8, 8), -1.0)
    red[0] = 1.0
    green = torch.full((3, 8, 8), -1.0)
    green[1] = 1.0
    centroids = torch.stack([colour_histogram(red), colour_histogram(green)])
    assert classify(green, centroids) == 1 and classify(red, centroids) == 0
