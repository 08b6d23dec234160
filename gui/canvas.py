"""The drawing pad: mouse and tablet input, the shadow under the strokes, the move tool.

The canvas is a fixed logical rectangle (the sketch's width × height in canvas pixels) scaled to
fit the widget, then zoomed (Ctrl+wheel, Ctrl+= / Ctrl+-, Ctrl+0 to fit) and panned (Space+drag,
middle button). The ink and shadow layers stay at the fitted size's device pixels and are drawn
through the same view rectangle as the strokes' coordinates, so they stay aligned at any zoom.
Strokes are painted on the UI thread the moment a point arrives, into an ink layer at device
resolution; the widget itself computes no edits, it reports finished strokes and
moves as signals and shows whatever sketch and shadow it is given.
"""

from __future__ import annotations

from PyQt5.QtCore import QPointF, QRectF, QSize, Qt, pyqtSignal
from PyQt5.QtGui import (
    QColor,
    QCursor,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
    QTabletEvent,
    QWheelEvent,
)
from PyQt5.QtWidgets import QAction, QSizePolicy, QWidget

from sketchfill.app.document import Point, Sketch, Stroke
from sketchfill.app.smoothing import Smoother, Stabiliser
from sketchfill.gui.ink_layer import InkLayer, move_layers

MARGIN = 8  # logical px of desk around the paper
PAPER_COLOUR = QColor(255, 255, 255)
SELECTION_COLOUR = QColor(30, 120, 220)
TOOLS = ("pen", "eraser", "move")
WHEEL_NOTCH = 120  # angleDelta units per wheel notch (Qt's convention)
ZOOM_STEP = 1.25  # per wheel notch or key press
ZOOM_RANGE = (0.25, 8.0)  # times the fitted size
# Zoomed in, the ink is painted again at the zoomed resolution (crisp, not enlarged), up to
# layers of this many device px a side (64 MB); beyond it the layer is enlarged on screen.
LAYER_MAX_SIDE = 4096


class Canvas(QWidget):
    stroke_changed = pyqtSignal(object)  # Stroke: the stroke being drawn, after each new point
    stroke_finished = pyqtSignal(object)  # Stroke: pen lifted
    move_finished = pyqtSignal(object, float, float)  # tuple of stroke indices, dx, dy
    brush_step = pyqtSignal(int)  # wheel without modifier: +1 bigger / -1 smaller
    cycle_step = pyqtSignal(int)  # Alt + wheel: next / previous completion
    resized = pyqtSignal()  # the paper's device-pixel size may have changed
    zoomed = pyqtSignal(int)  # the zoom in percent (zoom_percent) after a zoom or a resize

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        self.setAttribute(Qt.WA_TabletTracking, False)
        self.setMouseTracking(False)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(200, 200)
        self.setFocusPolicy(Qt.StrongFocus)
        self._sketch = Sketch()
        self._tool = "pen"
        self._brush = 6.0
        self._opacity = 0.6
        self._shadow: QImage | None = None  # translucent ARGB at canvas size
        self._shadow_scaled: QImage | None = None  # the same at device size, cached
        self._ink = InkLayer()
        self._just_finished: Stroke | None = None  # painted live, being committed right now
        self._live: Stroke | None = None  # stroke being drawn
        self._smoothing = True  # curves through the pen's samples (set_smoothing)
        self._smoother: Smoother | None = None  # of the live stroke, when smoothing
        self._stabilising = 0  # the stabiliser's strength, 0 = off (set_stabiliser)
        self._stabiliser: Stabiliser | None = None  # of the live stroke, when stabilising
        self._selection: tuple[int, ...] = ()
        self._band: tuple[QPointF, QPointF] | None = None  # rubber band, canvas coords
        self._drag: tuple[QPointF, QPointF] | None = None  # (press, current), canvas coords
        self._drag_layers: tuple[QImage, QImage] | None = None  # (staying, moving) while dragging
        self._drag_bounds: QRectF | None = None  # the selection's bounds when the drag began
        self._wheel = 0  # wheel angle not yet turned into steps
        self._zoom = 1.0  # view scale over the fitted paper
        self._pan = QPointF()  # view offset in widget px
        self._space = False  # Space held: the left button pans
        self._pan_from: QPointF | None = None  # widget position of the last pan event
        self._add_zoom_actions()
        self._update_cursor()

    def _add_zoom_actions(self) -> None:
        """Ctrl+= / Ctrl++ zoom in, Ctrl+- out, Ctrl+0 fits, Ctrl+1 shows one canvas pixel per
        screen pixel, wherever the focus is in the window (the window's View menu lists them)."""
        self.zoom_actions: list[QAction] = []
        for text, keys, slot in (
            ("Zoom &In", ("Ctrl+=", "Ctrl++"), lambda: self.zoom_by(ZOOM_STEP)),
            ("Zoom &Out", ("Ctrl+-",), lambda: self.zoom_by(1 / ZOOM_STEP)),
            ("&Fit to Window", ("Ctrl+0",), self.fit_view),
            ("&Actual Size (100%)", ("Ctrl+1",), lambda: self.zoom_to_scale(1.0)),
        ):
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.WindowShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            self.zoom_actions.append(action)

    # ---- what the canvas shows -------------------------------------------------------------
    def sketch(self) -> Sketch:
        return self._sketch

    def set_sketch(self, sketch: Sketch) -> None:
        size_changed = (sketch.width, sketch.height) != (self._sketch.width, self._sketch.height)
        self._sketch = sketch
        self._selection = tuple(i for i in self._selection if i < len(sketch.strokes))
        if size_changed or not self._extend_layer(sketch.strokes):
            self._render_layer()
        self.update()

    def set_shadow(self, image: QImage | None) -> None:
        self._shadow, self._shadow_scaled = image, None
        self.update()

    def set_opacity(self, opacity: float) -> None:
        self._opacity = opacity
        self.update()

    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS:
            raise ValueError(f"tool must be one of {TOOLS}, got {tool!r}")
        self._tool = tool
        self._selection, self._band = (), None
        self._update_cursor()
        self.update()

    def tool(self) -> str:
        return self._tool

    def set_brush(self, width: float) -> None:
        self._brush = width
        self._update_cursor()

    def _update_cursor(self) -> None:
        """A circle the size of the brush on screen (pen, eraser); a hand for moving."""
        if self._tool == "move":
            self.setCursor(Qt.OpenHandCursor)
            return
        dpr = self.devicePixelRatioF()
        diameter = max(4.0, self._brush * self.scale())  # logical pixels
        side = int(diameter * dpr) + 4
        pixmap = QPixmap(side, side)
        pixmap.setDevicePixelRatio(dpr)
        pixmap.fill(Qt.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.Antialiasing)
        centre, r = QPointF(side / dpr / 2, side / dpr / 2), diameter / 2
        for colour, width in ((Qt.white, 3.0), (Qt.black, 1.0)):  # visible on ink and on paper
            painter.setPen(QPen(colour, width / dpr if dpr > 1 else width))
            painter.drawEllipse(centre, r, r)
        painter.end()
        self.setCursor(QCursor(pixmap))

    def brush(self) -> float:
        return self._brush

    def selection(self) -> tuple[int, ...]:
        return self._selection

    def select(self, indices: tuple[int, ...]) -> None:
        """Select strokes for the Move tool (Ctrl+A; an empty tuple drops the selection)."""
        if self._drag is None:
            self._selection, self._band = tuple(indices), None
            self.update()

    def live_stroke(self) -> Stroke | None:
        return self._live

    def sizeHint(self) -> QSize:
        return QSize(560, 560)

    # ---- geometry ------------------------------------------------------------------------------
    def fitted_rect(self) -> QRectF:
        """The largest centred fit of the canvas in the widget, aspect kept (zoom 1, no pan)."""
        w, h = self._sketch.width, self._sketch.height
        avail_w, avail_h = self.width() - 2 * MARGIN, self.height() - 2 * MARGIN
        scale = max(min(avail_w / w, avail_h / h), 0.01)
        x = (self.width() - w * scale) / 2
        y = (self.height() - h * scale) / 2
        return QRectF(x, y, w * scale, h * scale)

    def paper_rect(self) -> QRectF:
        """Where the canvas lies in widget coordinates: the fit, zoomed about the widget's
        centre and panned."""
        fit, z = self.fitted_rect(), self._zoom
        centre = QPointF(self.width() / 2, self.height() / 2)
        top_left = centre + (fit.topLeft() - centre) * z + self._pan
        return QRectF(top_left.x(), top_left.y(), fit.width() * z, fit.height() * z)

    def device_paper_size(self) -> tuple[int, int]:
        """(width, height) of the fitted paper in device pixels: the ink layer's and shadow's
        size (zooming scales them on screen, it does not remake them)."""
        paper, dpr = self.fitted_rect(), self.devicePixelRatioF()
        return (max(1, round(paper.width() * dpr)), max(1, round(paper.height() * dpr)))

    def layer_zoom(self) -> float:
        """How much finer than the fitted paper the ink layer is painted: the zoom when
        zoomed in (so strokes stay crisp), capped at LAYER_MAX_SIDE; 1 when zoomed out."""
        side = max(self.device_paper_size())
        return min(max(self._zoom, 1.0), max(1.0, LAYER_MAX_SIDE / side))

    def layer_size(self) -> tuple[int, int]:
        """(width, height) in device pixels of the ink layer and the Move layers."""
        z = self.layer_zoom()
        return tuple(max(1, round(v * z)) for v in self.device_paper_size())

    def layer_scale(self) -> float:
        """Logical layer px per canvas px (the layer's painter scale)."""
        return self.fitted_rect().width() / self._sketch.width * self.layer_zoom()

    def scale(self) -> float:
        """Widget px per canvas px on screen (zoom included)."""
        return self.paper_rect().width() / self._sketch.width

    def zoom(self) -> float:
        return self._zoom

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom by `factor` keeping the canvas point under `anchor` (widget px; default the
        widget's centre) where it is."""
        anchor = QPointF(self.width() / 2, self.height() / 2) if anchor is None else anchor
        fixed = self.to_canvas(anchor)
        self._zoom = min(max(self._zoom * factor, ZOOM_RANGE[0]), ZOOM_RANGE[1])
        self._pan += anchor - self.to_widget(fixed)
        self._zoom_changed()

    def fit_view(self) -> None:
        self._zoom, self._pan = 1.0, QPointF()
        self._zoom_changed()

    def zoom_to_scale(self, scale: float) -> None:
        """Zoom about the widget's centre until a canvas pixel is `scale` widget pixels."""
        fitted = self.fitted_rect().width() / self._sketch.width
        self.zoom_by(scale / (fitted * self._zoom))

    def zoom_percent(self) -> int:
        """Widget pixels per 100 canvas pixels on screen: 100 at Actual Size."""
        return round(self.scale() * 100)

    def _zoom_changed(self) -> None:
        if self._ink.image.size() != QSize(*self.layer_size()):
            self._render_layer()
        self._update_cursor()
        self.update()
        self.zoomed.emit(self.zoom_percent())

    def pan_by(self, delta: QPointF) -> None:
        self._pan += delta
        self.update()

    def to_canvas(self, pos: QPointF) -> QPointF:
        paper = self.paper_rect()
        s = paper.width() / self._sketch.width
        return QPointF((pos.x() - paper.x()) / s, (pos.y() - paper.y()) / s)

    def to_widget(self, pos: QPointF) -> QPointF:
        paper = self.paper_rect()
        s = paper.width() / self._sketch.width
        return QPointF(paper.x() + pos.x() * s, paper.y() + pos.y() * s)

    # ---- ink layer -----------------------------------------------------------------------------
    def _render_layer(self) -> None:
        """Redraw every stroke into a fresh layer (resize, undo, move)."""
        shown = self._shown_strokes() + ((self._live,) if self._live else ())
        self._ink.reset(QSize(*self.layer_size()), self.devicePixelRatioF(), self.layer_scale(),
                        shown, self._sketch.strokes)
        self._shadow_scaled = None

    def _shown_strokes(self) -> tuple[Stroke, ...]:
        if self._drag is None or not self._selection:
            return self._sketch.strokes
        d = self._drag[1] - self._drag[0]
        return self._sketch.moved(self._selection, d.x(), d.y()).strokes

    def _extend_layer(self, strokes: tuple[Stroke, ...]) -> bool:
        return self._drag is None and self._ink.extend(strokes, self._just_finished)

    # ---- painting ------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(event.rect(), self.palette().window())
        paper = self.paper_rect()
        painter.fillRect(paper, PAPER_COLOUR)
        if self._zoom != 1.0:
            painter.setRenderHint(QPainter.SmoothPixmapTransform)
        shadow = self._scaled_shadow()
        if shadow is not None and self._opacity > 0:
            painter.setOpacity(self._opacity)
            painter.drawImage(paper, shadow)
            painter.setOpacity(1.0)
        self._paint_ink(painter, paper)
        self._paint_selection(painter)
        painter.end()

    def _paint_ink(self, painter: QPainter, paper: QRectF) -> None:
        if self._drag is None or self._drag_layers is None:
            painter.drawImage(paper, self._ink.image)
            return
        stay, moving = self._drag_layers
        d = (self._drag[1] - self._drag[0]) * (paper.width() / self._sketch.width)
        painter.drawImage(paper, stay)
        painter.save()
        painter.setClipRect(paper)  # strokes dragged past the edge leave the paper
        painter.drawImage(paper.translated(d), moving)
        painter.restore()

    def _scaled_shadow(self) -> QImage | None:
        """The shadow at the fitted paper's device size: as given when the worker made it so,
        else scaled once. (Zoomed, it is enlarged on screen: it is soft anyway.)"""
        if self._shadow is None or self._ink.image.isNull():
            return None
        size, dpr = QSize(*self.device_paper_size()), self.devicePixelRatioF()
        if self._shadow.size() == size:
            self._shadow.setDevicePixelRatio(dpr)
            return self._shadow
        if self._shadow_scaled is None or self._shadow_scaled.size() != size:
            self._shadow_scaled = self._shadow.scaled(size, Qt.IgnoreAspectRatio,
                                                      Qt.SmoothTransformation)
            self._shadow_scaled.setDevicePixelRatio(dpr)
        return self._shadow_scaled

    def _paint_selection(self, painter: QPainter) -> None:
        rect = self._selection_rect()
        if rect is None:
            return
        painter.setPen(QPen(SELECTION_COLOUR, 1, Qt.DashLine))
        painter.setBrush(Qt.NoBrush)
        painter.drawRect(rect)

    def _selection_rect(self) -> QRectF | None:
        """The rubber band, or the moved selection's bounds, in widget coordinates."""
        if self._band is not None:
            return QRectF(self.to_widget(self._band[0]), self.to_widget(self._band[1])).normalized()
        if not self._selection:
            return None
        box = QRectF(self._drag_bounds) if self._drag_bounds else self._selection_bounds()
        if self._drag is not None:
            box.translate(self._drag[1] - self._drag[0])
        return QRectF(self.to_widget(box.topLeft()), self.to_widget(box.bottomRight()))

    def _selection_bounds(self) -> QRectF:
        """Bounds of the selected strokes in canvas coordinates."""
        boxes = [self._sketch.strokes[i].bounds() for i in self._selection]
        left = min(b[0] for b in boxes)
        top = min(b[1] for b in boxes)
        right = max(b[2] for b in boxes)
        bottom = max(b[3] for b in boxes)
        return QRectF(QPointF(left, top), QPointF(right, bottom))

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._render_layer()
        self._update_cursor()
        super().resizeEvent(event)
        self.resized.emit()
        self.zoomed.emit(self.zoom_percent())

    # ---- drawing input ---------------------------------------------------------------------------
    def set_smoothing(self, on: bool) -> None:
        """Draw Catmull-Rom curves through the pen's samples (app.smoothing) or straight lines."""
        self._smoothing = on

    def smoothing(self) -> bool:
        return self._smoothing

    def set_stabiliser(self, strength: int) -> None:
        """How far the ink trails the pen (app.smoothing.Stabiliser); 0 turns it off. The
        stroke keeps the stabilised path."""
        self._stabilising = strength

    def stabiliser(self) -> int:
        return self._stabilising

    def _begin(self, tool: str, pos: QPointF, pressure: float) -> None:
        point: Point = (pos.x(), pos.y(), pressure)
        self._smoother = Smoother(point) if self._smoothing else None
        strength = self._stabilising
        self._stabiliser = Stabiliser(point, strength) if strength > 0 else None
        self._live = Stroke(tool, self._brush, (point,))  # type: ignore[arg-type]
        self._paint_live(0)
        self.stroke_changed.emit(self._live)

    def _extend(self, pos: QPointF, pressure: float) -> None:
        point: Point | None = (pos.x(), pos.y(), pressure)
        if self._stabiliser is not None:
            point = self._stabiliser.add(point)  # None: the string is still slack
        if point is not None:
            self._add_point(point)

    def _add_point(self, point: Point) -> None:
        assert self._live is not None
        last = self._smoother.samples[-1] if self._smoother else self._live.points[-1]
        if point[:2] == last[:2]:
            return
        if self._smoother is None:
            self._grow_live(self._live.points + (point,))
        else:
            self._smoother.add(point)
            self._grow_live(tuple(self._smoother.points))

    def _grow_live(self, points: tuple[Point, ...]) -> None:
        """Show and report the live stroke's new points (none: the curve waits for a sample)."""
        assert self._live is not None
        start = len(self._live.points)
        if len(points) == start:
            return
        self._live = Stroke(self._live.tool, self._live.width, points)
        self._paint_live(start)
        self.stroke_changed.emit(self._live)

    def _finish(self) -> None:
        if self._live is not None and self._stabiliser is not None:
            for point in self._stabiliser.finish():  # on to where the pen lifted
                self._add_point(point)
        if self._live is not None and self._smoother is not None:
            self._grow_live(tuple(self._smoother.finish()))
        stroke, self._live, self._smoother, self._stabiliser = self._live, None, None, None
        if stroke is None:
            return
        self._just_finished = stroke
        self.stroke_finished.emit(stroke)  # normally comes back at once through set_sketch
        self._just_finished = None

    def _paint_live(self, start: int) -> None:
        """Paint the live stroke from point `start` and repaint just the touched area."""
        assert self._live is not None
        self._ink.paint(self._live, start)
        pts = self._live.points[max(start - 1, 0) :]
        r = self._live.width / 2 + 2
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        box = QRectF(QPointF(min(xs) - r, min(ys) - r), QPointF(max(xs) + r, max(ys) + r))
        dirty = QRectF(self.to_widget(box.topLeft()), self.to_widget(box.bottomRight()))
        self.update(dirty.toAlignedRect().adjusted(-1, -1, 1, 1))

    # ---- move tool -------------------------------------------------------------------------------
    def _press_move_tool(self, pos: QPointF) -> None:
        if self._selection and self._selection_bounds().contains(pos):
            self._drag = (pos, pos)
            self._drag_layers = move_layers(QSize(*self.layer_size()), self.devicePixelRatioF(),
                                            self.layer_scale(), self._sketch.strokes,
                                            self._selection)  # fmt: skip
            self._drag_bounds = self._selection_bounds()
            self.setCursor(Qt.ClosedHandCursor)
        else:
            self._selection, self._band = (), (pos, pos)
        self.update()

    def _drag_move_tool(self, pos: QPointF) -> None:
        if self._drag is not None:
            self._drag = (self._drag[0], pos)  # painted from the drag's two layers
        elif self._band is not None:
            self._band = (self._band[0], pos)
        self.update()

    def _release_move_tool(self) -> None:
        if self._drag is not None:
            d = self._drag[1] - self._drag[0]
            self._drag, self._drag_layers, self._drag_bounds = None, None, None
            self.setCursor(Qt.OpenHandCursor)
            if d.x() or d.y():
                self.move_finished.emit(self._selection, d.x(), d.y())
            self._render_layer()
        elif self._band is not None:
            rect = QRectF(self._band[0], self._band[1]).normalized()
            self._band = None
            self._selection = self._sketch.strokes_in(
                (rect.left(), rect.top(), rect.right(), rect.bottom())
            )
        self.update()

    # ---- Qt event handlers -----------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = self.to_canvas(event.localPos())
        if self._live is not None or self._drag is not None or self._band is not None:
            return
        if self._pans(event.button()):
            self._pan_from = event.localPos()
            self.setCursor(Qt.ClosedHandCursor)
            return
        if self._tool == "move" and event.button() == Qt.LeftButton:
            self._press_move_tool(pos)
        elif event.button() == Qt.LeftButton:
            self._begin(self._tool, pos, 1.0)
        elif event.button() == Qt.RightButton:
            self._begin("eraser", pos, 1.0)  # right button erases, as in the paper's interface

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_to(event.localPos())
            return
        pos = self.to_canvas(event.localPos())
        if self._live is not None:
            self._extend(pos, 1.0)
        elif self._tool == "move":
            self._drag_move_tool(pos)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            if event.buttons() == Qt.NoButton:
                self._end_pan()
            return
        if self._live is not None and event.buttons() == Qt.NoButton:
            self._finish()
        elif self._tool == "move" and event.button() == Qt.LeftButton:
            self._release_move_tool()

    def tabletEvent(self, event: QTabletEvent) -> None:
        """Pressure scales the width; the pen's eraser end erases whatever tool is selected."""
        event.accept()  # no synthesised mouse events follow
        pos = self.to_canvas(event.posF())
        pressure = min(max(event.pressure(), 0.0), 1.0)
        kind = event.type()
        if self._tablet_pan(kind, event.posF()):
            return
        if self._tool == "move":
            self._tablet_move_tool(kind, pos)
        elif kind == QTabletEvent.TabletPress and self._live is None:
            eraser = event.pointerType() == QTabletEvent.Eraser
            self._begin("eraser" if eraser else self._tool, pos, pressure)
        elif kind == QTabletEvent.TabletMove and self._live is not None:
            self._extend(pos, pressure)
        elif kind == QTabletEvent.TabletRelease and self._live is not None:
            # A pen leaving the surface reports no pressure: the line's tail keeps the width
            # of the last touch instead of ending in a hair.
            touched = self._smoother.samples if self._smoother else self._live.points
            self._extend(pos, pressure or touched[-1][2])
            self._finish()

    def _tablet_move_tool(self, kind: int, pos: QPointF) -> None:
        if kind == QTabletEvent.TabletPress:
            self._press_move_tool(pos)
        elif kind == QTabletEvent.TabletMove and (self._drag or self._band):
            self._drag_move_tool(pos)
        elif kind == QTabletEvent.TabletRelease:
            self._release_move_tool()

    def wheelEvent(self, event: QWheelEvent) -> None:
        """One step per wheel notch (120 units); touchpads' small deltas add up to notches.
        Ctrl zooms about the pointer, Alt cycles completions, no modifier sizes the brush."""
        delta = event.angleDelta()
        self._wheel += delta.y() or delta.x()  # some platforms turn Alt+wheel sideways
        steps = int(self._wheel / WHEEL_NOTCH)  # towards zero, both directions
        self._wheel -= steps * WHEEL_NOTCH
        event.accept()
        if steps == 0:
            return
        if event.modifiers() & Qt.ControlModifier:
            self.zoom_by(ZOOM_STEP**steps, event.posF())
        elif event.modifiers() & Qt.AltModifier:
            self.cycle_step.emit(-steps)  # wheel down = next completion
        else:
            self.brush_step.emit(steps)

    # ---- panning -------------------------------------------------------------------------------
    def _pans(self, button: int) -> bool:
        return button == Qt.MiddleButton or (self._space and button == Qt.LeftButton)

    def _pan_to(self, pos: QPointF) -> None:
        assert self._pan_from is not None
        self.pan_by(pos - self._pan_from)
        self._pan_from = pos

    def _end_pan(self) -> None:
        self._pan_from = None
        self.setCursor(Qt.OpenHandCursor) if self._space else self._update_cursor()

    def _tablet_pan(self, kind: int, pos: QPointF) -> bool:
        """Space + pen drags the view; True when the event was a pan."""
        if kind == QTabletEvent.TabletPress and self._space and self._live is None:
            self._pan_from = pos
            return True
        if self._pan_from is None:
            return False
        if kind == QTabletEvent.TabletMove:
            self._pan_to(pos)
        elif kind == QTabletEvent.TabletRelease:
            self._end_pan()
        return True

    def hold_space(self, held: bool) -> None:
        """Space down: the left button and the pen pan (also sent by the side panel when one
        of its fields has the keyboard)."""
        self._space = held
        if held:
            self.setCursor(Qt.OpenHandCursor)
        elif self._pan_from is None:
            self._update_cursor()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self.hold_space(True)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self.hold_space(False)
            return
        super().keyReleaseEvent(event)
