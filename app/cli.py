"""The command line behind `python main.py` and the `sketchfill` entry point.

    sketchfill                                   # the GUI (main.py dispatches; see wants_gui)
    sketchfill complete --class orange --input sketch.png --samples 8 --out DIR
    sketchfill render   --class orange --input outline.png --out image.png [--seed N]
    sketchfill fill     --class orange --input sketch.png --out image.png [--seed N]
    sketchfill classes

Exit codes (EXIT_CODES, shown by --help; the GUI's headless replay uses the same table): 0 done;
1 bad input or failure (missing or unreadable file, unknown class, bad checkpoints, unavailable
device, an output that cannot be written) with one line on stderr; 2 usage errors (argparse).

Starting the GUI is main.py's job, not this module's: app/ never imports gui/ (layering).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable

from sketchfill.app.engine import Engine
from sketchfill.app.runtime.calls import AUTO
from sketchfill.app.runtime.external import RUNTIMES
from sketchfill.app.files import ImageFileError, read_gray, write_image
from sketchfill.app.teach_command import add_teach_commands
from sketchfill.models.files import CheckpointError
from sketchfill.models.nets.cpu_tuning import tune_malloc

SUBCOMMANDS = ("complete", "render", "fill", "classes", "teach", "forget")
# The one exit-code table of the commands and of the GUI's headless replay (gui/replay.py).
EXIT_CODES = ("Exit codes (the commands and a replay with --screenshot / --export-dir): 0 done; "
              "1 bad input or failure (missing, unreadable or bad file, bad session file, "
              "unknown class, bad checkpoints, no CUDA, an output that cannot be written), "
              "with one 'error:' line on stderr; 2 usage errors.")


def load_engine(args: argparse.Namespace) -> Engine:
    engine = Engine.load(args.checkpoints, device=args.device,
                         runtime=getattr(args, "runtime", AUTO))
    for line in engine.skipped_classes:  # a bad taught class must not stop the shipped ones
        print(f"warning: {line}", file=sys.stderr)
    return engine


def cmd_complete(args: argparse.Namespace) -> int:
    """K completions of a partial sketch (seeds N..N+K-1) and their shadow, as PNGs in --out."""
    sketch = read_gray(args.input)
    engine = load_engine(args)
    done = engine.complete(sketch, args.class_name, range(args.seed, args.seed + args.samples))
    out = Path(args.out)
    written = [write_image(out / f"completion_{k}.png", o) for k, o in enumerate(done.outlines)]
    written.append(write_image(out / "shadow.png", done.shadow))
    remove_stale_completions(out, written)
    print("\n".join(str(p) for p in written))
    return 0


def remove_stale_completions(out: Path, written: list[Path]) -> None:
    """`complete` owns the completion_N.png files of its folder: ones left by an earlier run
    with more samples would pass for this run's."""
    for path in out.glob("completion_*.png"):
        if path not in written and path.stem.removeprefix("completion_").isdigit():
            path.unlink()


def cmd_render(args: argparse.Namespace) -> int:
    """A colour image of --class from a complete outline."""
    outline = read_gray(args.input)
    write_image(args.out, load_engine(args).render(outline, args.class_name, args.seed))
    return 0


def cmd_fill(args: argparse.Namespace) -> int:
    """Complete the sketch with seed N, then render that completion with seed N."""
    sketch = read_gray(args.input)
    engine = load_engine(args)
    outline = engine.complete(sketch, args.class_name, [args.seed]).outlines[0]
    write_image(args.out, engine.render(outline, args.class_name, args.seed))
    return 0


def cmd_classes(args: argparse.Namespace) -> int:
    print("\n".join(load_engine(args).classes))
    return 0


MAX_SAMPLES = 64  # completions per `complete` run: each one costs a network pass


def sample_count(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_SAMPLES:
        raise argparse.ArgumentTypeError(f"must be 1 to {MAX_SAMPLES}, got {value}")
    return value


def engine_options() -> argparse.ArgumentParser:
    """--checkpoints / --device, shared by every subcommand."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--checkpoints", type=Path, default=None, metavar="DIR",
                   help="checkpoint directory (default: the shipped checkpoints/)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                   help="where the networks run (default auto: CUDA if present, else CPU)")
    p.add_argument("--runtime", choices=(AUTO, *RUNTIMES), default=AUTO,
                   help="what runs the networks (default auto: the one the app measured "
                        "fastest on this computer, else torch eager float32)")
    return p


def add_command(sub: argparse._SubParsersAction, name: str, func: Callable, out_help: str,
                what: str = "sketch") -> argparse.ArgumentParser:
    p = sub.add_parser(name, parents=[engine_options()], help=func.__doc__.splitlines()[0],
                       description=func.__doc__)
    p.add_argument("--class", dest="class_name", required=True, metavar="NAME",
                   help="object class (see the `classes` command)")
    p.add_argument("--input", required=True, type=Path, metavar=f"{what.upper()}.png",
                   help=f"the {what}: any image, dark ink on light paper")
    p.add_argument("--out", required=True, type=Path, help=out_help)
    p.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    p.set_defaults(func=func)
    return p


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sketchfill", description="Sketch & Fill: complete a partial sketch, then colour it. "
        "Without a command the GUI starts (its flags: --open SESSION.json, --screenshot OUT.png, "
        "--export-dir DIR, --checkpoints DIR, --device X). Also --version, and on Linux "
        "--install-desktop / --uninstall-desktop (the launcher; see `--version --help`).",
        epilog=EXIT_CODES)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    c = add_command(sub, "complete", cmd_complete, "directory for completion_K.png and shadow.png")
    c.add_argument("--samples", type=sample_count, default=8, metavar="K",
                   help=f"number of completions, 1 to {MAX_SAMPLES} (default 8; seeds are "
                        "SEED..SEED+K-1)")
    add_command(sub, "render", cmd_render, "the image to write (.png)", what="outline")
    add_command(sub, "fill", cmd_fill, "the image to write (.png)")
    classes = sub.add_parser("classes", parents=[engine_options()], help="list class names",
                             description="Print the class names, one per line: the "
                             "checkpoints' own, then those you taught.")
    classes.set_defaults(func=cmd_classes)
    add_teach_commands(sub)
    return p


def wants_gui(argv: list[str]) -> bool:
    """No command: nothing at all, or only flags (GUI flags such as --open), but not --help."""
    return not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help"))


def one_line(err: BaseException) -> str:
    """The message on one line (some torch errors span many), capped for a terminal."""
    text = "; ".join(line.strip() for line in str(err).splitlines() if line.strip())
    text = text or type(err).__name__
    return text if len(text) <= 400 else text[:397] + "..."


def main(argv: list[str] | None = None) -> int:
    """The headless commands; without one, a usage error (main.py sends that case to the GUI)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    tune_malloc()  # torch, where a command loads it, keeps its own thread count
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:          # argparse: 2 for usage errors, 0 after --help
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        return args.func(args)
    except (ImageFileError, CheckpointError, ValueError) as err:
        print(f"error: {one_line(err)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:              # `classes | head`: the reader left; not an error
        # Point stdout at devnull so that Python's exit-time flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
