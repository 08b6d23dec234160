"""Paper around the object: a rendered image faded to paper away from the outline's silhouette.

The appearance network paints the whole canvas, and now and then it lays colour far from the
drawing (a smear in a corner, blobs beside a ball). The rendered image must be the object on
paper, so after the network the image is faded to paper outside the outline's silhouette:
its closed regions filled (small gaps in the lines bridged first), or, for an outline that
encloses little, its convex hull; grown by a margin, with a soft edge.

rgb = fade_outside(rgb, outline)      # both at the canvas size
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

PAPER = 255  # the paper's value in every channel


@dataclass(frozen=True)
class SilhouetteConfig:
    """How far around the drawing the rendered colour is kept. Lengths: share of the side."""

    work: int = 256  # the silhouette is made at most this big (its cost), the fade at full size
    bridge: float = 0.03  # gaps in the lines up to this wide are closed before filling
    open_share: float = 0.5  # filled area under this share of the hull: an open outline,
                             # whose convex hull is its silhouette
    margin: float = 0.03  # colour kept whole this far outside the silhouette ...
    feather: float = 0.03  # ... then faded to paper over this width
    ink: int = 160  # a darker outline pixel is ink


DEFAULT_SILHOUETTE = SilhouetteConfig()


def silhouette(outline: np.ndarray, cfg: SilhouetteConfig = DEFAULT_SILHOUETTE) -> np.ndarray:
    """uint8 (H,W) outline (255 = paper) -> bool (H,W) the region it draws: its ink and what
    the ink encloses, or its convex hull when it encloses little. All False without ink."""
    ink = (outline < cfg.ink).astype(np.uint8)
    if not ink.any():
        return ink.astype(bool)
    side = max(ink.shape)
    k = max(1, round(cfg.bridge * side)) | 1  # an odd disc
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE,
                              cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    filled = _filled(closed)
    hull = np.zeros_like(ink)
    cv2.fillConvexPoly(hull, cv2.convexHull(cv2.findNonZero(ink)), 1)
    if filled.sum() < cfg.open_share * hull.sum():
        return (filled | hull) > 0
    return filled > 0


def _filled(mask: np.ndarray) -> np.ndarray:
    """uint8 (H,W) 0/1 -> 0/1 with every hole (paper not reachable from the border) filled."""
    h, w = mask.shape
    paper = np.pad(1 - mask, 1, constant_values=1)  # a paper frame joins every border paper
    outside = np.zeros((h + 4, w + 4), np.uint8)
    cv2.floodFill(paper, outside, (0, 0), 2)
    return (paper[1:-1, 1:-1] != 2).astype(np.uint8)


def keep_alpha(outline: np.ndarray, cfg: SilhouetteConfig = DEFAULT_SILHOUETTE) -> np.ndarray:
    """float32 (H,W) in [0,1]: 1 within `margin` of the silhouette, falling to 0 over
    `feather`; made at the working size."""
    h, w = outline.shape
    scale = min(1.0, cfg.work / max(h, w))
    small = outline if scale == 1.0 else cv2.resize(
        outline, (max(1, round(w * scale)), max(1, round(h * scale))),
        interpolation=cv2.INTER_AREA)
    region = silhouette(small, cfg)
    if not region.any():
        return np.ones((h, w), np.float32)  # nothing drawn: nothing to say where the object is
    side = max(small.shape)
    away = cv2.distanceTransform((~region).astype(np.uint8), cv2.DIST_L2, 3)
    alpha = np.clip(1.0 - (away - cfg.margin * side) / max(cfg.feather * side, 1.0), 0.0, 1.0)
    if scale != 1.0:
        alpha = cv2.resize(alpha, (w, h), interpolation=cv2.INTER_LINEAR)
    return alpha.astype(np.float32)


def fade_outside(rgb: np.ndarray, outline: np.ndarray,
                 cfg: SilhouetteConfig = DEFAULT_SILHOUETTE) -> np.ndarray:
    """uint8 (H,W,3) image -> the same faded to paper outside the uint8 (H,W) outline's
    silhouette (keep_alpha); untouched where the alpha is 1."""
    alpha = keep_alpha(outline, cfg)
    if alpha.min() >= 1.0:
        return rgb
    paper = np.full_like(rgb, PAPER)
    return cv2.blendLinear(np.ascontiguousarray(rgb), paper, alpha, 1.0 - alpha)
