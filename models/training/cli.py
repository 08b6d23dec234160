"""Command-line pieces both training scripts share: the run, data and schedule options, the
process set-up, and the provenance every run records.

Each script adds the options of its own config dataclasses (models.options: a field declared
with `option()` is an option); what is here means the same thing in both, so it is defined
once.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Mapping, Sequence

import torch

from sketchfill.models.data.sources import DATA_HELP
from sketchfill.models.nets.cpu_tuning import tune_malloc
from sketchfill.models.options import DefaultsHelpFormatter
from sketchfill.models.training.distributed import DistContext, init_distributed, shutdown
from sketchfill.models.training.run_state import RunStateError

SHIPPED = "shipped"     # the preset of the shipped network, every trainer's default


def training_parser(description: str, run_default: str, presets: Mapping[str, object],
                    steps: int, every: int) -> argparse.ArgumentParser:
    """A parser with the shared options; `every` is the default sample and save interval."""
    p = argparse.ArgumentParser(description=description, formatter_class=DefaultsHelpFormatter)
    p.add_argument("--run-dir", "--run", dest="run", type=Path, default=Path(run_default),
                   help="run directory (state.pt, log, samples, metrics.json)")
    p.add_argument("--data", type=Path, default=None, metavar="DIR", help=DATA_HELP)
    p.add_argument("--preset", choices=sorted(presets), default=SHIPPED,
                   help="network architecture (models.nets presets)")
    p.add_argument("--steps", type=int, default=steps, help="stop at this global step")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's choice)")
    p.add_argument("--resume", action="store_true", help="continue from <run>/state.pt")
    p.add_argument("--fork", type=Path, default=None,
                   help="start from another run's state.pt (or its dir), or from a released "
                        "checkpoint (e.g. checkpoints/shape.pt), and continue in --run "
                        "(default: start afresh)")
    p.add_argument("--log-every", type=int, default=20, help="steps between loss log lines")
    p.add_argument("--sample-every", type=int, default=every,
                   help="steps between sample sheets (<run>/samples)")
    p.add_argument("--save-every", type=int, default=every, help="steps between state saves")
    p.add_argument("--eval", action="store_true", help="write <run>/metrics.json at the end")
    p.add_argument("--eval-only", action="store_true",
                   help="only write <run>/metrics.json for the saved state, no training")
    return p


def set_up_process(args: argparse.Namespace) -> None:
    """Malloc tuning (keeps activation buffers in the heap: ~25% off a step on CPU) and the
    thread count."""
    tune_malloc()
    if args.threads:
        torch.set_num_threads(args.threads)


def classes_match(n_data: int, preset: str, n_model: int) -> bool:
    """False, with a message on stderr, when the data's class count is not the preset's."""
    if n_data == n_model:
        return True
    print(f"error: data has {n_data} classes, preset {preset!r} expects {n_model}",
          file=sys.stderr)
    return False


def run_meta(module: str, argv: Sequence[str] | None, root: Path) -> dict:
    """What a run records about how it was made: the command (an argument list whose paths
    are relative to the working folder), the commit, the data's hash."""
    from sketchfill.models.training.provenance import command_line, data_manifest_sha256, git_commit
    return {"commands": [command_line(module, argv)], "git_commit": git_commit(),
            "data_manifest_sha256": data_manifest_sha256(root)}


def run_training(body: Callable[[DistContext], None]) -> int:
    """Run a trainer's `body` in this process's (maybe distributed) context: exit code 0, or 2
    with one line on stderr when the run to resume or fork cannot be used."""
    ctx = init_distributed()
    try:
        body(ctx)
    except RunStateError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    finally:
        shutdown(ctx)
    return 0
