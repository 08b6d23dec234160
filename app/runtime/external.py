"""ONNX Runtime and OpenVINO behind the runners' calls (runners.ShapeRunner / LookRunner).

Both run the exported float32 graphs (onnx_files) on the CPU. Their outputs match torch's to a
few 1e-6 (checked again at calibration, choice.accurate). Threads follow torch's setting.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import locale
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import torch

from sketchfill.app.runtime.exportable import gate_inputs
from sketchfill.models.nets.appearance import Gates

ONNXRUNTIME = "onnxruntime"
OPENVINO = "openvino"
# Runtimes that compile kernels for each new input shape at its first call (a stall of that
# call); ONNX Runtime plans for any shape when a session is made.
COMPILES_PER_SHAPE = frozenset({OPENVINO})

Session = Callable[[dict[str, np.ndarray]], np.ndarray]  # named inputs -> the one output


def installed(runtime: str) -> bool:
    return importlib.util.find_spec(runtime) is not None


def version(runtime: str) -> str:
    """The installed version, e.g. "2026.4.1", read from the package's metadata: importing
    OpenVINO to ask it takes 0.1-0.2 s of a start that may not use it."""
    try:
        return importlib.metadata.version(runtime).split("-")[0]
    except importlib.metadata.PackageNotFoundError:  # importable without metadata
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


class _KeptLocale:
    """The process's C locale as it was before any of the calls inside, put back once the
    last of them (they may overlap, on several threads) has ended."""

    def __init__(self) -> None:
        self._lock, self._inside, self._saved = threading.Lock(), 0, ""

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._inside == 0:
                self._saved = locale.setlocale(locale.LC_ALL)
            self._inside += 1
        try:
            yield
        finally:
            with self._lock:
                self._inside -= 1
                if self._inside == 0:
                    locale.setlocale(locale.LC_ALL, self._saved)


# OpenVINO's compiling can leave the C locale set (seen in the test suite, in a process that
# had compiled several models): Python's default text encoding then turns to ASCII for any
# text read, written or piped without a named encoding. The locale is put back after it.
kept_locale = _KeptLocale()


def openvino_session(path: Path, threads: int, cache: Path | None) -> tuple[Session, list[str]]:
    import openvino as ov

    core = ov.Core()
    config = {"INFERENCE_PRECISION_HINT": "f32",  # it would pick bf16 on its own where native
              "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": "1",
              "INFERENCE_NUM_THREADS": str(threads)}
    if cache is not None:
        config["CACHE_DIR"] = str(cache)
    # Given the file's path (not a model read from it), a compiled model in the cache is
    # loaded without reading the ONNX graph at all (about 40 ms per network).
    with kept_locale():
        compiled = core.compile_model(str(path), "CPU", config)
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


Opener = Callable[[int], tuple[Session, list[str]]]  # threads -> session and its input names


class _PerThreadCount:
    """A runtime's sessions by thread count. Its threads are fixed when a session is made, and
    the app asks for one thread while the pen is down (a core left to the UI) and every core
    after it lifts (models.nets.cpu_tuning.set_threads on the worker thread): each call runs
    in the session made for torch's thread count at that moment, made on first need or
    beforehand (`open`)."""

    def __init__(self, name: str, opener: Opener, threads: int | None = None) -> None:
        self.name, self._open = name, opener
        self.compiles_per_shape = name in COMPILES_PER_SHAPE
        self._sessions: dict[int, tuple[Session, list[str]]] = {}
        # One now (at `threads`, else torch's count), so a runtime that cannot start fails at once.
        self.open(threads if threads is not None else torch.get_num_threads())

    @property
    def thread_counts(self) -> tuple[int, ...]:
        """The thread counts it has sessions for."""
        return tuple(sorted(self._sessions))

    def open(self, threads: int) -> None:
        """Make the session for `threads` now (callable from any thread: both runtimes make
        sessions outside the GIL, so several can be made at once)."""
        if threads not in self._sessions:
            self._sessions[threads] = self._open(threads)

    def _session(self) -> tuple[Session, list[str]]:
        threads = torch.get_num_threads()
        self.open(threads)
        return self._sessions[threads]


class ExternalShape(_PerThreadCount):
    def __call__(self, sketch: torch.Tensor, row: torch.Tensor,
                 z: torch.Tensor) -> torch.Tensor:
        session, inputs = self._session()
        return torch.from_numpy(session(_feed(inputs, {"sketch": sketch, "row": row, "z": z})))


class ExternalLook(_PerThreadCount):
    def __call__(self, outline: torch.Tensor, gates: Gates,
                 maps: list[torch.Tensor]) -> torch.Tensor:
        session, inputs = self._session()
        values = dict(zip(["alpha", "beta", "full_alpha", "full_beta"], gate_inputs(gates)))
        values.update({f"noise{i}": m for i, m in enumerate(maps)}, outline=outline)
        return torch.from_numpy(session(_feed(inputs, values)))
