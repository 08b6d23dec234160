"""The evaluation of a pair of networks, driven through the app's engine (`python -m app.evaluate`).

Completion: held-out drawings -> square-erased (and stroke-prefix) partials -> Engine.complete
with K seeds -> skeleton precision/recall/F1, missing-outline recovery and K-diversity
(completion_eval.py). Appearance: held-out outlines -> Engine.render under every class ->
class judges trained on real images (classifier.py, appearance_eval.py). Prints a table and
writes ``metrics.json`` and ``contact_sheet.png`` to ``--out``.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np

from sketchfill.models.evaluation import appearance_eval as ae
from sketchfill.models.evaluation import classifier as cl
from sketchfill.models.evaluation import completion_eval as ce
from sketchfill.models.evaluation import contact_sheet as cs
from sketchfill.models.evaluation import reference as ref
from sketchfill.models.evaluation import report as report
from sketchfill.models.data import sources
from sketchfill.models.evaluation.cases import Case, CaseConfig, HeldOut, cases_of, held_out
from sketchfill.models.data.real_images import load_real
from sketchfill.models.files import write_text

HEADLINE_JUDGE = "cnn-shapeswap"  # judges by colour and texture, not the silhouette
SHEET_RECIPE = "square-0.5"
SHEET_OTHERS = 3  # renders under this many other classes per sheet column


class Engine(Protocol):
    """What the evaluation needs of the app's inference engine (app.engine.Engine): scores are
    taken on exactly what the app shows, so the engine is passed in from above."""

    classes: tuple[str, ...]
    provenance: dict

    def complete(self, sketch: np.ndarray, class_name: str, seeds: Sequence[int]): ...

    def perfect_completion(self, partial: np.ndarray, full: np.ndarray) -> np.ndarray: ...

    def render(self, outline: np.ndarray, class_name: str, seed: int) -> np.ndarray: ...


@dataclass(frozen=True)
class EvalConfig:
    """One evaluation run."""

    samples: int = 8  # K completions per partial (seeds first_seed .. first_seed+K-1)
    first_seed: int = 0  # another seed set measures how much the scores owe to the seeds
    tolerance: float = 2.0  # skeleton match tolerance in px at the case size
    # Also reported, for context: 4 px = one pixel of the 64 px shape network, 8 px = two.
    loose_tolerances: tuple[float, ...] = (4.0, 8.0)
    render_seed: int = 0  # appearance noise seed of every render
    judge_size: int = 64  # renders are judged at this size
    judge_steps: int | None = None  # override every judge's training steps (smoke tests)
    sheet_columns: int = 12  # samples on the contact sheet
    reference: bool = True  # also score real training drawings as completions (eval_reference)
    cases: CaseConfig = CaseConfig()


def run_completion(engine: Engine, items: Sequence[HeldOut], cfg: EvalConfig
                   ) -> tuple[list[ce.CaseScore], dict[float, list[ce.CaseScore]],
                              dict[str, ce.Scored]]:
    """Scores of every case at cfg.tolerance, at each loose tolerance, and the Scored sheet
    case (SHEET_RECIPE) of each item by name."""
    seeds = list(range(cfg.first_seed, cfg.first_seed + cfg.samples))
    scores, loose, sheet = [], {t: [] for t in cfg.loose_tolerances}, {}
    for item in items:
        for case in cases_of(item, cfg.cases):
            scored = ce.evaluate_case(engine, case, seeds, cfg.tolerance, cfg.loose_tolerances)
            scores.append(scored.score)
            for t, s in zip(cfg.loose_tolerances, scored.loose):
                loose[t].append(s)
            if case.recipe == SHEET_RECIPE:
                sheet[item.name] = scored
    return scores, loose, sheet


def ceiling_score(case: Case, perfect: Callable[[np.ndarray, np.ndarray], np.ndarray],
                  tolerance: float = 2.0) -> ce.CaseScore:
    """The score of a perfect network (`perfect`: Engine.perfect_completion) on `case`: the
    most any trained network of the engine's size can reach through the engine's path."""
    outline = perfect(case.partial, case.item.full)
    return ce.score_completions(case, outline[None], tolerance)


def run_ceiling(engine: Engine, items: Sequence[HeldOut], cfg: EvalConfig
                ) -> list[ce.CaseScore]:
    """The square cases scored for a perfect shape network of the engine's size and kind."""
    return [ceiling_score(case, engine.perfect_completion, cfg.tolerance)
            for item in items for case in cases_of(item, cfg.cases)
            if report.is_square_recipe(case.recipe)]


def run_reference(engine: Engine, root: Path, items: Sequence[HeldOut], cfg: EvalConfig
                  ) -> dict[float, list[ce.CaseScore]]:
    """Every case completed with K real training drawings of its class, scored at
    cfg.tolerance and at each loose tolerance."""
    pool = ref.training_drawings(root, engine.classes, cfg.cases)
    return ref.reference_scores(items, pool, cfg.samples,
                                (cfg.tolerance, *cfg.loose_tolerances), cfg.cases)


def train_judges(root: Path, cfg: EvalConfig, cache_dir: Path | None
                 ) -> tuple[list[cl.Judge], dict[str, tuple[float, int, float]], list]:
    """All judges (cached), their (accuracy, n, swapped accuracy) on held-out real images, and
    the train images."""
    train = load_real(root, "train", cfg.judge_size)
    test = load_real(root, "test", cfg.judge_size)
    classes = sources.classes_of(sources.discover(root))
    judges = []
    for name, jcfg in cl.JUDGES.items():
        if cfg.judge_steps is not None:
            jcfg = replace(jcfg, steps=cfg.judge_steps)
        judges.append(cl.load_or_train(name, jcfg, train, classes, cache_dir))
    held = {j.name: (cl.accuracy(j, test), len(test), cl.swapped_accuracy(j, test))
            for j in judges}
    return judges, held, train


def run_appearance(engine: Engine, items: Sequence[HeldOut], judges: Sequence[cl.Judge],
                   train_images, cfg: EvalConfig) -> dict[str, list[ae.Verdict]]:
    """Verdicts on the engine's renders and on the flat-colour baseline's."""
    classes = list(engine.classes)
    model = ae.render_all(engine.render, items, classes, cfg.judge_size, cfg.render_seed)
    colours = ae.mean_colours(train_images)
    flat = ae.flat_colour_renderer({c: colours.get(c, np.full(3, 128.0)) for c in classes})
    baseline = ae.render_all(flat, items, classes, cfg.judge_size, cfg.render_seed)
    return {"model": ae.judge_renders(model, items, judges, classes),
            "flat_colour": ae.judge_renders(baseline, items, judges, classes)}


def run_edge_recall(engine: Engine, items: Sequence[HeldOut], cfg: EvalConfig) -> float:
    """Mean outline edge recall (appearance_eval) of each outline rendered under its class."""
    renders = {(it.name, it.class_name): engine.render(it.full, it.class_name, cfg.render_seed)
               for it in items}
    return ae.mean_edge_recall(renders, {it.name: it.full for it in items})


def sheet_items(items: Sequence[HeldOut], n: int) -> list[HeldOut]:
    """Up to n items, alternating sources and spreading over classes."""
    by_source: dict[str, list[HeldOut]] = {}
    for it in items:
        by_source.setdefault(it.source, []).append(it)
    queues = [_spread_classes(v) for v in by_source.values()]
    out: list[HeldOut] = []
    for depth in range(max((len(q) for q in queues), default=0)):
        out += [q[depth] for q in queues if depth < len(q)]
    return out[:n]


def _spread_classes(items: Sequence[HeldOut]) -> list[HeldOut]:
    seen: dict[str, int] = {}
    ranked = []
    for it in items:
        ranked.append((seen.get(it.class_name, 0), len(ranked), it))
        seen[it.class_name] = seen.get(it.class_name, 0) + 1
    return [it for _, _, it in sorted(ranked, key=lambda t: t[:2])]


def sheet_column(engine: Engine, item: HeldOut, scored: ce.Scored | None,
                 judge: cl.Judge | None, cfg: EvalConfig) -> cs.Column:
    """One contact-sheet column: real image, partial, truth, best, shadow, renders."""
    cells = [cs.Cell(item.rgb, "real image" if item.rgb is not None else "(Quick Draw)")]
    if scored is not None:
        s = scored.score
        cells += [cs.Cell(scored.case.partial, f"baseline R {s.baseline.recall:.2f}"),
                  cs.truth_cell(item.full, scored.case.partial),
                  cs.completion_cell(scored.outlines[s.best_index], scored.case.partial,
                                     f"P{s.best.precision:.2f} R{s.best.recall:.2f} "
                                     f"rec{s.best_recovery:.2f}"),
                  cs.Cell(scored.shadow, f"IoU(K) {s.diversity_iou:.2f}")]
    else:
        cells += [cs.Cell(None)] * 3 + [cs.Cell(item.full, "true outline")]
    for c in render_classes(engine.classes, item.class_name):
        rgb = engine.render(item.full, c, cfg.render_seed)
        if judge is None:  # appearance not evaluated: no verdict to show
            cells.append(cs.Cell(rgb, c))
        else:
            cells.append(cs.verdict_cell(rgb, c, judge.predict(rgb[None], engine.classes)[0]))
    recipe = scored.case.recipe if scored is not None else ""
    return cs.Column((item.class_name, f"{item.source} {recipe}"), tuple(cells))


def render_classes(classes: Sequence[str], own: str) -> list[str]:
    """The item's own class, then SHEET_OTHERS others spread over the class list."""
    others = [c for c in classes if c != own]
    if not others:
        return [own]
    start = sources.stable_hash(own) % len(others)
    step = max(len(others) // SHEET_OTHERS, 1)
    picked = list(dict.fromkeys(others[(start + i * step) % len(others)]
                                for i in range(SHEET_OTHERS)))
    return [own] + picked


SHEET_ROWS = ("real\nimage", "partial", "true\noutline", "best of K\n(blue=given)", "shadow\nof K",
              "render\nown class") + tuple(f"render\nother {i + 1}" for i in range(SHEET_OTHERS))


def write_sheet(path: Path, engine: Engine, items: Sequence[HeldOut],
                sheet: dict[str, ce.Scored], judge: cl.Judge | None, cfg: EvalConfig) -> None:
    columns = [sheet_column(engine, it, sheet.get(it.name), judge, cfg)
               for it in sheet_items(items, cfg.sheet_columns)]
    cs.save_png(path, cs.compose(SHEET_ROWS, columns))


STAGES = ("completion", "appearance")


def evaluate(engine: Engine, root: Path, out: Path, cfg: EvalConfig,
             judge_cache: Path | None = None, stages: Sequence[str] = STAGES) -> dict:
    """Run the chosen stages; write metrics.json and contact_sheet.png into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    items = held_out(root, engine.classes, cfg.cases)
    if not items:
        raise ValueError(f"no held-out drawings under {root} for classes {engine.classes}")
    completion, appearance, sheet, headline = None, None, {}, None
    if "completion" in stages:
        scores, loose, sheet = run_completion(engine, items, cfg)
        reference = run_reference(engine, root, items, cfg) if cfg.reference else {}
        completion = report.completion_dict(scores, loose, run_ceiling(engine, items, cfg),
                                            reference, cfg.tolerance)
    if "appearance" in stages:
        judges, held_acc, train_images = train_judges(root, cfg, judge_cache)
        verdicts = run_appearance(engine, items, judges, train_images, cfg)
        appearance = report.appearance_dict(verdicts, held_acc, HEADLINE_JUDGE)
        appearance["edge_recall"] = run_edge_recall(engine, items, cfg)
        headline = next(j for j in judges if j.name == HEADLINE_JUDGE)
    write_sheet(out / "contact_sheet.png", engine, items, sheet, headline, cfg)
    result = report.metrics_dict(engine, cfg, completion, appearance)
    result["seconds"] = round(time.monotonic() - t0, 1)
    write_text(out / "metrics.json", json.dumps(result, indent=2, default=json_default))
    return result


def json_default(value):
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
