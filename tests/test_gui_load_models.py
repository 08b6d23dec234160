"""Loading models from a wrong folder keeps the working ones."""
from __future__ import annotations

from tests.gui_support import WAIT_MS, drag, wait_idle
from tests.test_gui_main_window import CIRCLE


def test_a_wrong_folder_keeps_the_working_models_and_says_why(qtbot, window, tmp_path):
    c = window.controller
    drag(window.canvas, CIRCLE[:4])
    wait_idle(qtbot, window)
    wrong = tmp_path / "not-models"
    wrong.mkdir()
    window.dialogs.paths = [str(wrong)]
    window.actions.load_models.trigger()
    qtbot.waitUntil(lambda: bool(window.dialogs.errors), timeout=WAIT_MS)
    [(title, text)] = window.dialogs.errors
    assert title == "Cannot load models" and "kept" in text
    assert c.info is not None and window.panel.classes.count() == 3
    assert window.panel.classes.isEnabled()
    drag(window.canvas, CIRCLE[3:])  # the kept models answer the next edit: no stale shadow
    wait_idle(qtbot, window)
    assert c.result.seq == c.sent_seq and window.canvas._shadow is not None
    assert window.image_view.image() is not None


def test_a_wrong_folder_at_start_still_reports_no_models(qtbot, tmp_path):
    from tests.gui_support import make_window

    empty = tmp_path / "empty"
    empty.mkdir()
    win = make_window(qtbot, tmp_path, empty, wait_loaded=False)
    qtbot.waitUntil(lambda: win.device.text() == "no models", timeout=WAIT_MS)
    assert win.controller.info is None and win.panel.classes.count() == 0


def test_a_runtime_failing_mid_session_is_named_and_its_threads_follow(qtbot, tmp_path,
                                                                       tiny_checkpoint_dir):
    """The engine hands a failing runtime over to torch (Engine._run); the window then names
    torch, and strokes ask for the threads torch wants while drawing, not the runtime's."""
    from sketchfill.app.document import worker_threads
    from sketchfill.app.engine import Engine
    from sketchfill.app.runtime.external import ONNXRUNTIME
    from tests.gui_support import make_window

    class Failing:
        name = ONNXRUNTIME

        def __call__(self, *inputs):
            raise RuntimeError("device lost")

    def failing_engine(request):
        engine = Engine.load(request.checkpoint_dir, device="cpu")
        engine._shape_run = Failing()
        return engine

    window = make_window(qtbot, tmp_path, tiny_checkpoint_dir, factory=failing_engine)
    c = window.controller
    assert "onnxruntime" in c.info.runtime.lower() and c.info.live_threads == worker_threads(False)
    drag(window.canvas, CIRCLE[:4])
    wait_idle(qtbot, window)
    assert c.result.image is not None and not window.dialogs.errors   # the drawing went on
    assert c.info.runtime.startswith("shape torch eager float32")
    assert c.info.live_threads == worker_threads(spinning=True)
    assert window.device.toolTip() == f"Runtime: {c.info.runtime}"
