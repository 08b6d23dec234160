"""GAN and reconstruction losses of both stages.

Stage 1 is a WGAN critic with a zero-centred gradient penalty on real data (Mescheder et al.
2018, "R1"): gamma/2 * E ||grad_x D(x)||^2 pulls the critic's slope to zero at the data, which
is what keeps the game convergent (the one-centred WGAN-GP penalty of the paper does not).
Stage 2 uses least squares (LSGAN, as the released colour model).
"""
from __future__ import annotations


import torch
import torch.nn.functional as F

from models.nets.outline_code import ink, near, soft_outline  # noqa: F401 (re-exported)


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






def best_of_k_ink_distance(fakes: torch.Tensor, target: torch.Tensor, k: int, ink_weight: float,
                           radius: int = 1, mean_share: float = 0.0,
                           target_radius: int = 0) -> torch.Tensor:
    """min over K completions of a shift-tolerant ink distance to the true outline, mean over B.

    fakes [K*B,1,S,S] (sample k of item b at row k*B + b), target [B,1,S,S]. Per pixel:
    (1 + ink_weight) * true ink not matched by generated ink within `radius` px (recall)
    + generated ink with no true ink within `radius` px (precision). Unlike an L1 between
    blurred maps, a gray haze cannot match this: half-ink costs precision and earns only half
    the recall, so the optimum is crisp strokes. Only the closest of the K completions is
    pulled towards the truth (the "best of many" trick), so the others stay free to differ;
    true ink weighs more since it is ~5% of the image. `mean_share` mixes in the mean over
    the K, so that no completion learns to sit idle (return the sketch unchanged).
    `target_radius` thickens the true strokes first: with radius 0 (per pixel), a stroke whose
    position varies by a pixel or two has too low a per-pixel probability to be worth drawing,
    and the generator learns to draw nothing; a thick target makes it draw a thick stroke
    where the line probably is (evaluation skeletonises strokes, so width does not count).
    """
    b = target.shape[0]
    t = near(ink(target), target_radius)
    f = ink(fakes).view(k, b, *target.shape[1:])                        # [K,B,1,S,S]
    f_near = near(ink(fakes), radius).view_as(f)
    t_near = near(t, radius)
    per_pixel = (1.0 + ink_weight) * t * (1.0 - f_near) + f * (1.0 - t_near)
    dist = per_pixel.flatten(2).mean(2)                                 # [K,B]
    return (1.0 - mean_share) * dist.min(dim=0).values.mean() + mean_share * dist.mean()


def graded_miss(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Truncated distance to ink in [0,1]: mean over r = 0..radius of "no ink within r px".
    x [N,1,S,S] ink in [0,1] -> [N,1,S,S]; 0 on ink, 1 farther than `radius`."""
    return torch.stack([1.0 - near(x, r) for r in range(radius + 1)]).mean(0)


def stroke_cover(x: torch.Tensor, radius: int) -> torch.Tensor:
    """How well ink within `radius` px covers each pixel, in [0,1]: a stroke crossing the
    (2r+1)^2 window (2r+1 ink pixels) counts fully, a lone dot for only 1/(2r+1). Unlike a
    max-pool, this cannot be satisfied by a sparse grid of dots."""
    if radius <= 0:
        return x
    side = 2 * radius + 1
    avg = F.avg_pool2d(x, side, stride=1, padding=radius, count_include_pad=True)
    return (avg * side).clamp(max=1.0)


def best_of_k_chamfer(fakes: torch.Tensor, target: torch.Tensor, k: int, ink_weight: float,
                      radius: int = 2, mean_share: float = 0.0, pixel_weight: float = 0.0,
                      pixel_ink_weight: float = 4.0) -> torch.Tensor:
    """min over K of a soft chamfer distance: true ink pays its (truncated) distance to the
    generated ink, generated ink pays its distance to the true ink. Graded, so a stroke one
    pixel off earns most of the credit, while a blob or a dot grid pays for every pixel that
    lies away from a true stroke. Layout as best_of_k_ink_distance.

    `pixel_weight` adds the exact per-pixel term ((1 + pixel_ink_weight) * missed true ink +
    drawn ink off the true ink): the tolerant term alone is satisfied by hatching near the
    truth, the exact term alone by drawing nothing; together they ask for strokes."""
    b = target.shape[0]
    t = ink(target)
    f_all = ink(fakes)
    f = f_all.view(k, b, *target.shape[1:])
    # Coverage counts squared ink, so a faint haze (f = 0.2 -> 0.04) earns almost nothing:
    # with plain averages a uniform gray covered everything at radius 2 (seen at step 3000).
    f_miss = torch.stack([1.0 - stroke_cover(f_all.square(), r)
                          for r in range(radius + 1)]).mean(0)
    f_miss = f_miss.view_as(f)
    per_pixel = (1.0 + ink_weight) * t * f_miss + f * graded_miss(t, radius)
    if pixel_weight > 0:
        per_pixel = per_pixel + pixel_weight * ((1.0 + pixel_ink_weight) * t * (1.0 - f)
                                                + f * (1.0 - t))
    dist = per_pixel.flatten(2).mean(2)                                 # [K,B]
    return (1.0 - mean_share) * dist.min(dim=0).values.mean() + mean_share * dist.mean()




def missing_soft_outline(partial: torch.Tensor, target: torch.Tensor, sigma: float,
                         reach: int) -> torch.Tensor:
    """Soft outline (soft_outline) of the true strokes the partial sketch lacks: ink of
    `target` more than 1 px from any ink of `partial` (both [B,1,S,S] in [-1,1])."""
    missing = ink(target) * (1.0 - near(ink(partial), 1))
    return soft_outline(missing, sigma, reach)


def best_of_k_soft_l2(fakes: torch.Tensor, target: torch.Tensor, k: int, sigma: float = 1.0,
                      reach: int = 3, ink_weight: float = 3.0,
                      mean_share: float = 0.0, partial: torch.Tensor | None = None,
                      miss_weight: float = 0.0) -> torch.Tensor:
    """min over K completions of a weighted squared error between the generated ink and the
    soft true outline (soft_outline), mean over B. Layout as best_of_k_ink_distance.

    Why soft: against a crisp target, a stroke one pixel off pays twice (a miss and a false
    stroke), so under the uncertainty of a missing part the per-pixel optimum is to draw
    nothing, or a blob where strokes are dense. Against the soft outline the optimum is a
    ridge along the most likely stroke, which the engine thins into a line
    (app.ridges). Pixels near true strokes weigh (1 + ink_weight) times more,
    since they are a small share of the image. With `partial` and miss_weight > 0, pixels
    near the strokes the partial lacks weigh (1 + miss_weight) times more again: copying the
    user's strokes is easy and the engine keeps them anyway, so the completion is what needs
    the signal."""
    b = target.shape[0]
    t = soft_outline(ink(target), sigma, reach)                         # [B,1,S,S]
    f = ink(fakes).view(k, b, *target.shape[1:])                        # [K,B,1,S,S]
    weight = 1.0 + ink_weight * t
    if partial is not None and miss_weight > 0:
        weight = weight * (1.0 + miss_weight * missing_soft_outline(partial, target, sigma, reach))
    per_pixel = weight * (f - t).square()
    dist = per_pixel.flatten(2).mean(2)                                 # [K,B]
    return (1.0 - mean_share) * dist.min(dim=0).values.mean() + mean_share * dist.mean()
