"""Outline edge-recall of a render: how much of the outline the image's own edges follow.

Image edges are Canny edges (Canny 1986) of the render's luminance (ITU-R BT.601 weights) with
fixed hysteresis thresholds, so every render is judged by the same detector. An outline pixel
counts as followed when an image edge lies within ``EDGE_TOLERANCE`` px of it.
"""

from __future__ import annotations

import cv2
import numpy as np

from models.evaluation.metrics import near_share, skeleton_of

CANNY_LOW = 50  # uint8 luminance gradient: weak edges kept only when joined to strong ones
CANNY_HIGH = 100  # a step of ~100 grey levels between regions is a sure edge
EDGE_TOLERANCE = 3.0  # px at the evaluation size (256), as the bar of issue 21 asks


def image_edges(rgb: np.ndarray) -> np.ndarray:
    """uint8 (H,W,3) render -> bool (H,W) Canny edges of its luminance."""
    luma = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    return cv2.Canny(luma, CANNY_LOW, CANNY_HIGH) > 0


def edge_recall(rgb: np.ndarray, outline: np.ndarray,
                tolerance: float = EDGE_TOLERANCE) -> float:
    """Share of the outline's 1-px skeleton within ``tolerance`` of an image edge (NaN if blank).

    rgb: uint8 (H,W,3) render; outline: uint8 (H,W) drawing, 255 = paper, 0 = ink.
    """
    return near_share(skeleton_of(outline), image_edges(rgb), tolerance)


def mean_edge_recall(renders: dict[tuple[str, str], np.ndarray],
                     outlines: dict[str, np.ndarray]) -> float:
    """Mean edge recall over renders keyed (outline name, class); NaN if none scored.

    Each uint8 (H,W) outline is resized (area) to its render's size before scoring.
    """
    scores = []
    for (name, _), rgb in renders.items():
        h, w = rgb.shape[:2]
        outline = cv2.resize(outlines[name], (w, h), interpolation=cv2.INTER_AREA)
        scores.append(edge_recall(rgb, outline))
    scores = [s for s in scores if not np.isnan(s)]
    return float(np.mean(scores)) if scores else float("nan")
