"""Pre-activation residual blocks of the shape stage (GAN-stability style, paper Sec. 3.1)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from models.layers import maybe_spectral


class PreActResBlock(nn.Module):
    """shortcut(x) + scale * conv_1(lrelu(conv_0(lrelu(x)))).

    The trunk blocks use scale 0.1 (keeps the residual path small at init, as in
    GAN-stability); the sketch-injection blocks use scale 1.0 and spectral norm.
    """

    def __init__(self, in_ch: int, out_ch: int, scale: float = 0.1,
                 spectral: bool = False, hidden: int | None = None) -> None:
        super().__init__()
        hidden = min(in_ch, out_ch) if hidden is None else hidden
        self.scale = scale
        self.conv_0 = maybe_spectral(nn.Conv2d(in_ch, hidden, 3, padding=1), spectral)
        self.conv_1 = maybe_spectral(nn.Conv2d(hidden, out_ch, 3, padding=1), spectral)
        # A 1x1 projection only when the width changes; otherwise the identity.
        self.conv_s = (maybe_spectral(nn.Conv2d(in_ch, out_ch, 1, bias=False), spectral)
                       if in_ch != out_ch else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.conv_s is None else self.conv_s(x)
        dx = self.conv_0(F.leaky_relu(x, 0.2))
        dx = self.conv_1(F.leaky_relu(dx, 0.2))
        return shortcut + self.scale * dx


def sketch_injector(in_ch: int, out_ch: int) -> PreActResBlock:
    """The paper's "sparse processor": a spectrally normalised block, hidden width = input
    channels, that maps the sketch at one scale to the trunk's width so it can be added."""
    return PreActResBlock(in_ch, out_ch, scale=1.0, spectral=True, hidden=in_ch)
