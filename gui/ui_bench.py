"""UI latency benchmark: a long synthetic drawing replayed through the real canvas and worker.

    python -m gui.ui_bench [--strokes 12] [--rate 120] [--config fast | --checkpoints DIR]
                           [--paths auto,eager,onnxruntime,openvino]

Pen events arrive from a precise timer at the tablet's report rate, each delivered with
QApplication.sendEvent exactly like a real device. Reported:
  * stall: how late each timer tick fired beyond its interval — the time the UI thread was
    busy (painting, handling results) or starved (GIL, CPU); target: none over 16 ms;
  * stroke-to-shadow latency: from a pen event to the first shadow on screen whose request
    already contained that event (median / p90); target: median <= 200 ms, p90 <= 300 ms;
  * pen-up-to-final latency: from a pen lift to the shadow of all K completions and the image
    of the finished sketch on screen (median); target: <= 250 ms.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

STALL_TARGET_MS = 16.0  # one frame at 60 Hz: the pen must never visibly stutter


@dataclass(frozen=True)
class UiBenchReport:
    events: int  # pen events delivered
    results: int  # results shown
    max_stall_ms: float  # largest lateness of a timer tick
    p99_stall_ms: float
    latency_median_ms: float  # pen event → shadow that includes it
    latency_p90_ms: float
    update_median_ms: float  # request → result on screen, as shown in the status bar
    pen_up_median_ms: float  # pen lift → final shadow and image of the finished sketch
    runtime: str = ""  # what ran the networks (EngineInfo.runtime)
    target_ms: float = STALL_TARGET_MS

    @property
    def passed(self) -> bool:
        return self.max_stall_ms <= self.target_ms


def synthetic_drawing(
    strokes: int, points: int, size: int = 512
) -> list[list[tuple[float, float, float]]]:
    """Loops and arcs spread over the canvas, with a varying pressure: (x, y, pressure)."""
    rng = np.random.default_rng(0)
    drawing = []
    for _ in range(strokes):
        cx, cy = rng.uniform(0.3, 0.7, 2) * size
        r = rng.uniform(0.08, 0.25) * size
        start, sweep = rng.uniform(0, 2 * math.pi), rng.uniform(1.5, 5.5)
        stroke = []
        for i in range(points):
            t = start + sweep * i / (points - 1)
            wobble = 1 + 0.08 * math.sin(7 * t)
            pressure = 0.35 + 0.6 * math.sin(math.pi * i / (points - 1))
            stroke.append((cx + r * wobble * math.cos(t), cy + r * wobble * math.sin(t), pressure))
        drawing.append(stroke)
    return drawing


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def pen_up_to_final(
    lifts: list[float], sent: dict[int, float], finals: list[tuple[int, float]]
) -> list[float]:
    """Per pen lift: time until the first full result (all K and the image) whose request was
    built after it."""
    return stroke_to_shadow(lifts, sent, finals)


def stroke_to_shadow(
    events: list[float], sent: dict[int, float], shown: list[tuple[int, float]]
) -> list[float]:
    """Per pen event: time until the first shown result whose request was built after it."""
    pairs = sorted((sent[seq], t_shown) for seq, t_shown in shown if seq in sent)
    latencies, j = [], 0
    for t_event in sorted(events):
        while j < len(pairs) and pairs[j][0] < t_event:
            j += 1
        if j == len(pairs):
            break
        latencies.append((pairs[j][1] - t_event) * 1000)
    return latencies


class Driver:
    """Feeds the drawing to the canvas from a precise timer and records every timing."""

    def __init__(
        self, window, drawing, rate_hz: float, gap_ticks: int, on_done: Callable[[], None]
    ):
        from PyQt5.QtCore import Qt, QTimer

        self._window, self._on_done = window, on_done
        self._script = self._events(drawing, gap_ticks)
        self.interval_ms = 1000.0 / rate_hz
        self.ticks: list[float] = []
        self.pen_events: list[float] = []
        self.lifts: list[float] = []  # when each stroke's pen-up event was sent
        self._timer = QTimer()
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.setInterval(max(1, round(self.interval_ms)))
        self._timer.timeout.connect(self._tick)

    @staticmethod
    def _events(drawing, gap_ticks: int):
        for stroke in drawing:
            yield ("press", stroke[0])
            for point in stroke[1:-1]:
                yield ("move", point)
            yield ("release", stroke[-1])
            for _ in range(gap_ticks):
                yield ("idle", None)

    def start(self) -> None:
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.ticks.append(now)
        step = next(self._script, None)
        if step is None:
            self._timer.stop()
            self._on_done()
            return
        kind, point = step
        if kind != "idle":
            self.pen_events.append(now)
            self._send(kind, point)
        if kind == "release":
            self.lifts.append(now)

    def _send(self, kind: str, point: tuple[float, float, float]) -> None:
        from PyQt5.QtCore import QEvent, QPointF, Qt
        from PyQt5.QtGui import QTabletEvent
        from PyQt5.QtWidgets import QApplication

        canvas = self._window.canvas
        types = {
            "press": QEvent.TabletPress,
            "move": QEvent.TabletMove,
            "release": QEvent.TabletRelease,
        }
        pos = canvas.to_widget(QPointF(point[0], point[1]))
        held = Qt.NoButton if kind == "release" else Qt.LeftButton
        event = QTabletEvent(types[kind], pos, QPointF(canvas.mapToGlobal(pos.toPoint())),
                             QTabletEvent.Stylus, QTabletEvent.Pen, point[2], 0, 0, 0.0, 0.0, 0,
                             Qt.NoModifier, 1, Qt.LeftButton, held)  # fmt: skip
        QApplication.sendEvent(canvas, event)

    def stalls_ms(self) -> list[float]:
        gaps = np.diff(np.asarray(self.ticks)) * 1000
        return [max(0.0, float(g) - self.interval_ms) for g in gaps]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m gui.ui_bench", description=__doc__.split("\n")[0])
    source = p.add_mutually_exclusive_group()
    source.add_argument(
        "--checkpoints", help="checkpoint directory (default: the shipped checkpoints/)"
    )
    source.add_argument(
        "--config",
        choices=("paper", "fast"),
        help="random-weight networks of this size instead of checkpoints (speed only)",
    )
    p.add_argument("--device", default="auto")
    p.add_argument("--paths", default="auto",
                   help="comma-separated runtimes to measure one after the other: auto (the "
                        "app's own choice), eager, eager-bf16, onnxruntime, openvino")
    p.add_argument("--strokes", type=int, default=12, help="strokes to draw (default 12)")
    p.add_argument("--points", type=int, default=90, help="pen events per stroke (default 90)")
    p.add_argument("--rate", type=float, default=120.0, help="pen report rate in Hz (default 120)")
    p.add_argument("--threads", type=int, default=None, help="torch threads for the worker")
    p.add_argument("--show", action="store_true", help="use the real display instead of offscreen")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    if args.strokes < 1 or args.points < 2 or args.rate <= 0:
        p.error("--strokes >= 1, --points >= 2 and --rate > 0 are required")
    return args


def engine_factory(args: argparse.Namespace, path: str):
    """Real checkpoints through the worker's loader, or random networks of a bench config,
    run in runtime `path`."""
    from sketchfill.app.worker import LoadRequest, load_engine

    def engine(request: LoadRequest):
        from sketchfill.app.bench import build_engine
        from sketchfill.app.engine import resolve_device

        if args.config is None and path == "auto":
            return load_engine(request)                 # the app's own load and choice
        built = (load_engine(request) if args.config is None
                 else build_engine(args.config, resolve_device(request.device)))
        built.use_runtimes(path, measure=True)
        return built

    return engine


def run(args: argparse.Namespace, path: str = "auto") -> UiBenchReport:
    from PyQt5.QtCore import QSettings

    from sketchfill.gui.application import application, build_window
    from sketchfill.gui.preferences import Preferences

    app = application()  # keep the reference: a collected QApplication takes Qt down with it
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "bench.ini"), QSettings.IniFormat)
        window = build_window(args.checkpoints, args.device, Preferences(settings),
                              factory=engine_factory(args, path), persist=False)  # fmt: skip
        window.resize(1280, 720)
        window.show()
        try:
            return _measure(window, args)
        finally:
            window.close()
            app.processEvents()


def _measure(window, args: argparse.Namespace) -> UiBenchReport:
    driver, sent, shown, finals = _replay_drawing(window, args)
    stalls = driver.stalls_ms()
    latencies = stroke_to_shadow(driver.pen_events, sent, shown)
    updates = [(t - sent[seq]) * 1000 for seq, t in finals if seq in sent]
    return UiBenchReport(
        events=len(driver.pen_events),
        results=len(shown),
        max_stall_ms=float(max(stalls, default=0.0)),
        p99_stall_ms=percentile(stalls, 99),
        latency_median_ms=percentile(latencies, 50),
        latency_p90_ms=percentile(latencies, 90),
        update_median_ms=percentile(updates, 50),
        pen_up_median_ms=percentile(pen_up_to_final(driver.lifts, sent, finals), 50),
        runtime=getattr(window.controller.info, "runtime", ""),
    )


def _replay_drawing(window, args: argparse.Namespace):
    """Draw once the models are loaded; return when the last update is on screen."""
    from PyQt5.QtCore import QEventLoop, QTimer

    c, loop = window.controller, QEventLoop()
    sent: dict[int, float] = {}  # seq → when the request left the UI thread
    shown: list[tuple[int, float]] = []  # (seq, when its shadow was on screen)
    finals: list[tuple[int, float]] = []  # (seq, when its K completions and image were)
    failure: list[str] = []
    c.request_sent.connect(lambda seq: sent.__setitem__(seq, time.perf_counter()))
    c.shadow_shown.connect(lambda r: shown.append((r.seq, time.perf_counter())))
    c.result_shown.connect(
        lambda r: finals.append((r.seq, time.perf_counter())) if len(r.seeds) == c.k else None)
    c.engine_failed.connect(lambda msg: (failure.append(msg), loop.exit(2)))
    settle = QTimer()
    settle.setInterval(20)
    settle.timeout.connect(lambda: loop.exit(0) if c.is_idle() else None)
    drawing = synthetic_drawing(args.strokes, args.points)
    driver = Driver(window, drawing, args.rate, gap_ticks=30, on_done=settle.start)
    c.engine_loaded.connect(lambda _: QTimer.singleShot(200, driver.start))  # first update first
    code = loop.exec_()
    settle.stop()
    if code != 0:
        raise RuntimeError(
            f"the models could not be loaded: {failure[0] if failure else 'unknown'}"
        )
    return driver, sent, shown, finals


def format_report(report: UiBenchReport) -> str:
    verdict = "PASS" if report.passed else "FAIL"
    return "\n".join([
        f"pen events {report.events}, results shown {report.results}",
        f"UI stall: max {report.max_stall_ms:.1f} ms, p99 {report.p99_stall_ms:.1f} ms "
        f"(target <= {report.target_ms:.0f} ms: {verdict})",
        f"stroke-to-shadow: median {report.latency_median_ms:.0f} ms, "
        f"p90 {report.latency_p90_ms:.0f} ms",
        f"pen-up-to-final: median {report.pen_up_median_ms:.0f} ms",
        f"request-to-screen: median {report.update_median_ms:.0f} ms",
    ])  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.show:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.threads is not None:
        import torch

        torch.set_num_threads(args.threads)
    from sketchfill.app.runtime.cpu import cpu_facts

    cpu = cpu_facts().line()  # before the runs: the app's load sets this thread's count
    reports = {}
    for path in [p.strip() for p in args.paths.split(",") if p.strip()]:
        try:
            reports[path] = run(args, path)
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    if args.json:
        print(json.dumps({"cpu": cpu, **{path: {**asdict(r), "passed": r.passed}
                                          for path, r in reports.items()}}))
    else:
        print(cpu)
        for path, report in reports.items():
            print(f"\n== {path}: {report.runtime}\n{format_report(report)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
