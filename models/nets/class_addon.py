"""A taught class as an add-on: its embedding rows for the shipped networks, in a small file.

A class is one row of each class table of the networks: the shape network's `embedding` and
the appearance network's two gates (`gate.embedding`, `full_gate.embedding`). Everything else
is shared, so a class taught from a few pictures is these rows, and adding it appends rows
without changing any existing one: shipped classes draw and colour exactly as before. A taught
class may also bring a class head (appearance.ClassHead: its own copy of the appearance
network's output layers and a shift of each gated block's beta), used for its renders only,
and the outlines of the pictures it was taught from, which the app fits to the strokes where
the shape network proposes nothing (app/outline_bank.py), as it does for shipped classes.

File content (a plain dict, loadable with `torch.load(..., weights_only=True)`):
    {"format": "sketchfill-class", "version": 1, "name": str, "display_name": str,
     "rows": {"shape": [E], "gate": [n_salient], "full_gate": [n_salient] (if the network
              has a full-size stage)},
     "head": {state dict of a ClassHead} (optional; {} or absent: none),
     "outlines": {"points": int32 [N,2], "line_ends": int64 [L], "outline_ends": int64 [O]}
                 (optional; outline_bank.pack: x, y in 1/65535 of the unit square),
     "checkpoints": {"shape": sha256, "appearance": sha256},  # the files it was taught on
     "provenance": {"command": [...], "pictures": [{"name", "sha256"}], "minutes", "steps"}}
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from sketchfill.models.data import outline_bank
from sketchfill.models.data.outline_bank import Outline
from sketchfill.models.files import atomic_write
from sketchfill.models.nets.appearance import AppearanceGenerator, ClassHead
from sketchfill.models.nets.checkpoint import cause

FORMAT = "sketchfill-class"
VERSION = 1
ROW_TABLES = ("shape", "gate", "full_gate")  # the class tables a taught class adds a row to


class AddonError(ValueError):
    """An add-on file cannot be used; the message names the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = Path(path), problem


@dataclass(frozen=True)
class ClassAddon:
    name: str                         # the class name sessions and commands use
    display_name: str                 # as the class picker shows it
    rows: dict[str, torch.Tensor]     # table name (ROW_TABLES) -> float32 [width] row
    checkpoints: dict[str, str]       # "shape" / "appearance" -> sha256 of the file taught on
    provenance: dict = field(default_factory=dict)
    head: dict[str, torch.Tensor] = field(default_factory=dict)  # its class head's state
                                                                  # ({}: the network's own)
    outlines: tuple[Outline, ...] = ()  # its pictures' outlines: polylines, each float32
                                        # (n,2) of (x, y) in the unit square


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save_addon(path: str | Path, addon: ClassAddon) -> Path:
    """Write atomically: an interrupted or failed save leaves no file (or the old one)."""
    path = Path(path)
    payload = {
        "format": FORMAT, "version": VERSION, "name": addon.name,
        "display_name": addon.display_name,
        "rows": {k: v.detach().cpu().float().contiguous().clone() for k, v in addon.rows.items()},
        "checkpoints": dict(addon.checkpoints), "provenance": dict(addon.provenance),
        "head": {k: v.detach().cpu().contiguous().clone() for k, v in addon.head.items()},
        "outlines": packed_outlines(addon.outlines),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as f:
        torch.save(payload, f)
    return path


def load_addon(path: str | Path) -> ClassAddon:
    """Read and check an add-on file; AddonError names the file for any problem."""
    path = Path(path)
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for truncated or foreign files
        raise AddonError(path, f"not a readable class file ({cause(err)})") from err
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AddonError(path, "not a Sketch & Fill class file")
    if data.get("version") != VERSION:
        raise AddonError(path, f"class file version {data.get('version')} is not supported")
    rows = data.get("rows")
    if not isinstance(rows, dict) or not {"shape", "gate"} <= set(rows) or not all(
            isinstance(v, torch.Tensor) and v.dim() == 1 for v in rows.values()):
        raise AddonError(path, "the class file holds no valid embedding rows")
    name, shown = data.get("name"), data.get("display_name")
    if not isinstance(name, str) or not isinstance(shown, str):
        raise AddonError(path, "the class file names no class")
    head = data.get("head") or {}
    if not isinstance(head, dict) or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in head.items()):
        raise AddonError(path, "the class file's class head is not valid")
    try:
        outlines = unpacked_outlines(data.get("outlines") or {})
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise AddonError(path, "the class file's outlines are not valid") from err
    return ClassAddon(name, shown, {k: v.float() for k, v in rows.items()},
                      dict(data.get("checkpoints") or {}), dict(data.get("provenance") or {}),
                      dict(head), outlines)


def packed_outlines(outlines: tuple[Outline, ...]) -> dict[str, torch.Tensor]:
    """Outlines as the file holds them (outline_bank.pack as int32 tensors; {} for none)."""
    if not outlines:
        return {}
    packed = outline_bank.pack(outlines)
    return {"points": torch.from_numpy(packed.points.astype(np.int32)),
            "line_ends": torch.from_numpy(packed.line_ends),
            "outline_ends": torch.from_numpy(packed.outline_ends)}


def unpacked_outlines(packed: dict[str, torch.Tensor]) -> tuple[Outline, ...]:
    """packed_outlines() undone; ValueError for anything inconsistent."""
    if not packed:
        return ()
    points = packed["points"].numpy()
    if points.size and (points.min() < 0 or points.max() > np.iinfo(np.uint16).max):
        raise ValueError("outline points out of range")
    return outline_bank.unpack(outline_bank.PackedOutlines(
        points, packed["line_ends"].numpy(), packed["outline_ends"].numpy()))


def row_tables(shape: nn.Module, appearance: nn.Module) -> dict[str, nn.Module]:
    """The modules whose `embedding` holds one row per class, by ROW_TABLES name (the
    appearance network without a full-size stage has no "full_gate")."""
    tables = {"shape": shape, "gate": appearance.gate}
    if getattr(appearance, "full_gate", None) is not None:
        tables["full_gate"] = appearance.full_gate
    return tables


def with_rows(table: nn.Embedding, rows: torch.Tensor) -> nn.Embedding:
    """A new table: `table`'s rows unchanged, then `rows` [n, width]."""
    old = table.weight.detach()
    grown = nn.Embedding(old.shape[0] + rows.shape[0], old.shape[1]).to(old.device, old.dtype)
    with torch.no_grad():
        grown.weight.copy_(torch.cat([old, rows.to(old)], dim=0))
    grown.weight.requires_grad_(table.weight.requires_grad)
    return grown


def check_fits(addon: ClassAddon, tables: dict[str, nn.Module], path: Path | str) -> None:
    """AddonError unless the add-on has one row of the right width for every table."""
    for name, owner in tables.items():
        row = addon.rows.get(name)
        width = owner.embedding.embedding_dim
        if row is None or row.shape != (width,):
            raise AddonError(path, f"its {name} row does not fit these networks "
                                   f"({width} wide expected)")


def class_head(addon: ClassAddon, appearance: AppearanceGenerator,
               path: Path | str) -> ClassHead | None:
    """The add-on's class head for `appearance` (in eval mode, on its device), None
    if it brings none; AddonError if it does not fit the network."""
    if not addon.head:
        return None
    head = appearance.head_copy()
    try:
        head.load_state_dict(addon.head, strict=True)
    except (RuntimeError, KeyError) as err:
        raise AddonError(path, "its class head does not fit these networks") from err
    return head.eval().requires_grad_(False)


def append_rows(tables: dict[str, nn.Module], addons: list[ClassAddon]) -> None:
    """Append the add-ons' rows, in order, to every class table (check_fits first)."""
    if not addons:
        return
    for name, owner in tables.items():
        rows = torch.stack([a.rows[name] for a in addons])             # [n, width]
        owner.embedding = with_rows(owner.embedding, rows)
