"""Training losses: the penalty, LSGAN, and what the reconstruction terms prefer."""
from __future__ import annotations

import torch

from models.training import losses


def _line(row: int) -> torch.Tensor:
    x = torch.ones(1, 1, 16, 16)
    x[0, 0, row, 2:14] = -1.0
    return x


def test_chamfer_prefers_exact_then_near_then_nothing_over_blobs_and_dots():
    truth = _line(8)
    blob = torch.ones(1, 1, 16, 16)
    blob[0, 0, 4:13, 2:14] = -1.0
    dots = torch.ones(1, 1, 16, 16)
    dots[0, 0, 1::3, 1::3] = -1.0
    cost = {name: losses.best_of_k_chamfer(x, truth, 1, 2.0, 2).item() for name, x in
            [("exact", truth), ("off1", _line(9)), ("none", torch.ones(1, 1, 16, 16)),
             ("dots", dots), ("blob", blob)]}
    assert cost["exact"] < 0.01     # only the stroke ends are not fully covered
    assert cost["exact"] < cost["off1"] < cost["none"] < cost["dots"] < cost["blob"]


def test_best_of_k_takes_the_closest_completion():
    truth = _line(8)
    fakes = torch.cat([torch.ones(1, 1, 16, 16), truth])                 # K=2, B=1
    assert losses.best_of_k_chamfer(fakes, truth, 2, 2.0, 2).item() < 0.01


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


def test_miss_weight_makes_the_missing_part_cost_more_than_the_given_part():
    truth = torch.ones(1, 1, 16, 16)
    truth[0, 0, 4, 2:14] = -1.0
    truth[0, 0, 11, 2:14] = -1.0
    partial = _line(4)                                      # the row-11 stroke is missing
    lacks_given = _line(11)                                 # draws only the missing stroke
    lacks_missing = partial.clone()                         # draws only the given stroke

    def cost(x: torch.Tensor, weight: float) -> float:
        return losses.best_of_k_soft_l2(x, truth, 1, partial=partial, miss_weight=weight).item()

    assert cost(lacks_given, 0.0) == cost(lacks_missing, 0.0)         # symmetric without it
    assert cost(lacks_missing, 4.0) > 2 * cost(lacks_given, 4.0)
    perfect = 1.0 - 2.0 * losses.soft_outline(losses.ink(truth), 1.0, 3)
    assert cost(perfect, 4.0) < 1e-6
