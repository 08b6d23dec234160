"""The two calls every runtime answers, on NumPy arrays (no torch needed to make them), and
the record of which runtime answers them (RuntimeChoice; measured in choice.py).

shape(views [V,1,S,S], view_of int64 [B], class row [B,E], z [B,nz]) -> outline [B,1,S,S]
    (completion b sees views[view_of[b]]: the sketch as drawn or mirrored; what depends on the
    sketch alone is computed once per view, ShapeGenerator.forward_views)
look(outline [1,in,S,S], LookInputs) -> RGB [1,3,S,S] in [-1,1]
Inputs and outputs are float32 arrays (view_of int64) on the CPU, whatever device a torch
network runs on.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

EAGER = "eager"            # torch, float32
EAGER_BF16 = "eager-bf16"  # torch under bf16 autocast: only where the CPU has it natively
AUTO = "auto"              # the runtime measured fastest on this computer
ENV = "SKETCHFILL_RUNTIME"  # auto (default) or one runtime for both networks
GATE_NAMES = ("alpha", "beta", "full_alpha", "full_beta")
# How the choice picks among the runtimes measured (choice.pick); part of every stored
# choice's key and snapshot's fingerprint, so a new rule measures again.
RULE = ("fastest accurate, OpenVINO timed at the fixed shapes of a stroke;"
        " within 10% one that compiles nothing per input shape")


@dataclass(frozen=True)
class RuntimeChoice:
    shape: str = EAGER
    look: str = EAGER
    timings: dict[str, dict[str, float]] = field(default_factory=dict)  # net -> name -> ms
    rejected: dict[str, dict[str, str]] = field(default_factory=dict)  # net -> name -> why

    def describe(self) -> str:
        """e.g. "shape openvino 2026.4, appearance eager float32"."""
        return f"shape {label(self.shape)}, appearance {label(self.look)}"


# The packages installed do not change while the program runs, and reading their metadata
# costs a millisecond: the worker asks for Engine.runtime after every update.
@functools.cache
def label(name: str) -> str:
    from sketchfill.app.runtime.external import installed, version

    if name == EAGER:
        return "torch eager float32"
    if name == EAGER_BF16:
        return "torch eager bf16"
    return f"{name} {version(name)} float32" if installed(name) else name


@dataclass(frozen=True)
class LookInputs:
    """What the appearance network takes besides the outline, for one class and seed: its
    gates (per-block alpha and beta [1,n_blocks,C]; the full-size stage's [1,W], or [1,1]
    zeros where there is none) and its pixel noise maps [1,1,s,s] (none without)."""

    gates: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    maps: tuple[np.ndarray, ...] = ()

    def feed(self) -> dict[str, np.ndarray]:
        """The exported graph's inputs by name (onnx_files.look_onnx)."""
        values = dict(zip(GATE_NAMES, self.gates))
        values.update({f"noise{i}": m for i, m in enumerate(self.maps)})
        return values


class ShapeRunner(Protocol):
    name: str

    def __call__(self, views: np.ndarray, view_of: np.ndarray, row: np.ndarray,
                 z: np.ndarray) -> np.ndarray: ...


class LookRunner(Protocol):
    name: str

    def __call__(self, outline: np.ndarray, inputs: LookInputs) -> np.ndarray: ...
