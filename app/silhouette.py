"""Paper around the object: a rendered image faded to paper away from the drawing.

The appearance network paints the whole canvas, and now and then it lays colour far from the
drawing (a smear in a corner, blobs beside a ball). The rendered image must be the object on
paper, so after the network the image is faded to paper outside the drawing's silhouette,
its convex hull, grown by a margin, with a soft edge.

Why the hull and not the outline's filled regions: held out (72 outlines x 21 classes), fading
outside the filled outline with a 3% margin cost the class judge banana 0.875 -> 0.819 and
strawberry 0.889 -> 0.847 (a crescent's hollow and a leaf's gaps hold the object's colour);
outside the hull, with a 4% margin and a 2% soft edge, banana keeps 0.875 (strawberry 0.875)
and no colour is left more than 6% of the side away (docs/evaluation.md).

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
    margin: float = 0.04  # colour kept whole this far outside the drawing's convex hull ...
    feather: float = 0.02  # ... then faded to paper over this width (10 px at 512)
    ink: int = 160  # a darker outline pixel is ink


DEFAULT_SILHOUETTE = SilhouetteConfig()


def silhouette(outline: np.ndarray, cfg: SilhouetteConfig = DEFAULT_SILHOUETTE) -> np.ndarray:
    """uint8 (H,W) outline (255 = paper) -> bool (H,W) the convex hull of its ink: the region
    the drawn object can cover, its enclosed parts and hollows too. All False without ink."""
    region = np.zeros(outline.shape, np.uint8)
    ink = cv2.findNonZero((outline < cfg.ink).astype(np.uint8))
    if ink is not None:
        cv2.fillConvexPoly(region, cv2.convexHull(ink), 1)
    return region > 0


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
