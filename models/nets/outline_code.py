"""How the shape network's soft output encodes an outline (and back to ink).

A soft-outline network (ShapeConfig.soft_output) is trained to draw, instead of hard strokes,
a soft outline: 1 on the strokes, falling off with the distance to them. Its ridge marks where
the network thinks a stroke is even when it is a pixel or two unsure; the engine thins that
ridge into lines (app.ridges). The fall-off (ShapeConfig.outline_sigma, outline_reach) is part
of the network's config, so a checkpoint says how to read its own output.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def ink(outline: torch.Tensor) -> torch.Tensor:
    """[B,1,S,S] in [-1,1] (ink = -1) -> ink amount [B,1,S,S] in [0,1]."""
    return (1.0 - outline) * 0.5


def near(x: torch.Tensor, radius: int) -> torch.Tensor:
    """Max over a (2r+1)^2 window: "is there ink within `radius` px"."""
    if radius <= 0:
        return x
    return F.max_pool2d(x, 2 * radius + 1, stride=1, padding=radius)


def soft_outline(ink_map: torch.Tensor, sigma: float, reach: int) -> torch.Tensor:
    """Ink [N,1,S,S] in [0,1] -> a soft outline: 1 on the strokes, falling off as
    exp(-d^2 / 2 sigma^2) with the (chessboard) distance d to the nearest stroke, 0 past
    `reach` px. Its ridge is the stroke itself, so the ridge of a prediction marks where the
    network thinks the stroke is even when it is unsure by a pixel or two."""
    rings = [near(ink_map, r) * math.exp(-(r * r) / (2.0 * sigma * sigma))
             for r in range(reach + 1)]
    return torch.stack(rings).amax(0)


def encode(outline: torch.Tensor, sigma: float, reach: int) -> torch.Tensor:
    """An outline [B,1,S,S] in [-1,1] -> what a perfect soft-outline network outputs for it,
    [B,1,S,S] in [-1,1] (ink = -1)."""
    return 1.0 - 2.0 * soft_outline(ink(outline), sigma, reach)
