"""Colour where nothing was drawn: how much of a render's colour lies well outside the drawing.

A render should be the object on paper. Of a render's coloured pixels (some channel at least
COLOURED from paper white), the stray share is the part farther than WELL_OUTSIDE (share of
the side) from the convex hull of the outline it was rendered from. The hull is generous (a
crescent's hollow is inside it), so what it counts is colour clearly away from the object.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import cv2
import numpy as np

COLOURED = 40  # a channel at least this far from 255: the pixel is coloured, not paper
WELL_OUTSIDE = 0.06  # share of the side beyond the drawing's convex hull (15 px at 256)
INK = 160  # an outline pixel darker than this is ink


@dataclass(frozen=True)
class StrayCount:
    """One render's coloured pixels and those well outside the drawing."""

    class_name: str  # the class the render was asked for
    name: str  # the drawing's name
    stray: int
    coloured: int


def hull_mask(outline: np.ndarray) -> np.ndarray:
    """bool (H,W): the convex hull of a uint8 outline's ink (all False without ink)."""
    ink = cv2.findNonZero((outline < INK).astype(np.uint8))
    hull = np.zeros(outline.shape, np.uint8)
    if ink is not None:
        cv2.fillConvexPoly(hull, cv2.convexHull(ink), 1)
    return hull > 0


def stray_pixels(rgb: np.ndarray, outline: np.ndarray) -> tuple[int, int]:
    """(coloured pixels well outside the hull, coloured pixels) of a uint8 (H,W,3) render of
    the uint8 (H,W) outline."""
    coloured = (255 - rgb.min(axis=2).astype(np.int16)) >= COLOURED
    hull = hull_mask(outline)
    if not hull.any():
        return int(coloured.sum()), int(coloured.sum())
    away = cv2.distanceTransform((~hull).astype(np.uint8), cv2.DIST_L2, 3)
    far = away > WELL_OUTSIDE * max(outline.shape)
    return int((coloured & far).sum()), int(coloured.sum())


Render = Callable[[np.ndarray, str, int], np.ndarray]  # (outline, class, seed) -> uint8 RGB


def count_renders(render: Render, drawings: Sequence[tuple[str, np.ndarray]],
                  classes: Sequence[str], seeds: Sequence[int]) -> list[StrayCount]:
    """Every (name, outline) drawing rendered under every class with every seed, counted."""
    out = []
    for name, outline in drawings:
        for c in classes:
            for seed in seeds:
                stray, coloured = stray_pixels(render(outline, c, seed), outline)
                out.append(StrayCount(c, name, stray, coloured))
    return out


def share_by_class(counts: Iterable[StrayCount]) -> dict[str, float]:
    """Per requested class: stray pixels / coloured pixels over all its renders."""
    stray: dict[str, int] = {}
    coloured: dict[str, int] = {}
    for c in counts:
        stray[c.class_name] = stray.get(c.class_name, 0) + c.stray
        coloured[c.class_name] = coloured.get(c.class_name, 0) + c.coloured
    return {k: stray[k] / coloured[k] if coloured[k] else 0.0 for k in stray}


def renders_with_stray(counts: Sequence[StrayCount], share: float = 0.01) -> float:
    """Share of renders whose stray share exceeds `share` (a visible smear)."""
    if not counts:
        return float("nan")
    return float(np.mean([c.stray > share * max(c.coloured, 1) for c in counts]))
