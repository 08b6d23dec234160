"""The canvas's ink: strokes painted with QPainter at device resolution on a transparent image,
kept in step with the sketch incrementally (a new stroke paints one stroke, not all)."""

from __future__ import annotations

from dataclasses import replace

from PyQt5.QtCore import QPointF, QSize, Qt
from PyQt5.QtGui import QColor, QImage, QPainter, QPen

from sketchfill.app.document import Stroke

INK_COLOUR = QColor(0, 0, 0)


def paint_stroke(painter: QPainter, stroke: Stroke, start: int = 0) -> None:
    """Paint a stroke's segments ending at points start.., in canvas coordinates.

    Erasers clear the layer to transparent, so the shadow under the ink shows through. A pen
    stroke's own erased gaps cut only that stroke: it is painted on a layer of its own first.
    """
    if stroke.erased and start == 0:
        _paint_cut_stroke(painter, stroke)
        return
    mode = (
        QPainter.CompositionMode_Clear
        if stroke.tool == "eraser"
        else QPainter.CompositionMode_SourceOver
    )
    painter.setCompositionMode(mode)
    widths = stroke.segment_widths()
    pts = stroke.points
    if len(pts) == 1:
        painter.setPen(Qt.NoPen)
        painter.setBrush(INK_COLOUR)
        r = widths[0] / 2
        painter.drawEllipse(QPointF(pts[0][0], pts[0][1]), r, r)
        return
    for i in range(max(start, 1), len(pts)):
        a, b = pts[i - 1], pts[i]
        painter.setPen(QPen(INK_COLOUR, (widths[i - 1] + widths[i]) / 2, Qt.SolidLine, Qt.RoundCap))
        painter.drawLine(QPointF(a[0], a[1]), QPointF(b[0], b[1]))


def _paint_cut_stroke(painter: QPainter, stroke: Stroke) -> None:
    device = painter.device()
    own = QImage(device.size(), QImage.Format_ARGB32_Premultiplied)
    own.setDevicePixelRatio(device.devicePixelRatio())
    own.fill(Qt.transparent)
    inner = QPainter(own)
    inner.setRenderHint(QPainter.Antialiasing)
    inner.setTransform(painter.transform())
    paint_stroke(inner, replace(stroke, erased=()))
    for eraser in stroke.erased:
        paint_stroke(inner, eraser)
    inner.end()
    painter.save()
    painter.resetTransform()
    painter.setCompositionMode(QPainter.CompositionMode_SourceOver)
    painter.drawImage(0, 0, own)
    painter.restore()


def move_layers(size: QSize, dpr: float, scale: float, strokes: tuple[Stroke, ...],
                selected: tuple[int, ...]) -> tuple[QImage, QImage]:  # fmt: skip
    """The two images a Move drag shows, painted once when it starts: the strokes that stay,
    and the selected ones (with their erased gaps, which travel along), so each mouse move
    only paints two images whatever the number of strokes."""
    chosen = set(selected)
    stay, moving = InkLayer(), InkLayer()
    stay.reset(size, dpr, scale, tuple(s for i, s in enumerate(strokes) if i not in chosen), ())
    moving.reset(size, dpr, scale, tuple(s for i, s in enumerate(strokes) if i in chosen), ())
    return stay.image, moving.image


class InkLayer:
    def __init__(self) -> None:
        self.image = QImage()  # ARGB32 premultiplied, device pixels, transparent paper
        self.strokes: tuple[Stroke, ...] = ()  # committed strokes on the image (besides a live one)
        self._scale = 1.0  # device-independent pixels per canvas pixel

    def _painter(self) -> QPainter:
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.scale(self._scale, self._scale)
        return painter

    def reset(self, size: QSize, dpr: float, scale: float, shown: tuple[Stroke, ...],
              committed: tuple[Stroke, ...]) -> None:  # fmt: skip
        """Redraw from scratch: `shown` strokes (maybe a move preview) stand for `committed`."""
        self.image = QImage(size, QImage.Format_ARGB32_Premultiplied)
        self.image.setDevicePixelRatio(dpr)
        self.image.fill(Qt.transparent)
        self._scale = scale
        painter = self._painter()
        for stroke in shown:
            paint_stroke(painter, stroke)
        painter.end()
        self.strokes = committed

    def extend(self, strokes: tuple[Stroke, ...], already_painted: Stroke | None) -> bool:
        """Paint the strokes appended to what the image shows; False when it is not an append.

        `already_painted` was drawn point by point while the pen was down: not painted twice.
        """
        old = self.strokes
        if (
            self.image.isNull()
            or len(strokes) < len(old)
            or any(a is not b for a, b in zip(old, strokes))
        ):
            return False
        painter = self._painter()
        for stroke in strokes[len(old) :]:
            if stroke is not already_painted:
                paint_stroke(painter, stroke)
        painter.end()
        self.strokes = strokes
        return True

    def paint(self, stroke: Stroke, start: int = 0) -> None:
        """Paint part of a stroke (the live one) onto the image."""
        painter = self._painter()
        paint_stroke(painter, stroke, start)
        painter.end()
