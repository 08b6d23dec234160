"""GAN and reconstruction losses of both stages.

Stage 1 is a WGAN critic with a zero-centred gradient penalty on real data (Mescheder et al.
2018, "R1"): gamma/2 * E ||grad_x D(x)||^2 pulls the critic's slope to zero at the data, which
is what keeps the game convergent (the one-centred WGAN-GP penalty of the paper does not).
Stage 2 uses least squares (LSGAN, as the released colour model).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def wgan_d_loss(real_score: torch.Tensor, fake_score: torch.Tensor,
                drift: float = 1e-3) -> torch.Tensor:
    """E[D(fake)] - E[D(real)] + drift * E[D(real)^2] (the drift keeps scores near zero)."""
    return fake_score.mean() - real_score.mean() + drift * real_score.pow(2).mean()


def wgan_g_loss(fake_score: torch.Tensor) -> torch.Tensor:
    return -fake_score.mean()


def zero_centred_penalty(real_score: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """E ||grad_real D(real)||^2 per sample, averaged ([B] scores, real [B,...] with grad).

    Multiply by gamma / 2 at the call site. Built with create_graph so it can be minimised.
    """
    (grad,) = torch.autograd.grad(real_score.sum(), real, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


def lsgan_d_loss(real_score: torch.Tensor, fake_score: torch.Tensor) -> torch.Tensor:
    """0.5 * (E[(D(real) - 1)^2] + E[D(fake)^2]) over every patch."""
    return 0.5 * ((real_score - 1).pow(2).mean() + fake_score.pow(2).mean())


def lsgan_g_loss(fake_score: torch.Tensor) -> torch.Tensor:
    return 0.5 * (fake_score - 1).pow(2).mean()


def soft_ink(outline: torch.Tensor, blur: int) -> torch.Tensor:
    """[B,1,S,S] in [-1,1] (ink = -1) -> ink density [B,1,S,S] in [0,1], box-blurred.

    The blur lets a stroke drawn a pixel off the true one still earn most of the credit: the
    completion has to be in the right place, not pixel-identical.
    """
    ink = (1.0 - outline) * 0.5
    if blur <= 1:
        return ink
    return F.avg_pool2d(ink, blur, stride=1, padding=blur // 2, count_include_pad=False)


def best_of_k_ink_l1(fakes: torch.Tensor, target: torch.Tensor, k: int, ink_weight: float,
                     blur: int = 3) -> torch.Tensor:
    """min over K completions of an ink-weighted L1 to the true outline, averaged over B.

    fakes [K*B,1,S,S] (sample k of item b at row k*B + b), target [B,1,S,S]. Only the closest
    of the K completions is pulled towards the truth, so the others stay free to differ (the
    "best of many" trick for multimodal outputs). True-ink pixels weigh 1 + ink_weight, since
    ink is ~5% of the image and an all-paper guess would otherwise look good.
    """
    b = target.shape[0]
    t = soft_ink(target, blur)
    f = soft_ink(fakes, blur).view(k, b, *target.shape[1:])             # [K,B,1,S,S]
    weight = 1.0 + ink_weight * (target < 0).float()                    # [B,1,S,S]
    dist = ((f - t).abs() * weight).flatten(2).mean(2)                  # [K,B]
    return dist.min(dim=0).values.mean()
