"""`python -m app.evaluate_teach`: taught classes scored on held-out styles, through the engine.

    python -m app.evaluate_teach --addons DIR --out DIR [--data ROOT] [--checkpoints DIR]
    python -m app.evaluate_teach --shipped-halves --out DIR    # the shipped classes' measure

DIR holds class files taught on the train split of teach-v1 (`sketchfill teach NAME --images
...`, copied from the data folder); models/evaluation/teach_eval.py says what is measured.
Writes metrics.json and renders.png (per class: the held-out picture, its outline, four renders
from the rows teaching started from, four from the taught rows) to --out. --shipped-halves
scores the shipped classes' own held-out pictures with halves erased instead (halves.json).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from sketchfill.app.checkpoint_folder import DEFAULT_FILES, SHIPPED_CHECKPOINTS, read_manifest
from sketchfill.app.engine import Engine
from sketchfill.app.taught_classes import SUFFIX, install_taught
from sketchfill.models.data import sources
from sketchfill.models.evaluation.teach_eval import (BEFORE, TEACH_DATA, held_out_items, judges,
                                                     score_class, sheet, shipped_halves,
                                                     start_addon)
from sketchfill.models.files import write_text
from sketchfill.models.nets.class_addon import load_addon, save_addon


def load_engine(checkpoints: Path, addons: Path, scratch: Path) -> Engine:
    """The shipped networks with the taught classes of `addons` and their start rows."""
    manifest = read_manifest(checkpoints)
    files = {kind: checkpoints / manifest[kind]["file"] for kind in DEFAULT_FILES}
    plain = Engine.load(checkpoints, device="cpu", taught=False)
    for path in sorted(addons.glob(f"*{SUFFIX}")):
        addon = load_addon(path)
        save_addon(scratch / path.name, addon)
        save_addon(scratch / f"{addon.name}{BEFORE}{SUFFIX}", start_addon(addon, plain))
    engine = Engine.load(checkpoints, device="cpu", taught=False)
    skipped = install_taught(engine, files, scratch)
    if skipped:
        raise ValueError("; ".join(skipped))
    return engine


def evaluate(checkpoints: Path, addons: Path, data: Path, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    engine = load_engine(checkpoints, addons, out / "classes")
    taught = [c for c in engine.classes[engine.n_shipped:] if not c.endswith(BEFORE)]
    allowed = [c for c in engine.classes if not c.endswith(BEFORE)]
    found = judges(data, allowed)
    items = {i.class_name: i for i in held_out_items(data / TEACH_DATA, taught)}
    results, rows = {}, []
    for name in taught:
        after, renders_after = score_class(engine, items[name], name, found, allowed)
        before, renders_before = score_class(engine, items[name], name + BEFORE, found, allowed)
        results[name] = {"after": after.__dict__, "before": before.__dict__}
        rows.append((items[name], renders_before, renders_after))
        named = ", ".join(f"{j} {before.seeds[j]}/4 -> {after.seeds[j]}/4" for j in after.seeds)
        print(f"{name:10s} held out {after.held_out}: {named}; half-erased recovery@4px "
              f"{before.recovery:.3f} -> {after.recovery:.3f}, precision "
              f"{before.precision:.3f} -> {after.precision:.3f}; square sides "
              f"{_pairs(before.square_recovery, after.square_recovery)}", flush=True)
    Image.fromarray(sheet(rows)).save(out / "renders.png")
    write_text(out / "metrics.json", json.dumps(results, indent=1))
    return results


def evaluate_shipped(checkpoints: Path, data: Path, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    engine = Engine.load(checkpoints, device="cpu", taught=False)
    found = shipped_halves(engine, data)
    for name, (recovery, precision) in found.items():
        print(f"{name:48s} half-erased recovery@4px {recovery:.3f}, precision {precision:.3f}",
              flush=True)
    recoveries = [r for r, _ in found.values()]
    print(f"mean of {len(found)}: recovery {np.mean(recoveries):.3f}, precision "
          f"{np.nanmean([p for _, p in found.values()]):.3f}; at least 0.45: "
          f"{sum(r >= 0.45 for r in recoveries)}")
    write_text(out / "halves.json", json.dumps(found, indent=1))
    return found


def _pairs(before: dict[str, float], after: dict[str, float]) -> str:
    return ", ".join(f"{k.removeprefix('square-')} {before[k]:.3f} -> {after[k]:.3f}"
                     for k in after)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--addons", type=Path, help="folder of taught class files")
    p.add_argument("--shipped-halves", action="store_true",
                   help="score the shipped classes' held-out pictures with halves erased")
    p.add_argument("--out", type=Path, required=True, help="folder for metrics and the sheet")
    p.add_argument("--data", type=Path, default=None, help=sources.DATA_HELP)
    p.add_argument("--checkpoints", type=Path, default=SHIPPED_CHECKPOINTS)
    args = p.parse_args(argv)
    if args.addons is None and not args.shipped_halves:
        p.error("give --addons DIR or --shipped-halves")
    data = args.data or sources.default_data_root()
    try:
        if args.shipped_halves:
            evaluate_shipped(args.checkpoints, data, args.out)
        else:
            evaluate(args.checkpoints, args.addons, data, args.out)
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
