"""The step loop shared by both stages: tqdm progress, loss log, samples, state saves."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import torch
from tqdm import tqdm

from sketchfill.models.nets.cpu_tuning import native_bf16

from sketchfill.models.training.distributed import DistContext, mean_across_ranks
from sketchfill.models.training.run_log import append_log


@dataclass(frozen=True)
class Schedule:
    steps: int            # stop after this global step
    log_every: int        # loss log line every n steps (means over those steps)
    sample_every: int     # sample grid every n steps
    save_every: int       # state.pt every n steps


def autocast(device: torch.device, cpu_bf16: bool | None) -> contextlib.AbstractContextManager:
    """bf16 autocast on CUDA (no loss scaler needed, unlike fp16) and, on the CPU, where asked
    (True), never (False) or where the CPU has bf16 natively (None: auto)."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    if native_bf16() if cpu_bf16 is None else cpu_bf16:
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def run_steps(start: int, sched: Schedule, batches: Iterator, ctx: DistContext, run_dir: Path,
              step_fn: Callable[[list, int], dict[str, float]],
              on_samples: Callable[[int], None], on_save: Callable[[int], None]) -> int:
    """Run steps start..sched.steps-1; rank 0 logs, samples and saves. Returns the last step."""
    if ctx.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
    sums: dict[str, float] = {}
    count = 0
    bar = tqdm(total=sched.steps, initial=start, disable=not ctx.is_main, dynamic_ncols=True)
    step = start
    for step in range(start + 1, sched.steps + 1):
        losses = step_fn(next(batches), step)
        for k, v in losses.items():
            sums[k] = sums.get(k, 0.0) + v
        count += 1
        bar.update(1)
        if step % sched.log_every == 0 or step == sched.steps:
            means = mean_across_ranks({k: v / count for k, v in sums.items()}, ctx)
            sums, count = {}, 0
            if ctx.is_main:
                append_log(run_dir, step, means)
                bar.set_postfix({k: f"{v:.3f}" for k, v in list(means.items())[:4]})
        if ctx.is_main and (step % sched.sample_every == 0 or step == sched.steps):
            on_samples(step)
        if ctx.is_main and (step % sched.save_every == 0 or step == sched.steps):
            on_save(step)
    bar.close()
    return step
