"""Resumable training state: `<run>/state.pt` holds everything needed to continue a run.

Content (plain dict of tensors, numbers and strings; `torch.load(weights_only=True)` reads it):
    {"format": "sketchfill-run-state", "kind", "step", "nets": {name: state_dict},
     "optimizers": {name: state_dict}, "rng": torch CPU RNG state, "train_config": {...},
     "model_config": {...}, "classes": [...], "commands": [argv strings of every (re)start],
     "git_commit", "data_manifest_sha256"}
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from sketchfill.models.nets.checkpoint import FORMAT as CHECKPOINT_FORMAT
from sketchfill.models.training.provenance import sha256_file
from sketchfill.models.training.widen import WidenError, load_widened
from sketchfill.models.files import atomic_write

FORMAT = "sketchfill-run-state"
STATE_FILE = "state.pt"
CRITIC_FORMAT = "sketchfill-critic"


class RunStateError(Exception):
    """A run state file cannot be resumed from; the message says why."""


def save_run_state(run_dir: Path, payload: dict[str, Any]) -> Path:
    """Write `<run_dir>/state.pt` atomically (a crash mid-save keeps the previous state)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / STATE_FILE
    with atomic_write(path) as f:
        torch.save({"format": FORMAT, **payload}, f)
    return path


def _read(path: Path) -> Any:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for truncated or foreign files
        raise RunStateError(f"{path}: not readable (truncated or corrupt?): "
                            f"{type(err).__name__}") from err


def load_run_state(path: Path, kind: str) -> dict[str, Any]:
    """Read a state file (or `<dir>/state.pt`) and check it belongs to a `kind` run."""
    path = path / STATE_FILE if path.is_dir() else path
    if not path.is_file():
        raise RunStateError(f"{path}: no run state to resume from")
    return _checked(path, _read(path), kind)


def _checked(path: Path, state: Any, kind: str) -> dict[str, Any]:
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise RunStateError(f"{path}: not a Sketch & Fill run state")
    if state.get("kind") != kind:
        raise RunStateError(f"{path}: holds a {state.get('kind')} run, expected {kind}")
    return state


def critic_path(checkpoint: Path) -> Path:
    """Where `models.training.release --critic` puts the critic beside a released generator."""
    return checkpoint.with_name(f"{checkpoint.stem}.critic.pt")


def save_critic(checkpoint: Path, kind: str, state_dict: dict[str, torch.Tensor],
                generator_sha256: str) -> Path:
    """The critic of a released run, in half precision (a fork only needs a critic that
    knows roughly where real outlines lie; it keeps training), tied to its generator."""
    path = critic_path(checkpoint)
    half = {k: v.half() if v.is_floating_point() else v for k, v in state_dict.items()}
    with atomic_write(path) as f:
        torch.save({"format": CRITIC_FORMAT, "kind": kind, "generator_sha256": generator_sha256,
                    "state_dict": half}, f)
    return path


def checkpoint_as_state(path: Path, data: dict[str, Any], kind: str) -> dict[str, Any]:
    """A released checkpoint as the start of a fork, for when the run that made it is gone:
    its (EMA) generator becomes both the raw and the EMA generator, the critic comes from the
    companion file of `models.training.release --critic` if there is one for this very generator
    (else it starts fresh: see --critic-warmup), and the optimizers start fresh."""
    if data.get("kind") != kind:
        raise RunStateError(f"{path}: holds a {data.get('kind')} network, expected {kind}")
    generator = data["state_dict"]
    nets = {"g": generator, "g_ema": generator}
    companion = critic_path(path)
    if companion.is_file():
        critic = _read(companion)
        if not isinstance(critic, dict) or (critic.get("format"), critic.get("kind")) != (
                CRITIC_FORMAT, kind):
            raise RunStateError(f"{companion}: not a {kind} critic")
        if critic.get("generator_sha256") != sha256_file(path):
            raise RunStateError(f"{companion}: belongs to another {path.name}")
        nets["d"] = {k: v.float() if v.is_floating_point() else v
                     for k, v in critic["state_dict"].items()}
    provenance = data.get("provenance", {})
    return {"format": FORMAT, "kind": kind, "step": int(provenance.get("steps", 0)),
            "nets": nets, "optimizers": {}, "commands": list(provenance.get("commands", [])),
            "model_config": data.get("config", {}), "from_checkpoint": str(path)}


def load_fork_source(path: Path, kind: str) -> dict[str, Any]:
    """A run state (file or run dir), or a released checkpoint (see checkpoint_as_state)."""
    if not path.is_file():
        return load_run_state(path, kind)
    data = _read(path)      # read once: a run state is over 100 MB
    if isinstance(data, dict) and data.get("format") == CHECKPOINT_FORMAT:
        return checkpoint_as_state(path, data, kind)
    return _checked(path, data, kind)


def net_states(nets: dict[str, nn.Module]) -> dict[str, dict[str, torch.Tensor]]:
    return {name: {k: v.detach().cpu() for k, v in net.state_dict().items()}
            for name, net in nets.items()}


def restore_nets(state: dict[str, Any], nets: dict[str, nn.Module],
                 optimizers: dict[str, torch.optim.Optimizer], grow: bool = False,
                 optional: frozenset[str] = frozenset()) -> None:
    """Load weights and optimizer moments in place; a mismatch names the network.

    `grow`: the networks may have modules the state lacks, or more channels (a larger
    model forked from a trained one); see models.training.widen. A grown network's
    optimizer starts afresh, since its moments no longer line up with its parameters, and so
    does one that now trains another set of parameters.
    A state made from a released checkpoint may lack the critic and the optimizers: those
    start afresh too, as do the `optional` networks (training aids a phase may add) that the
    state lacks."""
    grown = set()
    for name, net in nets.items():
        if name not in state["nets"] and ("from_checkpoint" in state or name in optional):
            grown.add(name)
            continue
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
        saved = state["optimizers"].get(name)
        if name not in grown and saved is not None and _same_parameters(saved, opt):
            opt.load_state_dict(saved)


def _same_parameters(saved: dict[str, Any], opt: torch.optim.Optimizer) -> bool:
    """Whether a saved optimizer state moved the same parameters as `opt`. A phase that trains
    another set (e.g. `--freeze-trunk` on or off) starts its optimizer afresh."""
    return [len(g["params"]) for g in saved["param_groups"]] == [
        len(g["params"]) for g in opt.param_groups]


def set_learning_rates(rates: dict[torch.optim.Optimizer, float]) -> None:
    """The command line's learning rates win over the ones saved with the optimizer state
    (a resumed phase may change them; the moments are kept)."""
    for opt, lr in rates.items():
        for group in opt.param_groups:
            group["lr"] = lr


def continue_run(source: Path, kind: str, nets: dict[str, nn.Module],
                 optimizers: dict[str, torch.optim.Optimizer], lrs: dict[str, float],
                 meta: dict[str, Any], grow: bool = False,
                 optional: frozenset[str] = frozenset()) -> int:
    """Resume (source = the run itself) or fork (source = another run, or a released
    checkpoint; it is only read): load its networks and optimizers, apply this command's
    learning rates (`lrs`, by optimizer name), and put its commands before this one in
    `meta`. Returns its step. `grow`, `optional`: see restore_nets."""
    state = load_fork_source(source, kind)
    restore_nets(state, nets, optimizers, grow, optional)
    set_learning_rates({optimizers[name]: lr for name, lr in lrs.items() if name in optimizers})
    meta["commands"] = list(state.get("commands", [])) + meta.get("commands", [])
    return int(state["step"])
