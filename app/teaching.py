"""Teaching a class end to end, for the command line and the GUI alike: every check that can
fail before training (prepare), then training and the atomic save of the class (run).

    ready = prepare("mushroom", ["pictures/"], checkpoint_dir=None, replace=False)
    path = run(ready, TeachConfig(minutes=8), command=[...], progress=print)
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import torch

from sketchfill.app import taught_classes as tc
from sketchfill.app.class_names import display_name
from sketchfill.app.checkpoint_folder import DEFAULT_FILES, SHIPPED_CHECKPOINTS, read_manifest
from sketchfill.models.data.outline_bank import DEFAULT_BANK, Outline, skeleton_outline
from sketchfill.models.data.user_pictures import Picture, enough, picture_files, read_pictures
from sketchfill.models.nets.checkpoint import load_checkpoint
from sketchfill.models.nets.class_addon import ClassAddon
from sketchfill.models.training.teach import TaughtRows, TeachConfig, TeachProgress, teach


@dataclass(frozen=True)
class Prepared:
    """A class ready to be taught: its checked name, readable pictures and the networks."""

    name: str
    pictures: tuple[Picture, ...]
    skipped: tuple[str, ...]          # one message per picture file that cannot be used
    files: dict[str, Path]            # "shape" / "appearance" checkpoint files
    replace: bool                     # an existing class of that name may be replaced


def checkpoint_files(directory: str | Path | None) -> dict[str, Path]:
    """The shape and appearance checkpoint files of a folder (the shipped ones by default)."""
    directory = Path(directory) if directory is not None else SHIPPED_CHECKPOINTS
    manifest = read_manifest(directory)
    return {kind: directory / manifest[kind]["file"] for kind in DEFAULT_FILES}


def shipped_classes(files: dict[str, Path]) -> tuple[str, ...]:
    return load_checkpoint(files["shape"], kind="shape").classes


def check_new(name: str, files: dict[str, Path], replace: bool) -> str:
    """The checked name; TaughtClassError for a bad name, or one taught without `replace`."""
    name = tc.check_name(name, shipped_classes(files))
    found = tc.find(name)
    if found is not None and not replace:
        raise tc.TaughtClassError(f"a class named {found.name!r} is already taught; "
                                  "use --replace to teach it again")
    return name


def prepare(name: str, images: Sequence[str | Path], checkpoint_dir: str | Path | None,
            replace: bool) -> Prepared:
    """Everything checked before training; ValueError subclasses say what is wrong."""
    files = checkpoint_files(checkpoint_dir)
    name = check_new(name, files, replace)
    pictures, skipped = read_pictures(picture_files(images))
    enough(pictures, skipped)
    return Prepared(name, tuple(pictures), tuple(skipped), files, replace)


def run(ready: Prepared, cfg: TeachConfig, command: Sequence[str],
        progress: Callable[[TeachProgress], None] | None = None,
        cancelled: Callable[[], bool] | None = None) -> Path:
    """Teach and save the class (atomically); its file. TeachCancelled or KeyboardInterrupt
    leave nothing behind."""
    shape = load_checkpoint(ready.files["shape"], kind="shape")
    look = load_checkpoint(ready.files["appearance"], kind="appearance", classes=shape.classes)
    rows = teach(ready.pictures, shape.build(), look.build(), cfg, progress, cancelled)
    addon = ClassAddon(ready.name, display_name(ready.name), rows.rows,
                       tc.checkpoint_hashes(ready.files), provenance(command, ready, rows, cfg),
                       rows.head, picture_outlines(ready.pictures))
    return tc.save(addon, replace=ready.replace)


def picture_outlines(pictures: Sequence[Picture]) -> tuple[Outline, ...]:
    """The pictures' derived outlines as polylines, as the shipped outline bank holds them."""
    found = (skeleton_outline(p.derived.skeleton, DEFAULT_BANK) for p in pictures)
    return tuple(o for o in found if o)


def provenance(command: Sequence[str], ready: Prepared, rows: TaughtRows,
               cfg: TeachConfig) -> dict:
    """How the class was taught: the command, the pictures (names and hashes), the budget."""
    return {"command": list(command),
            "pictures": [{"name": p.name, "sha256": p.sha256} for p in ready.pictures],
            "minutes": cfg.minutes, "max_steps": cfg.max_steps,
            "seconds": round(rows.seconds, 1), "steps": dict(rows.steps),
            "start_rows": dict(rows.start_rows), "torch": str(torch.__version__),
            "cpu": torch.backends.cpu.get_cpu_capability(), "machine": platform.machine(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
