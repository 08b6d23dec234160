"""Channel-wise gating (paper Sec. 3.2): an embedding -> per-block, per-channel alpha and beta.

A small 1-D network (conv + residual 1-D blocks) reads a `n_salient`-long vector as a 1-channel
signal and widens it to `width` channels; linear heads then give alpha in (0, 1) (sigmoid) and
beta in [-1, 1] (hardtanh) for every residual block of the image network. The same trunk serves
the alpha and the beta path, as in the release.
"""
from __future__ import annotations

from typing import Literal

import torch
from torch import nn

# Where alpha comes from. "noise": the release (z -> alpha, class -> beta). "class": the
# paper's best variant (class -> alpha). "class+noise": class-driven, with z added to the
# class embedding so one outline still yields varied images.
AlphaSource = Literal["noise", "class", "class+noise"]


class GateResBlock1d(nn.Module):
    """x + relu(bn(conv(relu(bn(conv(x))))))."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.model = nn.Sequential(
            nn.Conv1d(width, width, 3, padding=1), nn.BatchNorm1d(width), nn.ReLU(),
            nn.Conv1d(width, width, 3, padding=1), nn.BatchNorm1d(width), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.model(x)


class GateTrunk(nn.Module):
    """[B, n_salient] -> [B, width * n_salient] (channel-major flatten)."""

    def __init__(self, width: int, depth: int) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv1d(1, width, 3, padding=1), nn.ReLU())
        self.blocks = nn.Sequential(*(GateResBlock1d(width) for _ in range(depth)))

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        h = self.blocks(self.stem(v.reshape(v.shape[0], 1, -1)))        # [B, width, n_salient]
        return h.flatten(1)


class ChannelGate(nn.Module):
    """(label int64 [B], z [B,nz] or None) -> alpha [B,n_blocks,C] in (0,1), beta or None."""

    def __init__(self, n_classes: int, n_blocks: int, channels: int, *, n_salient: int,
                 width: int, depth: int, nz: int = 0, alpha_source: AlphaSource = "class",
                 with_beta: bool = True) -> None:
        super().__init__()
        self.n_blocks, self.channels, self.alpha_source = n_blocks, channels, alpha_source
        self.embedding = nn.Embedding(n_classes, n_salient)
        self.noise_proj = nn.Linear(nz, n_salient) if alpha_source != "class" else None
        self.trunk = GateTrunk(width, depth)
        self.alpha_head = nn.Linear(width * n_salient, n_blocks * channels)
        self.beta_head = nn.Linear(width * n_salient, n_blocks * channels) if with_beta else None

    def alpha_input(self, class_vec: torch.Tensor, z: torch.Tensor | None) -> torch.Tensor:
        if self.alpha_source == "class":
            return class_vec
        if z is None:
            raise ValueError(f"alpha_source={self.alpha_source!r} needs a noise vector z")
        noise_vec = self.noise_proj(z)
        return noise_vec if self.alpha_source == "noise" else class_vec + noise_vec

    def forward(self, label: torch.Tensor, z: torch.Tensor | None = None,
                ) -> tuple[torch.Tensor, torch.Tensor | None]:
        return self.from_vector(self.embedding(label.reshape(-1)), z)

    def from_vector(self, class_vec: torch.Tensor, z: torch.Tensor | None = None,
                    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """forward() of a class given as its embedding row [B, n_salient]."""
        shape = (-1, self.n_blocks, self.channels)
        alpha = torch.sigmoid(self.alpha_head(self.trunk(self.alpha_input(class_vec, z))))
        if self.beta_head is None:
            return alpha.view(shape), None
        # The trunk runs separately on the beta path (its own batch statistics in training).
        beta = torch.clamp(self.beta_head(self.trunk(class_vec)), -1.0, 1.0)
        return alpha.view(shape), beta.view(shape)
