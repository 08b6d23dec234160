"""What File ▸ Save Sketch PNG and Export SVG write from a drawing made in the window."""

from __future__ import annotations

import numpy as np
from PIL import Image

from tests.gui_support import drag


def test_the_sketch_png_has_the_lines_at_the_brush_width(qtbot, window, tmp_path):
    window.smooth_strokes.setChecked(False)
    for brush in (3, 6, 11):
        window.set_brush(brush)
        y = 60.0 + 40 * brush
        drag(window.canvas, [(60, y), (450, y)])
    window.dialogs.paths = [str(tmp_path / "sketch.png")]
    assert window.files.save_sketch()
    png = np.asarray(Image.open(tmp_path / "sketch.png").convert("L")).astype(float)
    for stroke in window.controller.sketch.strokes:
        y = round(stroke.points[0][1])
        column = png[y - 20 : y + 20, 256]
        assert abs(((255 - column) / 255).sum() - stroke.width) < 0.6, stroke.width


def test_the_svg_has_no_mask_after_erasing(qtbot, window, tmp_path):
    from PyQt5.QtCore import Qt

    drag(window.canvas, [(60, 200), (450, 200)])
    drag(window.canvas, [(250, 150), (250, 250)], button=Qt.RightButton)
    assert window.controller.sketch.strokes[0].erased
    window.dialogs.paths = [str(tmp_path / "sketch.svg")]
    assert window.files.export_svg()
    text = (tmp_path / "sketch.svg").read_text()
    assert "<mask" not in text and "fill-rule=\"evenodd\"" in text
