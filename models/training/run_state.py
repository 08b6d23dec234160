"""Resumable training state: `<run>/state.pt` holds everything needed to continue a run.

Content (plain dict of tensors, numbers and strings; `torch.load(weights_only=True)` reads it):
    {"format": "sketchfill-run-state", "kind", "step", "nets": {name: state_dict},
     "optimizers": {name: state_dict}, "rng": torch CPU RNG state, "train_config": {...},
     "model_config": {...}, "classes": [...], "commands": [argv strings of every (re)start],
     "git_commit", "data_manifest_sha256"}
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from models.training.widen import WidenError, load_widened

FORMAT = "sketchfill-run-state"
STATE_FILE = "state.pt"


class RunStateError(Exception):
    """A run state file cannot be resumed from; the message says why."""


def save_run_state(run_dir: Path, payload: dict[str, Any]) -> Path:
    """Write `<run_dir>/state.pt` atomically (a crash mid-save keeps the previous state)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / STATE_FILE
    fd, tmp = tempfile.mkstemp(dir=run_dir, prefix=STATE_FILE, suffix=".tmp")
    os.close(fd)
    try:
        torch.save({"format": FORMAT, **payload}, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def load_run_state(path: Path, kind: str) -> dict[str, Any]:
    """Read a state file (or `<dir>/state.pt`) and check it belongs to a `kind` run."""
    path = path / STATE_FILE if path.is_dir() else path
    if not path.is_file():
        raise RunStateError(f"{path}: no run state to resume from")
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise RunStateError(f"{path}: not a Sketch & Fill run state")
    if state.get("kind") != kind:
        raise RunStateError(f"{path}: holds a {state.get('kind')} run, expected {kind}")
    return state


def net_states(nets: dict[str, nn.Module]) -> dict[str, dict[str, torch.Tensor]]:
    return {name: {k: v.detach().cpu() for k, v in net.state_dict().items()}
            for name, net in nets.items()}


def restore_nets(state: dict[str, Any], nets: dict[str, nn.Module],
                 optimizers: dict[str, torch.optim.Optimizer], grow: bool = False) -> None:
    """Load weights and optimizer moments in place; a mismatch names the network.

    `grow`: the networks may have modules the state lacks, or more channels (a larger
    model forked from a trained one); see models.training.widen. A grown network's
    optimizer starts afresh, since its moments no longer line up with its parameters."""
    grown = set()
    for name, net in nets.items():
        try:
            if grow:
                if load_widened(net, state["nets"][name]):
                    grown.add(name)
            else:
                net.load_state_dict(state["nets"][name])
        except WidenError as err:
            raise RunStateError(f"cannot grow {name!r}: {err}") from err
        except (KeyError, RuntimeError) as err:
            raise RunStateError(f"cannot restore {name!r} (different config?): {err}") from err
    for name, opt in optimizers.items():
        if name not in grown:
            opt.load_state_dict(state["optimizers"][name])


def set_learning_rates(rates: dict[torch.optim.Optimizer, float]) -> None:
    """The command line's learning rates win over the ones saved with the optimizer state
    (a resumed phase may change them; the moments are kept)."""
    for opt, lr in rates.items():
        for group in opt.param_groups:
            group["lr"] = lr


def continue_run(source: Path, kind: str, nets: dict[str, nn.Module],
                 optimizers: dict[str, torch.optim.Optimizer], lrs: dict[str, float],
                 meta: dict[str, Any], grow: bool = False) -> int:
    """Resume (source = the run itself) or fork (source = another run; it is only read):
    load its networks and optimizers, apply this command's learning rates (`lrs`, by
    optimizer name), and put its commands before this one in `meta`. Returns its step.
    `grow`: see restore_nets."""
    state = load_run_state(source, kind)
    restore_nets(state, nets, optimizers, grow)
    set_learning_rates({optimizers[name]: lr for name, lr in lrs.items()})
    meta["commands"] = list(state.get("commands", [])) + meta.get("commands", [])
    return int(state["step"])
