"""numpy ⇄ QImage: the only place arrays become Qt images (and the way back for screenshots)."""

from __future__ import annotations

import numpy as np
from PyQt5.QtCore import QBuffer, QByteArray, QIODevice
from PyQt5.QtGui import QImage

SHADOW_RGB = (40, 40, 48)  # a cool near-black: the shadow reads as pencil, not as ink
SHADOW_FLOOR = 8  # gray levels next to white that stay transparent: keeps the paper clean


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


def shadow_to_qimage(gray: np.ndarray) -> QImage:
    """(H, W) uint8, 255 = nothing → translucent ARGB: darker gray = more opaque shadow.

    Transparent where there is no completion, so the shadow tints the paper instead of
    covering it; the canvas applies the opacity slider on top.
    """
    h, w = gray.shape
    argb = np.empty((h, w, 4), dtype=np.uint8)  # BGRA byte order of Format_ARGB32 (little end.)
    argb[..., 0], argb[..., 1], argb[..., 2] = SHADOW_RGB[2], SHADOW_RGB[1], SHADOW_RGB[0]
    strength = np.clip(255 - SHADOW_FLOOR - gray.astype(np.int16), 0, None)
    argb[..., 3] = (strength * 255 // (255 - SHADOW_FLOOR)).astype(np.uint8)
    image = QImage(argb.data, w, h, 4 * w, QImage.Format_ARGB32)
    return image.convertToFormat(QImage.Format_ARGB32_Premultiplied)  # a copy, fast to draw


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
