"""torch's own runners of the two calls (app.runtime.calls): eager, float32 or bf16 autocast.

They take and give NumPy arrays like every runtime; the network may sit on any device.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from sketchfill.app.runtime.calls import EAGER, EAGER_BF16, LookInputs
from sketchfill.app.runtime.exportable import gate_arrays
from sketchfill.app.runtime.snapshot import NetFacts
from sketchfill.models.nets.appearance import AppearanceGenerator, ClassHead, Gates, noise_sizes


def net_facts(shape: nn.Module, look: AppearanceGenerator) -> NetFacts:
    """What the engine reads of the two networks' configs."""
    s, a = shape.cfg, look.cfg
    return NetFacts(shape_size=s.size, shape_nz=s.nz, soft_output=bool(s.soft_output),
                    agnostic=bool(s.agnostic), look_size=a.size, look_in_channels=a.in_channels,
                    look_nz=a.nz, noise_sides=tuple(noise_sizes(a)) if a.pixel_noise else ())


def gates_of(look: AppearanceGenerator, label: int, z: np.ndarray) -> tuple:
    """The four gate arrays (calls.LookInputs.gates) of class row `label` and z [1,nz]."""
    device = next(look.parameters()).device
    with torch.inference_mode():
        y = torch.tensor([label], dtype=torch.long, device=device)
        return gate_arrays(look.gates(y, torch.from_numpy(z).to(device)))


def _on(net: nn.Module, array: np.ndarray, dtype: type = np.float32) -> torch.Tensor:
    array = np.ascontiguousarray(array, dtype)
    if not array.flags.writeable:  # torch takes only writable memory (a frozen request's)
        array = array.copy()
    return torch.from_numpy(array).to(next(net.parameters()).device)


def torch_gates(net: AppearanceGenerator, inputs: LookInputs) -> Gates:
    """The Gates of `inputs` for `net` (the full-size stage's only where it has one)."""
    alpha, beta, full_alpha, full_beta = (_on(net, g) for g in inputs.gates)
    if net.full is None:
        return Gates(alpha, beta)
    return Gates(alpha, beta, full_alpha, full_beta)


class TorchShape:
    def __init__(self, net: nn.Module, bf16: bool = False) -> None:
        self.net, self.bf16 = net, bf16
        self.name = EAGER_BF16 if bf16 else EAGER

    def __call__(self, views: np.ndarray, view_of: np.ndarray, row: np.ndarray,
                 z: np.ndarray) -> np.ndarray:
        x, r, noise = (_on(self.net, a) for a in (views, row, z))
        which = _on(self.net, view_of, np.int64)
        with torch.inference_mode(), torch.autocast(x.device.type, torch.bfloat16,
                                                    enabled=self.bf16):
            return self.net.forward_views(x, which, r, noise).float().cpu().numpy()


class TorchLook:
    def __init__(self, net: AppearanceGenerator, bf16: bool = False) -> None:
        self.net, self.bf16 = net, bf16
        self.name = EAGER_BF16 if bf16 else EAGER

    def __call__(self, outline: np.ndarray, inputs: LookInputs,
                 head: ClassHead | None = None) -> np.ndarray:
        x = _on(self.net, outline)
        maps = [_on(self.net, m) for m in inputs.maps]
        with torch.inference_mode(), torch.autocast(x.device.type, torch.bfloat16,
                                                    enabled=self.bf16):
            rgb = self.net.decode(x, torch_gates(self.net, inputs), maps, head)
            return rgb.float().cpu().numpy()
