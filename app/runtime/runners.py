"""The two calls every runtime answers, and torch's own (eager, float32 or bf16 autocast).

shape(sketch [B,1,S,S], class row [B,E], z [B,nz]) -> outline [B,1,S,S]
look(outline [1,in,S,S], gates, noise maps) -> RGB [1,3,S,S] in [-1,1]
Inputs and outputs are float32 tensors; outputs on the CPU for runtimes other than torch.
"""
from __future__ import annotations

from typing import Protocol

import torch
from torch import nn

from sketchfill.models.nets.appearance import AppearanceGenerator, ClassHead, Gates

EAGER = "eager"            # torch, float32
EAGER_BF16 = "eager-bf16"  # torch under bf16 autocast: only where the CPU has it natively


class ShapeRunner(Protocol):
    name: str

    def __call__(self, sketch: torch.Tensor, row: torch.Tensor,
                 z: torch.Tensor) -> torch.Tensor: ...


class LookRunner(Protocol):
    name: str

    def __call__(self, outline: torch.Tensor, gates: Gates,
                 maps: list[torch.Tensor]) -> torch.Tensor: ...


class TorchShape:
    def __init__(self, net: nn.Module, bf16: bool = False) -> None:
        self.net, self.bf16 = net, bf16
        self.name = EAGER_BF16 if bf16 else EAGER

    def __call__(self, sketch: torch.Tensor, row: torch.Tensor,
                 z: torch.Tensor) -> torch.Tensor:
        device = sketch.device.type
        with torch.inference_mode(), torch.autocast(device, torch.bfloat16, enabled=self.bf16):
            return self.net(sketch, row, z).float()


class TorchLook:
    def __init__(self, net: AppearanceGenerator, bf16: bool = False) -> None:
        self.net, self.bf16 = net, bf16
        self.name = EAGER_BF16 if bf16 else EAGER

    def __call__(self, outline: torch.Tensor, gates: Gates, maps: list[torch.Tensor],
                 head: ClassHead | None = None) -> torch.Tensor:
        device = outline.device.type
        with torch.inference_mode(), torch.autocast(device, torch.bfloat16, enabled=self.bf16):
            return self.net.decode(outline, gates, maps, head).float()
