"""The `teach` and `forget` commands: a new class from the user's pictures, and its removal.

    sketchfill teach NAME --images DIR|FILES... [--minutes M] [--steps N] [--replace]
    sketchfill forget NAME

`teach` checks everything it can before training (the name, an existing class, the pictures;
app.teaching.prepare), trains with a progress bar and the time left on stderr, and only then
writes the class's file, atomically: a failure, Ctrl+C or a full disk leaves nothing behind.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tqdm import tqdm

from sketchfill.app import taught_classes as tc
from sketchfill.models.training.teach_config import DEFAULT_TEACH, TeachConfig, TeachProgress

MAX_MINUTES = 240.0


def minutes_value(text: str) -> float:
    value = float(text)
    if not 0.1 <= value <= MAX_MINUTES:
        raise argparse.ArgumentTypeError(f"must be 0.1 to {MAX_MINUTES:g}, got {value:g}")
    return value


def steps_value(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


class ProgressBar:
    """A tqdm bar on stderr showing the stage and the time left of the budget."""

    def __init__(self) -> None:
        self.bar = tqdm(total=1000, file=sys.stderr, dynamic_ncols=True, leave=True,
                        bar_format="{desc} {percentage:3.0f}%|{bar}|")

    def __call__(self, p: TeachProgress) -> None:
        left = time.strftime("%M:%S", time.gmtime(p.seconds_left))
        self.bar.set_description_str(f"{p.stage}, {left} left:", refresh=False)
        self.bar.update(round(p.fraction * 1000) - self.bar.n)

    def close(self) -> None:
        self.bar.close()


def command_of(args: argparse.Namespace) -> list[str]:
    """The command as an argument list, for the class's provenance."""
    return ["sketchfill", "teach", args.name, "--images", *map(str, args.images),
            "--minutes", f"{args.minutes:g}",
            *(["--steps", str(args.steps)] if args.steps else []),
            *(["--replace"] if args.replace else [])]


def cmd_teach(args: argparse.Namespace) -> int:
    """Teach a new class from your own pictures (a folder or picture files)."""
    from sketchfill.app import teaching  # torch: imported by this command only

    ready = teaching.prepare(args.name, args.images, args.checkpoints, args.replace)
    for line in ready.skipped:
        print(f"warning: skipped {line}", file=sys.stderr)
    cfg = TeachConfig(minutes=args.minutes, max_steps=args.steps or 0)
    bar = ProgressBar()
    try:
        path = teaching.run(ready, cfg, command_of(args), progress=bar)
    except KeyboardInterrupt:
        bar.close()
        print("stopped: the class was not taught, nothing was saved", file=sys.stderr)
        return 130
    finally:
        bar.close()  # before any error line
    print(f"taught {ready.name!r} from {len(ready.pictures)} pictures: {path}")
    return 0


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
    t.add_argument("--steps", type=steps_value, default=None, metavar="N",
                   help="at most N training steps per stage, within the time budget (a fixed "
                        "amount of training on any CPU)")
    t.add_argument("--replace", action="store_true", help="replace a class of that name")
    t.set_defaults(func=cmd_teach)
    f = sub.add_parser("forget", help=cmd_forget.__doc__, description=cmd_forget.__doc__)
    f.add_argument("name", metavar="NAME", help="the taught class to remove")
    f.set_defaults(func=cmd_forget)
