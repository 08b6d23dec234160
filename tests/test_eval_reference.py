"""The real-drawings reference: composites, picks, and its scores on the shared data."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from sketchfill.models.evaluation import reference as ref
from sketchfill.models.evaluation.cases import Case, CaseConfig, HeldOut, cases_of, held_out
from tests.conftest import SHARED

DATA = SHARED / "datasets"
needs_data = pytest.mark.skipif(not (DATA / "objects-v1").is_dir(), reason="no shared data")
CLASSES = ("orange", "moon", "watermelon")


def drawing(*lines) -> np.ndarray:
    img = np.full((256, 256), 255, np.uint8)
    for a, b in lines:
        cv2.line(img, a, b, 0, 6)
    return img


def test_composite_keeps_the_partial_and_adds_only_lines_away_from_it():
    partial = drawing(((40, 60), (200, 60)))
    other = drawing(((40, 64), (200, 64)), ((40, 180), (200, 180)))  # a near copy + a new line
    got = ref.composite(partial, other, keep_away=6.0)
    assert (got[partial < 128] < 128).all()         # the partial is kept as drawn
    assert (got[150:210, :] < 128).sum() == (other[150:210, :] < 128).sum()  # the far line
    near_copy = (other < 128) & (partial >= 128)
    near_copy[150:, :] = False
    assert near_copy.any() and not (got[near_copy] < 128).any()  # the near copy is left out


def test_reference_picks_k_drawings_of_the_case_class_and_source_deterministically():
    item = HeldOut("synthetic/box", "objects", "orange", drawing(((60, 60), (196, 60))))
    case = Case(item, "square-0.5", drawing(((60, 60), (120, 60))))
    pool = {("objects", "orange"): [drawing(((60, 100 + 10 * i), (196, 100 + 10 * i)))
                                    for i in range(6)]}
    cfg = CaseConfig()
    a = ref.reference_outlines(case, pool, 4, 6.0, cfg)
    assert a.shape == (4, 256, 256) and np.array_equal(a, ref.reference_outlines(case, pool, 4,
                                                                                6.0, cfg))
    assert len({x.tobytes() for x in a}) == 4       # four different drawings
    assert ref.reference_outlines(case, pool, 10, 6.0, cfg).shape[0] == 6  # all there are
    assert ref.reference_outlines(case, {("quickdraw", "orange"): pool[("objects", "orange")]},
                                  4, 6.0, cfg) is None  # another source's drawings are not used


@needs_data
def test_the_true_outline_as_a_reference_recovers_most_and_training_drawings_are_used():
    cfg = CaseConfig(limit=2)
    items = held_out(DATA, CLASSES, cfg)
    truth_pool = {(it.source, it.class_name): [it.full] for it in items}
    own = ref.reference_scores(items, truth_pool, 8, (2.0,), cfg)[2.0]
    assert own and np.mean([s.best_recovery for s in own]) > 0.8
    pool = ref.training_drawings(DATA, CLASSES, cfg, max_per_class=5)
    held = {it.full.tobytes() for it in items}
    assert ("objects", "orange") in pool and ("quickdraw", "moon") in pool
    assert all(d.tobytes() not in held for v in pool.values() for d in v)
    assert all(len(v) <= 5 for v in pool.values())
    loose = ref.reference_scores(items, pool, 8, (2.0, 4.0), cfg)
    real = loose[2.0]
    assert len(real) == sum(len(cases_of(it, cfg)) for it in items)   # square and prefix cases
    assert any(s.recipe == "prefix" for s in real)
    assert [(s.name, s.recipe) for s in loose[4.0]] == [(s.name, s.recipe) for s in real]
    assert (np.mean([s.best_recovery for s in loose[4.0]])
            >= np.mean([s.best_recovery for s in real]))
    assert np.mean([s.best_recovery for s in real]) < np.mean([s.best_recovery for s in own])
