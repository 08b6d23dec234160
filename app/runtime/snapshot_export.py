"""A runtime snapshot (snapshot.py) made from an engine's torch networks: its graphs exported
(the gates' too), its class tables as arrays."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sketchfill.app.runtime.exportable import gate_shapes
from sketchfill.app.runtime.onnx_files import gates_onnx, look_onnx, shape_onnx
from sketchfill.app.runtime.snapshot import Snapshot

if TYPE_CHECKING:
    from sketchfill.app.engine import Engine


def _array(weight) -> np.ndarray:
    return weight.detach().float().cpu().numpy()


def snapshot_of(engine: "Engine", exports: Path,
                fingerprint: str) -> tuple[Snapshot, dict[str, np.ndarray]]:
    """The snapshot of `engine` (both networks in runtimes other than torch) and its tables."""
    shape, look = engine.shape, engine.appearance
    files = {"shape": shape_onnx(shape, exports).name, "look": look_onnx(look, exports).name,
             "gates": gates_onnx(look, exports).name}
    gate = _array(look.gate.embedding.weight)
    full = (_array(look.full_gate.embedding.weight) if look.full_gate is not None
            else np.zeros((len(gate), 1), np.float32))  # GatesCore's stand-in input
    tables = {"shape": _array(shape.embedding.weight), "gate": gate, "full_gate": full}
    provenance = json.loads(json.dumps(engine.provenance, default=str))  # JSON-safe
    snap = Snapshot(fingerprint, engine._shape_run.name, engine._look_run.name, files,
                    engine.facts, engine.classes, provenance, tuple(gate_shapes(look)))
    return snap, tables
