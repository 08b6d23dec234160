"""What the typical of K completions adds to a partial, measured against the missing outline."""
from __future__ import annotations

import math

import cv2
import numpy as np

from sketchfill.models.data import quickdraw as qd
from sketchfill.models.evaluation import typical_completion as tc
from sketchfill.models.evaluation.cases import Case, CaseConfig, HeldOut


def _drawing(start: int, end: int) -> np.ndarray:
    out = np.full((256, 256), 255, np.uint8)
    cv2.ellipse(out, (128, 128), (80, 80), 0, start, end, 0, 6)
    return out


def _case() -> Case:
    item = HeldOut("quickdraw/orange/1", "quickdraw", "orange", _drawing(0, 360))
    return Case(item, "prefix", _drawing(0, 180))


def test_the_median_completion_decides() -> None:
    case = _case()
    whole, nothing = _drawing(0, 360), case.partial
    three_add = np.stack([whole] * 3 + [nothing] * 5)
    found = tc.typical(case, three_add, np.full((256, 256), 255, np.uint8))
    assert found.typical_added == 0.0 and found.little
    assert 0.4 < found.missing_share < 0.6 and found.shadow_ink == 0.0
    five_add = np.stack([whole] * 5 + [nothing] * 3)
    assert not tc.typical(case, five_add, whole).little
    assert tc.share_little([found, tc.typical(case, five_add, whole)]) == 0.5
    assert math.isnan(tc.share_little([found], missing=0.9))  # no case misses that much


def test_every_cut_takes_the_prefixes_in_the_range() -> None:
    strokes = tuple(np.array([[0.1 + 0.08 * i, 0.2], [0.1 + 0.08 * i, 0.8]], np.float32)
                    for i in range(10))
    drawing = qd.Drawing("orange", "1", strokes, True)
    cfg = CaseConfig()
    full = (255 * (1 - qd.rasterise(strokes, cfg.size, cfg.width))).round().astype(np.uint8)
    cases = tc.every_cut(HeldOut("quickdraw/orange/1", "quickdraw", "orange", full,
                                 drawing=drawing), cfg)
    assert [c.recipe for c in cases] == [f"prefix-{k}" for k in range(3, 8)]
    ink = [(c.partial < 128).sum() for c in cases]
    assert ink == sorted(ink) and ink[0] < ink[-1] < (full < 128).sum()
