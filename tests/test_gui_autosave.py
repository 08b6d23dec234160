"""Autosave in the real window: while the artist keeps drawing, after a discard, and the view a
recovery brings back. Time is a clock the test advances; the autosave timer's slot runs at the
moments the clock passes, as the event loop would run it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sketchfill.app.autosave import SaveSchedule, SaveTiming
from sketchfill.app.overlay import OverlayMode
from sketchfill.gui.main_window import MainWindow
from sketchfill.gui.recovery import strokes_text
from tests.gui_support import drag, make_window

TIMER_STEP_S = 0.5  # how finely the test's clock passes the autosave timer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def pass_time(window: MainWindow, clock: Clock, seconds: float) -> None:
    """Let `seconds` pass, the autosave timer's slot running as each moment comes."""
    for _ in range(round(seconds / TIMER_STEP_S)):
        clock.now += TIMER_STEP_S
        window.autosave.check_due()


def stroke(window: MainWindow, i: int) -> None:
    y = 40 + 30 * (i % 15)
    drag(window.canvas, [(60, y), (200, y + 5), (400, y)])


def kill(window: MainWindow) -> None:
    """The process dies: no close event, no clean-up; the OS drops its lock."""
    window.autosave._timer.stop()
    window.controller.shutdown()
    window.autosave.autosave._lock.release()


def restart(qtbot, tmp_path: Path, checkpoints: Path) -> MainWindow:
    """The next start, answering Yes to the recovery offer."""
    win = make_window(qtbot, tmp_path, checkpoints)
    win.dialogs.confirm_answer = True
    assert win.autosave.offer_recovery(win.dialogs)
    return win


@pytest.mark.parametrize("rhythm_s", [1.5, 3.0])  # faster than the idle pause, and slower
def test_steady_drawing_is_saved_every_few_seconds(qtbot, window, tmp_path, tiny_checkpoint_dir,
                                                   rhythm_s):  # fmt: skip
    clock = Clock()
    window.autosave._clock = clock
    max_s = window.autosave.schedule.timing.max_s
    drawn_at = []
    for i in range(round(36 / rhythm_s)):  # a stroke every rhythm_s seconds for 36 s
        pass_time(window, clock, rhythm_s)
        stroke(window, i)
        drawn_at.append(clock.now)
    pass_time(window, clock, 1.0)
    killed_at = clock.now
    kill(window)
    drawn = window.controller.sketch.strokes
    recovered = restart(qtbot, tmp_path, tiny_checkpoint_dir).controller.sketch.strokes
    assert recovered == drawn[: len(recovered)]  # the drawing as it was, only its end missing
    kept = sum(t <= killed_at - max_s - TIMER_STEP_S for t in drawn_at)
    assert len(recovered) >= kept >= len(drawn) - 5  # all but the last few seconds


def test_a_steady_stream_of_edits_still_saves():
    schedule = SaveSchedule(SaveTiming(idle_s=2.0, max_s=5.0))
    oldest_unsaved, worst = None, 0.0
    for t in range(0, 60):  # an edit every second: never idle for 2 s
        schedule.changed(float(t))
        oldest_unsaved = t if oldest_unsaved is None else oldest_unsaved
        worst = max(worst, t - oldest_unsaved)
        if schedule.due(float(t)):
            schedule.saved()
            oldest_unsaved = None
    assert worst <= 5.0 and not schedule.pending() or schedule.deadline() <= 64.0


def test_the_view_on_screen_is_recovered(qtbot, window, tmp_path, tiny_checkpoint_dir):
    stroke(window, 0)
    for _ in range(3):
        window.actions.next_completion.trigger()
    window.actions.one_completion.trigger()
    window.set_brush(17)
    window.panel.opacity.setValue(35)
    window.autosave.write_now()
    kill(window)
    win = restart(qtbot, tmp_path, tiny_checkpoint_dir)
    overlay = win.controller.overlay
    assert (overlay.chosen, overlay.mode, overlay.opacity) == (3, OverlayMode.ONE, 0.35)
    assert win.canvas.brush() == 17 and win.panel.brush.value() == 17
    assert win.panel.completion.text().startswith("4 / 8")


def test_a_discarded_drawing_is_not_offered(qtbot, window, tmp_path, tiny_checkpoint_dir):
    for i in range(3):
        stroke(window, i)
    window.autosave.write_now()
    assert window.autosave.autosave.path.is_file()
    window.dialogs.unsaved_answer = "discard"
    window.actions.new.trigger()
    assert not window.autosave.autosave.path.exists()  # gone with the drawing
    for i in range(2):
        stroke(window, 10 + i)
    window.autosave.write_now()
    kill(window)
    win = restart(qtbot, tmp_path, tiny_checkpoint_dir)
    assert win.controller.sketch.strokes == window.controller.sketch.strokes
    assert len(win.controller.sketch.strokes) == 2


def test_an_empty_page_leaves_nothing_to_recover(qtbot, window, tmp_path, tiny_checkpoint_dir):
    window.autosave.write_now()
    kill(window)
    win = make_window(qtbot, tmp_path, tiny_checkpoint_dir)
    assert not win.autosave.offer_recovery(win.dialogs)


def test_the_prompt_counts_strokes_in_words():
    assert (strokes_text(1), strokes_text(2), strokes_text(0)) == (
        "1 stroke", "2 strokes", "0 strokes")


def test_the_timer_writes_without_being_asked(qtbot, window):
    """The real event loop and clock: the autosave's timer fires on its own."""
    window.autosave.schedule = SaveSchedule(SaveTiming(idle_s=0.05, max_s=0.1))
    stroke(window, 0)
    qtbot.waitUntil(window.autosave.autosave.path.is_file, timeout=10000)
    assert not window.autosave.schedule.pending()


def test_open_after_discard_removes_the_autosave_too(qtbot, window, tmp_path):
    from sketchfill.app import session
    from sketchfill.app.document import Sketch

    session.save(tmp_path / "other.json", Sketch(class_name="moon"))
    stroke(window, 0)
    window.autosave.write_now()
    window.dialogs.unsaved_answer = "discard"
    window.dialogs.paths = [str(tmp_path / "other.json")]
    assert window.files.open_session()
    assert not window.autosave.autosave.path.exists()
