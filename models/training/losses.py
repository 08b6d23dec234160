"""GAN and reconstruction losses of both stages.

Stage 1 is a WGAN critic with a zero-centred gradient penalty on real data (Mescheder et al.
2018, "R1"): gamma/2 * E ||grad_x D(x)||^2 pulls the critic's slope to zero at the data, which
is what keeps the game convergent (the one-centred WGAN-GP penalty of the paper does not).
Stage 2 uses least squares (LSGAN, as the released colour model).
"""
from __future__ import annotations

import torch

from sketchfill.models.nets.outline_code import ink, near, soft_outline


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


def best_of_k_soft_l2(fakes: torch.Tensor, target: torch.Tensor, k: int, sigma: float = 1.0,
                      reach: int = 3, ink_weight: float = 3.0,
                      mean_share: float = 0.0) -> torch.Tensor:
    """min over K completions of a weighted squared error between the generated ink and the
    soft true outline (soft_outline), mean over B.

    fakes [K*B,1,S,S] (sample k of item b at row k*B + b), target [B,1,S,S], both in [-1,1].
    Only the closest of the K completions is pulled towards the truth (the "best of many"
    trick), so the others stay free to differ; `mean_share` mixes in the mean over the K, so
    that no completion learns to sit idle.

    Why soft: against a crisp target, a stroke one pixel off pays twice (a miss and a false
    stroke), so under the uncertainty of a missing part the per-pixel optimum is to draw
    nothing, or a blob where strokes are dense. Against the soft outline the optimum is a
    ridge along the most likely stroke, which the engine thins into a line
    (app.ridges). Pixels near true strokes weigh (1 + ink_weight) times more,
    since they are a small share of the image."""
    b = target.shape[0]
    t = soft_outline(ink(target), sigma, reach)                         # [B,1,S,S]
    f = ink(fakes).view(k, b, *target.shape[1:])                        # [K,B,1,S,S]
    weight = 1.0 + ink_weight * t
    per_pixel = weight * (f - t).square()
    dist = per_pixel.flatten(2).mean(2)                                 # [K,B]
    return (1.0 - mean_share) * dist.min(dim=0).values.mean() + mean_share * dist.mean()


def distillation(student: torch.Tensor, teacher: torch.Tensor,
                 ink_weight: float = 3.0) -> torch.Tensor:
    """Mean weighted squared error between the ink of a student's completions and of the
    teacher's for the same sketch, class and z, both [N,1,S,S] in [-1,1]. As in
    best_of_k_soft_l2, pixels where the teacher draws weigh (1 + ink_weight) times more: its
    ridges, which the engine thins into lines, are a small share of the image."""
    t = ink(teacher)
    return ((1.0 + ink_weight * t) * (ink(student) - t).square()).mean()


def feature_hints(student: list[torch.Tensor], teacher: list[torch.Tensor]) -> torch.Tensor:
    """Sum over feature maps of the student's squared error to the teacher's, each relative to
    the teacher's mean square: every stage counts alike, whatever the scale of its features
    (FitNets-style hints for a student whose stages match the teacher's in width)."""
    if len(student) != len(teacher):
        raise ValueError(f"{len(student)} student feature maps for {len(teacher)} of the teacher")
    return sum((s - t).square().mean() / t.square().mean().clamp_min(1e-8)
               for s, t in zip(student, teacher))


def best_of_k_tolerant_match(fakes: torch.Tensor, target: torch.Tensor, partial: torch.Tensor,
                             k: int, tolerance: int = 2, reach: int = 3) -> torch.Tensor:
    """1 - the best of K completions' tolerant match of the ink they add to the missing outline,
    mean over the items with anything missing (zero when none has).

    fakes [K*B,1,S,S] (row k*B + b), target and partial [B,1,S,S], all in [-1,1]. Away from the
    partial's strokes (`reach` px: its soft halo), with M the missing true ink and A the added
    ink, the match is (M near A + A near M) / (|M| + |A|), "near" meaning within `tolerance`
    px: a tolerant Dice score, 1 when every added stroke lies on the missing outline and every
    missing stroke has one beside it.

    Why: under the squared error a stroke drawn in a plausible but wrong place costs more than
    drawing nothing, so an unsure network learns to add nothing to a person's first strokes.
    Here a wrong stroke and no stroke both score 0, a stroke within `tolerance` px of the truth
    (the evaluation's 4 px at 256 px is 2 px at 128) scores fully, and only the best of the K
    counts, so the others may try other places."""
    k_shape = (k, target.shape[0], *target.shape[1:])
    away = 1.0 - near(ink(partial), reach)                              # [B,1,S,S]
    missing = ink(target) * away                                        # [B,1,S,S]
    added = ink(fakes) * away.repeat(k, 1, 1, 1)                        # [K*B,1,S,S]
    hits = ((missing * near(added, tolerance).view(k_shape)).flatten(2).sum(2)
            + (added.view(k_shape) * near(missing, tolerance)).flatten(2).sum(2))  # [K,B]
    missing_ink = missing.flatten(1).sum(1)                             # [B]
    match = hits / (missing_ink + added.view(k_shape).flatten(2).sum(2)).clamp_min(1e-6)
    has_missing = missing_ink > 1.0                                     # over a pixel
    if not has_missing.any():
        return fakes.new_zeros(())
    return (1.0 - match.max(dim=0).values)[has_missing].mean()


def gradient_l1(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Mean |d fake - d real| over horizontal and vertical neighbour differences ([B,C,H,W]).

    Zero away from edges and large across a blurred one, so it asks for edges as sharp as the
    real image's where the real image has them, which a plain L1 dominated by colour does not."""
    def dx(t: torch.Tensor) -> torch.Tensor:
        return t[..., :, 1:] - t[..., :, :-1]

    def dy(t: torch.Tensor) -> torch.Tensor:
        return t[..., 1:, :] - t[..., :-1, :]

    return (dx(fake) - dx(real)).abs().mean() + (dy(fake) - dy(real)).abs().mean()
