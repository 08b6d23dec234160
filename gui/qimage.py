"""numpy ⇄ QImage: the only place arrays become Qt images (and the way back for screenshots)."""

from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QBuffer, QByteArray, QIODevice
from PyQt5.QtGui import QImage



def gray_to_qimage(gray: np.ndarray) -> QImage:
    """(H, W) uint8 → Grayscale8 QImage (owns a copy of the pixels)."""
    gray = np.ascontiguousarray(gray, dtype=np.uint8)
    h, w = gray.shape
    return QImage(gray.data, w, h, w, QImage.Format_Grayscale8).copy()


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


def qimage_to_rgb(image: QImage) -> np.ndarray:
    """Any QImage → (H, W, 3) uint8 RGB copy."""
    image = image.convertToFormat(QImage.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits().asstring(stride * h), dtype=np.uint8)
    return data.reshape(h, stride)[:, : 3 * w].reshape(h, w, 3).copy()


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError("Qt could not encode the image as PNG")
    return bytes(data)
