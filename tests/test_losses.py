"""Training losses: the penalty, LSGAN, and what the reconstruction terms prefer."""
from __future__ import annotations

import pytest
import torch

from sketchfill.models.training import losses


def _line(row: int) -> torch.Tensor:
    x = torch.ones(1, 1, 16, 16)
    x[0, 0, row, 2:14] = -1.0
    return x


def test_zero_centred_penalty_of_a_linear_critic_is_its_squared_slope():
    x = torch.randn(3, 1, 4, 4, requires_grad=True)
    score = 2.0 * x.flatten(1).sum(1)
    assert torch.allclose(losses.zero_centred_penalty(score, x), torch.tensor(4.0 * 16))


def test_lsgan_targets():
    ones, zeros = torch.ones(2, 1, 3, 3), torch.zeros(2, 1, 3, 3)
    assert losses.lsgan_d_loss(ones, zeros).item() == 0.0
    assert losses.lsgan_g_loss(ones).item() == 0.0


def test_soft_outline_is_one_on_strokes_and_fades_with_distance():
    soft = losses.soft_outline(losses.ink(_line(8)), sigma=1.0, reach=3)[0, 0]
    assert soft[8, 5] == 1.0
    assert 0.0 < soft[10, 5] < soft[9, 5] < 1.0
    assert soft[12, 5] == 0.0                               # past the reach


def test_soft_l2_prefers_exact_then_near_then_nothing_over_blobs():
    truth = _line(8)
    blob = torch.ones(1, 1, 16, 16)
    blob[0, 0, 4:13, 2:14] = -1.0
    cost = {name: losses.best_of_k_soft_l2(x, truth, 1).item() for name, x in
            [("exact", truth), ("off1", _line(9)), ("none", torch.ones(1, 1, 16, 16)),
             ("blob", blob)]}
    # A crisp stroke one pixel off still beats drawing nothing: the reason for the soft target.
    assert cost["exact"] < cost["off1"] < cost["none"] < cost["blob"]


def test_soft_l2_best_of_k_takes_the_closest_completion():
    truth = _line(8)
    soft = 1.0 - 2.0 * losses.soft_outline(losses.ink(truth), 1.0, 3)
    fakes = torch.cat([torch.ones(1, 1, 16, 16), soft])                  # K=2, B=1
    assert losses.best_of_k_soft_l2(fakes, truth, 2).item() < 1e-6


def test_gradient_l1_is_zero_for_a_colour_shift_and_counts_a_blurred_edge():
    real = torch.zeros(1, 1, 8, 8)
    real[..., 4:] = 1.0                                 # a sharp vertical edge
    assert losses.gradient_l1(real + 0.3, real).item() < 1e-6
    blurred = real.clone()
    blurred[..., 3], blurred[..., 4] = 0.25, 0.75
    assert losses.gradient_l1(blurred, real).item() > 0.0


def _given_and_truth() -> tuple[torch.Tensor, torch.Tensor]:
    """A partial of one line (row 3) whose truth has a second line (row 11)."""
    given = _line(3)
    return given, torch.minimum(given, _line(11))


def test_tolerant_match_scores_a_near_stroke_fully_and_a_wrong_one_like_none():
    given, truth = _given_and_truth()
    cost = {name: losses.best_of_k_tolerant_match(x, truth, given, 1).item() for name, x in
            [("exact", truth), ("off2", torch.minimum(given, _line(13))),
             ("none", given), ("wrong", torch.minimum(given, _line(15)))]}
    assert cost["exact"] == cost["off2"] == 0.0
    # Unlike the squared error, a stroke in the wrong place costs no more than none.
    assert cost["none"] == cost["wrong"] == 1.0


def test_tolerant_match_takes_the_best_of_k_and_skips_items_with_nothing_missing():
    given, truth = _given_and_truth()
    fakes = torch.cat([given, truth])                                    # K=2, B=1
    assert losses.best_of_k_tolerant_match(fakes, truth, given, 2).item() == 0.0
    assert losses.best_of_k_tolerant_match(given, given, given, 1).item() == 0.0
    # Ink everywhere matches only the part of it near the missing line (80 of 144 px).
    everywhere = losses.best_of_k_tolerant_match(-torch.ones(1, 1, 16, 16), truth, given, 1)
    assert abs(everywhere.item() - (1.0 - (12 + 80) / (12 + 144))) < 1e-6


def test_tolerant_match_pulls_ink_towards_the_missing_stroke_from_nothing():
    given, truth = _given_and_truth()
    fake = given.clone().requires_grad_(True)
    losses.best_of_k_tolerant_match(fake, truth, given, 1).backward()
    # Lowering the output draws ink: the gradient asks for it on the missing line only.
    assert fake.grad[0, 0, 11, 5] > 0.0
    assert fake.grad[0, 0, 7, 5] <= 0.0


def test_distillation_is_zero_for_the_teachers_own_output_and_weighs_its_ink_more():
    teacher = torch.ones(1, 1, 8, 8)
    teacher[..., 4, :] = -1.0                                   # one line of ink
    assert losses.distillation(teacher, teacher) == 0
    on_line, off_line = teacher.clone(), teacher.clone()
    on_line[..., 4, 0] = 1.0                                    # a missed ink pixel
    off_line[..., 0, 0] = -1.0                                  # a false one
    assert losses.distillation(on_line, teacher) > losses.distillation(off_line, teacher)


def test_feature_hints_count_each_map_relative_to_its_scale():
    t = [torch.ones(2, 4, 2, 2), 100 * torch.ones(2, 4, 8, 8)]
    s = [1.1 * t[0], 1.1 * t[1]]                                # 10% off at both scales
    assert torch.isclose(losses.feature_hints(s, t), torch.tensor(0.02))
    with pytest.raises(ValueError):
        losses.feature_hints(s[:1], t)
