"""ONNX Runtime and OpenVINO behind the runners' calls (runners.ShapeRunner / LookRunner).

Both run the exported float32 graphs (onnx_files) on the CPU. Their outputs match torch's to a
few 1e-6 (checked again at calibration, choice.accurate). Threads follow torch's setting.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from sketchfill.app.runtime.exportable import gate_inputs
from sketchfill.models.nets.appearance import Gates

ONNXRUNTIME = "onnxruntime"
OPENVINO = "openvino"

Session = Callable[[dict[str, np.ndarray]], np.ndarray]  # named inputs -> the one output


def installed(runtime: str) -> bool:
    return importlib.util.find_spec(runtime) is not None


def version(runtime: str) -> str:
    module = __import__(runtime)
    return str(getattr(module, "__version__", "") or module.get_version()).split("-")[0]


def onnxruntime_session(path: Path, threads: int) -> tuple[Session, list[str]]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Spinning worker threads would take the cores the outline threads need between calls.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    return (lambda feed: session.run(None, feed)[0]), names


def openvino_session(path: Path, threads: int, cache: Path | None) -> tuple[Session, list[str]]:
    import openvino as ov

    core = ov.Core()
    config = {"INFERENCE_PRECISION_HINT": "f32",  # it would pick bf16 on its own where native
              "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": "1",
              "INFERENCE_NUM_THREADS": str(threads)}
    if cache is not None:
        config["CACHE_DIR"] = str(cache)
    compiled = core.compile_model(core.read_model(str(path)), "CPU", config)
    request = compiled.create_infer_request()
    # A port may carry several tensor names (the converter adds its own): take the graph's.
    names = [min(port.get_names(), key=lambda n: ("/" in n, len(n))) for port in compiled.inputs]

    def run(feed: dict[str, np.ndarray]) -> np.ndarray:
        request.infer(feed)
        return request.get_output_tensor(0).data.copy()
    return run, names


def _feed(names: list[str], values: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """The graph's inputs only (an exporter drops inputs a network does not use)."""
    return {n: values[n].detach().float().cpu().contiguous().numpy() for n in names}


class ExternalShape:
    def __init__(self, name: str, session: Session, inputs: list[str]) -> None:
        self.name, self.session, self.inputs = name, session, inputs

    def __call__(self, sketch: torch.Tensor, row: torch.Tensor,
                 z: torch.Tensor) -> torch.Tensor:
        feed = _feed(self.inputs, {"sketch": sketch, "row": row, "z": z})
        return torch.from_numpy(self.session(feed))


class ExternalLook:
    def __init__(self, name: str, session: Session, inputs: list[str]) -> None:
        self.name, self.session, self.inputs = name, session, inputs

    def __call__(self, outline: torch.Tensor, gates: Gates,
                 maps: list[torch.Tensor]) -> torch.Tensor:
        values = dict(zip(["alpha", "beta", "full_alpha", "full_beta"], gate_inputs(gates)))
        values.update({f"noise{i}": m for i, m in enumerate(maps)}, outline=outline)
        return torch.from_numpy(self.session(_feed(self.inputs, values)))
