"""The full-size stage of the appearance network and the critic that judges at full size.

With `AppearanceConfig.full_width > 0` the trained trunk keeps working at half the image side
and this stage draws the full-size image: it upsamples the trunk's colour logits and adds a
correction computed from the trunk's features and the outline itself at full size, so edges
can sit on the outline's pixels instead of on half-size cells. It has one residual block,
gated per channel by the class like every block of the trunk. Its last convolution starts at
zero, so a network grown from a half-size one first draws exactly its parent's image, upscaled.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from sketchfill.models.nets.gated_blocks import GatedResBlock
from sketchfill.models.nets.layers import ink_pool, maybe_spectral


def half_size_outline(outline: torch.Tensor) -> torch.Tensor:
    """[B,C,S,S] in [-1,1] (ink -1) -> [B,C,S/2,S/2]. A 2x2 cell with any ink is ink: an
    average would turn the canvas's thin strokes into faint gray, thinner than the lines the
    half-size trunk learned from."""
    return ink_pool(outline, outline.shape[-1] // 2)


def half_size_image(image: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(image, 2)


class FullSizeStage(nn.Module):
    """(features [B,T,S/2,S/2], logits [B,3,S/2,S/2], outline [B,in,S,S], alpha, beta [B,W])
    -> RGB logits [B,3,S,S]."""

    def __init__(self, trunk_ch: int, in_ch: int, width: int, out_ch: int,
                 spectral: bool) -> None:
        super().__init__()
        self.reduce = nn.Conv2d(trunk_ch, width, 1)    # 1x1 at half size: cheap
        self.merge = nn.Conv2d(width + in_ch, width, 3, padding=1)
        self.block = GatedResBlock("plain", width, spectral)
        self.out = nn.Conv2d(width, out_ch, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, features: torch.Tensor, logits: torch.Tensor, outline: torch.Tensor,
                alpha: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        up = F.interpolate(self.reduce(features), scale_factor=2, mode="bilinear",
                           align_corners=False)
        h = F.relu(self.merge(torch.cat([up, outline], dim=1)))
        h = self.block(h, alpha, beta)
        base = F.interpolate(logits, scale_factor=2, mode="bilinear", align_corners=False)
        return base + self.out(F.relu(h))


class FullSizeCritic(nn.Module):
    """(outline [B,in,S,S], image [B,3,S,S]) -> patch scores [B,1,S/4,S/4].

    A shallow patch critic (receptive field 22 px) for what the half-size critic cannot see:
    crisp edges on the outline and fine texture. Class and layout are the half-size critic's."""

    def __init__(self, in_ch: int, width: int, spectral: bool) -> None:
        super().__init__()
        self.net = nn.Sequential(
            maybe_spectral(nn.Conv2d(in_ch + 3, width, 4, 2, 1), spectral), nn.LeakyReLU(0.2),
            maybe_spectral(nn.Conv2d(width, 2 * width, 4, 2, 1), spectral), nn.LeakyReLU(0.2),
            maybe_spectral(nn.Conv2d(2 * width, 1, 3, 1, 1), spectral))

    def forward(self, outline: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([outline, image], dim=1))
