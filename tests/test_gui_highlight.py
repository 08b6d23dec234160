"""Blended, the chosen completion is drawn over the blend, so the "2 / 8" counter points at an
outline; one completion shows that outline alone."""

from __future__ import annotations

import cv2
import numpy as np

from sketchfill.app.overlay import highlighted
from tests.gui_support import drag, wait_idle
from tests.test_gui_main_window import CIRCLE


def blue(bgra: np.ndarray) -> np.ndarray:
    """Where the shadow is the highlight's blue rather than the blend's gray."""
    b, r = bgra[..., 0].astype(int), bgra[..., 2].astype(int)
    return b > 2 * r + 20


def test_the_chosen_completion_is_highlighted_over_the_blend(qtbot, window):
    shown = []
    window.controller.shadow_changed.connect(shown.append)
    drag(window.canvas, CIRCLE)
    wait_idle(qtbot, window)
    result = window.controller.result
    first = blue(shown[-1])
    h, w = first.shape
    outline = cv2.resize(result.outlines[0], (w, h), interpolation=cv2.INTER_AREA)
    assert first.any() and (outline[first] < 250).mean() > 0.95  # on completion 0's lines
    window.actions.next_completion.trigger()
    second = blue(shown[-1])
    assert second.any() and (first != second).any()  # moved to completion 1's lines
    window.actions.one_completion.trigger()  # one completion: that outline alone, no tint
    assert not blue(shown[-1]).any()


def test_highlight_over_a_blend_keeps_the_blend_elsewhere():
    blend = np.zeros((4, 4, 4), np.uint8)
    blend[...] = (20, 20, 25, 100)
    chosen = np.zeros((4, 4, 4), np.uint8)
    chosen[1, 1] = (40, 40, 48, 255)
    out = highlighted(blend, chosen)
    assert (out[0, 0] == blend[0, 0]).all()
    assert out[1, 1, 0] > 150 and out[1, 1, 2] < 60 and out[1, 1, 3] > 200
