"""Accept merges the completion of the sketch as it is now, never an older one."""
from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication

from sketchfill.gui import controller
from tests.gui_support import WAIT_MS, drag, wait_idle
from tests.test_gui_main_window import CIRCLE


def test_accept_while_a_newer_request_is_pending_waits_for_its_answer(qtbot, window, monkeypatch):
    c = window.controller
    merged = []  # (seq of the result merged, newest request sent) at merge time
    real = controller.strokes_from_outline

    def record(outline, ink):
        merged.append((c.result.seq, c.sent_seq))
        return real(outline, ink)

    monkeypatch.setattr(controller, "strokes_from_outline", record)
    window.canvas.setFocus()
    drag(window.canvas, CIRCLE[:4])
    wait_idle(qtbot, window)
    old = c.result.seq
    drag(window.canvas, CIRCLE[3:])  # a newer sketch; its request is not answered yet
    QTest.keyClick(window.canvas, Qt.Key_A)
    assert not merged, "merged the completion of the older sketch"
    assert QApplication.overrideCursor() is not None  # the busy cue
    assert "waiting" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: bool(merged), timeout=WAIT_MS)
    [(seq, newest)] = merged
    assert seq == newest > old
    assert QApplication.overrideCursor() is None


def test_new_drops_a_waiting_accept(qtbot, window, monkeypatch):
    c = window.controller
    merged = []
    monkeypatch.setattr(controller, "strokes_from_outline", lambda *a: merged.append(a) or ())
    window.dialogs.confirm_answer = True
    drag(window.canvas, CIRCLE)
    window.actions.accept.trigger()
    window.actions.new.trigger()
    qtbot.waitUntil(c.is_idle, timeout=WAIT_MS)
    assert not merged and c.sketch.strokes == ()
    assert QApplication.overrideCursor() is None


def test_closing_while_accept_waits_restores_the_cursor(qtbot, window):
    drag(window.canvas, CIRCLE)
    window.actions.accept.trigger()
    assert QApplication.overrideCursor() is not None
    window.close()
    assert QApplication.overrideCursor() is None


def test_after_accept_no_stub_of_the_merged_completion_lingers(qtbot, window, monkeypatch):
    from sketchfill.app.document import Stroke

    traced = (Stroke("pen", 4.0, ((100.0, 400.0, 1.0), (300.0, 420.0, 1.0))),)
    monkeypatch.setattr(controller, "strokes_from_outline", lambda outline, ink: traced)
    c = window.controller
    shown = []
    c.shadow_changed.connect(lambda pixels: shown.append((pixels, c.result and c.result.seq)))
    window.canvas.setFocus()
    drag(window.canvas, CIRCLE[:4])
    wait_idle(qtbot, window)
    before = c.sent_seq
    shown.clear()
    QTest.keyClick(window.canvas, Qt.Key_A)
    assert len(c.sketch.strokes) > 1  # merged
    assert shown and shown[0][0] is None  # the old shadow goes at once
    wait_idle(qtbot, window)
    pixels, seq = shown[-1]
    assert seq == c.sent_seq > before and pixels is not None  # the new sketch's shadow
    assert all(p is None for p, s in shown if s == before)  # none of the old in between
