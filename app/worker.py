"""The background inference thread: one long-lived QThread that owns the engine.

The UI thread never runs a model. It posts frozen requests (copied arrays, a sequence number);
a newer request replaces the one still waiting (latest wins), so the worker is never more than
one edit behind. Results carry the request's sequence number so the UI can drop stale ones
(see `ResultGate`). An exception in the worker becomes a `failed` signal and the loop goes on.

The shadow is what follows the pen, so each request's completions go out as a shadow-only
partial result (`shadow_ready`) before the image is coloured (`ready`); a request made while
the pen is down asks for no image at all (`render=False`).

This is the only module in app/ that uses Qt, and only QtCore (for the thread and signals).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

import numpy as np
from PyQt5.QtCore import QObject, QThread, pyqtSignal, pyqtSlot

from sketchfill.app.document import worker_threads
from sketchfill.app.sharing import beside_outlines
from sketchfill.app.overlay import DisplayLayers, DisplaySizes, display_layers, with_image

log = logging.getLogger(__name__)


class CompletionLike(Protocol):
    outlines: np.ndarray  # (K, H, W) uint8, 255 = paper, 0 = ink
    shadow: np.ndarray  # (H, W) uint8, 255 = empty, darker = more completions agree


class EngineLike(Protocol):
    """What the worker needs from app.engine.Engine (a Protocol so tests can wrap it)."""

    classes: tuple[str, ...]
    provenance: dict

    def complete(self, sketch: np.ndarray, class_name: str, seeds: Sequence[int],
                 first: int = 0, on_first: Callable[[np.ndarray], None] | None = None,
                 ) -> Any: ...

    def render(self, outline: np.ndarray, class_name: str, seed: int) -> np.ndarray: ...


@dataclass(frozen=True)
class LoadRequest:
    checkpoint_dir: str | None  # None = the shipped checkpoints/ directory
    device: str = "auto"  # "auto", "cpu", "cuda", ...
    threads: int | None = None  # torch intra-op threads; None keeps the process setting


@dataclass(frozen=True)
class EngineInfo:
    """What the UI learns about the engine once it has loaded."""

    classes: tuple[str, ...]  # class names in the engine's stable order
    device: str  # e.g. "cpu"
    provenance: dict  # per-network manifest, shown in the About dialog
    load_ms: float  # wall time of Engine.load
    checkpoint_dir: str | None = None  # as loaded (None: the shipped checkpoints)
    n_shipped: int = 0  # the checkpoints' own classes lead `classes`; the user's taught follow
    skipped_classes: tuple[str, ...] = ()  # taught classes not installed, each with its file
    runtime: str = "torch eager float32"  # what runs each network (Engine.runtime)
    live_threads: int = 1  # the networks' threads while the pen is down (Engine.live_threads)


@dataclass(frozen=True)
class InferenceRequest:
    seq: int  # strictly increasing per UI session
    sketch: np.ndarray  # (H, W) uint8 at canvas size, 255 = paper, 0 = ink; a private copy
    class_name: str
    seeds: tuple[int, ...]  # one per completion: K = len(seeds)
    chosen: int  # index of the completion to colour
    display: DisplaySizes | None = None  # also prepare screen-ready pixels at these sizes
    render: bool = True  # colour outlines[chosen]; False while the pen is down (shadow only)
    threads: int | None = None  # torch intra-op threads for this request; None keeps them
    created: float = field(default_factory=time.perf_counter)  # when the UI built it


@dataclass(frozen=True)
class InferenceResult:
    seq: int  # the request's sequence number
    sketch: np.ndarray  # (H, W) uint8, the exact input (read-only)
    outlines: np.ndarray  # (K, H, W) uint8 completions, 255 = paper
    shadow: np.ndarray  # (H, W) uint8 blend of the K completions, 255 = empty
    image: np.ndarray | None  # (H, W, 3) uint8 RGB of outlines[chosen]; None in a partial
    class_name: str
    seeds: tuple[int, ...]
    chosen: int
    layers: DisplayLayers | None  # screen-ready pixels when the request asked for them
    compute_ms: float  # time spent in the engine for this result
    latency_ms: float  # from the request's creation to the result's emission
    final: bool = True  # False: the shadow-only result sent before the image is coloured


Factory = Callable[[LoadRequest], EngineLike]  # what loads the worker's engine


def load_engine(request: LoadRequest) -> EngineLike:
    """Default engine factory; imported lazily so torch loads on the worker thread."""
    from sketchfill.app.engine import Engine

    # The app measures once per machine which runtime runs each network fastest (stored in
    # the user's data folder; a few seconds at the first start, none after).
    return Engine.load(request.checkpoint_dir, device=request.device, measure_runtime=True)


def use_threads(threads: int | None) -> None:
    """Set the networks' threads from the worker thread itself (OpenMP's setting is per
    calling thread); torch's too where it is loaded (app.runtime.threads)."""
    from sketchfill.app.runtime.threads import set_threads

    set_threads(threads)


def _frozen(array: np.ndarray) -> np.ndarray:
    copy = np.array(array, copy=True)
    copy.flags.writeable = False
    return copy


class JobSlot:
    """Holds at most one pending load and one pending request; newer ones replace older ones."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._load: LoadRequest | None = None
        self._request: InferenceRequest | None = None
        self._closed = False

    def put_request(self, request: InferenceRequest) -> None:
        with self._cond:
            self._request = request
            self._cond.notify()

    def put_load(self, request: LoadRequest) -> None:
        with self._cond:
            self._load = request
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()

    def take(self) -> LoadRequest | InferenceRequest | None:
        """Block until a job is waiting (loads first); None once closed."""
        with self._cond:
            self._cond.wait_for(lambda: self._closed or self._load or self._request)
            if self._closed:
                return None
            job: LoadRequest | InferenceRequest | None = self._load or self._request
            if self._load is not None:
                self._load = None
            else:
                self._request = None
            return job


class InferenceWorker(QObject):
    """Runs in its own QThread; `run` loops until `JobSlot.close`."""

    loaded = pyqtSignal(object)  # EngineInfo
    load_failed = pyqtSignal(str)  # readable message
    running = pyqtSignal(int)  # seq of the request now running (busy indicator)
    shadow_ready = pyqtSignal(object)  # InferenceResult without image (final=False)
    ready = pyqtSignal(object)  # InferenceResult, the final one of its request
    failed = pyqtSignal(int, str)  # seq, readable message
    # A runtime failed during a call and torch took over (Engine._run): the new Engine.runtime
    # and Engine.live_threads (torch's spinning threads want one core fewer while drawing).
    runtime_changed = pyqtSignal(str, int)

    def __init__(self, slot: JobSlot, factory: Callable[[LoadRequest], EngineLike]) -> None:
        super().__init__()
        self._slot = slot
        self._factory = factory
        self._engine: EngineLike | None = None
        self._runtime = ""  # Engine.runtime as last told to the UI
        self._cache: tuple[np.ndarray, str, tuple[int, ...], Any] | None = None
        self._image_cache: tuple[np.ndarray, int, np.ndarray] | None = (
            None  # (outlines, chosen, rgb)
        )
        # Colours the chosen outline while the engine still makes the other K - 1.
        self._colour = ThreadPoolExecutor(1, "colour")

    @pyqtSlot()
    def run(self) -> None:
        while (job := self._slot.take()) is not None:
            if isinstance(job, LoadRequest):
                self._load(job)
            else:
                self._infer(job)

    def _load(self, request: LoadRequest) -> None:
        t0 = time.perf_counter()
        try:
            use_threads(request.threads)
            engine = self._factory(request)
        except Exception as exc:  # boundary: any load problem is told to the artist
            log.error("loading the engine failed: %s", _describe(exc))
            log.debug("loading the engine failed", exc_info=True)
            self.load_failed.emit(_describe(exc))
            return  # the engine loaded before (if any) keeps working
        self._engine, self._cache, self._image_cache = engine, None, None
        info = EngineInfo(
            classes=tuple(engine.classes),
            device=str(getattr(engine, "device", "cpu")),
            provenance=dict(engine.provenance),
            load_ms=(time.perf_counter() - t0) * 1000,
            checkpoint_dir=request.checkpoint_dir,
            n_shipped=getattr(engine, "n_shipped", len(engine.classes)),
            skipped_classes=tuple(getattr(engine, "skipped_classes", ())),
            runtime=str(getattr(engine, "runtime", "torch eager float32")),
            live_threads=int(getattr(engine, "live_threads", worker_threads())),
        )
        self._runtime = info.runtime
        self.loaded.emit(info)

    def _infer(self, request: InferenceRequest) -> None:
        if self._engine is None:
            self.failed.emit(request.seq, "the models are not loaded")
            return
        self.running.emit(request.seq)
        t0 = time.perf_counter()
        try:
            use_threads(request.threads)
            result = self._compute(self._engine, request, t0)
        except Exception as exc:  # boundary: the thread lives on, the artist is told
            log.exception("inference failed for request %d", request.seq)
            self.failed.emit(request.seq, _describe(exc))
            return
        finally:
            self._tell_runtime(self._engine)
        self.ready.emit(result)

    def _tell_runtime(self, engine: EngineLike) -> None:
        """runtime_changed once a request left the engine with other runtimes than it had."""
        runtime = str(getattr(engine, "runtime", self._runtime))
        if runtime != self._runtime:
            self._runtime = runtime
            self.runtime_changed.emit(
                runtime, int(getattr(engine, "live_threads", worker_threads())))

    def _compute(self, engine: EngineLike, req: InferenceRequest, t0: float) -> InferenceResult:
        """The request's result; its shadow goes out first (shadow_ready) when an image is
        still to be coloured and the completions were not already on screen."""
        cached = self._completion_cached(req)
        chosen = min(max(req.chosen, 0), len(req.seeds) - 1)
        early: list[Future] = []

        def colour_early(outline: np.ndarray) -> None:
            early.append(self._colour.submit(beside_outlines, engine.render, outline,
                                             req.class_name, req.seeds[chosen]))

        completion = self._completion(engine, req, chosen, colour_early if req.render else None)
        layers = None
        if req.display is not None:
            layers = display_layers(completion.outlines, completion.shadow, None, chosen,
                                    req.display)
        partial = self._result(req, completion, chosen, None, layers, t0, final=not req.render)
        if not req.render:
            return partial
        if not cached:
            self.shadow_ready.emit(partial)
        if early:
            self._image_cache = (completion.outlines, chosen, _frozen(early[0].result()))
        image = self._image(engine, req, completion.outlines, chosen)
        if layers is not None:
            layers = with_image(layers, image, req.display)
        return self._result(req, completion, chosen, image, layers, t0)

    @staticmethod
    def _result(req: InferenceRequest, completion: CompletionLike, chosen: int,
                image: np.ndarray | None, layers: DisplayLayers | None, t0: float,
                final: bool = True) -> InferenceResult:  # fmt: skip
        now = time.perf_counter()
        return InferenceResult(
            seq=req.seq,
            sketch=req.sketch,
            outlines=completion.outlines,
            shadow=completion.shadow,
            image=image,
            class_name=req.class_name,
            seeds=req.seeds,
            chosen=chosen,
            layers=layers,
            compute_ms=(now - t0) * 1000,
            latency_ms=(now - req.created) * 1000,
            final=final,
        )

    def _completion_cached(self, req: InferenceRequest) -> bool:
        if self._cache is None:
            return False
        sketch, *cached_key, _ = self._cache
        return tuple(cached_key) == (req.class_name, req.seeds) and np.array_equal(
            sketch, req.sketch)

    def _completion(self, engine: EngineLike, req: InferenceRequest, chosen: int,
                    on_chosen: Callable[[np.ndarray], None] | None) -> CompletionLike:
        """Reuse the last completion when only the chosen index changed (cycling is cheap);
        else make it, handing the chosen outline to `on_chosen` as soon as it exists."""
        if self._completion_cached(req):
            return self._cache[-1]
        done = engine.complete(req.sketch, req.class_name, req.seeds, first=chosen,
                               on_first=on_chosen)
        completion = FrozenCompletion(outlines=_frozen(done.outlines), shadow=_frozen(done.shadow))
        self._cache = (req.sketch, req.class_name, req.seeds, completion)
        return completion

    def _image(
        self, engine: EngineLike, req: InferenceRequest, outlines: np.ndarray, chosen: int
    ) -> np.ndarray:
        """Colour outlines[chosen]; reused when only the display size changed."""
        cached = self._image_cache
        if cached is not None and cached[0] is outlines and cached[1] == chosen:
            return cached[2]
        image = _frozen(engine.render(outlines[chosen], req.class_name, req.seeds[chosen]))
        self._image_cache = (outlines, chosen, image)
        return image


@dataclass(frozen=True)
class FrozenCompletion:
    """A completion whose arrays are private read-only copies (safe to hand to the UI)."""

    outlines: np.ndarray  # (K, H, W) uint8
    shadow: np.ndarray  # (H, W) uint8


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if type(exc).__name__ in text else f"{type(exc).__name__}: {text}"


class InferenceThread(QObject):
    """Owns the QThread and the worker; the UI talks to this object only."""

    def __init__(
        self,
        factory: Callable[[LoadRequest], EngineLike] = load_engine,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._slot = JobSlot()
        self._thread = QThread()
        self._thread.setObjectName("inference")
        self.worker = InferenceWorker(self._slot, factory)
        self.worker.moveToThread(self._thread)
        self._thread.started.connect(self.worker.run)

    def start(self) -> None:
        self._thread.start()

    def load(
        self, checkpoint_dir: str | Path | None, device: str = "auto", threads: int | None = None
    ) -> None:
        path = None if checkpoint_dir is None else str(checkpoint_dir)
        self._slot.put_load(LoadRequest(path, device, threads))

    def submit(self, request: InferenceRequest) -> None:
        """Queue `request`, replacing any request that has not started yet."""
        self._slot.put_request(request)

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Stop after the running job; True when the thread has ended."""
        self._slot.close()
        self._thread.quit()
        return self._thread.wait(timeout_ms) if self._thread.isRunning() else True

    def is_running(self) -> bool:
        return self._thread.isRunning()


class ResultGate:
    """Drops results older than the one on screen (requests can finish out of order); a
    request's final result follows its own partial one, never the other way round."""

    def __init__(self) -> None:
        self.shown_seq = 0
        self._shown_final = True

    def admit(self, seq: int, final: bool = True) -> bool:
        newer = seq > self.shown_seq
        completes = seq == self.shown_seq and final and not self._shown_final
        if not (newer or completes):
            return False
        self.shown_seq, self._shown_final = seq, final
        return True
