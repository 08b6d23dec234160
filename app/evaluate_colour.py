"""Colour where nothing was drawn, measured through the engine: `python -m app.evaluate_colour`.

    python -m app.evaluate_colour --out runs/colour

Held-out hand drawings (the Quick, Draw! test split, and the first completion of each sample
session in resources/samples) are rendered under every class; for each requested class, the
share of the renders' coloured pixels lying well outside the drawing (models/evaluation/
stray_colour.py), straight from the network and after the engine's fade to paper outside the
silhouette (app/silhouette.py). Prints a table and writes ``colour.json`` to ``--out``.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from sketchfill.app import session
from sketchfill.app.bundled import samples_dir
from sketchfill.app.document import rasterise
from sketchfill.app.engine import Engine
from sketchfill.app.measure_cli import measure_parser, run_measure
from sketchfill.app.silhouette import DEFAULT_SILHOUETTE, fade_outside
from sketchfill.models.evaluation import stray_colour as sc
from sketchfill.models.evaluation.cases import CaseConfig, held_out_drawings


def sample_drawings(engine: Engine) -> list[tuple[str, str, np.ndarray]]:
    """(name, class, outline) of each sample session of a class the engine knows: its first
    completion, as the app colours it."""
    out = []
    for path in sorted(samples_dir().glob("*.session.json")):
        sketch = session.from_dict(json.loads(path.read_text()))
        if sketch.class_name not in engine.classes:
            continue
        done = engine.complete(rasterise(sketch), sketch.class_name, range(8))
        out.append((f"samples/{path.name}", sketch.class_name, done.outlines[0]))
    return out


def fade_ms(repeats: int = 20) -> dict[str, float]:
    """Median ms of fade_outside on a 256 and a 512 px render of a drawn circle."""
    import cv2
    found = {}
    for side in (256, 512):
        outline = np.full((side, side), 255, np.uint8)
        cv2.circle(outline, (side // 2, side // 2), side // 3, 0, max(1, side // 85))
        rgb = np.random.default_rng(0).integers(0, 256, (side, side, 3), np.uint8)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fade_outside(rgb, outline)
            times.append((time.perf_counter() - t0) * 1e3)
        found[str(side)] = float(np.median(times))
    return found


def measure(engine: Engine, root: Path, seeds: Sequence[int], limit: int | None) -> dict:
    """Stray-colour shares per requested class, from the network and after the fade."""
    items = held_out_drawings(root, engine.classes, CaseConfig(limit=limit))
    drawings = [(it.name, it.full) for it in items]
    drawings += [(name, outline) for name, _, outline in sample_drawings(engine)]
    engine.silhouette = None  # the network's own renders; the fade is applied to each below
    raw: dict[tuple[int, str, int], np.ndarray] = {}

    def network(outline: np.ndarray, class_name: str, seed: int) -> np.ndarray:
        key = (id(outline), class_name, seed)
        if key not in raw:
            raw[key] = engine.render(outline, class_name, seed)
        return raw[key]

    def faded(outline: np.ndarray, class_name: str, seed: int) -> np.ndarray:
        return fade_outside(network(outline, class_name, seed), outline, DEFAULT_SILHOUETTE)

    result = {}
    for label, render in (("network", network), ("faded", faded)):
        counts = sc.count_renders(render, drawings, engine.classes, seeds)
        shares = sc.share_by_class(counts)
        worst = max(shares, key=shares.get)
        result[label] = {"by_class": shares, "worst_class": [worst, shares[worst]],
                         "mean": float(np.mean(list(shares.values()))),
                         "renders_with_stray": sc.renders_with_stray(counts)}
    result.update(drawings=len(drawings), seeds=list(seeds), fade_ms=fade_ms(),
                  well_outside=sc.WELL_OUTSIDE, coloured=sc.COLOURED)
    return result


def table(result: dict) -> str:
    rows = ["class            network  faded"]
    net, fad = result["network"]["by_class"], result["faded"]["by_class"]
    rows += [f"{c:16s} {net[c]:7.4f} {fad[c]:7.4f}" for c in sorted(net, key=net.get,
                                                                      reverse=True)]
    rows.append(f"{'mean':16s} {result['network']['mean']:7.4f} {result['faded']['mean']:7.4f}")
    rows.append("renders with over 1% stray: {:.3f} -> {:.3f}".format(
        result["network"]["renders_with_stray"], result["faded"]["renders_with_stray"]))
    rows.append("fade_outside median ms: " + ", ".join(
        f"{side} px {ms:.1f}" for side, ms in result["fade_ms"].items()))
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    p = measure_parser("colour", __doc__, "checkpoint dir (default: the shipped checkpoints/)")
    p.add_argument("--seeds", type=int, default=1, help="render seeds 0..N-1 (default 1)")
    p.add_argument("--limit", type=int, default=None,
                   help="at most N held-out drawings (default: all)")
    args = p.parse_args(argv)
    if args.seeds < 1 or (args.limit is not None and args.limit < 1):
        p.error("--seeds and --limit must be at least 1")
    return run_measure("colour", args,
                       lambda engine, root: measure(engine, root, range(args.seeds), args.limit),
                       table)


if __name__ == "__main__":
    sys.exit(main())
