"""The whole window on the real tiny engine: drawing, undo/redo, overlays, classes, files."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET

import cv2
import numpy as np
import pytest
from PyQt5.QtCore import Qt

from sketchfill.app import session
from sketchfill.app.overlay import OverlayMode
from tests.gui_support import (
    WAIT_MS,
    crash_leaving_autosave,
    drag,
    make_window,
    tablet_stroke,
    wait_idle,
)

CIRCLE = [(256 + 120 * c, 256 + 120 * s) for c, s in
          [(1, 0), (0.7, 0.7), (0, 1), (-0.7, 0.7), (-1, 0), (-0.7, -0.7), (0, -1)]]  # fmt: skip


def ring() -> np.ndarray:
    """(512, 512) uint8 outline of a full circle, 255 = paper."""
    outline = np.full((512, 512), 255, np.uint8)
    cv2.circle(outline, (256, 256), 120, 0, 5)
    return outline


def test_window_starts_loading_then_offers_classes(qtbot, tmp_path, tiny_checkpoint_dir):
    win = make_window(qtbot, tmp_path, tiny_checkpoint_dir, wait_loaded=False)
    assert win.isVisible()  # shown before the models are loaded
    qtbot.waitUntil(lambda: win.panel.classes.count() == 3, timeout=WAIT_MS)
    assert win.controller.sketch.class_name == "orange"
    assert "cpu" in win.device.text()


def test_mouse_drawing_updates_shadow_and_image(qtbot, window):
    sent = []
    window.controller.request_sent.connect(sent.append)
    window.smooth_strokes.setChecked(False)  # the samples as they came
    drag(window.canvas, CIRCLE)
    sketch = window.controller.sketch
    assert len(sketch.strokes) == 1 and len(sketch.strokes[0].points) == len(CIRCLE)
    wait_idle(qtbot, window)
    result = window.controller.result
    assert result.sketch.shape == (512, 512) and result.sketch[256, 376] < 128
    assert result.outlines.shape == (8, 512, 512)
    assert window.image_view.image() is not None and window.canvas._shadow is not None
    assert len(sent) < len(CIRCLE) + 2  # points of one event-loop turn share a request
    assert window.latency.text().startswith("update ") and window.latency.text().endswith(" ms")


def test_tablet_drawing_keeps_pressure(qtbot, window):
    window.set_brush(10)
    window.smooth_strokes.setChecked(False)  # the samples as they came
    tablet_stroke(window.canvas, [(100, 100, 0.1), (200, 150, 0.6), (300, 200, 0.9)])
    [stroke] = window.controller.sketch.strokes
    assert [p[2] for p in stroke.points] == pytest.approx([0.1, 0.6, 0.9])
    assert stroke.width == 10 and stroke.segment_widths()[0] == 1.0


def test_undo_redo_of_draw_erase_clear_accept(qtbot, window):
    c, a = window.controller, window.actions
    drag(window.canvas, CIRCLE[:4])
    drag(window.canvas, [(330, 298), (390, 298)], button=Qt.RightButton)  # right button: eraser
    [cut] = c.sketch.strokes                     # the eraser belongs to the stroke it cut
    assert cut.tool == "pen" and len(cut.erased) == 1
    a.clear.trigger()
    assert c.sketch.strokes == ()
    a.undo.trigger()
    assert c.sketch.strokes == (cut,)
    wait_idle(qtbot, window)
    # the untrained tiny networks only echo the input; give the shown result a real completion
    c.result = dataclasses.replace(c.result, outlines=np.stack([ring()] * 8))
    a.accept.trigger()
    accepted = c.sketch.strokes
    assert len(accepted) > 1 and all(s.tool == "pen" for s in accepted[1:])
    a.undo.trigger()
    assert c.sketch.strokes == (cut,)
    a.redo.trigger()
    assert c.sketch.strokes == accepted
    for _ in range(4):
        a.undo.trigger()
    assert c.sketch.strokes == () and not a.undo.isEnabled()


def test_class_change_requests_at_once_and_undo_restores_class_and_seed(qtbot, window):
    c = window.controller
    drag(window.canvas, CIRCLE)
    wait_idle(qtbot, window)
    seed = c.sketch.seed
    with qtbot.waitSignal(c.request_sent, timeout=WAIT_MS):
        window.panel.classes.activated.emit(window.panel.classes.findData("watermelon"))
    assert c.sketch.class_name == "watermelon"
    wait_idle(qtbot, window)
    assert c.result.class_name == "watermelon"
    window.actions.dice.trigger()
    assert c.sketch.seed != seed
    wait_idle(qtbot, window)
    assert c.result.seeds == c.sketch.completion_seeds(8)
    window.actions.undo.trigger()
    window.actions.undo.trigger()
    assert (c.sketch.class_name, c.sketch.seed) == ("orange", seed)
    assert window.panel.classes.currentData() == "orange"
    assert window.panel.classes.currentText() == "Orange"


def test_cycling_and_one_completion_mode(qtbot, window):
    c = window.controller
    drag(window.canvas, CIRCLE)
    wait_idle(qtbot, window)
    window.actions.next_completion.trigger()
    window.actions.next_completion.trigger()
    assert c.overlay.chosen == 2 and window.panel.completion.text() == "3 / 8"
    wait_idle(qtbot, window)
    assert c.result.chosen == 2
    window.actions.one_completion.trigger()
    assert c.overlay.mode is OverlayMode.ONE
    window.actions.previous_completion.trigger()
    assert c.overlay.chosen == 1
    window.panel.opacity.setValue(25)
    assert c.overlay.opacity == 0.25


def test_move_strokes_is_undoable(qtbot, window):
    drag(window.canvas, [(100, 100), (150, 100)])
    window.actions.move.trigger()
    drag(window.canvas, [(90, 90), (160, 110)])
    drag(window.canvas, [(120, 100), (220, 200)])
    moved = window.controller.sketch.strokes[0].points[0]
    assert moved[:2] == pytest.approx((200, 200), abs=1)
    window.actions.undo.trigger()
    assert window.controller.sketch.strokes[0].points[0][:2] == pytest.approx((100, 100))


def test_session_save_and_open_round_trip(qtbot, window, tmp_path):
    files, dialogs = window.files, window.dialogs
    tablet_stroke(window.canvas, [(10.5, 20.25, 0.3), (40, 50, 0.8)])
    drag(window.canvas, CIRCLE)
    path = tmp_path / "s.json"
    dialogs.paths = [str(path)]
    assert files.save_session()
    assert window.controller.undo_stack.isClean()
    saved = json.loads(path.read_text())
    assert saved["format"] == "sketchfill-session" and saved["class"] == "orange"
    original = window.controller.sketch
    window.actions.clear.trigger()
    dialogs.paths = [str(path)]
    dialogs.confirm_answer = True
    assert files.open_session()
    assert window.controller.sketch == original
    assert session.to_dict(window.controller.sketch, window.current_view()) == saved


def test_exports_sketch_image_and_svg(qtbot, window, tmp_path):
    drag(window.canvas, CIRCLE)
    wait_idle(qtbot, window)
    assert window.files.save_sketch(str(tmp_path / "sketch.png"))
    assert window.files.save_image(str(tmp_path / "image.png"))
    assert window.files.export_svg(str(tmp_path / "sketch.svg"))
    root = ET.parse(tmp_path / "sketch.svg").getroot()
    assert len(root.findall("{http://www.w3.org/2000/svg}g")) == 1
    assert (tmp_path / "sketch.png").stat().st_size > 100 and (
        tmp_path / "image.png"
    ).stat().st_size > 100


def test_failed_save_keeps_the_drawing(qtbot, window, tmp_path):
    drag(window.canvas, CIRCLE)
    before = window.controller.sketch
    window.dialogs.paths = [str(tmp_path / "missing-dir" / "s.json")]
    assert not window.files.save_session()
    assert window.dialogs.errors and "missing-dir" in window.dialogs.errors[0][1]
    assert window.controller.sketch is before and not window.controller.undo_stack.isClean()
    assert window.files.session_path is None


def test_open_corrupt_session_shows_error(qtbot, window, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"format": "sketchfill-session", "version": 9}')
    assert not window.files.open_session(path)
    assert "version" in window.dialogs.errors[0][1]


def test_open_image_as_sketch(qtbot, window, tmp_path):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (200, 100), "white")
    ImageDraw.Draw(image).ellipse((20, 10, 180, 90), outline="black", width=4)
    image.save(tmp_path / "drawing.png")
    assert window.files.open_image(str(tmp_path / "drawing.png"))
    assert len(window.controller.sketch.strokes) >= 1
    window.actions.undo.trigger()
    assert window.controller.sketch.strokes == ()


def test_corrupt_checkpoint_is_readable_and_drawing_still_works(
    qtbot, tmp_path, tiny_checkpoint_dir
):
    (tiny_checkpoint_dir / "appearance.pt").write_bytes(b"\x00garbage")
    win = make_window(qtbot, tmp_path, tiny_checkpoint_dir, wait_loaded=False)
    qtbot.waitUntil(
        lambda: "could not be loaded" in win.statusBar().currentMessage(), timeout=WAIT_MS
    )
    assert "appearance.pt" in win.statusBar().currentMessage()
    assert "appearance.pt" in win.image_view._placeholder
    drag(win.canvas, CIRCLE)
    assert len(win.controller.sketch.strokes) == 1 and win.controller.sent_seq == 0
    win.actions.undo.trigger()
    assert win.controller.sketch.strokes == ()


def test_autosave_and_recovery(qtbot, window, tmp_path, tiny_checkpoint_dir):
    drag(window.canvas, CIRCLE)
    window.autosave.write_now()
    sketch = window.controller.sketch
    second = make_window(qtbot, tmp_path, tiny_checkpoint_dir)  # a second copy, running
    second.dialogs.confirm_answer = False
    assert not second.autosave.offer_recovery(second.dialogs)  # never a live copy's drawing
    assert window.autosave.autosave.path.is_file()
    crash_leaving_autosave(tmp_path / "data", sketch)  # a copy that died
    other = make_window(qtbot, tmp_path, tiny_checkpoint_dir)
    assert other.autosave.offer_recovery(other.dialogs)
    assert other.controller.sketch.strokes == sketch.strokes
    assert not other.controller.undo_stack.isClean()
    assert not other.autosave.autosave.pending()  # adopted: now in the copy's own autosave
    assert other.autosave.autosave.path.is_file() and window.autosave.autosave.path.is_file()


def test_no_to_recovery_removes_only_the_dead_copys_autosave(qtbot, window, tmp_path,
                                                             tiny_checkpoint_dir):  # fmt: skip
    drag(window.canvas, CIRCLE)
    window.autosave.write_now()
    crash_leaving_autosave(tmp_path / "data", window.controller.sketch)
    other = make_window(qtbot, tmp_path, tiny_checkpoint_dir)
    other.dialogs.confirm_answer = False
    assert not other.autosave.offer_recovery(other.dialogs)
    assert not other.autosave.autosave.pending()
    assert window.autosave.autosave.path.is_file()


def test_about_and_shortcuts(qtbot, window):
    window.actions.about.trigger()
    assert window.dialogs.about_calls == 1
    keys = {a.text(): a.shortcut().toString() for a in window.actions.all()}
    assert keys["&Undo"] == "Ctrl+Z" and keys["&Save Session"] == "Ctrl+S"
    missing = [t for t, k in keys.items() if not k]
    assert missing == ["&About Sketch && Fill"], missing  # only About goes without a key


def test_brush_wheel_and_control(qtbot, window):
    window.set_brush(10)
    window.step_brush(2)
    assert window.canvas.brush() == 14 and window.panel.brush.value() == 14
    window.panel.brush.setValue(5)
    assert window.canvas.brush() == 5


def test_models_never_run_on_the_ui_thread(qtbot, tmp_path, tiny_checkpoint_dir):
    import threading

    from sketchfill.app.engine import Engine

    threads = []

    class Watched:
        def __init__(self, engine):
            self.engine, self.classes, self.provenance = engine, engine.classes, engine.provenance

        def complete(self, *args, **kwargs):
            threads.append(threading.current_thread())
            return self.engine.complete(*args, **kwargs)

        def render(self, *args):
            threads.append(threading.current_thread())
            return self.engine.render(*args)

    def factory(request):
        threads.append(threading.current_thread())
        return Watched(Engine.load(request.checkpoint_dir, device="cpu"))

    win = make_window(qtbot, tmp_path, tiny_checkpoint_dir, factory=factory)
    drag(win.canvas, CIRCLE)
    wait_idle(qtbot, win)
    win.actions.next_completion.trigger()
    win.actions.dice.trigger()
    wait_idle(qtbot, win)
    assert len(threads) >= 4 and threading.main_thread() not in threads


def test_preferences_are_kept_between_runs(qtbot, tmp_path, tiny_checkpoint_dir):
    from PyQt5.QtCore import QSettings

    from sketchfill.gui.application import build_window
    from sketchfill.gui.preferences import Preferences
    from tests.gui_support import ScriptedDialogs

    def run(brush=None, class_index=None, opacity=None):
        prefs = Preferences(QSettings(str(tmp_path / "prefs.ini"), QSettings.IniFormat))
        win = build_window(str(tiny_checkpoint_dir), "cpu", prefs, dialogs=ScriptedDialogs())
        qtbot.addWidget(win)
        qtbot.waitUntil(lambda: win.controller.info is not None, timeout=WAIT_MS)
        if brush is not None:
            win.panel.brush.setValue(brush)
            win.panel.classes.activated.emit(class_index)
            win.panel.opacity.setValue(opacity)
        state = (
            win.canvas.brush(),
            win.controller.sketch.class_name,
            win.controller.overlay.opacity,
        )
        win.close()  # unsaved changes: ScriptedDialogs confirms quitting
        return state

    run(brush=17, class_index=2, opacity=35)  # listed by name: Moon, Orange, Watermelon
    assert run() == (17.0, "watermelon", 0.35)


def test_the_autosave_folder_of_tests_is_not_the_users(qapp):
    from sketchfill.gui.application import autosave_dir
    from tests.conftest import TEST_HOME

    assert autosave_dir().is_relative_to(TEST_HOME)


def test_the_default_preferences_of_tests_are_not_the_users(qapp):
    from pathlib import Path

    from PyQt5.QtCore import QSettings

    from sketchfill.gui.preferences import APPLICATION, ORGANISATION
    from tests.conftest import TEST_HOME

    assert Path(QSettings(ORGANISATION, APPLICATION).fileName()).is_relative_to(TEST_HOME)


def blank_on_screen(win) -> bool:
    return win.canvas._shadow is None and win.image_view.image() is None


def test_an_empty_pad_shows_no_shadow_and_no_object(qtbot, window):
    qtbot.waitUntil(window.controller.is_idle, timeout=WAIT_MS)
    assert blank_on_screen(window) and window.controller.result is None     # at start
    drag(window.canvas, CIRCLE)
    qtbot.waitUntil(lambda: window.image_view.image() is not None, timeout=WAIT_MS)
    window.actions.clear.trigger()
    qtbot.waitUntil(window.controller.is_idle, timeout=WAIT_MS)
    assert blank_on_screen(window)                                          # after Clear
    drag(window.canvas, CIRCLE)
    qtbot.waitUntil(lambda: window.image_view.image() is not None, timeout=WAIT_MS)
    window.dialogs.confirm_answer = True
    window.actions.new.trigger()
    qtbot.waitUntil(window.controller.is_idle, timeout=WAIT_MS)
    assert blank_on_screen(window) and "Draw" in window.image_view._placeholder   # after New


def test_an_old_answer_never_brings_the_shadow_back_to_an_empty_pad(qtbot, window):
    drag(window.canvas, CIRCLE)
    window.actions.clear.trigger()          # cleared before the drawing's answer came back
    qtbot.waitUntil(window.controller.is_idle, timeout=WAIT_MS)
    qtbot.wait(50)
    assert blank_on_screen(window)


def test_a_session_of_an_unknown_class_is_a_visible_warning(qtbot, window):
    from sketchfill.app.document import Sketch

    window.controller.reset(Sketch(class_name="zeppelin"))
    assert window.dialogs.errors and window.dialogs.errors[-1][0] == "Unknown class"
    assert "zeppelin" in window.dialogs.errors[-1][1]


def test_the_app_gives_the_ui_thread_the_gil_in_short_turns() -> None:
    """A fresh process's QApplication comes with a 1 ms GIL switch interval (Python's 5 ms
    let the worker's threads keep the UI thread waiting for a pen event)."""
    import os
    import subprocess
    import sys

    code = ("import sys; from sketchfill.gui.application import application; "
            "app = application(); print(sys.getswitchinterval())")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.split()[-1]) == 0.001
