"""Partial sketches (models/data/partial.py)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from sketchfill.models.data import partial as part
from sketchfill.models.nets import skeleton as sk
from sketchfill.models.data.partial import DEFAULT_PARTIAL


def _outline() -> np.ndarray:
    # bool (128,128): a circle and a cross inside it, like a ball's seams.
    img = np.zeros((128, 128), np.uint8)
    cv2.circle(img, (64, 64), 50, 1, 1)
    cv2.line(img, (64, 14), (64, 114), 1, 1)
    cv2.line(img, (14, 64), (114, 64), 1, 1)
    return sk.thin(img > 0)


@pytest.mark.parametrize("seed", range(10))
def test_erase_square_is_strict_subset(seed):
    rng = np.random.default_rng(seed)
    full = sk.render(_outline(), 64, 1.5)
    partial = part.erase_square(full, rng, DEFAULT_PARTIAL)
    assert partial.dtype == np.float32 and partial.shape == full.shape
    assert (partial <= full).all()
    assert partial.sum() < full.sum() - 1
    assert partial.sum() >= DEFAULT_PARTIAL.min_kept * full.sum()


@pytest.mark.parametrize("seed", range(10))
def test_drop_segments_keeps_a_coherent_strict_subset(seed):
    rng = np.random.default_rng(seed)
    skel = _outline()
    kept = part.drop_segments(sk.segments(skel), rng, DEFAULT_PARTIAL)
    assert kept.dtype == bool and (kept <= skel).all()
    lo, hi = DEFAULT_PARTIAL.drop_fraction
    share = kept.sum() / skel.sum()
    assert 0 < share < 1 and 1 - hi - 0.2 <= share <= 1 - lo + 0.2


def test_drop_segments_differs_by_rng():
    labels = sk.segments(_outline())
    a = part.drop_segments(labels, np.random.default_rng(1), DEFAULT_PARTIAL)
    b = part.drop_segments(labels, np.random.default_rng(2), DEFAULT_PARTIAL)
    assert (a != b).any()


def test_prefix_length_range():
    rng = np.random.default_rng(0)
    ks = {part.prefix_length(5, rng) for _ in range(200)}
    assert ks == {1, 2, 3, 4}
    assert part.prefix_length(1, rng) == 1


def test_prefix_share_length_keeps_the_first_30_to_70_percent():
    rng = np.random.default_rng(0)
    assert {part.prefix_share_length(10, rng, (0.3, 0.7)) for _ in range(300)} == set(range(3, 8))
    assert {part.prefix_share_length(2, rng, (0.3, 0.7)) for _ in range(50)} == {1}
    assert {part.prefix_share_length(20, rng, (0.9, 1.0)) for _ in range(50)} <= {18, 19}
    assert part.prefix_share_length(1, rng, (0.3, 0.7)) == 1


def test_erase_half_blanks_one_half_and_keeps_the_other():
    import numpy as np

    from sketchfill.models.data.partial import HALVES, erase_half
    image = np.arange(24, dtype=np.float32).reshape(4, 6) + 1
    for half in HALVES:
        out = erase_half(image, half, 255)
        blank = out == 255
        assert blank.sum() == image.size // 2 and (out[~blank] == image[~blank]).all()
    assert (erase_half(image, "left")[:, :3] == 0).all() and (image != 0).all()  # a copy
