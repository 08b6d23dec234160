"""Self-describing checkpoints: one file per network, rebuilt from its stored config.

File content (a plain dict, loadable with `torch.load(..., weights_only=True)`):
    {"format": "sketchfill-checkpoint", "version": 1, "kind": "shape" | "appearance",
     "config": {...dataclass fields...}, "classes": [names], "state_dict": {...},
     "provenance": {...free-form: command, data hash, steps, metrics...}}
Every problem raises CheckpointError naming the file and what is wrong.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import torch
from torch import nn

from sketchfill.models.nets.appearance import AppearanceConfig, AppearanceGenerator
from sketchfill.models.nets.shape import ShapeConfig, ShapeGenerator
from sketchfill.models.files import CheckpointError, atomic_write

FORMAT = "sketchfill-checkpoint"
VERSION = 1
KINDS: dict[str, tuple[type, type]] = {
    "shape": (ShapeConfig, ShapeGenerator),
    "appearance": (AppearanceConfig, AppearanceGenerator),
}


def cause(err: BaseException) -> str:
    """The first sentence of an error's message, whole: torch's own messages run over several
    sentences and lines, and a message cut mid-sentence reads as a bug."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    first = lines[0] if lines else type(err).__name__
    return first.split(". ")[0].rstrip(".")


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    kind: str
    config: Any  # ShapeConfig | AppearanceConfig
    classes: tuple[str, ...]
    state_dict: dict[str, torch.Tensor]
    provenance: dict

    def build(self) -> nn.Module:
        """The network in eval mode with these weights (strict load)."""
        net = KINDS[self.kind][1](self.config)
        try:
            net.load_state_dict(self.state_dict, strict=True)
        except RuntimeError as err:
            raise CheckpointError(
                self.path, f"weights do not fit the stored config: {err}"
            ) from err
        return net.eval()


def config_to_dict(cfg: Any) -> dict:
    return {f.name: getattr(cfg, f.name) for f in dataclasses.fields(cfg)}


# Config fields of older versions, with the one value this version still builds: a file that
# stores that value loads (the field is dropped); any other value is refused.
RETIRED_FIELDS: dict[type, dict[str, Any]] = {ShapeConfig: {"refine_blocks": 1}}


def config_from_dict(cls: type, data: dict, path: Path) -> Any:
    for name, only in RETIRED_FIELDS.get(cls, {}).items():
        if data.get(name, only) != only:
            raise CheckpointError(
                path, f"config field {name}={data[name]!r} is no longer supported (only {only!r})"
            )
        data = {k: v for k, v in data.items() if k != name}
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise CheckpointError(path, f"config has unknown fields {unknown} (newer version?)")
    # Tuples come back from the file as lists; frozen configs want hashable tuples.
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def save_checkpoint(
    path: str | Path,
    kind: str,
    config: Any,
    classes: Sequence[str],
    state_dict: dict[str, torch.Tensor],
    provenance: dict | None = None,
) -> Path:
    """Write atomically (temp file + rename) so a crash never leaves half a checkpoint."""
    if kind not in KINDS:
        raise ValueError(f"unknown checkpoint kind {kind!r}; expected one of {sorted(KINDS)}")
    if len(classes) != config.n_classes:
        raise ValueError(f"{len(classes)} class names for a {config.n_classes}-class network")
    path = Path(path)
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "config": config_to_dict(config),
        "classes": list(classes),
        "state_dict": {k: v.detach().cpu().contiguous() for k, v in state_dict.items()},
        "provenance": dict(provenance or {}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as f:
        torch.save(payload, f)
    return path


def _read(path: Path) -> dict:
    if not path.is_file():
        raise CheckpointError(path, "file not found")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for truncated/corrupt/pickled-code files
        raise CheckpointError(
            path, f"not a readable checkpoint; the file is truncated or corrupt ({cause(err)})."
        ) from err
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(
            path,
            "not a Sketch & Fill checkpoint (for original iSketchNFill "
            "weights use `python -m models.nets.isf_compat import`)",
        )
    if data.get("version") != VERSION:
        raise CheckpointError(
            path, f"format version {data.get('version')} is not supported (expected {VERSION})"
        )
    return data


def load_checkpoint(
    path: str | Path, kind: str | None = None, classes: Sequence[str] | None = None
) -> Checkpoint:
    """Read and validate; `kind` and `classes`, when given, must match the file."""
    path = Path(path)
    data = _read(path)
    if data.get("kind") not in KINDS:
        raise CheckpointError(path, f"unknown network kind {data.get('kind')!r}")
    if kind is not None and data["kind"] != kind:
        raise CheckpointError(path, f"holds a {data['kind']} network, expected {kind}")
    cfg = config_from_dict(KINDS[data["kind"]][0], data.get("config", {}), path)
    names = tuple(data.get("classes", ()))
    if len(names) != cfg.n_classes:
        raise CheckpointError(
            path, f"lists {len(names)} classes for a {cfg.n_classes}-class network"
        )
    if classes is not None and tuple(classes) != names:
        raise CheckpointError(path, f"class list {list(names)} differs from {list(classes)}")
    return Checkpoint(
        path, data["kind"], cfg, names, data["state_dict"], data.get("provenance", {})
    )
