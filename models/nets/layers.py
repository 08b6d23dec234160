"""Small building blocks shared by both stages: spectral norm switch and sketch resampling."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


def maybe_spectral(module: nn.Module, enabled: bool) -> nn.Module:
    """Wrap a conv/linear in spectral normalisation when `enabled` (paper: SN in G and D)."""
    return spectral_norm(module) if enabled else module


def subsample(x: torch.Tensor, size: int) -> torch.Tensor:
    """Nearest downsampling to `size` px as the original does it: keep the top-left pixel of
    each block (`x[..., ::s, ::s]`), no averaging, so thin strokes are not washed out."""
    step = x.shape[-1] // size
    return x[..., ::step, ::step]


def ink_pool(x: torch.Tensor, size: int) -> torch.Tensor:
    """Downsample to `size` px keeping the darkest pixel of each block (ink = -1): a stroke
    anywhere in a block marks the block. Strided subsampling instead keeps one pixel in s*s,
    so at 1/8 a 1.5 px stroke mostly vanishes and the coarse stages cannot see the sketch."""
    step = x.shape[-1] // size
    return -F.max_pool2d(-x, step) if step > 1 else x


def resample_sketch(x: torch.Tensor, size: int, mode: str) -> torch.Tensor:
    """The sketch at `size` px for a sparse processor: "subsample" (the release) or "ink_max"."""
    if mode == "ink_max":
        return ink_pool(x, size)
    if mode == "subsample":
        return subsample(x, size)
    raise ValueError(f"unknown sketch resampling {mode!r}; use 'subsample' or 'ink_max'")
