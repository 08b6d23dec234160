"""The Smooth Strokes preference: on by default, a menu toggle, kept between runs."""

from __future__ import annotations

from PyQt5.QtCore import QSettings

from sketchfill.gui.preferences import Preferences
from tests.gui_support import ScriptedDialogs, drag


def test_smoothing_is_on_by_default_and_kept_between_runs(qtbot, tmp_path, tiny_checkpoint_dir):
    from sketchfill.gui.application import build_window

    def run(turn_off: bool) -> tuple[bool, int]:
        prefs = Preferences(QSettings(str(tmp_path / "prefs.ini"), QSettings.IniFormat))
        win = build_window(str(tiny_checkpoint_dir), "cpu", prefs, dialogs=ScriptedDialogs())
        qtbot.addWidget(win)
        win.resize(900, 500)
        win.show()
        if turn_off:
            win.smooth_strokes.setChecked(False)
        drag(win.canvas, [(100, 100), (200, 150), (300, 100), (400, 150)])
        state = (win.canvas.smoothing(), len(win.controller.sketch.strokes[0].points))
        win.close()
        return state

    smooth, points = run(turn_off=False)
    assert smooth and points > 4                    # curves through the four samples
    assert run(turn_off=True) == (False, 4)         # straight lines through them
    assert run(turn_off=False) == (False, 4)        # the choice is kept
