"""Speed of the real engine path, PAPER vs FAST networks side by side, in one process
(the GUI's own latency benchmark is `python -m gui.ui_bench`).

    python -m app.bench                  # table: median / p90 ms per stage and per update
    python -m app.bench --json           # one JSON object (medians) for scripts
    python -m app.bench --configs shipped --paths eager,onnxruntime,openvino,auto

Stages: "complete" = K=8 completions as one batch from a 512x512 sketch (resizing and the
shadow blend included); "render" = one image from a completed outline; "update" = both, the
chosen outline coloured on a second thread while the others are made, as the app's worker
does: what one sketch edit costs in the app (nothing kept from the call before, as after an
edit); "idle" = the same update with K reserve seeds run as well (Engine.complete, as when
most completions add almost nothing to a sketch the network does not take for finished): the
most that replacing idle completions can cost. Weights are random
(the network's own cost does not depend on them); the "shipped" config loads the trained
checkpoints instead, so the thinning of a soft-outline network's real output is timed too.
`--paths` runs each config in every listed runtime side by side (auto: the app's own choice,
measured here if none is stored yet); the first line names the CPU.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np
import torch

from sketchfill.app.engine import Engine, resolve_device
from sketchfill.app.runtime.calls import AUTO
from sketchfill.app.runtime.external import RUNTIMES
from sketchfill.app.runtime.cpu import cpu_facts
from sketchfill.app.sharing import beside_outlines
from sketchfill.models.nets.appearance import (FAST_APPEARANCE, PAPER_APPEARANCE, AppearanceConfig,
                                    AppearanceGenerator)
from sketchfill.models.files import CheckpointError
from sketchfill.models.nets.cpu_tuning import tune_for_inference
from sketchfill.models.nets.shape import FAST_SHAPE, PAPER_SHAPE, ShapeConfig, ShapeGenerator

CONFIGS: dict[str, tuple[ShapeConfig, AppearanceConfig]] = {
    "paper": (PAPER_SHAPE, PAPER_APPEARANCE),
    "fast": (FAST_SHAPE, FAST_APPEARANCE),
}
SHIPPED = "shipped"   # the trained checkpoints (--checkpoints), not a random-weight config
CANVAS = 512          # the GUI's default canvas side in px
SAMPLES = 8           # K completions per update (the paper's shadow uses several)
STAGES = ("complete", "render", "update", "idle")


@dataclass(frozen=True)
class StageStats:
    median_ms: float
    p90_ms: float


def build_engine(name: str, device: torch.device, checkpoints: Path | None = None) -> Engine:
    """Random-init generators of config `name` behind the real Engine (seeded: repeatable),
    or the trained ones in `checkpoints` for "shipped"."""
    if name == SHIPPED:
        return Engine.load(checkpoints, device=str(device), taught=False)
    shape_cfg, look_cfg = CONFIGS[name]
    torch.manual_seed(0)
    classes = [f"class{i}" for i in range(shape_cfg.n_classes)]
    return Engine(ShapeGenerator(shape_cfg), AppearanceGenerator(look_cfg), classes, device)


def bench_sketch(size: int = CANVAS) -> np.ndarray:
    """(size,size) uint8 partial sketch: an open arc and a stroke, 3 px pen, 255 = paper."""
    img = np.full((size, size), 255, np.uint8)
    c, r = size // 2, size * 3 // 8
    cv2.ellipse(img, (c, c), (r, r), 0, 200, 470, 0, 3, cv2.LINE_AA)
    cv2.line(img, (c, c - r), (c + r // 4, c - r - size // 10), 0, 3, cv2.LINE_AA)
    return img


def time_ms(fn: Callable[[], object], repeats: int, warmup: int) -> list[float]:
    """Wall-clock ms of `repeats` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def stats(times: Sequence[float]) -> StageStats:
    return StageStats(float(np.median(times)), float(np.percentile(times, 90)))


def measure(engine: Engine, repeats: int, warmup: int) -> dict[str, StageStats]:
    """Median / p90 per stage for one engine on the benchmark sketch."""
    sketch, label, seeds = bench_sketch(), engine.classes[0], range(SAMPLES)
    outline = engine.complete(sketch, label, seeds).outlines[0]

    colour = ThreadPoolExecutor(1, "colour")

    def update() -> None:
        # As the app's worker does: the chosen outline is coloured on a thread of its own as
        # soon as it exists, while the other completions are made.
        early: list[Future] = []
        engine.forget_sketch()  # each update of the app's is for an edited sketch

        def colour_early(first: np.ndarray) -> None:
            early.append(colour.submit(beside_outlines, engine.render, first, label, 0))

        engine.complete(sketch, label, seeds, on_first=colour_early)
        early[0].result()

    def idle_update() -> None:
        # Every completion idle, and not taken for a finished drawing: all K reserves run.
        shares = engine.idle_share, engine.finished_share
        engine.idle_share, engine.finished_share = math.inf, 1.0
        try:
            update()
        finally:
            engine.idle_share, engine.finished_share = shares

    def complete() -> None:
        engine.forget_sketch()
        engine.complete(sketch, label, seeds)

    calls = {"complete": complete,
             "render": lambda: engine.render(outline, label, 0),
             "update": update, "idle": idle_update}
    try:
        return {stage: stats(time_ms(fn, repeats, warmup)) for stage, fn in calls.items()}
    finally:
        colour.shutdown()


def summary(device: torch.device, threads: int, malloc_tuned: bool,
            results: dict[str, dict[str, StageStats]], runtimes: dict[str, str]) -> dict:
    """The --json object: medians per config, p90s apart, and paper/fast update ratio."""
    out: dict = {"device": str(device), "threads": threads, "cpu": cpu_facts().line(),
                 "runtimes": runtimes}
    for name, per_stage in results.items():
        out[name] = {f"{s}_ms": round(per_stage[s].median_ms, 1) for s in STAGES}
    out["ratio"] = None
    if "paper" in results and "fast" in results:
        out["ratio"] = round(out["paper"]["update_ms"] / out["fast"]["update_ms"], 2)
    out["p90"] = {name: {f"{s}_ms": round(r[s].p90_ms, 1) for s in STAGES}
                  for name, r in results.items()}
    out["malloc_tuned"] = malloc_tuned
    return out


def table(summary_: dict, names: Sequence[str]) -> str:
    """Human-readable table, one row per stage, median / p90 per config."""
    lines = [summary_["cpu"],
             f"device {summary_['device']}, {summary_['threads']} threads, malloc tuned: "
             f"{summary_['malloc_tuned']}, {CANVAS}x{CANVAS} sketch, K={SAMPLES}",
             *[f"{name}: {runtime}" for name, runtime in summary_["runtimes"].items()],
             f"{'stage':<10}" + "".join(f"{n + ' median / p90 ms':>{_width(n)}}" for n in names)]
    for stage in STAGES:
        key = f"{stage}_ms"
        cells = [f"{summary_[n][key]:.1f} / {summary_['p90'][n][key]:.1f}" for n in names]
        lines.append(f"{stage:<10}" + "".join(f"{c:>{_width(n)}}" for n, c in zip(names, cells)))
    if summary_["ratio"] is not None:
        lines.append(f"ratio paper/fast update: {summary_['ratio']:.2f}x")
    return "\n".join(lines)


def _width(name: str) -> int:
    """A table column's width: its header and a space before it."""
    return max(24, len(name) + len(" median / p90 ms") + 2)


def parse_configs(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONFIGS and n != SHIPPED]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown config(s) {unknown or text!r}; choose from "
            f"{', '.join([*CONFIGS, SHIPPED])}")
    return names


def parse_paths(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in (AUTO, *RUNTIMES)]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown path(s) {unknown or text!r}; choose from {', '.join([AUTO, *RUNTIMES])}")
    return names


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m app.bench", description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=20, help="timed calls per stage (default 20)")
    p.add_argument("--warmup", type=int, default=3, help="untimed calls first (default 3)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: cores)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (default auto)")
    p.add_argument("--configs", type=parse_configs, default=["paper", "fast"],
                   help="comma-separated, from: " + ", ".join([*CONFIGS, SHIPPED])
                   + " (default paper,fast)")
    p.add_argument("--paths", type=parse_paths, default=[AUTO],
                   help="comma-separated runtimes to run each config in, from: "
                   + ", ".join([AUTO, *RUNTIMES]) + " (default auto)")
    p.add_argument("--checkpoints", type=Path, default=None,
                   help="checkpoint dir for the 'shipped' config (default: the shipped one)")
    p.add_argument("--no-malloc-tuning", action="store_true",
                   help="keep glibc's default malloc thresholds (to measure the difference)")
    p.add_argument("--json", action="store_true", help="print one JSON object of medians")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.repeats < 1 or args.warmup < 0:
        parser().error("--repeats must be >= 1 and --warmup >= 0")
    try:
        device = resolve_device(args.device)
        tuning = tune_for_inference(args.threads, malloc=not args.no_malloc_tuning)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    try:
        engines = {name: build_engine(name, device, args.checkpoints) for name in args.configs}
    except CheckpointError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    results, runtimes = {}, {}
    for name, engine in engines.items():
        for path in args.paths:
            column = name if len(args.paths) == 1 else f"{name}/{path}"
            engine.use_runtimes(path, measure=True)
            runtimes[column] = engine.runtime
            results[column] = measure(engine, args.repeats, args.warmup)
    out = summary(device, tuning.threads, tuning.malloc_tuned, results, runtimes)
    print(json.dumps(out) if args.json else table(out, list(results)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
