"""The networks as plain graphs a runtime other than torch can take.

- Spectral norm is a parametrization that computes `aten::vdot`, which the ONNX exporter does
  not take: a fresh copy of the network, in eval mode, has it baked into plain weights
  (bit-identical outputs).
- The class enters as numbers, not as a row index: the shape network takes its class embedding
  row, the appearance network its gates (`AppearanceGenerator.gates`; GatesCore makes them
  from class rows in a graph too). The embedding tables stay out of the graphs, so classes
  added after the export (taught classes) run in any runtime.
- The appearance network's pixel noise comes in as maps drawn from the seed (models.nets.noise):
  no exporter takes a `torch.Generator`.
"""
from __future__ import annotations

import hashlib

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize

from sketchfill.models.nets.appearance import AppearanceGenerator, Gates

CLASS_TABLES = "embedding"  # state-dict keys holding class rows: not part of an exported graph


def baked(net: nn.Module) -> nn.Module:
    """A new network of the same kind and config with every parametrization (spectral norm)
    replaced by the plain weight it computes in eval mode; class tables are left as built."""
    copy = type(net)(net.cfg)
    state = {k: v for k, v in net.state_dict().items() if CLASS_TABLES not in k}
    missing, unexpected = copy.load_state_dict(state, strict=False)
    if unexpected or any(CLASS_TABLES not in k for k in missing):
        raise ValueError(f"cannot copy {type(net).__name__}: {missing} {unexpected}")
    copy.eval()
    for module in list(copy.modules()):
        if parametrize.is_parametrized(module):
            for name in list(module.parametrizations.keys()):
                parametrize.remove_parametrizations(module, name, leave_parametrized=True)
    return copy.requires_grad_(False)


class ShapeCore(nn.Module):
    """(views [V,1,S,S], view_of int64 [B], class row [B,E], z [B,nz]) -> outline [B,1,S,S]:
    the shape generator's forward_views with its class given as an embedding row
    (ShapeGenerator.embed takes a float row as the embedding itself)."""

    def __init__(self, shape: nn.Module) -> None:
        super().__init__()
        self.net = baked(shape)

    def forward(self, views: torch.Tensor, view_of: torch.Tensor, row: torch.Tensor,
                z: torch.Tensor) -> torch.Tensor:
        return self.net.forward_views(views, view_of, row, z)


class AppearanceCore(nn.Module):
    """(outline [B,in,S,S], alpha, beta [B,n_blocks,C], full alpha, beta [B,W], noise maps...)
    -> RGB [B,3,S,S] in [-1,1]: AppearanceGenerator.decode with its inputs flat."""

    def __init__(self, appearance: AppearanceGenerator) -> None:
        super().__init__()
        self.net = baked(appearance)
        self.full = appearance.full is not None

    def forward(self, outline: torch.Tensor, alpha: torch.Tensor, beta: torch.Tensor,
                full_alpha: torch.Tensor, full_beta: torch.Tensor,
                *maps: torch.Tensor) -> torch.Tensor:
        gates = Gates(alpha, beta, full_alpha if self.full else None,
                      full_beta if self.full else None)
        return self.net.decode(outline, gates, list(maps))


def gate_tensors(gates: Gates) -> list[torch.Tensor]:
    """The four gate tensors AppearanceCore takes (a [B,1] zero stands for absent full-size
    gates, so every network has the same inputs)."""
    dummy = torch.zeros(gates.alpha.shape[0], 1)
    return [gates.alpha, gates.beta,
            dummy if gates.full_alpha is None else gates.full_alpha,
            dummy if gates.full_beta is None else gates.full_beta]


def gate_arrays(gates: Gates) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """gate_tensors as float32 arrays on the CPU (calls.LookInputs.gates)."""
    a, b, fa, fb = (g.detach().float().cpu().numpy() for g in gate_tensors(gates))
    return a, b, fa, fb


class GatesCore(nn.Module):
    """(class row [1,n_salient], the full-size stage's class row [1,n_salient] (or [1,1]
    where there is none), z [1,nz]) -> gate_tensors() of AppearanceGenerator.gates, flattened
    one after another into [1,N]: a single output every runtime session gives back (the
    engine splits it, external.ExternalGates). With it and the class tables as arrays, the
    engine renders without torch."""

    def __init__(self, appearance: AppearanceGenerator) -> None:
        super().__init__()
        self.net = baked(appearance)

    def forward(self, row: torch.Tensor, full_row: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        alpha, beta = self.net.gate.from_vector(row, z)
        gates = Gates(alpha, beta)
        if self.net.full_gate is not None:
            a, b = self.net.full_gate.from_vector(full_row, z)
            gates = Gates(alpha, beta, a[:, 0], b[:, 0])
        return torch.cat([g.reshape(1, -1) for g in gate_tensors(gates)], dim=1)


def gate_shapes(appearance: AppearanceGenerator) -> list[tuple[int, ...]]:
    """The shapes of the four gate arrays of one image (GatesCore's output, split)."""
    with torch.inference_mode():
        gates = appearance.gates(torch.zeros(1, dtype=torch.long),
                                 torch.zeros(1, appearance.cfg.nz))
    return [tuple(g.shape) for g in gate_tensors(gates)]


def weights_hash(net: nn.Module) -> str:
    """sha256 (16 hex) of a network's config and weights, class tables left out: names an
    export, which must be redone when the weights change but not when a class is taught."""
    digest = hashlib.sha256(repr(net.cfg).encode())
    for key, value in sorted(net.state_dict().items()):
        if CLASS_TABLES in key:
            continue
        digest.update(key.encode())
        digest.update(value.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]
