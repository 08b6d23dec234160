"""The held-out cases and the start-row class of the teaching evaluation
(models/evaluation/teach_eval.py)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from sketchfill.app.engine import Engine
from sketchfill.models.evaluation.cases import HeldOut
from sketchfill.models.evaluation.teach_eval import BEFORE, half_erased, sheet, start_addon
from sketchfill.models.nets.class_addon import ClassAddon
from tests.conftest import SHARED

DATA = SHARED / "datasets"
needs_data = pytest.mark.skipif(not (DATA / "objects-v1").is_dir(), reason="no shared data")


def item() -> HeldOut:
    full = np.full((64, 64), 255, np.uint8)
    full[8:56, 8] = full[8:56, 55] = full[8, 8:56] = full[55, 8:56] = 0
    return HeldOut("objects/box", "objects", "box", full, np.full((64, 64, 3), 200, np.uint8))


def test_half_erased_keeps_one_half_of_the_ink():
    cases = half_erased(item())
    assert [c.recipe for c in cases] == ["half-left", "half-right", "half-top", "half-bottom"]
    full_ink = item().full < 128
    for case in cases:
        ink = case.partial < 128
        assert (ink <= full_ink).all() and 0.3 < ink.sum() / full_ink.sum() < 0.7
    assert (cases[0].partial[:, :32] == 255).all() and (cases[3].partial[32:] == 255).all()


def test_start_addon_holds_the_rows_teaching_started_from(tiny_engine: Engine):
    addon = ClassAddon("box", "Box", {}, {}, {"start_rows": {"shape": 1, "appearance": 2}})
    start = start_addon(addon, tiny_engine)
    assert start.name == "box" + BEFORE
    assert torch.equal(start.rows["shape"], tiny_engine.shape.embedding.weight[1])
    assert torch.equal(start.rows["gate"], tiny_engine.appearance.gate.embedding.weight[2])


def test_sheet_lays_out_picture_outline_and_renders():
    renders = np.zeros((4, 64, 64, 3), np.uint8)
    assert sheet([(item(), renders, renders)] * 2, size=16).shape == (32, 160, 3)


@needs_data
def test_shipped_halves_scores_each_held_out_picture(tiny_engine: Engine):
    from sketchfill.models.evaluation.teach_eval import shipped_halves
    found = shipped_halves(tiny_engine, DATA)
    classes = {name.split("/")[0] for name in found}
    assert classes and classes <= set(tiny_engine.classes[:tiny_engine.n_shipped])
    for recovery, precision in found.values():
        assert 0.0 <= recovery <= 1.0 and (np.isnan(precision) or 0.0 <= precision <= 1.0)
