"""Stage 2, appearance: complete outline + class (+ noise) -> colour image (paper Sec. 3.2).

One generator serves every class. Each residual block's branch is scaled and shifted per
channel by the class gate (`x + alpha * F(x) + beta`), so classes select their own features
instead of mixing them. The discriminator is gated the same way (alpha only, from the class).
"""
from __future__ import annotations

import copy

from dataclasses import dataclass, replace

import torch
from torch import nn

from sketchfill.models.nets.appearance_full_size import FullSizeCritic, FullSizeStage, \
    half_size_image, half_size_outline
from sketchfill.models.nets.gated_blocks import GatedResBlock, block_layout
from sketchfill.models.nets.gating import AlphaSource, ChannelGate
from sketchfill.models.nets.layers import maybe_spectral


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
    full_width: int = 0             # >0: the trunk works at size/2 and a full-size stage of this
                                    # width draws the image (appearance_full_size)
    full_ndf: int = 16              # width of the full-size critic (with full_width > 0)
    pixel_noise: bool = False       # per-pixel noise into every trunk block (PixelNoise)

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
# FAST's trunk at 128 px under a full-size stage: 256 px images, the paper's resolution.
FULL_SIZE_APPEARANCE = replace(FAST_APPEARANCE, size=256, full_width=8)
# The shipped network: FAST grown to 256 px, with pixel noise.
SHIPPED_APPEARANCE = replace(FULL_SIZE_APPEARANCE, pixel_noise=True)
# Unit tests.
TINY_APPEARANCE = AppearanceConfig(size=32, n_classes=3, in_channels=1, nz=4, ngf=4, n_pre=1,
                                   n_resample=2, n_mid=1, n_post=1, n_salient=4, gate_width=4,
                                   gate_depth=2, alpha_source="class+noise",
                                   ndf=4, d_pre=1, d_down=2, d_post=1)
TINY_FULL_SIZE_APPEARANCE = replace(TINY_APPEARANCE, size=64, full_width=4, full_ndf=4)


class PixelNoise(nn.Module):
    """Per-pixel noise added to a trunk block's input, one map per image, scaled per channel
    by learned weights that start at zero (the noise inputs of StyleGAN, Karras et al. 2019).

    The gates shift every pixel of a channel alike and the outline does not say where a
    strawberry's seeds or a cookie's chips go, so without a spatial source of randomness the
    generator can only place such details by the outline's lines. A network grown with it
    first draws exactly its parent's images."""

    def __init__(self, n_blocks: int, channels: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(n_blocks, channels))

    def forward(self, h: torch.Tensor, block: int, maps: torch.Tensor) -> torch.Tensor:
        """h [B,C,H,W] plus block `block`'s noise `maps` [B,1,H,W] scaled per channel."""
        return h + self.weight[block][None, :, None, None] * maps.to(h)  # alike on any device


def noise_sizes(cfg: AppearanceConfig) -> list[int]:
    """Side of the feature map each trunk block takes in, in block order (pixel noise maps)."""
    side = cfg.size // 2 if cfg.full_width else cfg.size
    sizes = []
    for kind in block_layout(cfg.n_pre, cfg.n_resample, cfg.n_mid, cfg.n_post):
        sizes.append(side)
        side = side // 2 if kind == "down" else side * 2 if kind == "up" else side
    return sizes


def draw_noise_maps(cfg: AppearanceConfig, batch: int,
                    source: torch.Generator | None = None) -> list[torch.Tensor]:
    """The pixel noise of one forward pass: a [batch,1,s,s] N(0,1) map per trunk block, drawn
    in block order on the CPU from `source` (seeded: the same image on any device and in any
    runtime that takes the maps as inputs); none without pixel noise."""
    if not cfg.pixel_noise:
        return []
    return [torch.randn(batch, 1, s, s, generator=source) for s in noise_sizes(cfg)]


@dataclass(frozen=True)
class Gates:
    """The class/noise gates of one forward pass: per-block scales and shifts of the trunk
    [B,n_blocks,C] and of the full-size stage [B,W] (None without one)."""

    alpha: torch.Tensor
    beta: torch.Tensor
    full_alpha: torch.Tensor | None = None
    full_beta: torch.Tensor | None = None


class ClassHead(nn.Module):
    """A taught class's own end of the network: a copy of the output layers (`to_rgb`, the
    full-size stage or None) and a shift of every gated block's beta (`beta_shift`
    [n_blocks, C], `full_beta_shift` [W] or None). The few pictures a class is taught from
    cannot move the shared trunk, but its colours, and where they go, are set here in a few
    thousand numbers (class_addon)."""

    def __init__(self, to_rgb: nn.Module, full: nn.Module | None, n_blocks: int,
                 channels: int, full_width: int) -> None:
        super().__init__()
        self.to_rgb, self.full = to_rgb, full
        self.beta_shift = nn.Parameter(torch.zeros(n_blocks, channels))
        self.full_beta_shift = nn.Parameter(torch.zeros(full_width)) if full is not None \
            else None

    def shifted(self, gates: Gates) -> Gates:
        """`gates` with the class's beta shifts (beta stays in [-1, 1], as the gate gives)."""
        full_beta = gates.full_beta
        if full_beta is not None and self.full_beta_shift is not None:
            full_beta = torch.clamp(full_beta + self.full_beta_shift, -1.0, 1.0)
        return Gates(gates.alpha, torch.clamp(gates.beta + self.beta_shift, -1.0, 1.0),
                     gates.full_alpha, full_beta)


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
        self.noise = PixelNoise(len(kinds), c) if cfg.pixel_noise else None
        self.full = self.full_gate = None
        if cfg.full_width:
            w = cfg.full_width
            self.full = FullSizeStage(c, cfg.in_channels, w, cfg.out_channels, cfg.spectral)
            self.full_gate = ChannelGate(cfg.n_classes, 1, w, n_salient=cfg.n_salient,
                                         width=cfg.gate_width, depth=1, nz=cfg.nz,
                                         alpha_source=cfg.alpha_source, with_beta=True)
        self.trunk_frozen = False

    def freeze_trunk(self) -> list[nn.Parameter]:
        """Fix the trunk for training the full-size stage alone: no gradients, and eval mode
        for good (batch-norm statistics and spectral-norm vectors stay as trained, so the stage
        learns on exactly the trunk output it will get in use). Returns the stage's parameters."""
        if self.full is None:
            raise ValueError("freeze_trunk needs a model with a full-size stage (full_width > 0)")
        self.trunk_frozen = True
        self.requires_grad_(False)
        stage = [*self.full.parameters(), *self.full_gate.parameters()]
        for p in stage:
            p.requires_grad_(True)
        self.train(self.training)
        return stage

    def train(self, mode: bool = True) -> "AppearanceGenerator":
        super().train(mode)
        if self.trunk_frozen:
            for part in (self.stem, self.blocks, self.to_rgb, self.gate):
                part.eval()
        return self

    def forward(self, outline: torch.Tensor, label: torch.Tensor,
                z: torch.Tensor | None = None,
                noise_source: torch.Generator | None = None,
                head: ClassHead | None = None) -> torch.Tensor:
        """`noise_source`: a CPU generator for the pixel noise (seeded: the same image every
        time); None draws it from torch's global generator. `head`: a class's own end of
        the network (decode)."""
        maps = draw_noise_maps(self.cfg, outline.shape[0], noise_source)
        return self.decode(outline, self.gates(label, z), maps, head)

    def head_copy(self) -> ClassHead:
        """A class head that changes nothing: a copy of the network's output layers (to_rgb
        and the full-size stage) and zero beta shifts."""
        cfg = self.cfg
        return ClassHead(copy.deepcopy(self.to_rgb), copy.deepcopy(self.full), len(self.blocks),
                         cfg.ngf, cfg.full_width).to(self.to_rgb.bias.device)

    def gates(self, label: torch.Tensor, z: torch.Tensor | None = None) -> Gates:
        """The gates of class `label` (int64 [B]) and noise z [B,nz]: cheap 1-D networks, kept
        apart from decode() so a runtime that runs decode() alone takes any class's gates."""
        alpha, beta = self.gate(label, z)                               # [B, n_blocks, C] each
        if self.full is None:
            return Gates(alpha, beta)
        a, b = self.full_gate(label, z)
        return Gates(alpha, beta, a[:, 0], b[:, 0])

    def decode(self, outline: torch.Tensor, gates: Gates, maps: list[torch.Tensor],
               head: ClassHead | None = None) -> torch.Tensor:
        """outline [B,in,S,S] -> RGB [B,3,S,S] under `gates`, with the pixel noise `maps`
        (draw_noise_maps; empty without pixel noise); with a class `head`, its beta shifts
        and output layers in place of the network's."""
        if head is not None:
            gates = head.shifted(gates)
        trunk_in = outline if self.full is None else half_size_outline(outline)
        h = self.stem(trunk_in)                                         # [B, C, s, s]
        for i, block in enumerate(self.blocks):
            if self.noise is not None:
                h = self.noise(h, i, maps[i])
            h = block(h, gates.alpha[:, i], gates.beta[:, i])
        out = self if head is None else head
        logits = out.to_rgb(h)
        if out.full is not None:
            logits = out.full(h, logits, outline, gates.full_alpha, gates.full_beta)
        return torch.tanh(logits)


class AppearanceDiscriminator(nn.Module):
    """D(outline [B,in,S,S], image [B,3,S,S], label) -> patch score maps [B,1,h,w] (LSGAN):
    one from the class-gated critic, and with a full-size stage a second from the full-size
    critic (the gated one then judges the image at half size)."""

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
        self.full = (FullSizeCritic(cfg.in_channels, cfg.full_ndf, cfg.spectral)
                     if cfg.full_width else None)

    def forward(self, outline: torch.Tensor, image: torch.Tensor,
                label: torch.Tensor) -> list[torch.Tensor]:
        scores = []
        if self.full is not None:
            scores.append(self.full(outline, image))
            outline, image = half_size_outline(outline), half_size_image(image)
        alpha, _ = self.gate(label)
        h = self.stem(torch.cat([outline, image], dim=1))
        for i, block in enumerate(self.blocks):
            h = block(h, alpha[:, i])
        return [self.head(h), *scores]
