"""ONNX files of the networks, exported once and kept in the user's data folder.

A file is named by the network's weights hash (exportable.weights_hash) and the torch version
that wrote it, so it is never stale: other weights or another torch give another name. It is
written to a temporary name and renamed, so an interrupted export leaves nothing half-written.
"""
from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import torch
from torch import nn

from sketchfill.app.runtime.exportable import (AppearanceCore, GatesCore, ShapeCore, gate_tensors,
                                               weights_hash)
from sketchfill.models.nets.appearance import AppearanceGenerator, draw_noise_maps

OPSET = 17
GRAPHS = 2  # the graphs' inputs as exportable.py makes them: in every file name, never stale
KEEP_EXPORTS = 3  # files kept per network: the models in use and a few loaded before


def onnx_path(folder: Path, kind: str, net: nn.Module) -> Path:
    version = torch.__version__.split("+")[0]
    return folder / f"{kind}-{weights_hash(net)}-torch{version}-g{GRAPHS}.onnx"


def shape_example(shape: nn.Module, batch: int = 4) -> tuple[torch.Tensor, ...]:
    cfg = shape.cfg
    return (torch.zeros(2, cfg.sketch_channels, cfg.size, cfg.size),
            torch.arange(batch) % 2, torch.ones(batch, cfg.embed_dim), torch.zeros(batch, cfg.nz))


def look_example(look: AppearanceGenerator) -> tuple[torch.Tensor, ...]:
    cfg = look.cfg
    label = torch.zeros(1, dtype=torch.long)
    with torch.inference_mode():
        gates = look.gates(label, torch.zeros(1, cfg.nz))
    outline = torch.zeros(1, cfg.in_channels, cfg.size, cfg.size)
    return (outline, *[g.clone() for g in gate_tensors(gates)], *draw_noise_maps(cfg, 1))


def _export(core: nn.Module, example: tuple[torch.Tensor, ...], names: list[str],
            dynamic_batch: bool, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Any batch; the views of a shape graph (1 or 2) apart from its completions.
    axes = ({n: {0: "views" if n == "views" else "batch"} for n in [*names, "out"]}
            if dynamic_batch else None)
    fd, tmp = tempfile.mkstemp(suffix=".onnx.part", dir=path.parent)
    os.close(fd)
    try:
        with warnings.catch_warnings():  # the exporter's deprecation and tracer chatter
            warnings.simplefilter("ignore")
            torch.onnx.export(core.eval(), example, tmp, input_names=names,
                              output_names=["out"], dynamic_axes=axes, opset_version=OPSET,
                              dynamo=False)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    drop_old_exports(path)
    return path


def drop_old_exports(newest: Path) -> None:
    """Remove all but the KEEP_EXPORTS most recent exports of the same network: each set of
    weights loaded once would otherwise leave its files behind for good."""
    kind = newest.name.split("-")[0]
    files = sorted(newest.parent.glob(f"{kind}-*.onnx"), key=lambda f: f.stat().st_mtime,
                   reverse=True)
    for old in files[KEEP_EXPORTS:]:
        if old != newest:
            old.unlink(missing_ok=True)


def shape_onnx(shape: nn.Module, folder: Path) -> Path:
    """The shape network's ONNX file (inputs views, view_of, row, z; any batch), exported if
    missing."""
    path = onnx_path(folder, "shape", shape)
    if path.exists():
        return path
    return _export(ShapeCore(shape), shape_example(shape), ["views", "view_of", "row", "z"],
                   True, path)


def look_onnx(look: AppearanceGenerator, folder: Path) -> Path:
    """The appearance network's ONNX file (outline, four gates, noise maps; batch 1)."""
    path = onnx_path(folder, "appearance", look)
    if path.exists():
        return path
    example = look_example(look)
    names = ["outline", "alpha", "beta", "full_alpha", "full_beta",
             *[f"noise{i}" for i in range(len(example) - 5)]]
    return _export(AppearanceCore(look), example, names, False, path)


def gates_onnx(look: AppearanceGenerator, folder: Path) -> Path:
    """The appearance network's gates as a graph (exportable.GatesCore; inputs row, full_row,
    z; batch 1), exported if missing: what the engine runs in place of torch for them."""
    path = onnx_path(folder, "gates", look)
    if path.exists():
        return path
    cfg = look.cfg
    full_width = cfg.n_salient if look.full_gate is not None else 1
    example = (torch.zeros(1, cfg.n_salient), torch.zeros(1, full_width), torch.zeros(1, cfg.nz))
    return _export(GatesCore(look), example, ["row", "full_row", "z"], False, path)
