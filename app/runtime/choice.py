"""Which runtime runs each network on this computer: measured once, kept, redone on change.

Every candidate installed here (torch eager float32; bf16 autocast only where the CPU has bf16
natively; ONNX Runtime; OpenVINO) runs both networks on a calibration sketch. A candidate whose
outputs differ from eager float32 more than the engine can absorb (`accurate`) is rejected; of
the rest the fastest wins, per network. The choice is stored in the user's data folder under a
key of everything that could change it (torch and runtime versions, the CPU, its cores, the
weights), so it is measured again only when one of them changes.
"""
from __future__ import annotations

import json
import logging
import os
import statistics
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
import torch

from sketchfill.app.document import rest_threads
from sketchfill.app.ridges import ridge_lines
from sketchfill.app.runtime.cores import physical_cores
from sketchfill.app.runtime.cpu import cpu_facts, native_bf16
from sketchfill.app.runtime.external import (COMPILES_PER_SHAPE, ONNXRUNTIME, OPENVINO,
                                             RUNTIMES, ExternalLook, ExternalShape, Session,
                                             installed, open_session, version)
from sketchfill.app.runtime.exportable import gate_arrays, weights_hash
from sketchfill.app.runtime.onnx_files import look_onnx, shape_onnx
from sketchfill.app.runtime.calls import (AUTO, EAGER, EAGER_BF16, ENV, RULE, LookInputs,
                                          LookRunner, RuntimeChoice, ShapeRunner)
from sketchfill.app.runtime.runners import TorchLook, TorchShape
from sketchfill.models.nets.appearance import AppearanceGenerator, noise_sizes
from sketchfill.models.nets.noise import noise_from_seeds, seeded_maps, seeded_noise

log = logging.getLogger(__name__)

LINE_TOLERANCE = 0.005      # share of an output's ridge-line pixels that may differ from eager's
RAW_TOLERANCE = 2e-3        # max |difference| of a hard-output shape network's pixels
IMAGE_TOLERANCE = 3         # max difference of an image's uint8 channels (of 255)
CALIBRATION_K = 8           # completions per shape call, as in the app
GIVE_UP = 1.5              # a runtime this many times slower than the best so far stops early
KEEP_CHOICES = 8            # stored choices (one per machine state) kept in the file
# A runtime within this factor of the fastest that compiles nothing per input shape wins over
# one that does (OpenVINO: each new batch size at each thread count costs its first call
# 20-100 ms, and the app's first stroke's calls are made ahead at every start, 0.2-0.3 s).
CLOSE = 1.1


def candidates(device: torch.device) -> list[str]:
    """The runtimes worth measuring here: only torch off the CPU; bf16 only where native."""
    if device.type != "cpu":
        return [EAGER]
    names = [EAGER] + ([EAGER_BF16] if native_bf16() else [])
    if not installed("onnx"):  # torch's exporter needs it to write the graphs they run
        return names
    return names + [r for r in (ONNXRUNTIME, OPENVINO) if installed(r)]


class RunnerFactory:
    """Builds any runtime's runner for one engine's two networks (exports on first need)."""

    def __init__(self, shape: torch.nn.Module, look: AppearanceGenerator, folder: Path) -> None:
        self.shape_net, self.look_net, self.folder = shape, look, folder

    def shape(self, name: str) -> ShapeRunner:
        if name in (EAGER, EAGER_BF16):
            return TorchShape(self.shape_net, bf16=name == EAGER_BF16)
        path = shape_onnx(self.shape_net, self.folder / "exports")
        return ExternalShape(name, lambda threads: self._session(name, path, threads))

    def look(self, name: str) -> LookRunner:
        if name in (EAGER, EAGER_BF16):
            return TorchLook(self.look_net, bf16=name == EAGER_BF16)
        path = look_onnx(self.look_net, self.folder / "exports")
        # Made at every core from the start: the app colours only once the pen has lifted.
        return ExternalLook(name, lambda threads: self._session(name, path, threads),
                            rest_threads())

    def _session(self, name: str, path: Path, threads: int) -> tuple[Session, list[str]]:
        return open_session(name, path, threads, self.folder)


def calibration_inputs(shape: torch.nn.Module, look: AppearanceGenerator,
                       ) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, LookInputs]]:
    """A partial sketch (an open arc and a stroke) as drawn and mirrored for K completions
    (alternately), and one outline with its gates and noise for the appearance network."""
    cfg = shape.cfg
    size = cfg.size
    img = np.full((size, size), 1.0, np.float32)
    c, r = size // 2, size * 3 // 8
    cv2.ellipse(img, (c, c), (r, r), 0, 200, 470, -1.0, max(1, size // 100), cv2.LINE_AA)
    views = np.stack([img, img[:, ::-1]])[:, None]                      # as drawn, mirrored
    view_of = np.arange(CALIBRATION_K, dtype=np.int64) % 2
    row = shape.embedding.weight[0].detach().cpu().numpy()
    rows = np.ascontiguousarray(np.broadcast_to(row, (CALIBRATION_K, row.size)))
    z = seeded_noise(range(CALIBRATION_K), cfg.nz)
    lc = look.cfg
    small = cv2.resize(img, (lc.size, lc.size), interpolation=cv2.INTER_LINEAR)
    outline = np.ascontiguousarray(np.broadcast_to(small, (1, lc.in_channels, lc.size, lc.size)))
    with torch.inference_mode():
        gates = look.gates(torch.zeros(1, dtype=torch.long), noise_from_seeds([0], lc.nz))
    maps = seeded_maps(noise_sizes(lc) if lc.pixel_noise else [], 0)
    look_in = LookInputs(gate_arrays(gates), tuple(maps))
    return (np.ascontiguousarray(views), view_of, rows, z), (outline, look_in)


def accurate(kind: str, soft: bool, ref: np.ndarray, out: np.ndarray) -> str | None:
    """Why `out` is not close enough to eager float32's `ref` for the app, or None."""
    if out.shape != ref.shape:
        return f"output shape {tuple(out.shape)} instead of {tuple(ref.shape)}"
    if kind == "look":
        err = int(np.ceil(np.abs(out - ref).max() * 127.5))
        return None if err <= IMAGE_TOLERANCE else f"image moves by up to {err}/255"
    if not soft:
        err = float(np.abs(out - ref).max())
        return None if err <= RAW_TOLERANCE else f"outline moves by up to {err:.3g}"
    moved = total = 0
    for a, b in zip(ref[:, 0], out[:, 0]):
        la, lb = ridge_lines(a), ridge_lines(b)
        moved, total = moved + int((la ^ lb).sum()), total + int((la | lb).sum())
    share = moved / max(total, 1)
    return None if share <= LINE_TOLERANCE else f"moves {share:.1%} of the outline pixels"


def interleaved_ms(calls: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median ms of each of `calls` (warmed up by the caller) over `repeats` rounds, one call
    of each per round, so that a burst of other work on the computer slows them all alike
    rather than the one being timed. A call slower than GIVE_UP times the fastest of its
    round is not called again: it has lost already (the user waits for this at first start)."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    racing = list(calls)
    for _ in range(repeats):
        for name in racing:
            start = time.perf_counter()
            calls[name]()
            times[name].append((time.perf_counter() - start) * 1000.0)
        best = min((times[name][-1] for name in racing), default=0.0)
        racing = [name for name in racing if times[name][-1] <= GIVE_UP * best]
    return {name: statistics.median(ms) for name, ms in times.items()}


def calibrate(factory: RunnerFactory, names: list[str], repeats: int = 5) -> RuntimeChoice:
    """Measure every runtime in `names` on both networks; the fastest accurate one per net
    (`pick`). Each is built and checked against torch eager float32 first (its warm-up too),
    then all are timed together (`interleaved_ms`)."""
    shape_in, (outline, look_in) = calibration_inputs(factory.shape_net, factory.look_net)
    soft = bool(getattr(factory.shape_net.cfg, "soft_output", False))
    calls = {"shape": (factory.shape, lambda run: run(*shape_in)),
             "look": (factory.look, lambda run: run(outline, look_in))}
    pins = {"shape": lambda run: getattr(run, "pin", lambda *_: None)(*shape_in),
            "look": lambda run: None}  # the shapes the app's warm-up fixes (Engine._warm_up)
    picked, timings, rejected = {}, {}, {}
    for kind, (build, call) in calls.items():
        reference = call(build(EAGER))  # also eager's warm-up
        rejected[kind], ready = {}, {}
        for name in names:
            try:
                run = build(name)
                pins[kind](run)
                why = None if name == EAGER else accurate(kind, soft, reference, call(run))
            except Exception as err:  # noqa: BLE001 - any failure of a runtime: skip it
                why = f"failed: {type(err).__name__}: {err}".splitlines()[0][:200]
            if why is None:
                ready[name] = lambda run=run: call(run)
            else:
                rejected[kind][name] = why
                log.info("runtime %s for the %s network rejected: %s", name, kind, why)
        timings[kind] = {n: round(ms, 1) for n, ms in interleaved_ms(ready, repeats).items()}
        picked[kind] = pick(timings[kind])
    return RuntimeChoice(picked["shape"], picked["look"], timings, rejected)


def pick(timings: dict[str, float]) -> str:
    """The runtime to use of those timed (name -> ms): the fastest, unless one within CLOSE
    of it compiles nothing per input shape (COMPILES_PER_SHAPE); eager when none was timed."""
    if not timings:
        return EAGER
    best = min(timings.values())
    planned = {n: ms for n, ms in timings.items()
               if n not in COMPILES_PER_SHAPE and ms <= CLOSE * best}
    pool = planned or timings
    return min(pool, key=pool.get)


def machine_key(factory: RunnerFactory, names: list[str]) -> str:
    """Everything a stored choice depends on, as one string."""
    facts = cpu_facts()
    versions = {n: version(n) for n in names if n in (ONNXRUNTIME, OPENVINO)}
    return json.dumps({"torch": torch.__version__, "runtimes": versions, "cpu": facts.model,
                       "capability": facts.capability, "bf16": facts.native_bf16,
                       "cores": physical_cores(), "candidates": names, "rule": RULE,
                       "shape": weights_hash(factory.shape_net),
                       "look": weights_hash(factory.look_net)}, sort_keys=True)


def stored_choice(path: Path, key: str) -> RuntimeChoice | None:
    try:
        entries = json.loads(path.read_text())
        entry = entries.get(key) if isinstance(entries, dict) else None
        return RuntimeChoice(**entry) if isinstance(entry, dict) else None
    except (OSError, ValueError, TypeError):  # none yet, or unreadable: measure again
        return None


def store_choice(path: Path, key: str, choice: RuntimeChoice) -> None:
    """Add `choice` under `key` (the newest KEEP_CHOICES kept), atomically; a failure to write
    is logged, never raised: the choice is then measured again at the next start."""
    try:
        entries = json.loads(path.read_text()) if path.exists() else {}
        entries = entries if isinstance(entries, dict) else {}
    except (OSError, ValueError):
        entries = {}
    entries.pop(key, None)
    entries[key] = asdict(choice)
    entries = dict(list(entries.items())[-KEEP_CHOICES:])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".part", dir=path.parent)
        with os.fdopen(fd, "w") as f:
            json.dump(entries, f, indent=1)
        os.replace(tmp, path)
    except OSError as err:
        log.warning("could not store the runtime choice in %s: %s", path, err)


def choose(factory: RunnerFactory, device: torch.device, measure: bool,
           wanted: str = AUTO) -> RuntimeChoice:
    """The runtimes to use: `wanted` for both networks if not auto; else the stored choice for
    this computer, or one measured now (`measure`), or eager float32."""
    wanted = os.environ.get(ENV, wanted) if wanted == AUTO else wanted
    if wanted != AUTO:
        if wanted not in RUNTIMES:
            raise ValueError(f"unknown runtime {wanted!r}; choose from auto, {', '.join(RUNTIMES)}")
        return RuntimeChoice(wanted, wanted)
    names = candidates(device)
    if names == [EAGER]:
        return RuntimeChoice()
    path, key = factory.folder / "choice.json", machine_key(factory, names)
    choice = stored_choice(path, key)
    if choice is None and measure:
        choice = calibrate(factory, names)
        store_choice(path, key, choice)
    return choice or RuntimeChoice()
