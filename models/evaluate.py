"""Evaluate shipped (or any) checkpoints the way the app uses them: `python -m models.evaluate`.

    python -m models.evaluate --checkpoints checkpoints --out runs/eval

Completion: held-out drawings -> square-erased (and stroke-prefix) partials -> Engine.complete
with K seeds -> skeleton precision/recall/F1, missing-outline recovery and K-diversity
(completion_eval.py). Appearance: held-out outlines -> Engine.render under every class ->
class judges trained on real images (classifier.py, appearance_eval.py). Prints a table and
writes ``metrics.json`` and ``contact_sheet.png`` to ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

# The engine's own network-to-outline path (sketch_to_tensor is the engine's input
# conversion), so that the ceiling is scored exactly as the app completes.
from app.engine import Engine, outline_from_output, sketch_to_tensor
from models import appearance_eval as ae
from models import classifier as cl
from models import completion_eval as ce
from models import contact_sheet as cs
from models import eval_reference as ref
from models import eval_report as report
from models.checkpoint import CheckpointError
from models.data import sources
from models.eval_cases import Case, CaseConfig, HeldOut, cases_of, held_out
from models.training import losses
from models.real_images import load_real

HEADLINE_JUDGE = "cnn-shapeswap"  # judges by colour and texture, not the silhouette
SHEET_RECIPE = "square-0.5"
SHEET_OTHERS = 3  # renders under this many other classes per sheet column


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


def perfect_output(full: np.ndarray, size: int, soft: bool) -> torch.Tensor:
    """What a perfect ``size``-px shape network would output for the true outline ``full``:
    the outline as the network sees it, as a soft outline for a soft-outline network.
    [size,size] in [-1,1]."""
    from models.train_shape import SOFT_REACH, ShapeTrainConfig    # training's soft target

    x = sketch_to_tensor(full, size)
    if not soft:
        return x[0, 0]
    soft_ink = losses.soft_outline(losses.ink(x), ShapeTrainConfig().rec_sigma, SOFT_REACH)
    return (1.0 - 2.0 * soft_ink)[0, 0]


def ceiling_score(case: Case, size: int, soft: bool,
                  tolerance: float = 2.0) -> ce.CaseScore:
    """The score of a perfect network of this size, through the engine's own path (ridge
    thinning, resizing, the user's strokes): the most any trained network can reach here."""
    outline = outline_from_output(case.partial, perfect_output(case.item.full, size, soft), soft)
    return ce.score_completions(case, outline[None], tolerance)


def run_ceiling(engine: Engine, items: Sequence[HeldOut], cfg: EvalConfig
                ) -> list[ce.CaseScore]:
    """The square cases scored for a perfect shape network of the engine's size and kind."""
    shape = engine.shape.cfg
    return [ceiling_score(case, shape.size, shape.soft_output, cfg.tolerance)
            for item in items for case in cases_of(item, cfg.cases)
            if report.is_square_recipe(case.recipe)]


def run_reference(engine: Engine, root: Path, items: Sequence[HeldOut], cfg: EvalConfig
                  ) -> list[ce.CaseScore]:
    """The square cases completed with K real training drawings of their class."""
    pool = ref.training_drawings(root, engine.classes, cfg.cases)
    return ref.reference_scores(items, pool, cfg.samples, cfg.tolerance, cfg.cases)


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
        reference = run_reference(engine, root, items, cfg) if cfg.reference else []
        completion = report.completion_dict(scores, loose, run_ceiling(engine, items, cfg),
                                            reference)
    if "appearance" in stages:
        judges, held_acc, train_images = train_judges(root, cfg, judge_cache)
        verdicts = run_appearance(engine, items, judges, train_images, cfg)
        appearance = report.appearance_dict(verdicts, held_acc, HEADLINE_JUDGE)
        headline = next(j for j in judges if j.name == HEADLINE_JUDGE)
    write_sheet(out / "contact_sheet.png", engine, items, sheet, headline, cfg)
    result = report.metrics_dict(engine, cfg, completion, appearance)
    result["seconds"] = round(time.monotonic() - t0, 1)
    (out / "metrics.json").write_text(json.dumps(result, indent=2, default=_json_default))
    return result


def _json_default(value):
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoints", type=Path, default=None,
                        help="checkpoint dir with manifest.json (default: the shipped checkpoints/)")
    parser.add_argument("--data", type=Path, default=None,
                        help="data root holding objects-v1/ and quickdraw-v1/ "
                             "(default: ../shared/datasets)")
    parser.add_argument("--samples", type=int, default=8, help="K completions per partial")
    parser.add_argument("--first-seed", type=int, default=0,
                        help="seeds N..N+K-1 (another set shows how much a score owes to them)")
    parser.add_argument("--one-view", action="store_true",
                        help="every completion sees the sketch as drawn (no mirrored views; "
                             "app.engine.mirrored_view)")
    parser.add_argument("--no-reference", action="store_true",
                        help="skip the real-drawings reference (models.eval_reference)")
    parser.add_argument("--out", type=Path, default=Path("runs/eval"),
                        help="where metrics.json and contact_sheet.png go")
    parser.add_argument("--json", action="store_true", help="print metrics JSON, not the table")
    parser.add_argument("--limit", type=int, default=None,
                        help="at most N held-out drawings per source (default: all)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    parser.add_argument("--stage", choices=("all",) + STAGES, default="all",
                        help="evaluate both stages (default) or only one")
    parser.add_argument("--tolerance", type=float, default=2.0, help="match tolerance in px")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--judge-cache", type=Path, default=None,
                        help="where trained judges are cached (default: ~/.cache/sketchfill)")
    parser.add_argument("--judge-steps", type=int, default=None,
                        help="override judge training steps (smoke tests only: weak judges)")
    args = parser.parse_args(argv)
    if args.samples < 1 or (args.limit is not None and args.limit < 1):
        parser.error("--samples and --limit must be at least 1")
    torch.set_num_threads(args.threads)
    cfg = EvalConfig(samples=args.samples, first_seed=args.first_seed, tolerance=args.tolerance,
                     judge_steps=args.judge_steps, reference=not args.no_reference,
                     cases=CaseConfig(limit=args.limit))
    root = args.data if args.data is not None else sources.default_data_root()
    try:
        engine = Engine.load(args.checkpoints, device=args.device,
                             mirror_views=not args.one_view)
        stages = STAGES if args.stage == "all" else (args.stage,)
        result = evaluate(engine, root, args.out, cfg, args.judge_cache, stages)
    except (CheckpointError, sources.DataSourceError, ValueError, OSError) as err:
        print(f"evaluate: {err}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, default=_json_default) if args.json
          else report.table(result))
    print(f"wrote {args.out / 'metrics.json'} and {args.out / 'contact_sheet.png'}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
