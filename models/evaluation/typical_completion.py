"""Does the shadow propose an object? What the typical of the K completions adds.

The shadow blends the K completions; when most of them only redraw the user's strokes it is
nearly empty. Per case, each completion's own strokes are measured against the missing
outline (metrics.added_ratio: its added skeleton length / the missing skeleton length) and
the median over the K is the typical completion's. A case whose typical completion adds
less than LITTLE of the missing outline shows (almost) no shadow.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from sketchfill.models.data import quickdraw as qd
from sketchfill.models.evaluation import metrics
from sketchfill.models.evaluation.cases import (Case, CaseConfig, HeldOut, drawing_to_ink,
                                                ink_to_drawing)

LITTLE = 0.2  # the typical completion adds less than a fifth of the missing outline
FIRST_STROKES = 0.25  # a case still missing this share of its outline is "first strokes": a
                      # prefix of 30-70% of the strokes often draws nearly all of the outline


@dataclass(frozen=True)
class Typical:
    """One case's K completions, as the shadow shows them."""

    name: str
    class_name: str
    typical_added: float  # median over the K of added length / missing length (NaN: none)
    shadow_ink: float  # share of the canvas the shadow darkens at all
    missing_share: float  # the missing outline's share of the whole outline (skeleton px)

    @property
    def little(self) -> bool:
        return not math.isnan(self.typical_added) and self.typical_added < LITTLE


def typical(case: Case, outlines: np.ndarray, shadow: np.ndarray,
            tolerance: float = metrics.DEFAULT_TOLERANCE) -> Typical:
    """The typical completion of uint8 (K,S,S) `outlines` of `case`, and how much of the
    canvas the uint8 (S,S) `shadow` covers."""
    true = metrics.skeleton_of(case.item.full)
    partial = metrics.skeleton_of(case.partial)
    ratios = [metrics.added_ratio(metrics.skeleton_of(o), true, partial, tolerance)
              for o in outlines]
    kept = [r for r in ratios if not math.isnan(r)]
    added = float(np.median(kept)) if kept else math.nan
    missing = metrics.missing_part(true, partial, tolerance).sum() / max(int(true.sum()), 1)
    return Typical(case.item.name, case.item.class_name, added, float((shadow < 255).mean()),
                   float(missing))


def every_cut(item: HeldOut, cfg: CaseConfig) -> list[Case]:
    """A Quick, Draw! drawing cut after every k of its n strokes with k/n in the cases'
    prefix range (cases.CaseConfig.prefix_shares): the first strokes, every way."""
    if item.drawing is None:
        return []
    strokes = item.drawing.strokes
    lo, hi = cfg.prefix_shares
    full = drawing_to_ink(item.full)
    cuts = [k for k in range(1, len(strokes)) if lo <= k / len(strokes) <= hi]
    return [Case(item, f"prefix-{k}", ink_to_drawing(np.minimum(
        qd.rasterise(strokes[:k], cfg.size, cfg.width), full))) for k in cuts]


def share_little(found: Sequence[Typical], missing: float = 0.0) -> float:
    """Share of the cases missing at least `missing` of their outline whose typical
    completion adds little (NaN without such cases)."""
    kept = [t.little for t in found if t.missing_share >= missing]
    return float(np.mean(kept)) if kept else math.nan
