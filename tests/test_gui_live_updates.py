"""The shadow follows the pen: while the pen is down the window asks for LIVE_K completions
and no image; when it lifts, all K and the image, with the shadow shown before the image."""

from __future__ import annotations

import threading

from PyQt5.QtCore import QEvent, Qt
from PyQt5.QtWidgets import QApplication

from sketchfill.app.runtime.cores import physical_cores
from sketchfill.app.worker import load_engine
from sketchfill.gui.controller import LIVE_K, rest_threads
from tests.gui_support import WAIT_MS, make_window, mouse, wait_idle


class HeldRender:
    """The real tiny engine whose render() waits for `release` (set by the test)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.classes, self.provenance, self.device = engine.classes, engine.provenance, "cpu"
        self.release = threading.Event()
        self.release.set()

    def complete(self, sketch, class_name, seeds, **kwargs):
        return self.engine.complete(sketch, class_name, seeds, **kwargs)

    def render(self, outline, class_name, seed):
        assert self.release.wait(WAIT_MS / 1000)
        return self.engine.render(outline, class_name, seed)


def _window(qtbot, tmp_path, checkpoints, engines: list):
    def factory(request):
        engines.append(HeldRender(load_engine(request)))
        return engines[-1]

    return make_window(qtbot, tmp_path, checkpoints, factory=factory)


def test_pen_down_asks_for_few_completions_and_no_image(qtbot, tmp_path, tiny_checkpoint_dir):
    window = _window(qtbot, tmp_path, tiny_checkpoint_dir, [])
    c, canvas = window.controller, window.canvas
    sent = []
    submit = c.inference.submit
    c.inference.submit = lambda request: (sent.append(request), submit(request))
    mouse(canvas, QEvent.MouseButtonPress, 100, 100)
    for x in (150, 200, 250):
        mouse(canvas, QEvent.MouseMove, x, 120, Qt.NoButton, Qt.LeftButton)
        QApplication.processEvents()  # the scheduled request leaves with the pen down
    live = list(sent)
    mouse(canvas, QEvent.MouseButtonRelease, 250, 120, Qt.LeftButton, Qt.NoButton)
    wait_idle(qtbot, window)
    seeds = c.sketch.completion_seeds(c.k)
    assert live and all(r.seeds == seeds[:LIVE_K] and not r.render for r in live)
    assert all(r.threads == c.info.live_threads for r in live)  # the engine's count
    final = sent[-1]
    assert final.seeds == seeds and final.render and len(c.result.outlines) == c.k
    assert final.threads == rest_threads() and rest_threads() == physical_cores()
    assert c.result.image is not None and window.image_view.image() is not None


def test_the_shadow_is_on_screen_before_the_image(qtbot, tmp_path, tiny_checkpoint_dir):
    engines: list[HeldRender] = []
    window = _window(qtbot, tmp_path, tiny_checkpoint_dir, engines)
    c = window.controller
    engines[0].release.clear()  # colouring waits until the test lets it go
    images = []
    c.image_changed.connect(images.append)
    with qtbot.waitSignal(c.shadow_shown, timeout=WAIT_MS) as shadow:
        mouse(window.canvas, QEvent.MouseButtonPress, 100, 100)
        mouse(window.canvas, QEvent.MouseMove, 300, 200, Qt.NoButton, Qt.LeftButton)
        mouse(window.canvas, QEvent.MouseButtonRelease, 300, 200, Qt.LeftButton, Qt.NoButton)
    assert shadow.args[0].seq == c.sent_seq and len(shadow.args[0].outlines) == c.k
    assert window.canvas._shadow is not None and images == [] and c.is_busy()
    engines[0].release.set()
    wait_idle(qtbot, window)
    assert len(images) == 1 and images[0] is not None


def test_long_lived_objects_are_frozen_out_of_collections_once_loaded(window):
    import gc

    # A full collection over the imports' and networks' objects held the UI thread for over
    # 100 ms mid-stroke; once loaded they are frozen (only new objects are collected).
    assert gc.get_freeze_count() > 10_000
    before = gc.get_freeze_count()
    gc.unfreeze()
    try:
        window.controller._on_loaded(window.controller.info)
        assert gc.get_freeze_count() >= before
    finally:
        gc.freeze()
