"""How well taught classes work, on styles their teaching never saw (the cases, judges and
scores; app/evaluate_teach.py runs them through the engine).

For each taught class (add-on files in DIR, taught on the train split of teach-v1), the
held-out style's picture (sources.split_records "test": one style per class) gives an outline
(the derivation of the training outlines, drawn like the evaluation's cases) and:

* renders: the outline rendered as the class with seeds 0-3, named by judges trained apart
  from the app on the real pictures of the shipped classes plus the taught ones (train
  splits; classifier.py, JUDGES). A class passes when the deciding judge names it for at
  least 3 of 4 seeds;
* completions: the outline with one half erased (left, right, top, bottom: four partials),
  and with the paper's erased squares (sides 1/4, 1/2, 3/4 of the image, as the app's own
  evaluation: cases.cases_of), completed K = 8 times; best-of-8 recovery of the missing
  outline within 4 px and the best completion's precision on what it added
  (completion_eval).

"Before" is the same with the rows teaching started from (the nearest shipped rows), so the
gain of teaching shows apart from what the silhouette alone gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from sketchfill.models.data import real_images, sources
from sketchfill.models.data.partial import HALVES, erase_half
from sketchfill.models.evaluation import classifier, completion_eval
from sketchfill.models.evaluation.cases import (DEFAULT_CASES, Case, HeldOut, cases_of,
                                                held_out_objects, object_item)
from sketchfill.models.nets.class_addon import ClassAddon

TEACH_DATA = "teach-v1"
RENDER_SEEDS = (0, 1, 2, 3)
PASS_SEEDS = 3  # of the 4 render seeds the deciding judge must name the class for
# The deciding judge first: a CNN that learned with half its views in another picture's
# silhouette (so it names a class by colour and texture, as the app's own evaluation does),
# then the plain CNN (silhouette too) and the shape-blind colour histogram.
JUDGES = ("cnn-shapeswap", "cnn", "colour")
K = 8
BEFORE = "@start"  # suffix of the class holding the rows teaching started from


@dataclass(frozen=True)
class ClassResult:
    name: str
    held_out: str                   # the held-out picture's file stem
    seeds: dict[str, int]           # judge -> render seeds it named the class for
    said: list[str]                 # what the deciding judge named each seed's render
    recovery: float                 # best-of-8 recovery within 4 px, mean over the 4 halves
    precision: float                # the best completion's added precision, same mean
    square_recovery: dict[str, float]   # the same for the paper's erased squares, per side
    square_precision: dict[str, float]


def start_addon(addon: ClassAddon, engine) -> ClassAddon:
    """The rows `addon` was taught from (its provenance's start rows), as a class of its own."""
    start = addon.provenance["start_rows"]
    shape_row = engine.shape.embedding.weight[start["shape"]].detach().clone()
    rows = {"shape": shape_row}
    for name in ("gate", "full_gate"):
        owner = getattr(engine.appearance, name, None)
        if owner is not None:
            rows[name] = owner.embedding.weight[start["appearance"]].detach().clone()
    return ClassAddon(addon.name + BEFORE, addon.display_name, rows, addon.checkpoints, {})


def held_out_items(root: Path, classes: Sequence[str]) -> list[HeldOut]:
    records = sources.split_records(sources.discover(root), "test")
    return [object_item(r, DEFAULT_CASES) for r in records if r.class_name in classes]


def half_erased(item: HeldOut) -> list[Case]:
    """The outline with its left, right, top or bottom half erased."""
    return [Case(item, f"half-{half}", erase_half(item.full, half, 255)) for half in HALVES]


def judges(data: Path, classes: Sequence[str], size: int = 64) -> list[classifier.Judge]:
    """The judges (JUDGES) trained on the train-split pictures of every class of the engine."""
    images = real_images.load_real(data, "train", size, classes)
    images += real_images.load_real(data / TEACH_DATA, "train", size, classes)
    return [classifier.load_or_train(f"teach-{name}", classifier.JUDGES[name], images, classes)
            for name in JUDGES]


def score_class(engine, item: HeldOut, name: str, found: Sequence[classifier.Judge],
                allowed: Sequence[str]) -> tuple[ClassResult, np.ndarray]:
    """One class's result, and its renders uint8 (4,S,S,3)."""
    renders = np.stack([engine.render(item.full, name, seed) for seed in RENDER_SEEDS])
    said = {j.name: j.predict(renders, allowed) for j in found}
    target = name.removesuffix(BEFORE)
    halves = _completions(engine, half_erased(item), name)
    squares = _completions(engine, cases_of(item, DEFAULT_CASES), name)
    result = ClassResult(
        name, item.name.split("/")[-1],
        {j.name: sum(s == target for s in said[j.name]) for j in found}, said[found[0].name],
        float(np.nanmean([s.best_recovery for s in halves])),
        float(np.nanmean([s.best_added_precision for s in halves])),
        {s.recipe: s.best_recovery for s in squares},
        {s.recipe: s.best_added_precision for s in squares})
    return result, renders


def _completions(engine, cases: Sequence[Case], name: str) -> list[completion_eval.CaseScore]:
    """Each case completed K times as the class `name`, scored at 4 px."""
    scores = []
    for case in cases:
        done = engine.complete(case.partial, name, range(K))
        scores.append(completion_eval.score_completions(case, done.outlines))
    return scores


def shipped_halves(engine, data: Path) -> dict[str, tuple[float, float]]:
    """The same half-erased measure for the shipped classes, on their own held-out pictures
    (objects-v1, the app's evaluation split): "class/picture" -> (recovery, precision), means
    over the 4 halves. What a taught class's numbers compare with."""
    shipped = list(engine.classes[:engine.n_shipped])
    found = {}
    for item in held_out_objects(data, shipped, DEFAULT_CASES):
        scores = _completions(engine, half_erased(item), item.class_name)
        name = f"{item.class_name}/{item.name.split('/')[-1]}"
        # NaN where a completion added nothing: left out, and NaN if none added anything
        precisions = [p for p in (s.best_added_precision for s in scores) if not np.isnan(p)]
        found[name] = (float(np.nanmean([s.best_recovery for s in scores])),
                       float(np.mean(precisions)) if precisions else float("nan"))
    return found


def tile(rgb: np.ndarray, size: int) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).resize((size, size), Image.LANCZOS))


def sheet(rows: Sequence[tuple[HeldOut, np.ndarray, np.ndarray]], size: int = 96) -> np.ndarray:
    """uint8 image: per class the picture, its outline, 4 renders before and 4 after."""
    lines = []
    for item, before, after in rows:
        outline = np.repeat(item.full[..., None], 3, axis=2)
        cells = [item.rgb, outline, *before, *after]
        lines.append(np.concatenate([tile(c, size) for c in cells], axis=1))
    return np.concatenate(lines, axis=0)
