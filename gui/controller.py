"""The live editing session: current sketch, undo stack, overlay choice and the worker traffic.

Every edit is a pure function from app/ applied to the immutable Sketch and pushed as a
snapshot onto a QUndoStack (QtWidgets, hence here and not in app/). After each change one
request is scheduled for the next turn of the event loop, so a burst of pen points becomes a
single request; the worker keeps only the newest one anyway.
"""

from __future__ import annotations

import gc
import secrets
from dataclasses import replace

import numpy as np
from PyQt5.QtCore import QObject, QTimer, pyqtSignal
from PyQt5.QtWidgets import QUndoCommand, QUndoStack

from sketchfill.app.document import (DEFAULT_K, LIVE_K, Rasteriser, Sketch, Stroke, rest_threads,
                                     worker_threads)
from sketchfill.app.overlay import DisplaySizes, Overlay, OverlayMode, highlighted, shadow_bgra
from sketchfill.app.session import View
from sketchfill.app.tracing import strokes_from_image, strokes_from_outline
from sketchfill.app.worker import (
    EngineInfo, InferenceRequest, InferenceResult, InferenceThread, ResultGate)


BLANK_LEVEL = 250  # uint8: paper lighter than this everywhere holds no stroke


def is_blank(raster: np.ndarray) -> bool:
    """No ink at all (an empty pad, or strokes that were all erased)."""
    return bool(raster.min() >= BLANK_LEVEL) if raster.size else True


class SketchEdit(QUndoCommand):
    """A snapshot edit: undo restores the whole previous Sketch (strokes, class and seed)."""

    def __init__(self, controller: "SketchController", before: Sketch, after: Sketch, text: str):
        super().__init__(text)
        self._controller, self._before, self._after = controller, before, after

    def redo(self) -> None:
        self._controller.show_sketch(self._after)

    def undo(self) -> None:
        self._controller.show_sketch(self._before)


class SketchController(QObject):
    sketch_changed = pyqtSignal(object)  # Sketch
    overlay_changed = pyqtSignal(object)  # Overlay
    shadow_changed = pyqtSignal(object)  # (h, w, 4) premultiplied BGRA under the strokes, or None
    image_changed = pyqtSignal(object)  # (h, w, 3) uint8 RGB, or None
    result_shown = pyqtSignal(object)  # InferenceResult now on screen
    shadow_shown = pyqtSignal(object)  # InferenceResult whose shadow is now on screen
    unknown_class = pyqtSignal(str)  # a sketch's class the models do not have (then the first)
    blank_shown = pyqtSignal(int)  # request seq: blank paper, so no shadow and no image
    request_sent = pyqtSignal(int)  # seq
    engine_loaded = pyqtSignal(object)  # EngineInfo
    runtime_changed = pyqtSignal(object)  # EngineInfo after a runtime handed over to torch
    engine_failed = pyqtSignal(str)  # no models: the loading failed and none were loaded before
    reload_failed = pyqtSignal(str)  # other models failed to load; the loaded ones keep working
    update_failed = pyqtSignal(int, str)  # seq, message
    busy_changed = pyqtSignal(bool)
    accept_waiting = pyqtSignal(bool)  # Accept waits for the completion of the sketch as it is now
    replaced = pyqtSignal()  # New, Open, recovery: the drawing shown before is saved or discarded
    message = pyqtSignal(str)  # for the status bar

    def __init__(
        self, inference: InferenceThread, k: int = DEFAULT_K, parent: QObject | None = None
    ):
        super().__init__(parent)
        self.inference = inference
        inference.setParent(self)
        self.k = k
        self.undo_stack = QUndoStack(self)
        self.sketch = Sketch()
        self.overlay = Overlay()
        self.info: EngineInfo | None = None
        self._kept_info: EngineInfo | None = None  # the models in use while others load
        self.result: InferenceResult | None = None
        self.display: DisplaySizes | None = None  # where the UI draws; the worker prepares pixels
        self.device = "auto"  # where the models run, as asked for at the last load
        self.sent_seq = 0  # last request submitted
        self._done_seq = 0  # newest request the worker has answered (ready or failed)
        self._gate = ResultGate()
        self._rasteriser = Rasteriser()
        self._live: Stroke | None = None
        self._accept_pending = False
        self._shadow_stale = False  # an Accept merged the shown completion: hide it till the next
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._send)
        worker = inference.worker
        worker.loaded.connect(self._on_loaded)
        worker.load_failed.connect(self._on_load_failed)
        worker.ready.connect(self._on_ready)
        worker.shadow_ready.connect(self._on_shadow)
        worker.failed.connect(self._on_failed)
        worker.runtime_changed.connect(self._on_runtime_changed)

    # ---- state shown -----------------------------------------------------------------------------
    def show_sketch(self, sketch: Sketch) -> None:
        """Make `sketch` current (called by undo commands; not an edit itself)."""
        self.sketch = sketch
        self.sketch_changed.emit(sketch)
        self.schedule()

    def edit(self, after: Sketch, text: str) -> None:
        if after == self.sketch:
            return
        self.undo_stack.push(SketchEdit(self, self.sketch, after, text))

    def reset(self, sketch: Sketch, view: View = View()) -> None:
        """Start over from `sketch` (New, Open, recovery): the undo history is cleared and the
        chosen completion and shadow mode are the view's (the first, blended, for New)."""
        self.undo_stack.clear()
        opacity = self.overlay.opacity if view.opacity is None else view.opacity
        self.overlay = replace(self.overlay, chosen=view.chosen % self.k, mode=view.mode,
                               opacity=opacity)
        self.overlay_changed.emit(self.overlay)
        if self._accept_pending:  # an Accept asked of the old drawing does not apply to the new
            self._accept_pending = False
            self.accept_waiting.emit(False)
        self.show_sketch(self._with_known_class(sketch))
        self.replaced.emit()

    def view(self) -> View:
        """What a session file keeps of the overlay: the chosen completion, the mode and the
        shadow's opacity (the window adds the brush)."""
        return View(self.overlay.chosen, self.overlay.mode, opacity=self.overlay.opacity)

    def ink(self) -> np.ndarray:
        """(H, W) uint8 read-only raster of the current sketch."""
        return self._rasteriser.ink(self.sketch)

    def is_busy(self) -> bool:
        """A request is with the worker and its answer has not come back."""
        return self.sent_seq > self._done_seq

    def is_idle(self) -> bool:
        """Nothing scheduled and nothing with the worker: what is shown is final."""
        return not self._timer.isActive() and not self.is_busy()

    def has_scheduled(self) -> bool:
        return self._timer.isActive()

    # ---- edits -----------------------------------------------------------------------------------
    def set_live(self, stroke: Stroke | None) -> None:
        """The stroke being drawn: the shadow follows it before the pen lifts."""
        self._live = stroke
        self.schedule()

    def commit_stroke(self, stroke: Stroke) -> None:
        self._live = None
        text = "Erase" if stroke.tool == "eraser" else "Draw stroke"
        self.edit(self.sketch.with_stroke(stroke), text)

    def clear(self) -> None:
        self.edit(self.sketch.cleared(), "Clear")

    def move(self, indices: tuple[int, ...], dx: float, dy: float) -> None:
        self.edit(self.sketch.moved(indices, dx, dy), "Move strokes")

    def delete(self, indices: tuple[int, ...]) -> None:
        if indices:
            self.edit(self.sketch.without(indices), "Delete strokes")

    def set_class(self, class_name: str) -> None:
        if class_name != self.sketch.class_name:
            self.edit(self.sketch.with_class(class_name), f"Class {class_name}")

    def dice(self) -> None:
        """New random seeds for all completions and the colouring."""
        self.edit(self.sketch.with_seed(secrets.randbelow(2**31)), "Dice")

    def accept(self) -> bool:
        """Merge the chosen completion of the sketch as it is now into the sketch as strokes.

        While a newer request is scheduled or with the worker, the completion on screen belongs
        to an older sketch: wait for the current one and merge that (True: it will be merged).
        False if there is nothing to accept.
        """
        if not self.is_idle() and self.info is not None:
            if not self._accept_pending:
                self._accept_pending = True
                self.accept_waiting.emit(True)
                self.message.emit("Accept: waiting for the completion of the current sketch…")
            return True
        return self._merge_chosen()

    def _settle_accept(self) -> None:
        """A waiting Accept runs once what is shown is final."""
        if self._accept_pending and self.is_idle():
            self._accept_pending = False
            self.accept_waiting.emit(False)
            self._merge_chosen()

    def _merge_chosen(self) -> bool:
        if self.result is None:
            self.message.emit("No completion to accept yet")
            return False
        outline = self.result.outlines[self.overlay.chosen % len(self.result.outlines)]
        strokes = strokes_from_outline(outline, self.ink())
        if not strokes:
            self.message.emit("The completion adds nothing to the sketch")
            return False
        self.edit(self.sketch.with_strokes(strokes), "Accept completion")
        # The old shadow is of the drawing before: what of it was not traced (specks, pieces
        # beside the artist's own lines) must not linger as gray stubs until the next result.
        self._shadow_stale = True
        self._emit_shadow()
        return True

    def import_image(self, image: np.ndarray) -> int:
        """Replace the strokes with ones traced from an (H, W) gray or (H, W, 3) RGB uint8
        image; returns the number of strokes."""
        strokes = strokes_from_image(image, self.sketch.width, self.sketch.height)
        self.edit(self.sketch.cleared().with_strokes(strokes), "Open image as sketch")
        return len(strokes)

    # ---- overlay ---------------------------------------------------------------------------------
    def set_overlay(self, overlay: Overlay) -> None:
        rerender = overlay.chosen != self.overlay.chosen
        self.overlay = overlay
        self.overlay_changed.emit(overlay)
        self._emit_shadow()
        if rerender:
            self.schedule()  # the worker reuses its completions and only re-colours

    def cycle(self, delta: int) -> None:
        self.set_overlay(self.overlay.cycled(delta, self.k))

    def set_mode(self, mode: OverlayMode) -> None:
        self.set_overlay(self.overlay.with_mode(mode))

    def set_opacity(self, opacity: float) -> None:
        self.set_overlay(self.overlay.with_opacity(opacity))

    def set_display(self, sizes: DisplaySizes) -> None:
        """The device-pixel sizes of the paper and the image view (on resize)."""
        if sizes != self.display:
            self.display = sizes
            if self.result is not None:
                self.schedule()  # the worker re-sizes the pixels; its models' output is cached

    def _emit_shadow(self) -> None:
        self.shadow_changed.emit(self._shadow_pixels())

    def _shadow_pixels(self) -> np.ndarray | None:
        """Screen-ready shadow: the worker's layers when they match, else made here (rare).
        Blended, the chosen completion is drawn over the blend (once all K are there)."""
        r = self.result
        if r is None or self._shadow_stale:
            return None
        layers, size = r.layers, self._shadow_size(r)
        index = self.overlay.chosen % len(r.outlines)
        fits = layers is not None and layers.blend.shape[1::-1] == size
        chosen = (layers.chosen if fits and layers.chosen_index == index
                  else None)  # fmt: skip
        if self.overlay.mode is OverlayMode.ONE:
            return chosen if chosen is not None else shadow_bgra(r.outlines[index], size)
        blend = layers.blend if fits else shadow_bgra(r.shadow, size)
        if len(r.outlines) < self.k:  # the pen is down: a few completions, no choice shown yet
            return blend
        return highlighted(blend, chosen if chosen is not None
                           else shadow_bgra(r.outlines[index], size))  # fmt: skip

    def _shadow_size(self, r: InferenceResult) -> tuple[int, int]:
        return self.display.shadow if self.display else (r.shadow.shape[1], r.shadow.shape[0])

    def _image_pixels(self, r: InferenceResult) -> np.ndarray:
        if (
            r.layers is not None
            and self.display
            and r.layers.image.shape[1::-1] == self.display.image
        ):
            return r.layers.image
        return r.image  # the view scales it

    # ---- worker traffic --------------------------------------------------------------------------
    def load_models(self, checkpoint_dir: str | None, device: str | None = None) -> None:
        """(Re)load the engine on the worker thread; requests wait until it has loaded.

        device None keeps the device of the previous load ("auto" at first).
        """
        self._kept_info = self.info or self._kept_info
        self.info = None
        self.device = device or self.device
        self.inference.load(checkpoint_dir, self.device, worker_threads())

    # ---- requests -----------------------------------------------------------------------------
    def schedule(self) -> None:
        """Send one request on the next event-loop turn, however many edits come before it."""
        if not self._timer.isActive():
            self._timer.start(0)

    def _send(self) -> None:
        if self.info is None or self.sketch.class_name not in self.info.classes:
            self._settle_accept()  # nothing will be sent, so nothing to wait for
            return
        raster = self._request_raster()
        self.sent_seq += 1
        if is_blank(raster):
            self._show_blank()
            return
        seeds = self.sketch.completion_seeds(self.k)
        drawing = self._live is not None
        if drawing:
            seeds = seeds[:LIVE_K]
        request = InferenceRequest(
            seq=self.sent_seq,
            sketch=raster,
            class_name=self.sketch.class_name,
            seeds=seeds,
            chosen=self.overlay.chosen % len(seeds),
            display=self.display,
            render=not drawing,
            threads=self.info.live_threads if drawing else rest_threads(),
        )
        self.inference.submit(request)
        self.request_sent.emit(request.seq)
        self.busy_changed.emit(True)

    def _show_blank(self) -> None:
        """Blank paper proposes nothing: clear the shadow and the image (and let no answer to an
        older request bring them back)."""
        self._gate.admit(self.sent_seq)
        self._answered(self.sent_seq)  # final at once: nothing to wait for
        self.result = None
        self._emit_shadow()
        self.image_changed.emit(None)
        self.blank_shown.emit(self.sent_seq)
        self._settle_accept()

    def _request_raster(self) -> np.ndarray:
        raster = self._rasteriser.with_live(self.sketch, self._live)  # a fresh private copy
        raster.flags.writeable = False
        return raster

    def _on_loaded(self, info: EngineInfo) -> None:
        # The imports and the networks leave a few hundred thousand long-lived objects; a full
        # collection walking them all held the UI thread for 145 ms mid-stroke. Frozen, they
        # are left out of every later collection (freed by reference counting as before).
        gc.freeze()
        self.info = self._kept_info = info
        self.engine_loaded.emit(info)
        self.show_sketch(self._with_known_class(self.sketch))

    def _on_runtime_changed(self, runtime: str, live_threads: int) -> None:
        """The engine runs other runtimes now (one failed): later requests ask for the
        threads those want while drawing, and the window names them."""
        if self.info is None:
            return
        self.info = self._kept_info = replace(self.info, runtime=runtime,
                                              live_threads=live_threads)
        self.runtime_changed.emit(self.info)
        self.message.emit(f"A runtime failed; the models run in {runtime} now")

    def _with_known_class(self, sketch: Sketch) -> Sketch:
        """Fall back to the first class when the sketch's class is not in the checkpoint."""
        if self.info is None or sketch.class_name in self.info.classes or not self.info.classes:
            return sketch
        if sketch.class_name:
            self.unknown_class.emit(sketch.class_name)
            self.message.emit(
                f"Class {sketch.class_name!r} is not in the models; using {self.info.classes[0]!r}"
            )
        return sketch.with_class(self.info.classes[0])

    def _on_load_failed(self, message: str) -> None:
        self.info = self._kept_info  # the worker keeps the engine it had
        if self.info is None:
            self.engine_failed.emit(message)
            return
        self.reload_failed.emit(message)
        self.schedule()  # edits made while loading are answered by the kept models

    def _on_shadow(self, result: InferenceResult) -> None:
        """A request's completions before its image: show the shadow at once."""
        if self._gate.admit(result.seq, final=False):
            self._show_shadow(result)

    def _on_ready(self, result: InferenceResult) -> None:
        self._answered(result.seq)
        if not self._gate.admit(result.seq):
            return  # an older request finished after a newer one was shown
        self._show_shadow(result)
        if result.image is not None:
            self.image_changed.emit(self._image_pixels(result))
        self.result_shown.emit(self.result)
        self._settle_accept()

    def _show_shadow(self, result: InferenceResult) -> None:
        """Make `result` current; without an image of its own it keeps the one on screen."""
        old = self.result
        if result.image is None and old is not None and old.image is not None:
            layers = result.layers
            if layers is not None and old.layers is not None:
                layers = replace(layers, image=old.layers.image)
            result = replace(result, image=old.image, layers=layers)
        self.result = result
        self._shadow_stale = False
        self._emit_shadow()
        self.shadow_shown.emit(result)

    def _on_failed(self, seq: int, message: str) -> None:
        self._answered(seq)
        self.update_failed.emit(seq, message)
        self._settle_accept()

    def _answered(self, seq: int) -> None:
        self._done_seq = max(self._done_seq, seq)
        if not self.is_busy():
            self.busy_changed.emit(False)

    def shutdown(self) -> None:
        """Stop the worker thread (after its current job); safe to call twice."""
        self._timer.stop()
        if self._accept_pending:  # no answer will come: end the wait (and its cursor)
            self._accept_pending = False
            self.accept_waiting.emit(False)
        self.inference.shutdown()
