"""Shared geometric warp and colour jitter (models/data/augment.py)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from sketchfill.models.data import augment as aug
from sketchfill.models.data.augment import DEFAULT_AUGMENT, NO_AUGMENT

STRONG = aug.AugmentConfig(scale=(0.8, 1.1), shift=0.1, rotate_deg=15, warp_strength=0.04)


def _scene(size: int = 96) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # A filled orange disk (colour on white + alpha) and its 1.5 px outline ink.
    rgb = np.full((size, size, 3), 255, np.uint8)
    alpha = np.zeros((size, size), np.uint8)
    c, r = (size // 2 - 8, size // 2 + 4), size // 3
    cv2.circle(rgb, c, r, (240, 140, 20), -1)
    cv2.circle(alpha, c, r, 255, -1)
    ink = np.zeros((size, size), np.float32)
    cv2.circle(ink, c, r - 1, 1.0, 2)
    return rgb, alpha, ink


@pytest.mark.parametrize("seed", range(8))
def test_warp_moves_outline_and_image_together(seed):
    rgb, alpha, ink = _scene()
    warp = aug.sample_warp(np.random.default_rng(seed), STRONG, 96)
    ink_w, rgb_w = aug.apply_warp(warp, ink, rgb, fill=(0, 255))
    assert not np.allclose(ink_w, ink)  # it did move
    on_ink = ink_w > 0.5
    coloured = (255 - rgb_w.astype(int)).max(axis=2) > 30
    hit = cv2.dilate(coloured.astype(np.uint8), np.ones((3, 3), np.uint8))[on_ink]
    assert on_ink.sum() > 50 and hit.mean() > 0.97


def test_mismatched_warps_would_be_caught():
    # Guard for the test above: two different warps do not keep ink on the object.
    rgb, _, ink = _scene()
    a = aug.sample_warp(np.random.default_rng(0), STRONG, 96)
    b = aug.sample_warp(np.random.default_rng(1), STRONG, 96)
    ink_w = aug.apply_warp(a, ink)[0]
    rgb_w = aug.apply_warp(b, rgb, fill=(255,))[0]
    coloured = (255 - rgb_w.astype(int)).max(axis=2) > 30
    assert coloured[ink_w > 0.5].mean() < 0.9


def test_no_augment_is_identity():
    rgb, _, ink = _scene()
    warp = aug.sample_warp(np.random.default_rng(0), NO_AUGMENT, 96)
    ink_w, rgb_w = aug.apply_warp(warp, ink, rgb, fill=(0, 255))
    assert np.allclose(ink_w, ink, atol=1e-4) and (rgb_w == rgb).all()


@pytest.mark.parametrize("seed", range(4))
def test_warp_points_agrees_with_image_warp(seed):
    warp = aug.sample_warp(np.random.default_rng(seed), STRONG, 96)
    img = np.zeros((96, 96), np.float32)
    img[40, 50] = 1.0
    img = cv2.GaussianBlur(img, (7, 7), 1.5)
    moved = aug.apply_warp(warp, img)[0]
    peak = np.array(np.unravel_index(moved.argmax(), moved.shape))[::-1]  # (x, y)
    pt = aug.warp_points(warp, np.array([[50.0, 40.0]]))[0]
    assert np.abs(pt - peak).max() <= 1.0


@pytest.mark.parametrize("seed", range(6))
def test_colour_jitter_keeps_hue_and_white_page(seed):
    rgb, alpha, _ = _scene()
    cfg = aug.AugmentConfig(brightness=0.1, contrast=0.15, saturation=0.2, hue_deg=6)
    out = aug.jitter_colour(rgb, alpha, np.random.default_rng(seed), cfg)
    assert out.dtype == np.uint8 and out.shape == rgb.shape
    assert (out[alpha == 0] == 255).all()
    def hue(im):
        return cv2.cvtColor(im.astype(np.float32) / 255, cv2.COLOR_RGB2HSV)[..., 0]

    inside = alpha == 255
    before, after = np.median(hue(rgb)[inside]), np.median(hue(out)[inside])
    assert abs(after - before) <= cfg.hue_deg + 1.0


def test_colour_jitter_changes_something():
    rgb, alpha, _ = _scene()
    out = aug.jitter_colour(rgb, alpha, np.random.default_rng(3), DEFAULT_AUGMENT)
    assert np.abs(out.astype(int) - rgb).max() > 2


def test_width_scales_with_size():
    rng = np.random.default_rng(0)
    w64 = [aug.sample_width(rng, DEFAULT_AUGMENT, 64) for _ in range(50)]
    w128 = [aug.sample_width(rng, DEFAULT_AUGMENT, 128) for _ in range(50)]
    lo, hi = DEFAULT_AUGMENT.width
    assert lo <= min(w64) and max(w64) <= hi and min(w128) >= 2 * lo
