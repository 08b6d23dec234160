"""The window's command line, read before anything heavy is imported: the models it names
start loading at once (app/head_start.py) while Qt and the window are made."""

from __future__ import annotations

import argparse
from pathlib import Path

from sketchfill.app.document import worker_threads
from sketchfill.app.worker import LoadRequest
from sketchfill.gui.preferences import Preferences

DEFAULT_TIMEOUT_S = 300.0  # a replay on a busy 2-core CPU with the full networks stays well under


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="Sketch & Fill: draw, and see it completed and coloured.",
        epilog="Exit codes of a replay (--screenshot / --export-dir): 0 done; 1 bad input or "
        "failure (bad session file, unknown class, models that cannot be loaded, no CUDA, "
        "an output that cannot be written); 2 usage errors.",
    )
    parser.add_argument("--open", metavar="SESSION.json", type=Path, help="open a saved session")
    parser.add_argument(
        "--screenshot",
        metavar="OUT.png",
        type=Path,
        help="replay --open headless: wait for the final shadow and image, "
        "save a screenshot of the window, exit",
    )
    parser.add_argument(
        "--export-dir",
        metavar="DIR",
        type=Path,
        help="with a replay, also write sketch.png, shadow.png and image.png to DIR",
    )
    parser.add_argument(
        "--checkpoints",
        metavar="DIR",
        help="checkpoint directory (default: the shipped checkpoints/)",
    )
    parser.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda", "mps"),
        help="where the models run (default: last used, else auto)",
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="replay time limit in seconds"
    )
    parser.add_argument(
        "--no-autosave", action="store_true", help="do not autosave or offer recovery"
    )
    args = parser.parse_args(argv)
    if (args.screenshot or args.export_dir) and args.open is None:
        parser.error("--screenshot and --export-dir replay a session: give --open SESSION.json")
    return args


def models_request(args: argparse.Namespace, preferences: Preferences | None = None,
                   ) -> LoadRequest:
    """The load the window will ask its worker for (SketchController.load_models)."""
    preferences = preferences if preferences is not None else Preferences()
    return LoadRequest(args.checkpoints, window_device(args, preferences), worker_threads())


def window_device(args: argparse.Namespace, preferences: Preferences) -> str:
    """The device the window loads its models on: --device, else the one last used."""
    return args.device or preferences.device
