"""Partial sketches: what the user has drawn so far, made from a complete outline.

Three recipes: the paper's square erasing (Ghosh et al. 2019, Sec. 3.1: erase a random square
of side 1/4, 1/2 or 3/4 of the image), dropping whole stroke segments (closer to a person who
has not drawn some strokes yet), and for Quick Draw the first k of n pen strokes. Square
erasing applies to both sources: a human drawing with a gap is what the user's unfinished
sketch often is. Every recipe only removes ink, so a partial is always a subset of its full
sketch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PartialConfig:
    """How partial sketches are made."""

    square_sides: tuple[float, ...] = (0.25, 0.5, 0.75)  # erased square side / image side
    square_prob: float = 0.5  # outlines: erase a square, else drop stroke segments
    drawing_square_prob: float = 0.5  # Quick Draw: erase a square, else the first k strokes
    drop_fraction: tuple[float, float] = (0.25, 0.7)  # share of outline ink dropped
    piece_cells: int = 4  # segments are cut into pieces by a piece_cells^2 grid
    min_kept: float = 0.15  # a partial keeps at least this share of the ink ...
    max_kept: float = 0.95  # ... and loses at least 1 - this share
    tries: int = 8  # resamples before giving up on those bounds


DEFAULT_PARTIAL = PartialConfig()


def erase_square(ink: np.ndarray, rng: np.random.Generator, cfg: PartialConfig) -> np.ndarray:
    """Zero a random square of a float (S,S) ink map. Returns a new float32 (S,S) array.

    The square is centred on a random inked pixel, so it always removes something.
    """
    s = ink.shape[0]
    inked = np.argwhere(ink > 0.5)
    total = float(ink.sum())
    best = ink
    for _ in range(cfg.tries):
        side = int(round(float(rng.choice(cfg.square_sides)) * s))
        cy, cx = inked[rng.integers(len(inked))] if len(inked) else rng.integers(s, size=2)
        out = ink.copy()
        y0, x0 = max(cy - side // 2, 0), max(cx - side // 2, 0)
        out[y0:y0 + side, x0:x0 + side] = 0.0
        best = out
        if _kept_ok(float(out.sum()), total, cfg):
            break
    return best.astype(np.float32)


HALVES = ("left", "right", "top", "bottom")  # a half erased: the gap of a drawing half done


def erase_half(image: np.ndarray, half: str, blank: float = 0.0) -> np.ndarray:
    """A copy of the (H,W) image with its left, right, top or bottom half set to `blank`
    (0 for ink maps, 255 for drawings on paper)."""
    h, w = image.shape[:2]
    cut = {"left": np.s_[:, : w // 2], "right": np.s_[:, w // 2:],
           "top": np.s_[: h // 2, :], "bottom": np.s_[h // 2:, :]}[half]
    out = image.copy()
    out[cut] = blank
    return out


def drop_segments(segments: np.ndarray, rng: np.random.Generator,
                  cfg: PartialConfig) -> np.ndarray:
    """Keep the stroke segments on one side of a random line. int (H,W) labels -> bool (H,W).

    Dropping segments independently leaves a dotted, unnatural sketch; a person who has not
    finished has drawn some whole region. So segments are ordered along a random direction
    and those past a cut are dropped, the cut chosen so that a ``drop_fraction`` share of
    the ink goes. At least one segment is dropped and one kept whenever there are two.
    """
    ys, xs = np.nonzero(segments)
    # Split long segments (a whole silhouette is one) into pieces by a coarse grid, so a
    # stroke can be half drawn.
    cell = max(segments.shape[0] // cfg.piece_cells, 1)
    cells = (ys // cell) * (cfg.piece_cells + 1) + xs // cell
    labels = segments[ys, xs].astype(np.int64) * (cfg.piece_cells + 1) ** 2 + cells
    labels = np.unique(labels, return_inverse=True)[1].ravel() + 1
    n = int(labels.max(initial=0)) + 1
    length = np.bincount(labels, minlength=n).astype(np.float64)  # (n,) pixels per segment
    ids = np.nonzero(length)[0]
    if len(ids) < 2:
        return segments > 0
    cx = np.bincount(labels, xs, n)[ids] / length[ids]  # segment centroids
    cy = np.bincount(labels, ys, n)[ids] / length[ids]
    theta = rng.uniform(0, 2 * np.pi)
    order = ids[np.argsort(cx * np.cos(theta) + cy * np.sin(theta))]
    kept_share = np.cumsum(length[order]) / length[ids].sum()  # ink kept if cut after each
    target = 1.0 - rng.uniform(*cfg.drop_fraction)
    cut = int(np.clip(np.searchsorted(kept_share, target) + 1, 1, len(order) - 1))
    keep = np.zeros(n, bool)
    keep[order[:cut]] = True
    out = np.zeros(segments.shape, bool)
    out[ys, xs] = keep[labels]
    return out


def prefix_length(n_strokes: int, rng: np.random.Generator) -> int:
    """k in [1, n-1] strokes to show (n if the drawing has a single stroke)."""
    return int(rng.integers(1, n_strokes)) if n_strokes >= 2 else n_strokes


def prefix_share_length(n_strokes: int, rng: np.random.Generator,
                        shares: tuple[float, float]) -> int:
    """k strokes to show: a share of the n drawn uniformly in ``shares`` (e.g. the first
    30-70%, how far an artist has got), rounded and kept in [1, n-1] (n for one stroke)."""
    if n_strokes < 2:
        return n_strokes
    k = round(rng.uniform(*shares) * n_strokes)
    return int(min(max(k, 1), n_strokes - 1))


def _kept_ok(kept: float, total: float, cfg: PartialConfig) -> bool:
    return total <= 0 or cfg.min_kept * total <= kept <= cfg.max_kept * total
