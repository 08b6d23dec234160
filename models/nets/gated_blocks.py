"""Channel-gated residual blocks of the appearance stage: x' = shortcut(x) + alpha * F(x) + beta.

Three kinds, as in the paper's generator: "plain" (same size), "down" (avg-pool /2 first) and
"up" (x2 first). Layer indices inside `branch` and `shortcut` follow the release's Sequential
layout, which keeps original-checkpoint conversion a plain key rename.
"""
from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from sketchfill.models.nets.layers import maybe_spectral

BlockKind = Literal["plain", "down", "up"]


class BilinearUp(nn.Module):
    """x2 bilinear with align_corners=True (the release's up-block shortcut)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)


class NearestUp(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=2, mode="nearest")


def _norm(ch: int) -> nn.Module:
    # Affine-free instance norm without running stats: identical in train and eval.
    return nn.InstanceNorm2d(ch, affine=False, track_running_stats=False)


def _conv(ch: int, pad: int, spectral: bool) -> nn.Module:
    return maybe_spectral(nn.Conv2d(ch, ch, 3, padding=pad), spectral)


def _branch(kind: BlockKind, ch: int, spectral: bool) -> nn.Sequential:
    if kind == "plain":
        return nn.Sequential(_conv(ch, 1, spectral), _norm(ch), nn.ReLU(),
                             _conv(ch, 1, spectral), _norm(ch), nn.ReLU())
    resample = nn.AvgPool2d(2, 2) if kind == "down" else NearestUp()
    return nn.Sequential(resample, nn.ReflectionPad2d(1), _conv(ch, 0, spectral), _norm(ch),
                         nn.ReLU(), _conv(ch, 1, spectral), _norm(ch), nn.ReLU())


def _shortcut(kind: BlockKind, ch: int, spectral: bool) -> nn.Module:
    if kind == "plain":
        return nn.Identity()
    resample = nn.AvgPool2d(2, 2) if kind == "down" else BilinearUp()
    return nn.Sequential(resample, nn.ReflectionPad2d(1), _conv(ch, 0, spectral))


class GatedResBlock(nn.Module):
    """(x [B,C,H,W], alpha [B,C], beta [B,C] or None) -> [B,C,H',W']."""

    def __init__(self, kind: BlockKind, channels: int, spectral: bool = True) -> None:
        super().__init__()
        self.kind = kind
        self.branch = _branch(kind, channels, spectral)
        self.shortcut = _shortcut(kind, channels, spectral)

    def forward(self, x: torch.Tensor, alpha: torch.Tensor,
                beta: torch.Tensor | None = None) -> torch.Tensor:
        out = alpha[:, :, None, None] * self.branch(x)
        if beta is not None:
            out = out + beta[:, :, None, None]
        return out + self.shortcut(x)


def block_layout(n_pre: int, n_resample: int, n_mid: int, n_post: int,
                 up: bool = True) -> list[BlockKind]:
    """Kinds in order: plain*pre, down*resample, plain*mid, [up*resample], plain*post."""
    kinds: list[BlockKind] = ["plain"] * n_pre + ["down"] * n_resample + ["plain"] * n_mid
    if up:
        kinds += ["up"] * n_resample
    return kinds + ["plain"] * n_post
