"""Blend vs one-completion shadow (app/overlay.py)."""

import numpy as np

from app.overlay import Overlay, OverlayMode, shadow_layer


def test_shadow_layer_modes_and_cycling():
    outlines = np.stack([np.full((4, 4), v, np.uint8) for v in (10, 20, 30)])
    shadow = np.full((4, 4), 99, np.uint8)
    assert shadow_layer(outlines, shadow, Overlay()) is shadow
    one = Overlay(mode=OverlayMode.ONE).cycled(-1, 3)
    assert one.chosen == 2 and shadow_layer(outlines, shadow, one)[0, 0] == 30
    assert Overlay().with_opacity(3).opacity == 1.0
