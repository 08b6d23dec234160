"""Held-out evaluation cases: the split, partial recipes, determinism and limits."""
from __future__ import annotations

import numpy as np
import pytest

from sketchfill.models.evaluation import cases as ec
from sketchfill.models.data import quickdraw as qd
from sketchfill.models.data import sources
from tests.conftest import SHARED

DATA = SHARED / "datasets"
needs_data = pytest.mark.skipif(not (DATA / "objects-v1").is_dir(), reason="no shared data")
CLASSES = ("orange", "moon", "watermelon")


@needs_data
def test_objects_are_the_held_out_styles_only():
    items = ec.held_out_objects(DATA, CLASSES, ec.DEFAULT_CASES)
    held = sources.held_out_styles(sources.discover(DATA))
    assert {it.class_name for it in items} == set(CLASSES)
    for it in items:
        style = it.name.split("/", 1)[1].split("__", 1)[0]
        assert style == held[it.class_name]
        assert it.full.shape == (256, 256) and it.rgb.shape == (256, 256, 3)


@needs_data
def test_partials_are_deterministic_subsets_that_lose_ink():
    cfg = ec.CaseConfig(limit=2)
    first = [c for it in ec.held_out(DATA, CLASSES, cfg) for c in ec.cases_of(it, cfg)]
    again = [c for it in ec.held_out(DATA, CLASSES, cfg) for c in ec.cases_of(it, cfg)]
    assert {c.recipe for c in first} == {"square-0.25", "square-0.5", "square-0.75", "prefix"}
    for a, b in zip(first, again, strict=True):
        assert np.array_equal(a.partial, b.partial)
        ink_full, ink_part = 255 - a.item.full.astype(int), 255 - a.partial.astype(int)
        assert (ink_part <= ink_full).all() and ink_part.sum() < ink_full.sum()
    bigger = {c.recipe: c.partial for c in first if c.item.source == "objects"
              and c.item is first[0].item}
    assert (255 - bigger["square-0.75"]).sum() <= (255 - bigger["square-0.25"]).sum()


@needs_data
def test_a_case_does_not_depend_on_the_limit():
    small = ec.held_out_drawings(DATA, CLASSES, ec.CaseConfig(limit=1))[0]
    everything = {it.name: it for it in ec.held_out_drawings(DATA, CLASSES, ec.DEFAULT_CASES)}
    same = everything[small.name]
    cfg = ec.DEFAULT_CASES
    assert all(np.array_equal(a.partial, b.partial)
               for a, b in zip(ec.cases_of(small, cfg), ec.cases_of(same, cfg)))


def test_limit_per_class_is_round_robin():
    items = [("a", 0), ("a", 1), ("a", 2), ("b", 0), ("c", 0), ("c", 1)]
    got = ec.limit_per_class(items, 4, lambda t: t[0])
    assert got == [("a", 0), ("b", 0), ("c", 0), ("a", 1)]
    assert ec.limit_per_class(items, None, lambda t: t[0]) == items


@needs_data
def test_prefix_cases_show_the_first_30_to_70_percent_of_the_strokes():
    cfg = ec.CaseConfig(limit=4)
    checked = 0
    for item in ec.held_out_drawings(DATA, ("watermelon", "strawberry", "apple", "donut"), cfg):
        strokes = item.drawing.strokes
        (case,) = [c for c in ec.cases_of(item, cfg) if c.recipe == "prefix"] or [None]
        if case is None:
            continue
        full_ink = ec.drawing_to_ink(item.full)
        shown = [k for k in range(1, len(strokes))
                 if np.array_equal(case.partial, ec.ink_to_drawing(np.minimum(
                     qd.rasterise(strokes[:k], cfg.size, cfg.width), full_ink)))]
        lo, hi = cfg.prefix_shares
        assert any(max(1, round(lo * len(strokes))) <= k <= min(len(strokes) - 1,
                                                               round(hi * len(strokes)))
                   for k in shown), (item.name, len(strokes), shown)
        checked += 1
    assert checked >= 3
