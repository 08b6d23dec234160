"""ONNX Runtime and OpenVINO behind the two calls (calls.ShapeRunner / LookRunner).

Both run the exported float32 graphs (onnx_files) on the CPU. Their outputs match torch's to a
few 1e-6 (checked again at calibration, choice.accurate). Threads follow the count in force on
the calling thread (threads.py).
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import locale
import logging
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from sketchfill.app.runtime.calls import EAGER, EAGER_BF16, LookInputs
from sketchfill.app.runtime.threads import current_threads

log = logging.getLogger(__name__)

ONNXRUNTIME = "onnxruntime"
OPENVINO = "openvino"
RUNTIMES = (EAGER, EAGER_BF16, ONNXRUNTIME, OPENVINO)
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


def _shapes(feed: dict[str, np.ndarray]) -> tuple:
    return tuple(sorted((name, value.shape) for name, value in feed.items()))


class OpenVinoModel:
    """One graph in OpenVINO at one thread count, compiled for inputs of any shape, and again
    for each set of shapes `pin`ned with every shape fixed: only there does OpenVINO fuse the
    residual adds and activations into the convolutions (the shape network at batch 8 took
    13% less, its outputs equal). Each fixed compile holds its own copy of the weights and
    buffers, so only the update's call is pinned (Engine.PINNED_BATCHES)."""

    def __init__(self, path: Path, config: dict[str, str]) -> None:
        import openvino as ov

        self._core, self._path, self._config = ov.Core(), path, config
        # Given the file's path (not a model read from it), a compiled model in the cache is
        # loaded without reading the ONNX graph at all (about 40 ms per network).
        self._any = self._request(str(path))
        self._fixed: dict[tuple, object] = {}
        # A port may carry several tensor names (the converter adds its own): the graph's.
        self.names = [min(port.get_names(), key=lambda n: ("/" in n, len(n)))
                      for port in self._any.model_inputs]

    def _request(self, model):
        with kept_locale():
            return self._core.compile_model(model, "CPU", self._config).create_infer_request()

    def pin(self, feed: dict[str, np.ndarray]) -> None:
        """Compile for the shapes of `feed` (a call's inputs) fixed; a compile that fails
        leaves those calls to the graph of any shape (one log line)."""
        shapes = _shapes(feed)
        if shapes in self._fixed:
            return
        try:
            model = self._core.read_model(str(self._path))
            model.reshape({name: list(value.shape) for name, value in feed.items()})
            request = self._request(model)
            request.infer(feed)  # its first call sets up more than the next ones
            self._fixed[shapes] = request  # from now on calls of these shapes take it
        except Exception as err:  # noqa: BLE001 - any failure inside OpenVINO: run as before
            log.warning("OpenVINO could not fix the shapes %s of %s (%s: %s)", shapes,
                        self._path.name, type(err).__name__, err)

    @property
    def pinned(self) -> list[tuple]:
        return list(self._fixed)

    def __call__(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        request = self._fixed.get(_shapes(feed), self._any)
        request.infer(feed)
        return request.get_output_tensor(0).data.copy()


def openvino_session(path: Path, threads: int, cache: Path | None) -> tuple[Session, list[str]]:
    config = {"INFERENCE_PRECISION_HINT": "f32",  # it would pick bf16 on its own where native
              "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": "1",
              "INFERENCE_NUM_THREADS": str(threads)}
    if cache is not None:
        config["CACHE_DIR"] = str(cache)
    model = OpenVinoModel(path, config)
    return model, model.names


def _feed(names: list[str], values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The graph's inputs only (an exporter drops inputs a network does not use); indices
    as int64, the rest float32."""
    return {n: np.ascontiguousarray(values[n], np.int64 if values[n].dtype.kind in "iu"
                                    else np.float32) for n in names}


def open_session(name: str, path: Path, threads: int,
                 folder: Path) -> tuple[Session, list[str]]:
    """A session of runtime `name` for the graph at `path` (OpenVINO keeps its compiled
    models under `folder`)."""
    if name == ONNXRUNTIME:
        return onnxruntime_session(path, threads)
    if name == OPENVINO:
        return openvino_session(path, threads, folder / "openvino-cache")
    raise ValueError(f"unknown runtime {name!r}; choose from {', '.join(RUNTIMES)}")


Opener = Callable[[int], tuple[Session, list[str]]]  # threads -> session and its input names


class _PerThreadCount:
    """A runtime's sessions by thread count. Its threads are fixed when a session is made, and
    the app asks for document.worker_threads while the pen is down and every core after
    it lifts (runtime.threads.set_threads on the worker thread): each call runs
    in the session made for the thread count in force at that moment, made on first need or
    beforehand (`open`)."""

    def __init__(self, name: str, opener: Opener, threads: int | None = None) -> None:
        self.name, self._open = name, opener
        self.compiles_per_shape = name in COMPILES_PER_SHAPE
        self._sessions: dict[int, tuple[Session, list[str]]] = {}
        # One now (at `threads`, else the count in force), so a runtime that cannot start
        # fails at once.
        self.open(threads if threads is not None else current_threads())

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
        threads = current_threads()
        self.open(threads)
        return self._sessions[threads]


class ExternalShape(_PerThreadCount):
    def __call__(self, views: np.ndarray, view_of: np.ndarray, row: np.ndarray,
                 z: np.ndarray) -> np.ndarray:
        session, inputs = self._session()
        return session(_feed(inputs, {"views": views, "view_of": view_of, "row": row, "z": z}))

    def pin(self, views: np.ndarray, view_of: np.ndarray, row: np.ndarray,
            z: np.ndarray) -> None:
        """Ready the session of the thread count in force for calls of these inputs' shapes
        (OpenVinoModel.pin; nothing to do for ONNX Runtime, which plans for any shape)."""
        session, inputs = self._session()
        if isinstance(session, OpenVinoModel):
            session.pin(_feed(inputs, {"views": views, "view_of": view_of, "row": row, "z": z}))


class ExternalLook(_PerThreadCount):
    def __call__(self, outline: np.ndarray, inputs: LookInputs) -> np.ndarray:
        session, names = self._session()
        return session(_feed(names, {**inputs.feed(), "outline": outline}))


class ExternalGates(_PerThreadCount):
    """The appearance network's gates of a class and z (exportable.GatesCore), for an engine
    without torch: (class row [1,n_salient], full-size stage's class row (or [1,1] zeros),
    z [1,nz]) -> the four gate arrays, which the graph gives flat, one after another."""

    def __init__(self, name: str, opener: Opener, shapes: Sequence[Sequence[int]]) -> None:
        super().__init__(name, opener, 1)  # a few small 1-D layers, once per class and seed
        self.shapes = [tuple(int(n) for n in shape) for shape in shapes]

    def _session(self) -> tuple[Session, list[str]]:
        return self._sessions[1]

    def __call__(self, row: np.ndarray, full_row: np.ndarray, z: np.ndarray) -> tuple:
        session, names = self._session()
        flat = session(_feed(names, {"row": row, "full_row": full_row, "z": z}))[0]
        ends = np.cumsum([int(np.prod(shape)) for shape in self.shapes])[:-1]
        return tuple(part.reshape(shape)
                     for part, shape in zip(np.split(flat, ends), self.shapes))
