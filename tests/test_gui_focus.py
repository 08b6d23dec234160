"""The side panel's fields give the keyboard back: Return / Escape return to the drawing, and
the drawing's keys work while a field has the focus (real key events)."""

from __future__ import annotations

import pytest
from PyQt5.QtCore import QEvent, Qt
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication

from tests.gui_support import WAIT_MS, drag, mouse


def focus(qtbot, widget) -> None:
    widget.window().activateWindow()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=WAIT_MS)


def type_brush(qtbot, window, text: str) -> None:
    spin = window.panel.brush
    focus(qtbot, spin)
    spin.selectAll()
    QTest.keyClicks(spin, text)


@pytest.mark.parametrize("key", [Qt.Key_Return, Qt.Key_Enter, Qt.Key_Escape])
def test_return_or_escape_in_the_brush_field_goes_back_to_the_drawing(qtbot, window, key):
    type_brush(qtbot, window, "12")
    assert window.panel.brush.hasFocus()
    QTest.keyClick(window.panel.brush, key)
    qtbot.waitUntil(window.canvas.hasFocus, timeout=WAIT_MS)
    assert window.canvas.brush() == 12


def test_escape_in_a_field_does_not_drop_the_selection(qtbot, window):
    drag(window.canvas, [(100, 100), (300, 200)])
    window.actions.select_all.trigger()
    focus(qtbot, window.panel.mode)
    QTest.keyClick(window.panel.mode, Qt.Key_Escape)
    qtbot.waitUntil(window.canvas.hasFocus, timeout=WAIT_MS)
    assert window.canvas.selection() == (0,)


def test_drawing_keys_work_while_the_brush_field_has_the_focus(qtbot, window):
    drag(window.canvas, [(100, 100), (300, 200)])
    type_brush(qtbot, window, "20")
    spin = window.panel.brush
    QTest.keyClick(spin, Qt.Key_BracketLeft)
    assert window.canvas.brush() == 17 and spin.value() == 17  # [ : smaller, not typed
    QTest.keyClick(spin, Qt.Key_BracketRight)
    assert window.canvas.brush() == 20
    QTest.keyClick(spin, Qt.Key_Z, Qt.ControlModifier)
    assert window.controller.sketch.strokes == ()  # the drawing's undo, not the field's
    QTest.keyClick(spin, Qt.Key_E)
    assert window.canvas.tool() == "eraser"
    QTest.keyClick(spin, Qt.Key_Backspace)  # still a field one can type in
    QTest.keyClicks(spin, "5")
    assert spin.value() == 25 and spin.hasFocus()


def test_tools_from_the_class_list(qtbot, window):
    focus(qtbot, window.panel.classes)
    QTest.keyClick(window.panel.classes, Qt.Key_M)
    assert window.canvas.tool() == "move"
    QTest.keyClick(window.panel.classes, Qt.Key_P)
    assert window.canvas.tool() == "pen"


def test_space_drag_pans_while_a_field_has_the_focus(qtbot, window):
    canvas = window.canvas
    type_brush(qtbot, window, "8")
    before = canvas.paper_rect().topLeft()
    QTest.keyPress(window.panel.brush, Qt.Key_Space)
    assert window.panel.brush.value() == 8  # no blank typed
    mouse(canvas, QEvent.MouseButtonPress, 100, 100)
    mouse(canvas, QEvent.MouseMove, 150, 130, Qt.NoButton, Qt.LeftButton)
    mouse(canvas, QEvent.MouseButtonRelease, 150, 130, Qt.LeftButton, Qt.NoButton)
    QTest.keyRelease(QApplication.focusWidget(), Qt.Key_Space)
    assert window.controller.sketch.strokes == ()  # panned, not drawn
    assert canvas.paper_rect().topLeft() != before
    drag(canvas, [(100, 100), (200, 200)])  # Space released: the left button draws again
    assert len(window.controller.sketch.strokes) == 1
