"""Random geometric and colour augmentation shared by an outline and its colour image.

One ``Warp`` (affine + smooth displacement field) is sampled per item and applied to every
array of that item, so outline ink keeps landing on the object's pixels. The smooth field
stands in for the paper's thin-plate-spline deformation: a few random control displacements
upsampled bicubically give a smooth, invertible-looking bend. All randomness comes from the
numpy Generator passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges of the per-item random augmentation."""

    scale: tuple[float, float] = (0.85, 1.08)  # zoom about the centre
    shift: float = 0.06  # max translation, fraction of the side
    rotate_deg: float = 8.0  # max rotation either way: objects keep their upright pose
    flip: bool = True  # horizontal flip with p = 0.5 (fruit have no handedness)
    warp_grid: int = 4  # control points per side of the smooth displacement field
    warp_strength: float = 0.025  # control displacement std, fraction of the side
    width: tuple[float, float] = (1.0, 2.0)  # line width at 64 px; scaled with output size
    brightness: float = 0.08  # additive, fraction of 255
    contrast: float = 0.12  # multiplicative about the object's mean
    saturation: float = 0.15  # multiplicative on HSV saturation
    hue_deg: float = 5.0  # hue rotation: small so an orange stays orange


DEFAULT_AUGMENT = AugmentConfig()
# Identity geometry and colour, only the mid line width: evaluation and tests.
NO_AUGMENT = AugmentConfig(scale=(1.0, 1.0), shift=0.0, rotate_deg=0.0, flip=False,
                           warp_strength=0.0, width=(1.5, 1.5), brightness=0.0,
                           contrast=0.0, saturation=0.0, hue_deg=0.0)
WIDTH_REFERENCE_SIZE = 64  # AugmentConfig.width is in pixels at this output size


@dataclass(frozen=True)
class Warp:
    """One sampled geometric augmentation for a size x size output."""

    size: int
    matrix: np.ndarray  # float64 (2,3) forward affine, source px -> output px (cv2 convention)
    field: np.ndarray  # float32 (2,S,S) output-space displacement (dx, dy) in px, smooth


def sample_width(rng: np.random.Generator, cfg: AugmentConfig, size: int) -> float:
    """A random line width in output pixels for a ``size`` output."""
    return float(rng.uniform(*cfg.width)) * size / WIDTH_REFERENCE_SIZE


def sample_warp(rng: np.random.Generator, cfg: AugmentConfig, size: int) -> Warp:
    """Draw the affine and the smooth field for one item."""
    return Warp(size, _sample_affine(rng, cfg, size), _sample_field(rng, cfg, size))


def _sample_affine(rng: np.random.Generator, cfg: AugmentConfig, size: int) -> np.ndarray:
    angle = rng.uniform(-cfg.rotate_deg, cfg.rotate_deg)
    scale = rng.uniform(*cfg.scale)
    c = (size - 1) / 2.0
    m = cv2.getRotationMatrix2D((c, c), angle, scale)  # (2,3) float64
    m[:, 2] += rng.uniform(-cfg.shift, cfg.shift, size=2) * size
    if cfg.flip and rng.random() < 0.5:
        m = np.array([[-1.0, 0.0, size - 1.0], [0.0, 1.0, 0.0]]) @ np.vstack([m, [0, 0, 1]])
    return m


def _sample_field(rng: np.random.Generator, cfg: AugmentConfig, size: int) -> np.ndarray:
    if cfg.warp_strength <= 0:
        return np.zeros((2, size, size), np.float32)
    g = cfg.warp_grid
    ctrl = rng.normal(0.0, cfg.warp_strength * size, size=(2, g, g)).astype(np.float32)
    return np.stack([cv2.resize(c, (size, size), interpolation=cv2.INTER_CUBIC) for c in ctrl])


def _maps(warp: Warp) -> tuple[np.ndarray, np.ndarray]:
    # Output pixel p samples the source at A^-1 (p + d(p)): the field bends the output grid.
    s = warp.size
    ys, xs = np.mgrid[0:s, 0:s].astype(np.float32)
    qx, qy = xs + warp.field[0], ys + warp.field[1]
    inv = cv2.invertAffineTransform(warp.matrix).astype(np.float32)
    return (inv[0, 0] * qx + inv[0, 1] * qy + inv[0, 2],
            inv[1, 0] * qx + inv[1, 1] * qy + inv[1, 2])


def apply_warp(warp: Warp, *images: np.ndarray, fill: tuple[float, ...] = ()) -> list[np.ndarray]:
    """Warp each (S,S) or (S,S,C) image (already at the output size) the same way.

    fill: border value per image (default 0); use 255 for colour on white.
    """
    map_x, map_y = _maps(warp)
    out = []
    for i, img in enumerate(images):
        value = fill[i] if i < len(fill) else 0
        out.append(cv2.remap(img, map_x, map_y, cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=(value,) * 4))
    return out


def warp_points(warp: Warp, pts: np.ndarray, iterations: int = 4) -> np.ndarray:
    """Forward-map source pixel points float (n,2) to output pixels (inverse of the remap).

    Solves p + d(p) = A x by fixed-point iteration p <- A x - d(p); the field is small and
    smooth, so a few steps converge to well under a pixel.
    """
    from scipy import ndimage  # here: the app imports this module, and SciPy slows its start

    target = pts @ warp.matrix[:, :2].T + warp.matrix[:, 2]  # (n,2)
    p = target.copy()
    if not warp.field.any():
        return p
    for _ in range(iterations):
        coords = [np.clip(p[:, 1], 0, warp.size - 1), np.clip(p[:, 0], 0, warp.size - 1)]
        d = np.stack([ndimage.map_coordinates(f, coords, order=1) for f in warp.field], axis=1)
        p = target - d
    return p


def jitter_colour(rgb: np.ndarray, alpha: np.ndarray, rng: np.random.Generator,
                  cfg: AugmentConfig) -> np.ndarray:
    """Mild colour change of the object only; the white page stays white.

    rgb: uint8 (S,S,3) on white; alpha: uint8 (S,S) object coverage. Returns uint8 (S,S,3).
    """
    hsv = cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2HSV)  # H in degrees
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-cfg.hue_deg, cfg.hue_deg)) % 360.0
    hsv[..., 1] = np.clip(hsv[..., 1] * (1.0 + rng.uniform(-cfg.saturation, cfg.saturation)), 0, 1)
    out = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB) * 255.0
    a = alpha.astype(np.float32)[..., None] / 255.0  # (S,S,1)
    mean = (out * a).sum(axis=(0, 1)) / max(float(a.sum()), 1.0)
    out = (out - mean) * (1.0 + rng.uniform(-cfg.contrast, cfg.contrast)) + mean
    out += rng.uniform(-cfg.brightness, cfg.brightness) * 255.0
    out = a * out + (1.0 - a) * rgb.astype(np.float32)
    return np.clip(out, 0, 255).round().astype(np.uint8)
