"""Start-up benchmark: from launching the program to a window that draws, with models loaded.

    python -m gui.startup_bench [--runs 3] [--checkpoints DIR]

Each run starts a fresh Python process that builds the app as `sketchfill` does (imports, Qt,
the main window, the worker thread loading the networks, the stored runtime choice and the
cached exports; offscreen, autosave off) and reports, from the moment it was launched:
  * window: the main window shown (drawing possible; the shadow waits for the models);
  * models: the networks loaded and warmed up in the worker (the shadow follows the pen).
The first start on a computer measures the runtimes (docs/runtime.md) and takes longer; the
target is models <= 2 s on every later start. Prints the CPU line with the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

TARGET_S = 2.0


@dataclass(frozen=True)
class StartTimes:
    window_s: float  # launch -> main window shown
    models_s: float  # launch -> models loaded in the worker
    runtime: str
    torch: bool = False  # whether the start imported torch (it need not: app.runtime.snapshot)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m gui.startup_bench",
                                description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3, help="fresh processes to start (default 3)")
    p.add_argument("--checkpoints", default=None, help="checkpoint folder (default: shipped)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--child", type=float, default=None, help=argparse.SUPPRESS)  # launch time
    return p.parse_args(argv)


def child(launched: float, checkpoints: str | None) -> StartTimes:
    """In the started process: the `sketchfill` command's start (its imports, the models'
    head start, Qt, the window), then wait for the models and report."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from sketchfill.app import cli  # noqa: F401 - imported first by the command, as here
    from sketchfill.app.head_start import HeadStart
    from sketchfill.gui.arguments import models_request, parse_args
    from sketchfill.models.nets.cpu_tuning import tune_malloc

    tune_malloc()
    args = parse_args(["--no-autosave"] + (["--checkpoints", checkpoints] if checkpoints else []))
    request = models_request(args)
    head = HeadStart(request)
    from PyQt5.QtCore import QEventLoop

    from sketchfill.gui.application import application, build_window
    from sketchfill.gui.preferences import Preferences

    app = application()
    window = build_window(args.checkpoints, request.device, Preferences(), None, head.factory,
                          persist=False)
    window.show()
    app.processEvents()
    shown = time.time() - launched
    loop, loaded = QEventLoop(), []
    window.controller.engine_loaded.connect(lambda info: (loaded.append(info), loop.exit(0)))
    window.controller.engine_failed.connect(lambda msg: (print(msg, file=sys.stderr),
                                                         loop.exit(1)))
    if loop.exec_() != 0:
        raise SystemExit(1)
    models = time.time() - launched
    runtime = getattr(loaded[0], "runtime", "")
    window.close()
    return StartTimes(shown, models, runtime, "torch" in sys.modules)


def start_once(checkpoints: str | None) -> StartTimes:
    command = [sys.executable, "-m", "sketchfill.gui.startup_bench", "--child", str(time.time())]
    if checkpoints:
        command += ["--checkpoints", checkpoints]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return StartTimes(**json.loads(out.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.child, args.checkpoints).__dict__))
        return 0
    from sketchfill.app.runtime.cpu import cpu_facts

    try:
        runs = [start_once(args.checkpoints) for _ in range(max(args.runs, 1))]
    except subprocess.CalledProcessError as err:
        print(f"error: the app did not start: {err.stderr.strip()[-500:]}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"cpu": cpu_facts().line(), "runtime": runs[-1].runtime,
                          "window_s": statistics.median(r.window_s for r in runs),
                          "models_s": statistics.median(r.models_s for r in runs),
                          "runs": [r.__dict__ for r in runs]}))
        return 0
    print(cpu_facts().line())
    print(f"runtime: {runs[-1].runtime}; torch imported: "
          f"{', '.join('yes' if r.torch else 'no' for r in runs)}")
    for i, r in enumerate(runs, 1):
        print(f"start {i}: window {r.window_s:.2f} s, models loaded {r.models_s:.2f} s")
    median = statistics.median(r.models_s for r in runs)
    verdict = "PASS" if median <= TARGET_S else "FAIL"
    print(f"median: window {statistics.median(r.window_s for r in runs):.2f} s, models "
          f"{median:.2f} s (target <= {TARGET_S:.0f} s after the first start: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
