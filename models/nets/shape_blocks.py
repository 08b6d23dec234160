"""Pre-activation residual blocks of the shape stage (GAN-stability style, paper Sec. 3.1)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from sketchfill.models.nets.layers import maybe_spectral


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


class SketchContext(nn.Module):
    """A learned pyramid of the sketch for the FAST generator (ShapeConfig.context_width).

    The release's processors see the sketch only resampled to each scale, through a 5x5
    window, so a coarse stage knows that a cell holds ink but not where in it, and a fine
    stage knows where a stroke ends but not where it should go next. Computing the coarse
    features from the full-size sketch (convolve, pool, repeat) keeps positions that
    pooling loses: the encoder half of a U-Net, whose decoder is the generator's trunk.
    """

    def __init__(self, in_ch: int, width: int, size: int, sizes: tuple[int, ...]) -> None:
        super().__init__()
        self.sizes = sizes
        self.levels = [size // 2 ** k for k in range(1, size.bit_length())
                       if size // 2 ** k >= min(sizes)]        # S/2, S/4, ... down to s0
        level_width = {r: min(width * size // r // 2, 4 * width) for r in self.levels}
        self.stem = nn.Conv2d(in_ch, width, 3, padding=1)
        self.top = PreActResBlock(width, width, scale=1.0)
        ins = [width] + [level_width[r] for r in self.levels[:-1]]
        self.down = nn.ModuleList(PreActResBlock(c_in, level_width[r], scale=1.0)
                                  for c_in, r in zip(ins, self.levels))
        self.widths = tuple(level_width[r] for r in sizes)

    def forward(self, sketch: torch.Tensor) -> list[torch.Tensor]:
        """Features at each of `sizes`, in that order."""
        h = self.top(self.stem(sketch))
        feats = {}
        for r, block in zip(self.levels, self.down):
            h = block(F.avg_pool2d(h, 2))
            feats[r] = h
        return [feats[r] for r in self.sizes]


def context_injector(in_ch: int, out_ch: int) -> nn.Sequential:
    """Maps context features to the trunk's width. Zero-initialised, so a network grown from
    a trained one without context starts out computing exactly what it did."""
    conv = nn.Conv2d(in_ch, out_ch, 3, padding=1)
    nn.init.zeros_(conv.weight)
    nn.init.zeros_(conv.bias)
    return nn.Sequential(nn.LeakyReLU(0.2), conv)


class FullSizeRefiner(nn.Module):
    """A small head at the output size for the FAST generator (ShapeConfig.refine_width).

    The trunk's last stage works at full size but sees the sketch only through features
    upsampled from half size, so it cannot place a line more finely than a half-size cell;
    a stroke one output pixel off is already 4 px off at 256 px. This head sees the trunk's
    features and the sketch itself at full size and adds a correction to the output logits.
    Its last convolution starts at zero, so a grown network first computes what its parent did.
    """

    def __init__(self, trunk_ch: int, sketch_ch: int, width: int, out_ch: int) -> None:
        super().__init__()
        self.stem = nn.Conv2d(trunk_ch + sketch_ch, width, 3, padding=1)
        self.block = PreActResBlock(width, width, scale=1.0)
        self.out = nn.Conv2d(width, out_ch, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, features: torch.Tensor, sketch: torch.Tensor) -> torch.Tensor:
        h = self.stem(torch.cat([F.leaky_relu(features, 0.2), sketch], dim=1))
        return self.out(F.leaky_relu(self.block(h), 0.2))


class FoldedRefiner(nn.Module):
    """FullSizeRefiner's job done at the trunk's side (ShapeConfig.refine_folded).

    The full-size sketch is folded into channels (pixel_unshuffle: each trunk cell gets its
    f x f output pixels as f*f channels) beside the trunk's features, and the correction comes
    back as f*f channels unfolded to the output size (pixel_shuffle, as in ESPCN). Every output
    pixel still gets its own value from the sketch at full size, but the convolutions run on
    f*f times fewer pixels and the trunk's features are never enlarged: a batch of 8 of the
    shipped layout took 20-24% less time with it (docs/runtime.md). Its last convolution
    starts at zero, so a network forked from a trunk first computes what the trunk did.
    """

    def __init__(self, trunk_ch: int, sketch_ch: int, width: int, out_ch: int,
                 factor: int) -> None:
        super().__init__()
        self.factor = factor
        self.stem = nn.Conv2d(trunk_ch + sketch_ch * factor ** 2, width, 3, padding=1)
        self.block = PreActResBlock(width, width, scale=1.0)
        self.out = nn.Conv2d(width, out_ch * factor ** 2, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, features: torch.Tensor, sketch: torch.Tensor) -> torch.Tensor:
        """features [B,C,T,T], sketch [B,c,fT,fT] -> correction [B,out,fT,fT]."""
        folded = F.pixel_unshuffle(sketch, self.factor)                 # [B, c*f*f, T, T]
        h = self.stem(torch.cat([F.leaky_relu(features, 0.2), folded], dim=1))
        return F.pixel_shuffle(self.out(F.leaky_relu(self.block(h), 0.2)), self.factor)
