"""The rendered colour image (right-hand pane), scaled to fit with its aspect kept."""

from __future__ import annotations

from PyQt5.QtCore import QRectF, QSize, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QImage, QPainter, QPaintEvent
from PyQt5.QtWidgets import QSizePolicy, QWidget

MARGIN = 8
PLACEHOLDER_COLOUR = QColor(120, 120, 120)


class ImageView(QWidget):
    resized = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(160, 160)
        self._image: QImage | None = None
        self._scaled: QImage | None = None  # cached at the current device size
        self._placeholder = "Loading models…"

    def sizeHint(self) -> QSize:
        return QSize(560, 560)

    def set_image(self, image: QImage | None) -> None:
        self._image, self._scaled = image, None
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    def device_target_size(self, width: int, height: int) -> tuple[int, int]:
        """Device pixels an image of this aspect is shown at (so it can arrive pre-sized)."""
        target, dpr = self._target(width, height), self.devicePixelRatioF()
        return (max(1, round(target.width() * dpr)), max(1, round(target.height() * dpr)))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.resized.emit()

    def _target(self, w: int, h: int) -> QRectF:
        """Largest centred rectangle of aspect w:h inside the margins (logical pixels)."""
        s = max(min((self.width() - 2 * MARGIN) / w, (self.height() - 2 * MARGIN) / h), 0.01)
        return QRectF((self.width() - w * s) / 2, (self.height() - h * s) / 2, w * s, h * s)

    def _scaled_image(self, target: QRectF) -> QImage:
        assert self._image is not None
        dpr = self.devicePixelRatioF()
        size = QSize(max(1, round(target.width() * dpr)), max(1, round(target.height() * dpr)))
        if self._image.size() == size:  # pre-sized by the worker: draw as is
            self._image.setDevicePixelRatio(dpr)
            return self._image
        if self._scaled is None or self._scaled.size() != size:
            self._scaled = self._image.scaled(size, Qt.IgnoreAspectRatio, Qt.SmoothTransformation)
            self._scaled.setDevicePixelRatio(dpr)
        return self._scaled

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(event.rect(), self.palette().window())
        if self._image is None:
            painter.setPen(PLACEHOLDER_COLOUR)
            painter.drawText(self.rect(), Qt.AlignCenter | Qt.TextWordWrap, self._placeholder)
        else:
            target = self._target(self._image.width(), self._image.height())
            painter.drawImage(target.topLeft(), self._scaled_image(target))
        painter.end()
