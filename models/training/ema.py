"""Exponential moving average of generator weights (the network that gets shipped)."""
from __future__ import annotations

import copy

import torch
from torch import nn


def make_ema(net: nn.Module) -> nn.Module:
    """A frozen eval-mode copy of `net` to be updated by `update_ema`."""
    ema = copy.deepcopy(net).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    return ema


@torch.no_grad()
def update_ema(ema: nn.Module, net: nn.Module, decay: float) -> None:
    """ema <- decay * ema + (1 - decay) * net for parameters; buffers (batch-norm statistics,
    spectral-norm vectors) are copied, since averaging them has no meaning."""
    for e, p in zip(ema.parameters(), net.parameters()):
        e.lerp_(p.detach(), 1.0 - decay)
    for e, b in zip(ema.buffers(), net.buffers()):
        e.copy_(b)


def ema_decay_at(step: int, decay: float, warmup: int) -> float:
    """Start as a plain copy and reach `decay` after about `warmup` steps, so early samples
    are not dominated by the random initial weights."""
    return min(decay, (1.0 + step) / (10.0 + step)) if warmup > 0 and step < warmup else decay
