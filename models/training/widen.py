"""Load a trained network's weights into a wider copy of it, keeping what it computes.

A fork that widens a network (more channels per layer, e.g. `train_shape --ngf 16` from a run
trained at 12) cannot load the old tensors as they are. Here each old tensor fills the leading
corner of the new one: old channels come first in every layer, so an old output channel is
computed from old input channels by the old weights. Its weights on the new input channels
are zero, so the new channels cannot change it: the widened network starts out computing
exactly what its parent did. The new channels read the old ones through freshly initialised
weights (not zero: two zero layers in a row would never receive a gradient), and the
training that follows teaches the old outputs to use them.

Spectrally normalised layers are the exception: their new output rows start at zero (and
the power-iteration vectors are padded with zeros), since random rows would change the
layer's largest singular value and so rescale its old outputs.
"""
from __future__ import annotations

import torch
from torch import nn

_SPECTRAL = "parametrizations.weight.original"
_POWER_VECTORS = ("parametrizations.weight.0._u", "parametrizations.weight.0._v")


class WidenError(ValueError):
    """An old tensor does not fit into the new one (it is larger or of another rank)."""


def widened(key: str, old: torch.Tensor, new: torch.Tensor) -> torch.Tensor:
    """`new` (the wider layer's fresh init) with `old` written into its leading corner."""
    if old.dim() != new.dim() or any(o > n for o, n in zip(old.shape, new.shape)):
        raise WidenError(f"{key}: {tuple(old.shape)} does not fit into {tuple(new.shape)}")
    out = new.clone()
    if key.endswith(_SPECTRAL) or key.endswith(_POWER_VECTORS):
        out.zero_()
    if old.dim() >= 2:
        out[:old.shape[0], old.shape[1]:] = 0     # old outputs ignore the new inputs
    out[tuple(slice(0, s) for s in old.shape)] = old
    return out


def load_widened(net: nn.Module, old_state: dict[str, torch.Tensor]) -> list[str]:
    """Load `old_state` into `net`, widening tensors that are smaller. Keys the state lacks
    keep their initial values (modules grown in). Returns the keys that were not loaded as
    they were (widened or missing); raises WidenError for keys `net` lacks."""
    current = net.state_dict()
    unknown = sorted(set(old_state) - set(current))
    if unknown:
        raise WidenError(f"the state has weights the network lacks: {unknown[:3]}")
    merged, changed = {}, []
    for key, value in current.items():
        old = old_state.get(key)
        if old is not None and old.shape == value.shape:
            merged[key] = old
            continue
        merged[key] = value if old is None else widened(key, old.to(value.dtype), value)
        changed.append(key)
    net.load_state_dict(merged)
    return changed
