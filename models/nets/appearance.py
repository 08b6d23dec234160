"""Stage 2, appearance: complete outline + class (+ noise) -> colour image (paper Sec. 3.2).

One generator serves every class. Each residual block's branch is scaled and shifted per
channel by the class gate (`x + alpha * F(x) + beta`), so classes select their own features
instead of mixing them. The discriminator is gated the same way (alpha only, from the class).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from models.nets.gated_blocks import GatedResBlock, block_layout
from models.nets.gating import AlphaSource, ChannelGate
from models.nets.layers import maybe_spectral


@dataclass(frozen=True)
class AppearanceConfig:
    size: int = 256                 # image side in px used for training and rendering
    n_classes: int = 10             # number of object classes
    in_channels: int = 3            # outline channels fed to G (the release repeats gray x3)
    out_channels: int = 3           # RGB
    nz: int = 8                     # noise length
    ngf: int = 64                   # generator width (all blocks share it)
    n_pre: int = 3                  # plain blocks before downsampling
    n_resample: int = 3             # down blocks, mirrored by as many up blocks
    n_mid: int = 4                  # plain blocks at the bottleneck
    n_post: int = 3                 # plain blocks after upsampling
    spectral: bool = True           # spectral norm on block convs and the output conv
    n_salient: int = 10             # gate embedding length (max(10, classes) in the release)
    gate_width: int = 16            # 1-D gate trunk channels
    gate_depth: int = 16            # 1-D residual blocks in the gate trunk
    alpha_source: AlphaSource = "noise"   # the release drives alpha by noise, beta by class
    ndf: int = 64                   # discriminator width
    d_pre: int = 3                  # discriminator plain blocks before downsampling
    d_down: int = 4                 # discriminator down blocks
    d_post: int = 9                 # discriminator plain blocks after

    @property
    def n_blocks(self) -> int:
        return self.n_pre + 2 * self.n_resample + self.n_mid + self.n_post


# The release: 256 px, ngf 64, 16 blocks (3 plain, 3 down, 4 plain, 3 up, 3 plain), nz 8.
PAPER_APPEARANCE = AppearanceConfig()
# Live use on a 2-core CPU: 128 px, narrow, fewer full-resolution blocks; class-driven alpha
# (the paper's best gating) with noise added for variety.
FAST_APPEARANCE = AppearanceConfig(size=128, n_classes=21, in_channels=1, ngf=24, n_pre=1,
                                   n_resample=3, n_mid=4, n_post=1, n_salient=21,
                                   gate_depth=4, alpha_source="class+noise",
                                   ndf=32, d_pre=1, d_down=4, d_post=3)
# The shipped network is the FAST architecture.
SHIPPED_APPEARANCE = FAST_APPEARANCE
# Unit tests.
TINY_APPEARANCE = AppearanceConfig(size=32, n_classes=3, in_channels=1, nz=4, ngf=4, n_pre=1,
                                   n_resample=2, n_mid=1, n_post=1, n_salient=4, gate_width=4,
                                   gate_depth=2, alpha_source="class+noise",
                                   ndf=4, d_pre=1, d_down=2, d_post=1)


class AppearanceGenerator(nn.Module):
    """net(outline [B,in,S,S] in [-1,1], label int64 [B] or [B,1], z [B,nz]) -> RGB [B,3,S,S]."""

    def __init__(self, cfg: AppearanceConfig) -> None:
        super().__init__()
        self.cfg = cfg
        c = cfg.ngf
        self.stem = nn.Sequential(nn.Conv2d(cfg.in_channels, c, 3, padding=1),
                                  nn.InstanceNorm2d(c), nn.ReLU())
        kinds = block_layout(cfg.n_pre, cfg.n_resample, cfg.n_mid, cfg.n_post)
        self.blocks = nn.ModuleList(GatedResBlock(k, c, cfg.spectral) for k in kinds)
        self.to_rgb = maybe_spectral(nn.Conv2d(c, cfg.out_channels, 3, padding=1), cfg.spectral)
        self.gate = ChannelGate(cfg.n_classes, len(kinds), c, n_salient=cfg.n_salient,
                                width=cfg.gate_width, depth=cfg.gate_depth, nz=cfg.nz,
                                alpha_source=cfg.alpha_source, with_beta=True)

    def forward(self, outline: torch.Tensor, label: torch.Tensor,
                z: torch.Tensor | None = None) -> torch.Tensor:
        alpha, beta = self.gate(label, z)                               # [B, n_blocks, C] each
        h = self.stem(outline)                                          # [B, C, S, S]
        for i, block in enumerate(self.blocks):
            h = block(h, alpha[:, i], beta[:, i])
        return torch.tanh(self.to_rgb(h))


class AppearanceDiscriminator(nn.Module):
    """D(outline [B,in,S,S], image [B,3,S,S], label) -> patch scores [B,1,h,w] (LSGAN)."""

    def __init__(self, cfg: AppearanceConfig) -> None:
        super().__init__()
        self.cfg = cfg
        c = cfg.ndf
        self.stem = maybe_spectral(nn.Conv2d(cfg.in_channels + cfg.out_channels, c, 3, padding=1),
                                   cfg.spectral)
        kinds = block_layout(cfg.d_pre, cfg.d_down, 0, cfg.d_post, up=False)
        self.blocks = nn.ModuleList(GatedResBlock(k, c, cfg.spectral) for k in kinds)
        self.head = maybe_spectral(nn.Conv2d(c, 1, 4), cfg.spectral)
        # The discriminator is gated by the class only, scale without shift (as released).
        self.gate = ChannelGate(cfg.n_classes, len(kinds), c, n_salient=cfg.n_salient,
                                width=cfg.gate_width, depth=cfg.gate_depth,
                                alpha_source="class", with_beta=False)

    def forward(self, outline: torch.Tensor, image: torch.Tensor,
                label: torch.Tensor) -> torch.Tensor:
        alpha, _ = self.gate(label)
        h = self.stem(torch.cat([outline, image], dim=1))
        for i, block in enumerate(self.blocks):
            h = block(h, alpha[:, i])
        return self.head(h)
