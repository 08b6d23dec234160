"""Completion metrics on 1-px line skeletons: tolerant precision/recall, missing-part recovery,
and the diversity of K completions.

Every drawing (true outline, partial, completion) goes through the same ``skeleton_of``: ink
is thresholded at half coverage and thinned to 1 px, so a 6 px pen line and a blurry 4x
upsampled network line are compared by their centre lines, not by their widths. Two
skeletons match where they lie within ``tolerance`` px of each other (the usual
boundary-F-measure of edge detection, Martin et al. 2004, without the one-to-one assignment).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

from sketchfill.models.nets import skeleton as sk

INK_THRESHOLD = 128  # uint8 drawings: a pixel darker than this is ink (half coverage)
DEFAULT_TOLERANCE = 2.0  # px at the evaluation size (256): a match within 2 px


@dataclass(frozen=True)
class Match:
    """How well a predicted skeleton matches a true one."""

    precision: float  # share of predicted pixels within tolerance of the truth (0 if none)
    recall: float  # share of true pixels within tolerance of the prediction
    f1: float  # harmonic mean of the two (0 when both are 0)


def ink_of(drawing: np.ndarray) -> np.ndarray:
    """uint8 (H,W) drawing, 255 = paper, 0 = ink -> bool (H,W) ink mask."""
    return drawing < INK_THRESHOLD


def skeleton_of(drawing: np.ndarray) -> np.ndarray:
    """uint8 (H,W) drawing -> bool (H,W) 1-px skeleton of its ink."""
    return sk.thin(ink_of(drawing))


def distance_to(skel: np.ndarray) -> np.ndarray:
    """float (H,W) Euclidean distance of every pixel to the nearest skeleton pixel (inf if none)."""
    if not skel.any():
        return np.full(skel.shape, np.inf)
    return ndimage.distance_transform_edt(~skel)


def near_share(points: np.ndarray, target: np.ndarray, tolerance: float) -> float:
    """Share of ``points`` pixels within ``tolerance`` of ``target`` (NaN if there are none)."""
    if not points.any():
        return math.nan
    return float((distance_to(target)[points] <= tolerance).mean())


def match(pred: np.ndarray, true: np.ndarray, tolerance: float = DEFAULT_TOLERANCE) -> Match:
    """Tolerant precision/recall/F1 of bool skeleton ``pred`` against bool skeleton ``true``.

    An empty prediction has precision 0 (it asserts nothing right); an empty truth is an error:
    there is nothing to evaluate against.
    """
    if not true.any():
        raise ValueError("the true skeleton is empty")
    p = near_share(pred, true, tolerance)
    p = 0.0 if math.isnan(p) else p
    r = near_share(true, pred, tolerance)
    f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return Match(p, r, f1)


def missing_part(true: np.ndarray, partial: np.ndarray,
                 tolerance: float = DEFAULT_TOLERANCE) -> np.ndarray:
    """bool (H,W): true skeleton pixels farther than ``tolerance`` from the partial's skeleton."""
    return true & (distance_to(partial) > tolerance)


def recovery(pred: np.ndarray, true: np.ndarray, partial: np.ndarray,
             tolerance: float = DEFAULT_TOLERANCE) -> float:
    """Share of the missing outline (true minus partial) that ``pred`` draws within tolerance.

    NaN when the partial already covers the whole outline (nothing is missing). Returning the
    partial unchanged scores exactly 0 by construction.
    """
    return near_share(missing_part(true, partial, tolerance), pred, tolerance)


def added_part(pred: np.ndarray, partial: np.ndarray,
               tolerance: float = DEFAULT_TOLERANCE) -> np.ndarray:
    """bool (H,W): predicted skeleton pixels farther than ``tolerance`` from the partial's.

    What a completion drew of its own: the partial copied through is not in it.
    """
    return pred & (distance_to(partial) > tolerance)


def added_precision(pred: np.ndarray, true: np.ndarray, partial: np.ndarray,
                    tolerance: float = DEFAULT_TOLERANCE) -> float:
    """Share of the completion's own strokes that lie on the true outline (NaN: drew nothing).

    Plain precision counts the copied partial too, so returning the partial scores ~1; this
    does not.
    """
    return near_share(added_part(pred, partial, tolerance), true, tolerance)


def added_ratio(pred: np.ndarray, true: np.ndarray, partial: np.ndarray,
                tolerance: float = DEFAULT_TOLERANCE) -> float:
    """Length of the completion's own strokes / length of the missing outline (NaN: none missing).

    About 1 when it draws as much as is missing; 0 when it adds nothing.
    """
    missing = int(missing_part(true, partial, tolerance).sum())
    return float(added_part(pred, partial, tolerance).sum() / missing) if missing else math.nan


def dilated_ink(drawing: np.ndarray, radius: float = DEFAULT_TOLERANCE) -> np.ndarray:
    """uint8 (H,W) drawing -> bool (H,W) ink grown by ``radius`` px (a disc)."""
    k = 2 * int(round(radius)) + 1
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    return cv2.dilate(ink_of(drawing).astype(np.uint8), disc) > 0


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two bool masks; 1.0 when both are empty."""
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


def mean_pairwise_iou(drawings: np.ndarray, radius: float = DEFAULT_TOLERANCE,
                      outside: np.ndarray | None = None) -> float:
    """uint8 (K,H,W) drawings -> mean IoU of their dilated ink over all K(K-1)/2 pairs.

    outside: optional uint8 (H,W) drawing (the partial) whose dilated ink is left out, so only
    what the completions added is compared. 1.0 means the K completions are identical
    (or all add nothing); NaN for K < 2.
    """
    masks = [dilated_ink(d, radius) for d in drawings]
    if outside is not None:
        keep = ~dilated_ink(outside, 2 * radius)
        masks = [mk & keep for mk in masks]
    pairs = [iou(a, b) for a, b in itertools.combinations(masks, 2)]
    return float(np.mean(pairs)) if pairs else math.nan
