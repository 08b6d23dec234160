"""A reference for the completion scores: real drawings of the class as completions.

What does the recovery bar ask of a completion? A yardstick that needs no network: complete
each held-out partial (square-erased or a stroke prefix) with *training* drawings of the same
class and source (another emoji style's outline for an object, another person's drawing for a
Quick Draw case), keeping the partial and adding the drawing's lines away from it, K of them
per case, scored exactly as the network's K completions are (best by F1, recovery,
precision, diversity).

It tells how far a class's typical shape fixes the missing outline. It knows nothing of the
partial beyond the class, so a network that continues the user's strokes should beat it; a
network below it on some source has not learnt that source's class shapes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from sketchfill.models.evaluation import completion_eval as ce
from sketchfill.models.data import quickdraw as qd
from sketchfill.models.data import sources
from sketchfill.models.evaluation.cases import (Case, CaseConfig, HeldOut, cases_of, drawing_to_ink,
                               ink_to_drawing, item_rng, object_item)

MAX_PER_CLASS = 60  # training drawings kept per (source, class); objects have about 10

Pool = dict[tuple[str, str], list[np.ndarray]]  # (source, class) -> uint8 (S,S) drawings


def training_drawings(root: Path, classes: Sequence[str], cfg: CaseConfig,
                      max_per_class: int = MAX_PER_CLASS) -> Pool:
    """The training split's complete outlines per (source, class), drawn like the cases."""
    records = sources.split_records(sources.discover(root), "train")
    pool: Pool = {}
    for c in classes:
        objects = [r for r in records if r.class_name == c][:max_per_class]
        drawings = qd.load_class(root, c, "train")[:max_per_class]
        if objects:
            pool[("objects", c)] = [object_item(r, cfg).full for r in objects]
        if drawings:
            pool[("quickdraw", c)] = [ink_to_drawing(qd.rasterise(d.strokes, cfg.size, cfg.width))
                                      for d in drawings]
    return pool


def composite(partial: np.ndarray, drawing: np.ndarray, keep_away: float) -> np.ndarray:
    """The partial with the drawing's ink farther than ``keep_away`` px from the partial's
    (near it the partial's own strokes stand, as the engine keeps the user's strokes)."""
    part_ink = drawing_to_ink(partial)
    paper = (part_ink < 0.5).astype(np.uint8)
    far = cv2.distanceTransform(paper, cv2.DIST_L2, 5) > keep_away
    return ink_to_drawing(np.maximum(part_ink, drawing_to_ink(drawing) * far))


def reference_outlines(case: Case, pool: Pool, k: int, keep_away: float,
                       cfg: CaseConfig) -> np.ndarray | None:
    """uint8 (K,S,S): K drawings of the case's class composed with its partial, picked by the
    case's own generator (None: no training drawing of that source and class)."""
    drawings = pool.get((case.item.source, case.item.class_name))
    if not drawings:
        return None
    rng = item_rng(case.item, f"{case.recipe}/reference", cfg)
    picks = rng.choice(len(drawings), size=min(k, len(drawings)), replace=False)
    return np.stack([composite(case.partial, drawings[i], keep_away) for i in picks])


def reference_scores(items: Sequence[HeldOut], pool: Pool, k: int, tolerances: Sequence[float],
                     cfg: CaseConfig) -> dict[float, list[ce.CaseScore]]:
    """The reference's scores, at each of ``tolerances``, on every case of ``items`` (square
    and stroke-prefix) that has drawings to use."""
    scores: dict[float, list[ce.CaseScore]] = {t: [] for t in tolerances}
    for item in items:
        for case in cases_of(item, cfg):
            # A drawing's lines within a pen width of the partial's ink mostly redraw, a few
            # px off, strokes the partial has: they are left out, as the engine leaves out
            # the network's copy of the user's strokes.
            outlines = reference_outlines(case, pool, k, cfg.width, cfg)
            if outlines is None:
                continue
            skel = ce.skeletons(case, outlines)
            for t in tolerances:
                scores[t].append(ce.score_completions(case, outlines, t, skel))
    return scores
