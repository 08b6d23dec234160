"""The shadow after the first strokes, measured through the engine: `python -m app.evaluate_shadow`.

    python -m app.evaluate_shadow --out runs/shadow

Held-out first strokes (the evaluation's stroke-prefix cases, and with --every-cut each cut of
a held-out Quick, Draw! drawing in the same 30-70% range; with --square the evaluation's
square-erased partials instead) are completed K = 8 times, without
and with the outline bank (app/outline_bank.py). Reported for both: the share of cases whose
typical completion adds less than a fifth of the missing outline (models/evaluation/
typical_completion.py), best-of-8 recovery and precision at 4 px, the shadow's share of the
canvas, and on the complete held-out drawings how many completions the bank changed (a
finished drawing needs none). Writes ``shadow.json`` to ``--out``.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from sketchfill.app.engine import Engine
from sketchfill.app.measure_cli import measure_parser, run_measure
from sketchfill.app.outline_bank import OutlineBank
from sketchfill.models.evaluation import completion_eval as ce
from sketchfill.models.evaluation import typical_completion as tc
from sketchfill.models.evaluation.cases import Case, CaseConfig, cases_of, held_out, \
    held_out_drawings

TOLERANCE = 4.0  # px at 256: recovery and precision as in the README's table


def first_stroke_cases(engine: Engine, root: Path, every_cut: bool) -> list[Case]:
    cfg = CaseConfig()
    items = held_out_drawings(root, engine.classes, cfg)
    if every_cut:
        return [c for it in items for c in tc.every_cut(it, cfg)]
    return [c for it in items for c in cases_of(it, cfg) if c.recipe == "prefix"]


def square_cases(engine: Engine, root: Path) -> list[Case]:
    """The evaluation's square-erased partials of every held-out drawing and outline."""
    cfg = CaseConfig()
    return [c for it in held_out(root, engine.classes, cfg) for c in cases_of(it, cfg)
            if c.recipe.startswith("square")]


def score(engine: Engine, cases: Sequence[Case], seeds: Sequence[int]) -> dict:
    """The shadow measures of `cases` through the engine as it is set up."""
    found, recovery, precision, ms = [], [], [], []
    for case in cases:
        t0 = time.perf_counter()
        done = engine.complete(case.partial, case.item.class_name, seeds)
        ms.append((time.perf_counter() - t0) * 1e3)
        found.append(tc.typical(case, done.outlines, done.shadow))
        s = ce.score_completions(case, done.outlines, TOLERANCE)
        recovery.append(s.best_recovery)
        precision.append(s.best.precision)
    little = sorted({t.class_name for t in found if t.little})
    return {"cases": len(cases), "typical_adds_little": tc.share_little(found),
            "first_strokes_cases": sum(t.missing_share >= tc.FIRST_STROKES for t in found),
            "first_strokes_typical_adds_little": tc.share_little(found, tc.FIRST_STROKES),
            "little_classes": little,
            "best_recovery_4px": float(np.nanmean(recovery)),
            "best_precision_4px": float(np.nanmean(precision)),
            "shadow_ink": float(np.mean([t.shadow_ink for t in found])),
            "complete_ms_median": float(np.median(ms))}


def changed_on_finished(engine: Engine, bank: OutlineBank, root: Path,
                        seeds: Sequence[int]) -> dict:
    """On every complete held-out drawing: completions the bank changed."""
    items = held_out_drawings(root, engine.classes, CaseConfig())
    changed = drawings = 0
    for it in items:
        engine.outline_bank = None
        plain = engine.complete(it.full, it.class_name, seeds).outlines
        engine.outline_bank = bank
        filled = engine.complete(it.full, it.class_name, seeds).outlines
        n = int(sum(not np.array_equal(a, b) for a, b in zip(plain, filled)))
        changed += n
        drawings += n > 0
    return {"drawings": len(items), "drawings_changed": drawings, "completions_changed": changed}


def measure(engine: Engine, root: Path, every_cut: bool, seeds: Sequence[int],
            square: bool = False) -> dict:
    bank = engine.outline_bank
    if bank is None:
        raise ValueError("these checkpoints have no outline bank (manifest 'outline_bank')")
    cases = square_cases(engine, root) if square else first_stroke_cases(engine, root, every_cut)
    if not cases:  # a table of NaNs would look like a result
        raise ValueError(f"no held-out drawings of the engine's classes under {root}")
    engine.outline_bank = None
    without = score(engine, cases, seeds)
    engine.outline_bank = bank
    return {"without_bank": without, "with_bank": score(engine, cases, seeds),
            "finished": changed_on_finished(engine, bank, root, seeds),
            "every_cut": every_cut, "square": square, "seeds": list(seeds)}


def table(result: dict) -> str:
    rows = ["                        cases  little (first strokes)  recovery@4  precision@4  "
            "shadow  ms"]
    for key in ("without_bank", "with_bank"):
        r = result[key]
        rows.append(f"{key:22s} {r['cases']:6d} {r['typical_adds_little']:7.3f} "
                    f"({r['first_strokes_typical_adds_little']:.3f} of "
                    f"{r['first_strokes_cases']:3d}) "
                    f"{r['best_recovery_4px']:10.3f} {r['best_precision_4px']:11.3f} "
                    f"{r['shadow_ink']:7.4f} {r['complete_ms_median']:4.0f}")
        rows.append(f"  typical adds little: {', '.join(r['little_classes']) or '-'}")
    f = result["finished"]
    rows.append(f"complete drawings with a completion changed by the bank: "
                f"{f['drawings_changed']} of {f['drawings']} ({f['completions_changed']} "
                f"completions)")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    p = measure_parser("shadow", __doc__,
                       "checkpoint dir with an outline bank (default: the shipped one)")
    p.add_argument("--every-cut", action="store_true",
                   help="every 30-70%% cut of each held-out drawing, not one per drawing")
    p.add_argument("--square", action="store_true",
                   help="the square-erased partials instead (what the bank does to the others)")
    p.add_argument("--samples", type=int, default=8, help="K completions (default 8)")
    args = p.parse_args(argv)
    if args.samples < 1:
        p.error("--samples must be at least 1")
    return run_measure("shadow", args, lambda engine, root: measure(
        engine, root, args.every_cut, range(args.samples), args.square), table)


if __name__ == "__main__":
    sys.exit(main())
