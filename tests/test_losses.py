"""Training losses: the penalty, LSGAN, and what the reconstruction terms prefer."""
from __future__ import annotations

import torch

from models.training import losses


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
