"""Stage 1 evaluation: K completions of each partial sketch, scored against the true outline.

Per case we report, all on 1-px skeletons matched within a tolerance (see metrics.py):

* best: the completion with the highest F1 against the truth (the paper's premise is that
  the user picks among K proposals, so the best of K is what a person can get);
* mean: precision/recall/F1 averaged over the K completions (what a random pick gets);
* baseline: the partial returned unchanged (precision ~1, recall = the share already drawn);
* recovery: the share of the *missing* outline that the best completion draws (baseline: 0);
* diversity: the mean pairwise IoU of the K completions' dilated ink (1.0 = all identical).

Two diagnostics bound what choosing among the K could gain: the recovery of the completion
that recovers most (an oracle pick), and that of the union of all K (the lines the blended
shadow shows somewhere). A union far above the best says the K are each partly right.

Plain precision and diversity can look good on bad completions: the partial is copied into
every completion (precision ~1 for the baseline), and random smudges differ between seeds
(low IoU). So the added strokes are also scored on their own: their precision against the
truth, their length relative to the missing outline, and the IoU of only the added ink.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Iterable, Sequence

import numpy as np

from sketchfill.models.evaluation import metrics
from sketchfill.models.evaluation.cases import Case
from sketchfill.models.evaluation.metrics import Match


@dataclass(frozen=True)
class CaseScore:
    """The scores of one case's K completions."""

    name: str  # the held-out drawing's name
    source: str  # "objects" or "quickdraw"
    class_name: str
    recipe: str  # how the partial was made
    best: Match  # the highest-F1 completion
    mean: Match  # averaged over the K completions
    baseline: Match  # the partial itself
    best_recovery: float  # missing outline recovered by the best completion (NaN: none missing)
    mean_recovery: float  # ... averaged over the K completions
    diversity_iou: float  # mean pairwise IoU of the K completions' dilated ink
    best_index: int  # which seed gave the best completion
    best_added_precision: float  # share of the best's own strokes on the truth (NaN: none)
    best_added_ratio: float  # the best's own stroke length / missing length (NaN: none missing)
    added_iou: float  # mean pairwise IoU of only the ink the K completions added
    max_recovery: float  # the highest recovery of any one completion (an oracle's pick)
    union_recovery: float  # recovery of all K completions' lines together (the shadow's)


@dataclass(frozen=True)
class Scored:
    """A case with its score and the completions it was scored on (for the contact sheet)."""

    case: Case
    score: CaseScore
    loose: tuple[CaseScore, ...]  # the same case scored at each looser tolerance
    outlines: np.ndarray  # uint8 (K,S,S) completions
    shadow: np.ndarray  # uint8 (S,S) the engine's blend of them


@dataclass(frozen=True)
class Skeletons:
    """The 1-px skeletons of one case's drawings, thinned once for every tolerance."""

    true: np.ndarray  # bool (S,S)
    partial: np.ndarray  # bool (S,S)
    completions: tuple[np.ndarray, ...]  # K bool (S,S)


def skeletons(case: Case, outlines: np.ndarray) -> Skeletons:
    return Skeletons(metrics.skeleton_of(case.item.full), metrics.skeleton_of(case.partial),
                     tuple(metrics.skeleton_of(o) for o in outlines))


def score_completions(case: Case, outlines: np.ndarray,
                      tolerance: float = metrics.DEFAULT_TOLERANCE,
                      skel: Skeletons | None = None) -> CaseScore:
    """Score uint8 (K,S,S) ``outlines`` completed from ``case.partial``."""
    skel = skel or skeletons(case, outlines)
    true, partial, skels = skel.true, skel.partial, skel.completions
    matches = [metrics.match(s, true, tolerance) for s in skels]
    recoveries = [metrics.recovery(s, true, partial, tolerance) for s in skels]
    best = int(np.argmax([m.f1 for m in matches]))
    return CaseScore(
        case.item.name, case.item.source, case.item.class_name, case.recipe,
        best=matches[best], mean=mean_match(matches),
        baseline=metrics.match(partial, true, tolerance),
        best_recovery=recoveries[best], mean_recovery=_nanmean(recoveries),
        diversity_iou=metrics.mean_pairwise_iou(outlines, tolerance), best_index=best,
        best_added_precision=metrics.added_precision(skels[best], true, partial, tolerance),
        best_added_ratio=metrics.added_ratio(skels[best], true, partial, tolerance),
        added_iou=metrics.mean_pairwise_iou(outlines, tolerance, outside=case.partial),
        max_recovery=_nanmax(recoveries),
        union_recovery=metrics.recovery(np.any(skels, axis=0), true, partial, tolerance))


def mean_match(matches: Sequence[Match]) -> Match:
    """Field-wise mean of several matches."""
    return Match(*(float(np.mean([getattr(m, f.name) for m in matches]))
                   for f in fields(Match)))


def evaluate_case(engine, case: Case, seeds: Sequence[int],
                  tolerance: float = metrics.DEFAULT_TOLERANCE,
                  loose: Sequence[float] = ()) -> Scored:
    """Complete ``case.partial`` with the engine (as the app does) and score the K outlines,
    at ``tolerance`` and at each ``loose`` tolerance."""
    done = engine.complete(case.partial, case.item.class_name, seeds)
    skel = skeletons(case, done.outlines)
    return Scored(case, score_completions(case, done.outlines, tolerance, skel),
                  tuple(score_completions(case, done.outlines, t, skel) for t in loose),
                  done.outlines, done.shadow)


# ---------------------------------------------------------------------------------------------
# Summaries

SUMMARY_KEYS = ("best_precision", "best_recall", "best_f1", "mean_precision", "mean_recall",
                "mean_f1", "baseline_precision", "baseline_recall", "baseline_f1",
                "best_recovery", "mean_recovery", "diversity_iou", "best_added_precision",
                "best_added_ratio", "added_iou", "max_recovery", "union_recovery")


def flat(score: CaseScore) -> dict[str, float]:
    """The numeric fields of a score as one flat dict keyed like SUMMARY_KEYS."""
    out = {f"{kind}_{f.name}": getattr(getattr(score, kind), f.name)
           for kind in ("best", "mean", "baseline") for f in fields(Match)}
    out.update(best_recovery=score.best_recovery, mean_recovery=score.mean_recovery,
               diversity_iou=score.diversity_iou,
               best_added_precision=score.best_added_precision,
               best_added_ratio=score.best_added_ratio, added_iou=score.added_iou,
               max_recovery=score.max_recovery, union_recovery=score.union_recovery)
    return out


def summarise(scores: Iterable[CaseScore]) -> dict[str, float]:
    """Mean of every SUMMARY_KEYS field over ``scores`` (NaNs, e.g. nothing missing, skipped),
    plus ``n``, the number of cases."""
    rows = [flat(s) for s in scores]
    out: dict[str, float] = {k: _nanmean([r[k] for r in rows]) for k in SUMMARY_KEYS}
    out["n"] = len(rows)
    return out


def grouped(scores: Sequence[CaseScore], key) -> dict[str, dict[str, float]]:
    """summarise() per group; ``key(score) -> str`` names the group."""
    groups: dict[str, list[CaseScore]] = {}
    for s in scores:
        groups.setdefault(key(s), []).append(s)
    return {name: summarise(group) for name, group in groups.items()}


def _nanmax(values: Sequence[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return max(kept) if kept else math.nan


def _nanmean(values: Sequence[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return float(np.mean(kept)) if kept else math.nan
