"""Ctrl+I on images of every size: one clear dialog for those too large, large ones traced."""

from __future__ import annotations

import cv2
import numpy as np
from PyQt5.QtCore import Qt
from PyQt5.QtTest import QTest

from tests.test_files import header_only_png


def test_an_image_too_large_to_trace_is_one_dialog_and_loses_nothing(qtbot, window, tmp_path):
    from tests.gui_support import drag

    drag(window.canvas, [(100, 100), (300, 200)])
    before = window.controller.sketch
    header_only_png(tmp_path / "huge.png", 20000, 20000)
    window.dialogs.paths = [str(tmp_path / "huge.png")]
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key_I, Qt.ControlModifier)
    [(title, text)] = window.dialogs.errors
    assert title == "Cannot open image" and "too large to trace" in text
    assert "the limit is 64 megapixels" in text and "Traceback" not in text
    assert window.controller.sketch == before


def test_a_large_image_is_traced(qtbot, window, tmp_path):
    gray = np.full((4000, 4000), 255, np.uint8)
    cv2.circle(gray, (2000, 2000), 1500, 0, 40)
    cv2.imwrite(str(tmp_path / "big.png"), gray)
    window.dialogs.paths = [str(tmp_path / "big.png")]
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key_I, Qt.ControlModifier)
    assert window.dialogs.errors == []
    xs = [p[0] for s in window.controller.sketch.strokes for p in s.points]
    assert xs and min(xs) < 100 and max(xs) > 400  # the ring, fitted to the 512 px canvas
