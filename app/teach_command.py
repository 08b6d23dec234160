"""The `teach` and `forget` commands: a new class from the user's pictures, and its removal.

    sketchfill teach NAME --images DIR|FILES... [--minutes M] [--replace]
    sketchfill forget NAME

`teach` checks everything it can before training (the name, an existing class, the pictures),
trains with a progress bar and the time left on stderr, and only then writes the class's file
(app.taught_classes), atomically: a failure, Ctrl+C or a full disk leaves nothing behind.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import torch
from tqdm import tqdm

from sketchfill.app import taught_classes as tc
from sketchfill.app.class_names import display_name
from sketchfill.app.engine import DEFAULT_FILES, SHIPPED_CHECKPOINTS, read_manifest
from sketchfill.models.data.user_pictures import enough, picture_files, read_pictures
from sketchfill.models.nets.checkpoint import load_checkpoint
from sketchfill.models.nets.class_addon import ClassAddon
from sketchfill.models.training.teach import DEFAULT_TEACH, TeachConfig, TeachProgress, teach

MAX_MINUTES = 240.0


def minutes_value(text: str) -> float:
    value = float(text)
    if not 0.1 <= value <= MAX_MINUTES:
        raise argparse.ArgumentTypeError(f"must be 0.1 to {MAX_MINUTES:g}, got {value:g}")
    return value


def checkpoint_files(directory: Path | None) -> dict[str, Path]:
    """The shape and appearance checkpoint files of a folder (the shipped ones by default)."""
    directory = Path(directory) if directory is not None else SHIPPED_CHECKPOINTS
    manifest = read_manifest(directory)
    return {kind: directory / manifest[kind]["file"] for kind in DEFAULT_FILES}


class ProgressBar:
    """A tqdm bar on stderr showing the stage and the time left of the budget."""

    def __init__(self) -> None:
        self.bar = tqdm(total=1000, file=sys.stderr, dynamic_ncols=True, leave=True,
                        bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix} left")

    def __call__(self, p: TeachProgress) -> None:
        self.bar.set_description_str(p.stage, refresh=False)
        self.bar.set_postfix_str(time.strftime("%M:%S", time.gmtime(p.seconds_left)),
                                 refresh=False)
        self.bar.update(round(p.fraction * 1000) - self.bar.n)

    def close(self) -> None:
        self.bar.close()


def cmd_teach(args: argparse.Namespace) -> int:
    """Teach a new class from your own pictures (a folder or picture files)."""
    files = checkpoint_files(args.checkpoints)
    shape_ck = load_checkpoint(files["shape"], kind="shape")
    name = tc.check_name(args.name, shape_ck.classes)
    if not args.replace and tc.find(name) is not None:
        raise tc.TaughtClassError(f"a class named {tc.find(name).name!r} is already taught; "
                                  "use --replace to teach it again")
    pictures, skipped = read_pictures(picture_files(args.images))
    for line in skipped:
        print(f"warning: skipped {line}", file=sys.stderr)
    enough(pictures, skipped)
    look = load_checkpoint(files["appearance"], kind="appearance", classes=shape_ck.classes)
    cfg = TeachConfig(minutes=args.minutes, max_steps=args.steps or 0)
    bar = ProgressBar()
    try:
        rows = teach(pictures, shape_ck.build(), look.build(), cfg, progress=bar)
    except KeyboardInterrupt:
        bar.close()
        print("stopped: the class was not taught, nothing was saved", file=sys.stderr)
        return 130
    bar.close()
    addon = ClassAddon(name, display_name(name), rows.rows, tc.checkpoint_hashes(files),
                       provenance(args, pictures, rows, cfg))
    path = tc.save(addon, replace=args.replace)
    print(f"taught {name!r} from {len(pictures)} pictures in {rows.seconds / 60:.1f} min: {path}")
    return 0


def provenance(args: argparse.Namespace, pictures, rows, cfg: TeachConfig) -> dict:
    """How the class was taught: the command, the pictures (names and hashes), the budget."""
    command = ["sketchfill", "teach", args.name, "--images", *map(str, args.images),
               "--minutes", f"{args.minutes:g}", *(["--steps", str(args.steps)] if args.steps
                                                    else []),
               *(["--replace"] if args.replace else [])]
    return {"command": command,
            "pictures": [{"name": p.name, "sha256": p.sha256} for p in pictures],
            "minutes": cfg.minutes, "seconds": round(rows.seconds, 1), "steps": rows.steps,
            "start_rows": rows.start_rows, "torch": str(torch.__version__),
            "cpu": torch.backends.cpu.get_cpu_capability(), "machine": platform.machine(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def cmd_forget(args: argparse.Namespace) -> int:
    """Remove a class you taught."""
    gone = tc.forget(args.name)
    print(f"forgot {gone.name!r}")
    return 0


def add_teach_commands(sub: argparse._SubParsersAction) -> None:
    """The `teach` and `forget` subcommands (teaching runs on the CPU, in float32)."""
    t = sub.add_parser("teach", help=cmd_teach.__doc__,
                       description=cmd_teach.__doc__ + " PNG, JPEG or WebP, on a transparent "
                       "or plain light background, at least 3; the class is saved in your data "
                       f"folder ({tc.classes_folder()}).")
    t.add_argument("name", metavar="NAME", help="the new class's name (letters, digits, spaces, "
                   "'-', '_'; not a shipped class's)")
    t.add_argument("--checkpoints", type=Path, default=None, metavar="DIR",
                   help="the networks to teach (default: the shipped checkpoints/); the class "
                        "works with these only")
    t.add_argument("--images", nargs="+", required=True, type=Path, metavar="DIR|FILE",
                   help="a folder of pictures, or picture files")
    t.add_argument("--minutes", type=minutes_value, default=DEFAULT_TEACH.minutes,
                   help=f"training time budget (default {DEFAULT_TEACH.minutes:g}; more "
                        "gives better results)")
    t.add_argument("--steps", type=int, default=None, metavar="N",
                   help="at most N training steps per stage, within the time budget (a fixed "
                        "amount of training on any CPU)")
    t.add_argument("--replace", action="store_true", help="replace a class of that name")
    t.set_defaults(func=cmd_teach)
    f = sub.add_parser("forget", help=cmd_forget.__doc__, description=cmd_forget.__doc__)
    f.add_argument("name", metavar="NAME", help="the taught class to remove")
    f.set_defaults(func=cmd_forget)
