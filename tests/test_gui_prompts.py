"""New, Open and Quit ask Save / Discard / Cancel; names typed without an extension get one."""
from __future__ import annotations

from sketchfill.app import session
from tests.gui_support import drag, wait_idle
from tests.test_gui_main_window import CIRCLE


def test_new_cancel_keeps_discard_drops_save_saves_first(qtbot, window, tmp_path):
    c, dialogs = window.controller, window.dialogs
    drag(window.canvas, CIRCLE)
    drawn = c.sketch
    dialogs.unsaved_answer = "cancel"
    window.actions.new.trigger()
    assert c.sketch == drawn and dialogs.unsaved_asked == ["New sketch"]
    dialogs.unsaved_answer = "save"  # ... and then cancel the file dialog: nothing happens
    window.actions.new.trigger()
    assert c.sketch == drawn
    dialogs.paths = [str(tmp_path / "kept")]
    window.actions.new.trigger()
    assert c.sketch.strokes == ()
    assert session.load(tmp_path / "kept.json").strokes == drawn.strokes
    drag(window.canvas, CIRCLE)
    dialogs.unsaved_answer = "discard"
    window.actions.new.trigger()
    assert c.sketch.strokes == () and not (tmp_path / "kept.json.1").exists()


def test_quit_offers_save_and_cancel_keeps_the_window(qtbot, window, tmp_path):
    dialogs = window.dialogs
    window.persist = True  # a test window asks nothing on close unless told to (its settings
    # are the test's own file)
    drag(window.canvas, CIRCLE)
    dialogs.unsaved_answer = "cancel"
    window.actions.quit.trigger()
    assert window.isVisible() and dialogs.unsaved_asked == ["Quit"]
    dialogs.unsaved_answer = "save"
    dialogs.paths = [str(tmp_path / "before-quit.json")]
    window.actions.quit.trigger()
    assert not window.isVisible()
    assert len(session.load(tmp_path / "before-quit.json").strokes) == 1


def test_a_name_without_extension_saves_as_png(qtbot, window, tmp_path):
    drag(window.canvas, CIRCLE)
    wait_idle(qtbot, window)
    window.dialogs.paths = [str(tmp_path / "image"), str(tmp_path / "sketch"),
                            str(tmp_path / "lines"), str(tmp_path / "kept.name.png")]
    assert window.files.save_image() and window.files.save_sketch()
    assert window.files.export_svg() and window.files.save_sketch()
    names = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert {"image.png", "sketch.png", "lines.svg", "kept.name.png"} <= set(names)
    assert not {"image", "sketch", "lines"} & set(names)
