"""A checkpoint folder: its manifest, its two network files, what identifies them, and the
networks read from them (torch imported only then)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from sketchfill.app.bundled import checkpoints_dir
from sketchfill.app.runtime import snapshot
from sketchfill.app.runtime.threads import sync_torch
from sketchfill.models.files import CheckpointError

if TYPE_CHECKING:
    from torch import nn

SHIPPED_CHECKPOINTS = checkpoints_dir()  # installed or in a clone (app/bundled.py)
DEFAULT_FILES = {"shape": "shape.pt", "appearance": "appearance.pt"}


def read_manifest(directory: Path) -> dict:
    """manifest.json of a checkpoint dir; without one, the default file names are assumed."""
    if not directory.is_dir():
        raise CheckpointError(directory, "not a checkpoint folder (no such directory)")
    path = directory / "manifest.json"
    if not path.exists():
        return {kind: {"file": name} for kind, name in DEFAULT_FILES.items()}
    try:
        manifest = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise CheckpointError(path, f"unreadable manifest: {err}") from err
    for kind in DEFAULT_FILES:
        if not isinstance(manifest.get(kind), dict) or "file" not in manifest[kind]:
            raise CheckpointError(path, f"manifest has no '{kind}' entry with a 'file'")
    return manifest


def checkpoint_files(directory: Path) -> tuple[dict, dict[str, Path]]:
    """The folder's manifest and its network files by kind ("shape", "appearance")."""
    manifest = read_manifest(directory)
    return manifest, {kind: directory / manifest[kind]["file"] for kind in DEFAULT_FILES}


def fingerprint_of(directory: Path, files: dict[str, Path]) -> str | None:
    """snapshot.fingerprint of the folder's files; None when one cannot be read (loading the
    checkpoints then says which and why)."""
    manifest = directory / "manifest.json"
    extra = [manifest] if manifest.exists() else []
    try:
        return snapshot.fingerprint([*extra, files["shape"], files["appearance"]])
    except OSError:
        return None


def read_checkpoints(files: dict[str, Path]) -> tuple:
    """The shape and appearance checkpoints of the files (models.nets.checkpoint; torch
    imported now), the appearance one checked against the shape one's classes."""
    from sketchfill.models.nets.checkpoint import load_checkpoint

    sync_torch()
    shape = load_checkpoint(files["shape"], kind="shape")
    return shape, load_checkpoint(files["appearance"], kind="appearance", classes=shape.classes)


def load_networks(files: dict[str, Path]) -> tuple[nn.Module, nn.Module]:
    """The shape and appearance networks of the files, built."""
    shape, look = read_checkpoints(files)
    return shape.build(), look.build()
