"""The Move tool: a drag paints two cached layers (no redraw of every stroke per mouse move),
Delete removes the selection, Escape drops it, Ctrl+A selects every stroke."""
from __future__ import annotations

import pytest
from PyQt5.QtCore import QEvent, Qt
from PyQt5.QtGui import QColor
from PyQt5.QtTest import QTest

from sketchfill.app.document import Sketch, Stroke
from tests.gui_support import drag, mouse, widget_pos


def line(x: float, y: float) -> Stroke:
    return Stroke("pen", 8.0, ((x, y, 1.0), (x + 60, y, 1.0)))


def ink_at(canvas, x: float, y: float) -> int:
    """Darkness 0..255 of the canvas on screen at canvas point (x, y)."""
    image = canvas.grab().toImage()
    p = widget_pos(canvas, x, y).toPoint() * canvas.devicePixelRatioF()
    return 255 - QColor(image.pixel(p)).lightness()


def test_a_drag_paints_the_moved_strokes_without_redrawing_every_stroke(qtbot, window):
    canvas = window.canvas
    strokes = tuple(line(20, 20 + 4 * i) for i in range(100)) + (line(300, 300),)
    window.controller.reset(Sketch(strokes=strokes))
    window.actions.move.trigger()
    drag(canvas, [(290, 290), (370, 310)])  # band around the last stroke
    assert canvas.selection() == (100,)
    redraws = []
    real = canvas._ink.reset
    canvas._ink.reset = lambda *a: (redraws.append(1), real(*a))[1]
    mouse(canvas, QEvent.MouseButtonPress, 330, 300)
    for k in range(1, 11):
        mouse(canvas, QEvent.MouseMove, 330, 300 + 10 * k, Qt.NoButton, Qt.LeftButton)
    assert redraws == []  # per mouse move: two cached layers, not 101 strokes
    assert ink_at(canvas, 330, 400) > 200 and ink_at(canvas, 330, 300) < 50
    assert ink_at(canvas, 40, 60) > 200  # the strokes that stay are still there
    mouse(canvas, QEvent.MouseButtonRelease, 330, 400, Qt.LeftButton, Qt.NoButton)
    assert window.controller.sketch.strokes[100].points[0][:2] == pytest.approx((300, 400))


def test_delete_escape_and_select_all(qtbot, window):
    canvas, c = window.canvas, window.controller
    c.reset(Sketch(strokes=(line(20, 20), line(20, 200), line(300, 300))))
    canvas.setFocus()
    QTest.keyClick(canvas, Qt.Key_A, Qt.ControlModifier)
    assert canvas.tool() == "move" and canvas.selection() == (0, 1, 2)
    QTest.keyClick(canvas, Qt.Key_Escape)
    assert canvas.selection() == ()
    drag(canvas, [(10, 190), (100, 210)])
    assert canvas.selection() == (1,)
    QTest.keyClick(canvas, Qt.Key_Delete)
    assert c.sketch.strokes == (line(20, 20), line(300, 300)) and canvas.selection() == ()
    window.actions.undo.trigger()
    assert len(c.sketch.strokes) == 3
