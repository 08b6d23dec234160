"""Start-up: a crash's autosave is offered before a session given with --open replaces it."""
from __future__ import annotations

import pytest

from sketchfill.app import session
from sketchfill.app.autosave import Autosave
from sketchfill.app.document import Sketch, Stroke
from sketchfill.gui.application import show_first_sketch
from tests.gui_support import crash_leaving_autosave, make_window

LOST = Sketch().with_stroke(Stroke("pen", 4.0, ((10.0, 10.0, 1.0), (90.0, 90.0, 1.0))))
OPENED = Sketch().with_stroke(Stroke("pen", 4.0, ((300.0, 10.0, 1.0), (300.0, 90.0, 1.0))))


@pytest.fixture
def crashed(tmp_path) -> Autosave:
    """An autosave left behind by a run that did not end normally."""
    crash_leaving_autosave(tmp_path / "data", LOST)
    return Autosave(tmp_path / "data")


def _open_at_start(qtbot, tmp_path, checkpoints, recover: bool):
    """The window started with `--open opened.json`, answering the recovery offer."""
    path = tmp_path / "opened.json"
    session.save(path, OPENED)
    win = make_window(qtbot, tmp_path, checkpoints)
    win.dialogs.confirm_answer = recover
    show_first_sketch(win, session.load_with_view(path), path)
    return win, path


def test_open_at_start_offers_the_crash_autosave_first(qtbot, tmp_path, tiny_checkpoint_dir,
                                                        crashed):  # fmt: skip
    win, _ = _open_at_start(qtbot, tmp_path, tiny_checkpoint_dir, recover=True)
    assert win.controller.sketch.strokes == LOST.strokes
    assert "opened.json was not opened" in win.statusBar().currentMessage()


def test_declining_the_recovery_opens_the_session(qtbot, tmp_path, tiny_checkpoint_dir, crashed):
    win, path = _open_at_start(qtbot, tmp_path, tiny_checkpoint_dir, recover=False)
    assert win.controller.sketch.strokes == OPENED.strokes
    assert win.files.session_path == path
