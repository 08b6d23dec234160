"""Small building blocks shared by both stages: spectral norm switch and sketch resampling."""
from __future__ import annotations

import torch
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
