"""Evaluate shipped (or any) checkpoints the way the app uses them: `python -m app.evaluate`.

    python -m app.evaluate --checkpoints checkpoints --out runs/eval

Completion: held-out drawings -> square-erased and stroke-prefix partials -> Engine.complete
with K seeds -> skeleton precision/recall, missing-outline recovery and K-diversity.
Appearance: held-out outlines -> Engine.render under every class -> class judges trained on
real images. Prints a table and writes ``metrics.json`` and ``contact_sheet.png`` to ``--out``.
The scoring itself lives in models/evaluation; this module runs it through the real engine.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

import torch

from sketchfill.app.engine import Engine
from sketchfill.models.data import sources
from sketchfill.models.evaluation import report
from sketchfill.models.evaluation.cases import CaseConfig
from sketchfill.models.evaluation.evaluate import STAGES, EvalConfig, evaluate, json_default
from sketchfill.models.files import CheckpointError


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m app.evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoints", type=Path, default=None,
                   help="checkpoint dir with manifest.json (default: the shipped checkpoints/)")
    p.add_argument("--data", type=Path, default=None,
                   help="data root holding objects-v1/ and quickdraw-v1/ "
                        "(default: $SKETCHFILL_DATA, else ../shared/datasets beside the clone)")
    p.add_argument("--samples", type=int, default=8, help="K completions per partial (default 8)")
    p.add_argument("--first-seed", type=int, default=0,
                   help="seeds N..N+K-1; another set shows how much a score owes to them "
                        "(default 0)")
    p.add_argument("--one-view", action="store_true",
                   help="every completion sees the sketch as drawn (no mirrored views)")
    p.add_argument("--no-reference", action="store_true",
                   help="skip the real-drawings reference (models.evaluation.reference)")
    p.add_argument("--out", type=Path, default=Path("runs/eval"),
                   help="where metrics.json and contact_sheet.png go (default runs/eval)")
    p.add_argument("--json", action="store_true", help="print metrics JSON, not the table")
    p.add_argument("--limit", type=int, default=None,
                   help="at most N held-out drawings per source (default: all)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto (default cpu)")
    p.add_argument("--stage", choices=("all",) + STAGES, default="all",
                   help="evaluate both stages (default) or only one")
    p.add_argument("--tolerance", type=float, default=2.0,
                   help="match tolerance in px (default 2)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--judge-cache", type=Path, default=None,
                   help="where trained judges are cached (default: ~/.cache/sketchfill)")
    p.add_argument("--judge-steps", type=int, default=None,
                   help="override judge training steps (smoke tests only: weak judges)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.samples < 1 or (args.limit is not None and args.limit < 1):
        p.error("--samples and --limit must be at least 1")
    torch.set_num_threads(args.threads)
    cfg = EvalConfig(samples=args.samples, first_seed=args.first_seed, tolerance=args.tolerance,
                     judge_steps=args.judge_steps, reference=not args.no_reference,
                     cases=CaseConfig(limit=args.limit))
    root = args.data if args.data is not None else sources.default_data_root()
    try:
        # The shipped classes only: a user's taught classes have no held-out data here.
        engine = Engine.load(args.checkpoints, device=args.device,
                             mirror_views=not args.one_view, taught=False)
        stages = STAGES if args.stage == "all" else (args.stage,)
        result = evaluate(engine, root, args.out, cfg, args.judge_cache, stages)
    except (CheckpointError, sources.DataSourceError, ValueError, OSError) as err:
        print(f"evaluate: {err}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, default=json_default) if args.json
          else report.table(result))
    print(f"wrote {args.out / 'metrics.json'} and {args.out / 'contact_sheet.png'}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
