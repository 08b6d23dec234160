"""Sketch & Fill: `sketchfill` (or `python main.py` in a clone) opens the GUI; `--help` lists the
headless commands (complete, render, fill, classes), which live in app/cli.py; `--version` and
the desktop launcher's flags live in app/program_flags.py.

This module sits above app/ and gui/ and is the one place that chooses between them, so app/
never imports gui/ (see tests/test_layering.py).
"""
from __future__ import annotations

import sys

from sketchfill.app import cli, program_flags
from sketchfill.models.nets.cpu_tuning import tune_malloc


def run_gui(argv: list[str]) -> int:
    """Start the GUI, imported only now so the headless commands never need Qt. The models
    start loading first, on a thread of their own, while Qt and the window are made
    (app/head_start.py)."""
    try:
        from sketchfill.app.head_start import HeadStart
        from sketchfill.gui.arguments import models_request, parse_args
    except ImportError as err:
        return _no_gui(err)
    head = HeadStart(models_request(parse_args(argv)))  # usage errors exit before any load
    try:
        try:
            from sketchfill.gui.application import run_gui as gui_main
        except ImportError as err:
            return _no_gui(err)
        return int(gui_main(argv, head.factory) or 0)
    finally:
        head.settle()


def _no_gui(err: ImportError) -> int:
    print(f"error: the GUI is not available ({err}); the headless commands still work: "
          f"{', '.join(cli.SUBCOMMANDS)} (see --help)", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if program_flags.wanted(argv):    # --version, --install-desktop, ...
        return program_flags.main(argv)
    if not cli.wants_gui(argv):
        return cli.main(argv)
    tune_malloc()  # torch keeps its own thread count: the app may not even import it
    return run_gui(argv)


if __name__ == "__main__":
    raise SystemExit(main())
