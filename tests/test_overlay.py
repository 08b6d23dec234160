"""Blend vs one-completion shadow (app/overlay.py)."""

import numpy as np

from sketchfill.app.overlay import Overlay, OverlayMode, shadow_layer


def test_shadow_layer_modes_and_cycling():
    outlines = np.stack([np.full((4, 4), v, np.uint8) for v in (10, 20, 30)])
    shadow = np.full((4, 4), 99, np.uint8)
    assert shadow_layer(outlines, shadow, Overlay()) is shadow
    one = Overlay(mode=OverlayMode.ONE).cycled(-1, 3)
    assert one.chosen == 2 and shadow_layer(outlines, shadow, one)[0, 0] == 30
    assert Overlay().with_opacity(3).opacity == 1.0


def test_shadow_bgra_is_premultiplied_and_sized():
    from sketchfill.app.overlay import SHADOW_RGB, shadow_bgra

    gray = np.full((8, 8), 255, np.uint8)
    gray[:, :4] = 0
    bgra = shadow_bgra(gray, (16, 4))
    assert bgra.shape == (4, 16, 4) and bgra.dtype == np.uint8
    assert tuple(bgra[0, 0]) == (SHADOW_RGB[2], SHADOW_RGB[1], SHADOW_RGB[0], 255)
    assert tuple(bgra[0, -1]) == (0, 0, 0, 0)  # paper stays transparent
    assert (bgra[..., :3] <= bgra[..., 3:]).all()


def test_display_layers_follow_the_chosen_completion():
    from sketchfill.app.overlay import DisplaySizes, display_layers

    outlines = np.full((3, 10, 10), 255, np.uint8)
    outlines[1, 5] = 0
    image = np.zeros((10, 10, 3), np.uint8)
    layers = display_layers(outlines, outlines.min(0), image, 1, DisplaySizes((20, 20), (5, 5)))
    assert layers.chosen_index == 1 and layers.chosen[10:12, :, 3].min() > 0
    assert layers.image.shape == (5, 5, 3) and not layers.blend.flags.writeable
