"""The drawing pad alone (gui/canvas.py): mouse, tablet pressure, eraser, wheel, move tool."""

from __future__ import annotations

import pytest
from PyQt5.QtCore import QEvent, QPointF, Qt
from PyQt5.QtGui import QTabletEvent

from sketchfill.app.document import Sketch
from sketchfill.gui.canvas import Canvas
from tests.gui_support import drag, tablet, tablet_stroke, wheel


def wheel_at(canvas: Canvas, pos: QPointF, steps: int, modifiers) -> None:
    from PyQt5.QtCore import QPoint
    from PyQt5.QtGui import QWheelEvent
    from PyQt5.QtWidgets import QApplication
    event = QWheelEvent(pos, canvas.mapToGlobal(pos.toPoint()), QPoint(), QPoint(0, 120 * steps),
                        Qt.NoButton, modifiers, Qt.NoScrollPhase, False)
    QApplication.sendEvent(canvas, event)


@pytest.fixture
def canvas(qtbot) -> Canvas:
    widget = Canvas()
    qtbot.addWidget(widget)
    widget.resize(300, 300)
    widget.show()
    finished = []
    widget.stroke_finished.connect(finished.append)
    widget.stroke_finished.connect(lambda s: widget.set_sketch(widget.sketch().with_stroke(s)))
    widget.finished = finished  # type: ignore[attr-defined]
    return widget


def test_canvas_keeps_square_paper(canvas):
    canvas.resize(500, 300)
    paper = canvas.paper_rect()
    assert paper.width() == pytest.approx(paper.height()) and paper.height() <= 300
    p = canvas.to_canvas(canvas.to_widget(canvas.to_canvas(paper.center())))
    assert (p.x(), p.y()) == pytest.approx((256, 256))


def test_mouse_drag_draws_a_pen_stroke(canvas, qtbot):
    live = []
    canvas.stroke_changed.connect(live.append)
    canvas.set_brush(9)
    canvas.set_smoothing(False)
    drag(canvas, [(100, 100), (150, 120), (200, 160)])
    [stroke] = canvas.finished
    assert stroke.tool == "pen" and stroke.width == 9
    assert [p[2] for p in stroke.points] == [1.0, 1.0, 1.0]
    assert stroke.points[-1][:2] == pytest.approx((200, 160), abs=0.5)
    assert len(live) == 3 and canvas.live_stroke() is None


def test_right_button_erases(canvas):
    drag(canvas, [(100, 100), (300, 300)], button=Qt.RightButton)
    assert canvas.finished[0].tool == "eraser"


def test_eraser_tool(canvas):
    canvas.set_tool("eraser")
    drag(canvas, [(100, 100), (300, 300)])
    assert canvas.finished[0].tool == "eraser"


def test_tablet_pressure_sets_widths(canvas):
    canvas.set_brush(20)
    canvas.set_smoothing(False)
    tablet_stroke(canvas, [(100, 100, 0.2), (150, 100, 0.5), (200, 100, 1.0)])
    [stroke] = canvas.finished
    assert [p[2] for p in stroke.points] == pytest.approx([0.2, 0.5, 1.0])
    assert stroke.segment_widths() == pytest.approx([4.0, 10.0, 20.0])


def test_tablet_eraser_end_erases_and_events_are_accepted(canvas):
    assert tablet(canvas, QEvent.TabletPress, 50, 50, 0.7, QTabletEvent.Eraser)
    tablet(canvas, QEvent.TabletRelease, 80, 80, 0.7, QTabletEvent.Eraser)
    assert canvas.finished[0].tool == "eraser"


def test_wheel_steps_brush_and_alt_wheel_cycles(canvas):
    brush, cycle = [], []
    canvas.brush_step.connect(brush.append)
    canvas.cycle_step.connect(cycle.append)
    wheel(canvas, 2)
    wheel(canvas, -1, Qt.AltModifier)
    assert brush == [2] and cycle == [1] and canvas.zoom() == 1.0


def _on_screen(canvas, x: float, y: float) -> QPointF:
    """Widget position of canvas point (x, y), worked out from the fitted paper and the view's
    zoom about the widget centre and pan, independently of Canvas.to_widget."""
    fit, z, pan = canvas.fitted_rect(), canvas.zoom(), canvas._pan
    s = fit.width() / canvas.sketch().width
    cx, cy = canvas.width() / 2, canvas.height() / 2
    return QPointF(cx + (fit.x() + x * s - cx) * z + pan.x(),
                   cy + (fit.y() + y * s - cy) * z + pan.y())


def _send_mouse(canvas, kind, pos: QPointF, button, buttons) -> None:
    from PyQt5.QtGui import QMouseEvent
    from PyQt5.QtWidgets import QApplication
    QApplication.sendEvent(canvas, QMouseEvent(kind, pos, button, buttons, Qt.NoModifier))


def test_ctrl_wheel_zooms_about_the_pointer_and_strokes_land_where_drawn(canvas):
    pointer = canvas.to_widget(QPointF(100, 150))
    wheel_at(canvas, pointer, 3, Qt.ControlModifier)
    assert canvas.zoom() == pytest.approx(1.25**3)
    still = canvas.to_canvas(pointer)
    assert (still.x(), still.y()) == pytest.approx((100, 150))      # the point under the pointer
    canvas.pan_by(QPointF(-40, 25))
    canvas.set_smoothing(False)
    points = [(120, 160), (180, 200), (240, 150)]
    _send_mouse(canvas, QEvent.MouseButtonPress, _on_screen(canvas, *points[0]), Qt.LeftButton,
                Qt.LeftButton)
    for x, y in points[1:]:
        _send_mouse(canvas, QEvent.MouseMove, _on_screen(canvas, x, y), Qt.NoButton, Qt.LeftButton)
    _send_mouse(canvas, QEvent.MouseButtonRelease, _on_screen(canvas, *points[-1]), Qt.LeftButton,
                Qt.NoButton)
    [stroke] = canvas.finished
    assert [p[:2] for p in stroke.points] == [pytest.approx(p, abs=1e-6) for p in points]


def test_shadow_and_strokes_are_drawn_at_the_same_zoomed_place(canvas):
    from PyQt5.QtGui import QColor, QImage, QPainter
    canvas.zoom_by(2.0)
    canvas.pan_by(QPointF(30, -20))
    w, h = canvas.device_paper_size()
    shadow = QImage(w, h, QImage.Format_ARGB32_Premultiplied)
    shadow.fill(Qt.transparent)
    painter = QPainter(shadow)
    s = w / canvas.sketch().width
    painter.fillRect(round(200 * s), round(250 * s), round(20 * s), round(20 * s), QColor("black"))
    painter.end()
    canvas.set_shadow(shadow)
    canvas.set_opacity(1.0)
    canvas.set_brush(12)
    drag(canvas, [(300, 250), (330, 250)])
    grab = canvas.grab().toImage()
    dpr = grab.devicePixelRatio()

    def gray(x: float, y: float) -> int:
        at = _on_screen(canvas, x, y)
        return QColor(grab.pixel(round(at.x() * dpr), round(at.y() * dpr))).value()

    assert gray(210, 260) < 120 and gray(315, 250) < 120          # shadow square, stroke
    assert gray(230, 260) > 200 and gray(190, 260) > 200 and gray(315, 270) > 200


def _edge_width(canvas: Canvas, y: float) -> float:
    """Screen px over which the ink at canvas row `y` (at x = 200) goes from paper to ink:
    about 1-2 px for crisp strokes, about the zoom for an enlarged layer."""
    from PyQt5.QtGui import QColor
    grab = canvas.grab().toImage()
    dpr = grab.devicePixelRatio()
    at = _on_screen(canvas, 200, y)
    column = [QColor(grab.pixel(round(at.x() * dpr), r)).value() for r in range(grab.height())]
    return sum(40 < v < 215 for v in column) / 2            # two edges of one stroke


def test_zoomed_in_strokes_are_painted_again_crisp_not_enlarged(canvas):
    canvas.set_brush(6)
    canvas.set_smoothing(False)
    drag(canvas, [(150, 250), (250, 250)])
    fitted = canvas._ink.image.size()
    canvas.zoom_by(4.0, canvas.to_widget(QPointF(200, 250)))
    w, h = canvas.layer_size()
    assert (canvas._ink.image.width(), canvas._ink.image.height()) == (w, h)
    assert w == pytest.approx(4 * fitted.width(), abs=2)
    assert _edge_width(canvas, 250) <= 2.0
    canvas.fit_view()
    assert canvas._ink.image.size() == fitted


def test_space_drag_and_middle_button_pan_without_drawing(canvas, qtbot):
    before = canvas.paper_rect().topLeft()
    qtbot.keyPress(canvas, Qt.Key_Space)
    drag(canvas, [(100, 100), (150, 130)])
    qtbot.keyRelease(canvas, Qt.Key_Space)
    moved = canvas.paper_rect().topLeft() - before
    assert canvas.finished == [] and moved.x() > 0 and moved.y() > 0
    drag(canvas, [(100, 100), (80, 100)], button=Qt.MiddleButton)
    assert canvas.finished == [] and canvas.paper_rect().topLeft().x() < before.x() + moved.x()
    drag(canvas, [(100, 100), (150, 130)])
    assert len(canvas.finished) == 1                                # Space released: draws again


def test_zoom_keys_and_fit(canvas, qtbot):
    canvas.activateWindow()
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key_Equal, Qt.ControlModifier)
    assert canvas.zoom() == pytest.approx(1.25)
    qtbot.keyClick(canvas, Qt.Key_Minus, Qt.ControlModifier)
    qtbot.keyClick(canvas, Qt.Key_Minus, Qt.ControlModifier)
    assert canvas.zoom() == pytest.approx(0.8)
    canvas.pan_by(QPointF(10, 10))
    qtbot.keyClick(canvas, Qt.Key_0, Qt.ControlModifier)
    assert canvas.zoom() == 1.0 and canvas.paper_rect() == canvas.fitted_rect()


def test_move_tool_selects_and_drags(canvas):
    moves = []
    canvas.move_finished.connect(lambda i, dx, dy: moves.append((i, dx, dy)))
    drag(canvas, [(100, 100), (120, 100)])
    drag(canvas, [(300, 300), (320, 300)])
    canvas.set_tool("move")
    drag(canvas, [(90, 90), (130, 130)])  # rubber band around the first stroke
    assert canvas.selection() == (0,)
    drag(canvas, [(110, 100), (140, 150)])  # drag inside the selection
    [(indices, dx, dy)] = moves
    assert indices == (0,) and (dx, dy) == pytest.approx((30, 50), abs=0.5)


def test_selection_and_moves_map_through_the_zoomed_view(canvas):
    moves = []
    canvas.move_finished.connect(lambda i, dx, dy: moves.append((i, dx, dy)))
    drag(canvas, [(100, 100), (120, 100)])
    drag(canvas, [(300, 300), (320, 300)])
    canvas.zoom_by(2.5)
    canvas.pan_by(QPointF(120, 90))
    canvas.set_tool("move")

    def drag_on_screen(a, b) -> None:
        _send_mouse(canvas, QEvent.MouseButtonPress, _on_screen(canvas, *a), Qt.LeftButton,
                    Qt.LeftButton)
        _send_mouse(canvas, QEvent.MouseMove, _on_screen(canvas, *b), Qt.NoButton, Qt.LeftButton)
        _send_mouse(canvas, QEvent.MouseButtonRelease, _on_screen(canvas, *b), Qt.LeftButton,
                    Qt.NoButton)

    drag_on_screen((90, 90), (130, 130))                  # a band around the first stroke
    assert canvas.selection() == (0,)
    box = canvas._selection_rect()                        # drawn around the stroke's bounds
    left, top, right, bottom = canvas.sketch().strokes[0].bounds()
    top_left, bottom_right = _on_screen(canvas, left, top), _on_screen(canvas, right, bottom)
    assert (box.left(), box.top()) == pytest.approx((top_left.x(), top_left.y()))
    assert (box.right(), box.bottom()) == pytest.approx((bottom_right.x(), bottom_right.y()))
    drag_on_screen((110, 100), (140, 150))
    [(indices, dx, dy)] = moves
    assert indices == (0,) and (dx, dy) == pytest.approx((30, 50), abs=1e-6)


def test_strokes_are_painted_at_once_and_set_sketch_redraws(canvas):
    drag(canvas, [(100, 100), (200, 100)])
    on_stroke = canvas.to_widget(QPointF(150, 100)) * canvas.devicePixelRatioF()  # device px
    assert canvas.grab().toImage().pixelColor(on_stroke.toPoint()).name() == "#000000"
    canvas.set_sketch(Sketch())
    assert canvas.grab().toImage().pixelColor(on_stroke.toPoint()).name() == "#ffffff"


def test_zoomed_views_stay_aligned_on_a_hidpi_screen():
    """The zoom, pan and mapping tests again with Qt scaling the screen by 2 (own process:
    the factor is read when the QApplication starts)."""
    import os
    import subprocess
    import sys
    env = {**os.environ, "QT_SCALE_FACTOR": "2", "QT_QPA_PLATFORM": "offscreen"}
    tests = "zoom or shadow_and_strokes or pan or painted_at_once or smooth or selection_and"
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                          __file__, "-k", f"({tests}) and not hidpi"],
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:]
    assert " passed" in run.stdout and "8 passed" in run.stdout, run.stdout[-500:]


def test_touchpad_wheel_deltas_add_up_to_notches(canvas):
    from PyQt5.QtCore import QPoint
    from PyQt5.QtGui import QWheelEvent
    from PyQt5.QtWidgets import QApplication

    steps = []
    canvas.brush_step.connect(steps.append)
    pos = canvas.to_widget(QPointF(100, 100))
    for _ in range(5):
        event = QWheelEvent(
            pos, pos, QPoint(), QPoint(0, 40), Qt.NoButton, Qt.NoModifier, Qt.ScrollUpdate, False
        )
        QApplication.sendEvent(canvas, event)
    assert steps == [1]  # 200 units: one notch, 80 kept for later


def test_a_fast_mouse_circle_is_drawn_as_a_smooth_curve(canvas):
    """18 samples of a circle (a quick 60 Hz mouse): the stroke follows the circle, not the
    18-gon through the samples, and each live update only appends points."""
    import math
    live = []
    canvas.stroke_changed.connect(live.append)
    assert canvas.smoothing()                                          # on by default
    samples = [(150 + 100 * math.cos(a), 150 + 100 * math.sin(a))
               for a in (2 * math.pi * i / 18 for i in range(19))]
    drag(canvas, samples)
    [stroke] = canvas.finished
    radii = [math.hypot(x - 150, y - 150) for x, y, _ in stroke.points]
    # The 18-gon's chords sag 1.5 px inside the circle halfway between samples; the curve
    # stays within 0.2 px of it (0.8 px on the two end segments, which lack a neighbour).
    inner = radii[len(radii) // 18:-len(radii) // 18]
    assert len(stroke.points) > 100 and max(abs(r - 100) for r in radii) < 0.8
    assert max(abs(r - 100) for r in inner) < 0.2
    assert all(a.points == b.points[:len(a.points)] for a, b in zip(live, live[1:]))
    assert live[-1] == stroke


def test_a_lifting_pen_keeps_the_tails_width(canvas):
    canvas.set_brush(10)
    tablet_stroke(canvas, [(100, 100, 0.6), (150, 100, 0.8), (200, 100, 0.0)])
    [stroke] = canvas.finished
    assert min(stroke.segment_widths()) == pytest.approx(6.0)         # not a 1 px hair


def test_the_ink_layer_cuts_a_stroke_by_its_own_gaps_only(qapp):
    from PyQt5.QtCore import QSize
    from PyQt5.QtGui import QColor

    from sketchfill.app.document import Stroke as S
    from sketchfill.gui.ink_layer import InkLayer

    below = S("pen", 8.0, ((50.0, 10.0, 1.0), (50.0, 90.0, 1.0)))           # not cut
    eraser = S("eraser", 10.0, ((30.0, 50.0, 1.0), (70.0, 50.0, 1.0)))
    cut = S("pen", 8.0, ((10.0, 50.0, 1.0), (90.0, 50.0, 1.0)), erased=(eraser,))
    layer = InkLayer()
    layer.reset(QSize(100, 100), 1.0, 1.0, (below, cut), (below, cut))
    def alpha(x: int, y: int) -> int:
        return QColor.fromRgba(layer.image.pixel(x, y)).alpha()

    assert alpha(40, 50) == 0 and alpha(20, 50) > 200 and alpha(50, 30) > 200
    assert alpha(50, 50) > 200                       # the stroke below shows through the gap
