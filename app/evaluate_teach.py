"""`python -m app.evaluate_teach`: taught classes scored on held-out styles, through the engine.

    python -m app.evaluate_teach --addons DIR --out DIR [--data ROOT] [--checkpoints DIR]

DIR holds class files taught on the train split of teach-v1 (`sketchfill teach NAME --images
...`, copied from the data folder); models/evaluation/teach_eval.py says what is measured.
Writes metrics.json and renders.png (per class: the held-out picture, its outline, four renders
from the rows teaching started from, four from the taught rows) to --out.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from PIL import Image

from sketchfill.app.engine import DEFAULT_FILES, SHIPPED_CHECKPOINTS, Engine, read_manifest
from sketchfill.app.taught_classes import SUFFIX, install_taught
from sketchfill.models.data import sources
from sketchfill.models.evaluation.teach_eval import (BEFORE, TEACH_DATA, held_out_items, judges,
                                                     score_class, sheet, start_addon)
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


def _pairs(before: dict[str, float], after: dict[str, float]) -> str:
    return ", ".join(f"{k.removeprefix('square-')} {before[k]:.3f} -> {after[k]:.3f}"
                     for k in after)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--addons", type=Path, required=True, help="folder of taught class files")
    p.add_argument("--out", type=Path, required=True, help="folder for metrics and the sheet")
    p.add_argument("--data", type=Path, default=None, help=sources.DATA_HELP)
    p.add_argument("--checkpoints", type=Path, default=SHIPPED_CHECKPOINTS)
    args = p.parse_args(argv)
    try:
        evaluate(args.checkpoints, args.addons, args.data or sources.default_data_root(),
                 args.out)
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
