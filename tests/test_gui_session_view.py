"""A session keeps the chosen completion and the shadow mode; New and Open reset the choice."""
from __future__ import annotations

import json

import pytest

from sketchfill.app import session
from sketchfill.app.document import Sketch
from sketchfill.app.overlay import OverlayMode
from sketchfill.app.session import SessionError, View
from tests.gui_support import drag, wait_idle
from tests.test_gui_main_window import CIRCLE


def test_the_view_round_trips_and_defaults_for_older_files(tmp_path):
    path = tmp_path / "s.json"
    session.save(path, Sketch(), View(3, OverlayMode.ONE))
    assert session.load_with_view(path) == (Sketch(), View(3, OverlayMode.ONE))
    data = json.loads(path.read_text())
    del data["view"]
    path.write_text(json.dumps(data))
    assert session.load_with_view(path)[1] == View()


@pytest.mark.parametrize("view", [{"chosen": -1}, {"chosen": "2"}, {"overlay": "stack"}, [1]])
def test_a_bad_view_is_a_session_error(tmp_path, view):
    data = session.to_dict(Sketch())
    data["view"] = view
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SessionError, match='"view"'):
        session.load_with_view(path)


def test_open_shows_the_saved_completion_and_new_resets_it(qtbot, window, tmp_path):
    c, files, dialogs = window.controller, window.files, window.dialogs
    sent = []
    submit = c.inference.submit
    c.inference.submit = lambda request: (sent.append(request), submit(request))[1]
    drag(window.canvas, CIRCLE)
    c.cycle(2)
    window.actions.one_completion.trigger()
    path = tmp_path / "s.json"
    dialogs.paths = [str(path)]
    assert files.save_session()
    dialogs.confirm_answer = True
    window.actions.new.trigger()
    assert (c.overlay.chosen, c.overlay.mode) == (0, OverlayMode.BLEND)
    assert not window.actions.one_completion.isChecked()
    dialogs.paths = [str(path)]
    assert files.open_session()
    assert (c.overlay.chosen, c.overlay.mode) == (2, OverlayMode.ONE)
    assert window.actions.one_completion.isChecked()
    wait_idle(qtbot, window)
    assert sent[-1].chosen == 2  # the image is coloured from the same completion
