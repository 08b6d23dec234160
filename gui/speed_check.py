"""Is this computer fast enough for live guidance? Every speed target at once.

    python -m gui.speed_check [--checkpoints DIR]

Runs the three benchmarks in fresh processes, as a user would start them: `gui.startup_bench`
(one start first, so the runtime choice and the exports exist, then five), `app.bench` (the
shipped networks in the runtimes the app picks) and `gui.ui_bench` (pen strokes through the
real window and worker); then prints the CPU line and one row per target: the figure, the
target and whether it was met. The targets are those the app is built to: live on a 2-core
CPU without native bf16.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Target:
    name: str
    limit: float
    unit: str
    measured: Callable[[dict], float]  # the figure, from the benchmarks' JSON by name


TARGETS = (
    Target("start-up to models loaded, median", 2.0, "s", lambda r: r["start"]["models_s"]),
    Target("full update (8 completions + image), median", 100.0, "ms",
           lambda r: r["engine"]["update_ms"]),
    Target("update with every completion idle, median", 160.0, "ms",
           lambda r: r["engine"]["idle_ms"]),
    Target("pen event to its shadow, median", 80.0, "ms",
           lambda r: r["ui"]["latency_median_ms"]),
    Target("pen event to its shadow, p90", 120.0, "ms", lambda r: r["ui"]["latency_p90_ms"]),
    Target("pen lift to the final image, median", 200.0, "ms",
           lambda r: r["ui"]["pen_up_median_ms"]),
    Target("largest UI-thread stall", 16.0, "ms", lambda r: r["ui"]["max_stall_ms"]),
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m gui.speed_check",
                                description=__doc__.splitlines()[0])
    p.add_argument("--checkpoints", default=None, help="checkpoint folder (default: shipped)")
    p.add_argument("--quick", action="store_true",
                   help="fewer starts, calls and strokes: a rough figure in a fraction of the time")
    return p.parse_args(argv)


def _json_of(module: str, args: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-m", f"sketchfill.{module}", *args, "--json"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{module} failed: {done.stderr.strip()[-400:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(checkpoints: str | None, quick: bool) -> dict:
    """The three benchmarks' figures: {"start": ..., "engine": ..., "ui": ..., "cpu": line}."""
    where = ["--checkpoints", checkpoints] if checkpoints else []
    _json_of("gui.startup_bench", ["--runs", "1", *where])  # a first start, if this is one
    start = _json_of("gui.startup_bench", ["--runs", "2" if quick else "5", *where])
    engine = _json_of("app.bench", ["--configs", "shipped", "--paths", "auto", "--repeats",
                                    "5" if quick else "30", *where])
    ui = _json_of("gui.ui_bench", ["--paths", "auto", *where,
                                   *(["--strokes", "2", "--points", "30"] if quick else [])])
    shipped = next(v for k, v in engine.items() if k.startswith("shipped"))
    return {"start": start, "engine": shipped, "ui": ui["auto"], "cpu": engine["cpu"],
            "runtime": ui["auto"].get("runtime", "")}


def report(figures: dict) -> tuple[str, bool]:
    """The table, and whether every target was met."""
    lines = [figures["cpu"], f"runtime: {figures['runtime']}", ""]
    width = max(len(t.name) for t in TARGETS)
    met_all = True
    for t in TARGETS:
        value = t.measured(figures)
        met = value <= t.limit
        met_all &= met
        lines.append(f"{t.name:<{width}}  {value:8.2f} {t.unit:<2} (target <= {t.limit:g} "
                     f"{t.unit})  {'met' if met else 'MISSED'}")
    lines.append("")
    lines.append("every target met" if met_all else "some targets missed")
    return "\n".join(lines), met_all


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        figures = measure(args.checkpoints, args.quick)
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    text, _ = report(figures)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
