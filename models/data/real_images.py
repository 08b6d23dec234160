"""The real colour images the evaluation's class judges learn from, and their augmentation.

A judge trained on real images may recognise a class by its silhouette as much as by its
colour and texture. The appearance evaluation renders outline A under class B, so a judge that
keys on shape would call a perfect "B-coloured A" an A. ``shape_swap`` guards against that: it
paints image A's colours into the silhouette of a random other image B and keeps label A, so
the silhouette stops predicting the class.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
from scipy import ndimage

from sketchfill.models.data import augment as aug
from sketchfill.models.data import cache, sources
from sketchfill.models.data.augment import AugmentConfig
from sketchfill.models.data.outlines import DEFAULT_OUTLINE

# Geometry and mild colour change only: hue is the signal, so it barely moves.
JUDGE_AUGMENT = AugmentConfig(scale=(0.75, 1.1), shift=0.08, rotate_deg=15.0, flip=True,
                              warp_strength=0.03, brightness=0.06, contrast=0.12,
                              saturation=0.15, hue_deg=4.0)


@dataclass(frozen=True)
class RealImage:
    """One real image at the judge's size."""

    class_name: str
    name: str  # the file stem, e.g. "noto__tangerine"
    rgb: np.ndarray  # uint8 (S,S,3) composited on white
    alpha: np.ndarray  # uint8 (S,S) object coverage
    filled: np.ndarray  # uint8 (S,S,3) rgb with the object's colours spread over the page


def load_real(root: Path, split: sources.Split, size: int,
              classes: Sequence[str] | None = None) -> list[RealImage]:
    """The real images of ``split`` (optionally only ``classes``) at ``size`` px."""
    records = sources.split_records(sources.discover(root), split)
    return [_real(r, size) for r in records if classes is None or r.class_name in classes]


def _real(record: sources.ImageRecord, size: int) -> RealImage:
    d = cache.load_derived(record.image_path, DEFAULT_OUTLINE)
    rgba = cv2.resize(np.dstack([d.rgb, d.alpha]), (size, size), interpolation=cv2.INTER_AREA)
    rgb, alpha = np.ascontiguousarray(rgba[..., :3]), np.ascontiguousarray(rgba[..., 3])
    return RealImage(record.class_name, record.image_path.stem, rgb, alpha, spread(rgb, alpha))


def spread(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Copy each page pixel's colour from its nearest object pixel. uint8 (S,S,3) -> same."""
    inside = alpha >= 128
    if not inside.any():
        return rgb.copy()
    _, (iy, ix) = ndimage.distance_transform_edt(~inside, return_indices=True)
    return rgb[iy, ix]


def bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1) of a non-empty bool mask, end-exclusive."""
    ys, xs = np.nonzero(mask)
    return int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1


def swap_shape(colour: RealImage, shape: RealImage) -> tuple[np.ndarray, np.ndarray]:
    """``colour``'s colours stretched into ``shape``'s silhouette: (rgb on white, alpha)."""
    ya, yb, xa, xb = bbox(colour.alpha >= 128)
    yc, yd, xc, xd = bbox(shape.alpha >= 128)
    canvas = colour.filled.copy()
    canvas[yc:yd, xc:xd] = cv2.resize(colour.filled[ya:yb, xa:xb], (xd - xc, yd - yc),
                                      interpolation=cv2.INTER_LINEAR)
    a = shape.alpha.astype(np.float32)[..., None] / 255.0
    rgb = canvas.astype(np.float32) * a + 255.0 * (1.0 - a)
    return rgb.round().astype(np.uint8), shape.alpha


def augmented(images: Sequence[RealImage], index: int, rng: np.random.Generator,
              shape_swap: float) -> np.ndarray:
    """One random training view of ``images[index]``: uint8 (S,S,3) on white."""
    img = images[index]
    rgb, alpha = img.rgb, img.alpha
    if shape_swap > 0 and rng.random() < shape_swap and (img.alpha >= 128).any():
        other = images[int(rng.integers(len(images)))]
        if (other.alpha >= 128).any():
            rgb, alpha = swap_shape(img, other)
    warp = aug.sample_warp(rng, JUDGE_AUGMENT, rgb.shape[0])
    rgb, alpha = aug.apply_warp(warp, rgb, alpha, fill=(255, 0))
    return aug.jitter_colour(rgb, alpha, rng, JUDGE_AUGMENT)


PAGE_THRESHOLD = 24  # uint8 distance below white at which a pixel is the object's


def page_mask(rgb: np.ndarray, threshold: int = PAGE_THRESHOLD) -> np.ndarray:
    """bool (...,H,W): pixels that are not near-white paper (max channel distance > threshold).

    Rendered images have no alpha, so judges find "the object" this way in real and rendered
    images alike.
    """
    return (255 - rgb.astype(np.int16)).max(axis=-1) > threshold
