"""numpy ⇄ QImage: the only place arrays become Qt images (and Qt images PNG bytes)."""

from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QBuffer, QByteArray, QIODevice
from PyQt5.QtGui import QImage


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """(H, W, 3) uint8 RGB → RGB888 QImage (owns a copy)."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888).copy()


def bgra_to_qimage(bgra: np.ndarray) -> QImage:
    """(H, W, 4) uint8 premultiplied BGRA → ARGB32_Premultiplied QImage sharing the pixels.

    No copy: the QImage keeps a reference to the (read-only) array through `image.array`.
    """
    bgra = np.ascontiguousarray(bgra, dtype=np.uint8)
    h, w, _ = bgra.shape
    image = QImage(bgra.data, w, h, 4 * w, QImage.Format_ARGB32_Premultiplied)
    image.array = bgra  # keep the buffer alive as long as the image
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError("Qt could not encode the image as PNG")
    return bytes(data)
