"""Raster conversions: ridge thinning of soft outlines."""
from __future__ import annotations

import numpy as np
import torch

from app.raster import RIDGE_UPSCALE, ridge_mask, ridge_outline


def _soft_ring(peak: float, radius: float = 20.0, sigma: float = 2.0) -> torch.Tensor:
    """[64,64] in [-1,1]: a blurred ring of ink `peak` at its crest."""
    yy, xx = np.mgrid[0:64, 0:64]
    d = np.abs(np.hypot(yy - 32, xx - 32) - radius)
    ink = peak * np.exp(-d ** 2 / (2 * sigma ** 2))
    return torch.tensor(1.0 - 2.0 * ink, dtype=torch.float32)


def test_a_blurred_ring_becomes_a_thin_line_on_its_crest():
    out = ridge_outline(_soft_ring(0.5))
    assert out.shape == (64 * RIDGE_UPSCALE, 64 * RIDGE_UPSCALE) and out.dtype == np.uint8
    ys, xs = np.nonzero(out < 128)
    radii = np.hypot(ys / RIDGE_UPSCALE - 32, xs / RIDGE_UPSCALE - 32)
    assert np.abs(radii - 20).max() < 2.0                   # on the crest, within a pixel or two
    # Thin: about a 3 px pen along a circle of 2 * 20 px radius at the thinning size.
    assert (out < 128).sum() < 4 * 2 * np.pi * 20 * RIDGE_UPSCALE


def test_faint_doubt_is_not_drawn():
    assert (ridge_outline(_soft_ring(0.2)) == 255).all()


def test_confident_ink_passes_whole_however_wide():
    ink = np.zeros((16, 16), np.float32)
    ink[2:9, :] = 1.0                                       # a 7 px wide stroke
    mask = ridge_mask(ink)
    assert mask[2:9].all() and not mask[10:].any()


def test_a_smooth_haze_leaves_at_most_its_crest():
    yy, xx = np.mgrid[0:64, 0:64]
    ink = 0.5 * np.exp(-((yy - 32) ** 2 + (xx - 32) ** 2) / (2 * 20.0 ** 2))
    out = ridge_outline(torch.tensor(1.0 - 2.0 * ink, dtype=torch.float32))
    assert (out < 128).sum() < 40                           # no web of lines through the haze
