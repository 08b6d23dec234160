"""File dialogs start in the last folder used; File ▸ Open Recent reopens sessions and images,
drops files gone since with a message, and its list can be cleared."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from sketchfill.gui.preferences import Preferences
from tests.gui_support import drag


def drawing_png(path: Path) -> Path:
    image = Image.new("RGB", (200, 100), "white")
    ImageDraw.Draw(image).ellipse((20, 10, 180, 90), outline="black", width=4)
    image.save(path)
    return path


def test_dialogs_start_in_the_last_folder_used(qtbot, window, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    dialogs = window.dialogs
    drag(window.canvas, [(100, 100), (300, 200)])
    dialogs.paths = [str(elsewhere / "cat")]
    assert window.files.save_session_as()
    dialogs.paths = [str(elsewhere / "cat.png")]
    assert window.files.save_sketch()
    assert Path(dialogs.started_in[1]) == elsewhere / "sketch.png"  # beside the session
    window.files.open_session()  # cancelled: no path given
    assert Path(dialogs.started_in[2]) == elsewhere
    assert window.preferences.last_folder == str(elsewhere.resolve())


def test_open_recent_lists_sessions_and_images_newest_first(qtbot, window, tmp_path):
    files, dialogs = window.files, window.dialogs
    drag(window.canvas, [(100, 100), (300, 200)])
    dialogs.paths = [str(tmp_path / "one.json")]
    assert files.save_session_as()
    assert files.open_image(str(drawing_png(tmp_path / "ring.png")))
    names = [a.text() for a in files.recent_menu.file_actions()]
    assert names == ["&1 ring.png", "&2 one.json"]
    dialogs.unsaved_answer = "discard"
    files.recent_menu.file_actions()[1].trigger()  # the session again
    assert files.session_path == tmp_path / "one.json"
    assert len(window.controller.sketch.strokes) == 1
    assert [a.text() for a in files.recent_menu.file_actions()][0] == "&1 one.json"


def test_a_missing_recent_file_is_dropped_with_a_message(qtbot, window, tmp_path):
    files = window.files
    assert files.open_image(str(drawing_png(tmp_path / "gone.png")))
    (tmp_path / "gone.png").unlink()
    strokes = window.controller.sketch.strokes
    files.recent_menu.file_actions()[0].trigger()
    [(title, text)] = window.dialogs.errors
    assert title == "Open Recent" and "gone.png" in text and "no longer exists" in text
    assert files.recent_menu.file_actions() == [] and window.controller.sketch.strokes == strokes


def test_clear_list_and_the_list_survives_a_restart(qtbot, window, tmp_path):
    files = window.files
    assert files.open_image(str(drawing_png(tmp_path / "a.png")))
    again = Preferences(window.preferences._s)  # the next run reads the same settings
    assert again.recent_files == [str((tmp_path / "a.png").resolve())]
    files.recent_menu.clear_action.trigger()
    assert files.recent_menu.file_actions() == [] and again.recent_files == []
    assert not files.recent_menu.clear_action.isEnabled()
