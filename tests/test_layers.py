"""Sketch resampling for the sparse processors."""
from __future__ import annotations

import pytest
import torch

from sketchfill.models.nets.layers import ink_pool, resample_sketch, subsample


def _thin_stroke() -> torch.Tensor:
    x = torch.ones(1, 1, 64, 64)
    x[..., 20, 5:60] = -1.0                                 # 1 px horizontal stroke, odd row
    return x


def test_ink_pool_keeps_a_thin_stroke_that_subsampling_drops():
    x = _thin_stroke()
    assert (subsample(x, 8) == 1.0).all()                   # row 20 is never a sampled row
    pooled = ink_pool(x, 8)
    assert pooled.shape == (1, 1, 8, 8)
    assert (pooled[..., 2, 1:7] == -1.0).all() and (pooled[..., 0, :] == 1.0).all()


def test_resample_modes_and_full_size_identity():
    x = _thin_stroke()
    assert torch.equal(resample_sketch(x, 16, "subsample"), subsample(x, 16))
    assert torch.equal(resample_sketch(x, 16, "ink_max"), ink_pool(x, 16))
    assert torch.equal(ink_pool(x, 64), x)


def test_unknown_resampling_is_an_error():
    with pytest.raises(ValueError, match="ink_max"):
        resample_sketch(_thin_stroke(), 16, "bilinear")
