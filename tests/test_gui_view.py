"""The View menu: zoom in / out / fit / 100% with the zoom shown in the status bar, the shadow
and the side panel shown or hidden; the class list sorted by display name."""

from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtTest import QTest

from tests.conftest import TINY_CLASSES


def view_menu(window):
    [menu] = [a.menu() for a in window.menuBar().actions() if a.text() == "&View"]
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def test_the_view_menu_holds_zoom_shadow_and_panel(window):
    assert view_menu(window) == ["Zoom &In", "Zoom &Out", "&Fit to Window",
                                 "&Actual Size (100%)", "Show S&hadow", "Show Side &Panel"]


def test_zoom_keys_show_the_zoom_in_the_status_bar(qtbot, window):
    canvas = window.canvas
    canvas.setFocus()
    fitted = canvas.zoom_percent()
    assert window.zoom.text() == f"{fitted}%"
    QTest.keyClick(canvas, Qt.Key_Equal, Qt.ControlModifier)
    assert abs(canvas.zoom_percent() - fitted * 1.25) <= 1
    assert window.zoom.text() == f"{canvas.zoom_percent()}%"
    QTest.keyClick(canvas, Qt.Key_1, Qt.ControlModifier)
    assert canvas.zoom_percent() == 100 and window.zoom.text() == "100%"
    QTest.keyClick(canvas, Qt.Key_0, Qt.ControlModifier)
    assert canvas.zoom() == 1.0 and window.zoom.text() == f"{fitted}%"


def test_show_and_hide_the_shadow_and_the_side_panel(qtbot, window):
    window.actions.show_shadow.trigger()
    assert window.canvas._opacity == 0.0
    window.actions.show_shadow.trigger()
    assert window.canvas._opacity == window.controller.overlay.opacity
    panel = window.dock.toggleViewAction()
    panel.trigger()
    assert not window.dock.isVisible()
    panel.trigger()
    assert window.dock.isVisible()


def test_classes_are_listed_by_display_name_and_stepped_in_that_order(qtbot, window):
    classes = window.panel.classes
    shown = [classes.itemText(i) for i in range(classes.count())]
    assert shown == sorted(shown) == ["Moon", "Orange", "Watermelon"]
    assert window.controller.info.classes == TINY_CLASSES  # the engine's order unchanged
    assert window.controller.sketch.class_name == "orange"
    window.actions.next_class.trigger()
    assert window.controller.sketch.class_name == "watermelon"
    window.actions.next_class.trigger()
    assert window.controller.sketch.class_name == "moon"  # wraps to the first listed
