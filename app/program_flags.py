"""The program's own flags, beside the commands (app/cli.py) and the GUI:

    sketchfill --version [--checkpoints DIR] [--device X]   # program, torch, device, runtime
    sketchfill --install-desktop                             # Linux launcher (app/desktop_entry.py)
    sketchfill --uninstall-desktop

Exit codes as the commands': 0 done, 1 failure with one `error: ...` line, 2 usage errors.
"""
from __future__ import annotations

import argparse
import platform
import sys

from sketchfill.app import cli, desktop_entry
from sketchfill.app.engine import Engine
from sketchfill.models.files import CheckpointError
from sketchfill.version import __version__

FLAGS = ("--version", "--install-desktop", "--uninstall-desktop")


def wanted(argv: list[str]) -> bool:
    """One of these flags anywhere: they take the place of a command or of the GUI."""
    return any(arg in FLAGS for arg in argv)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sketchfill", parents=[cli.engine_options()],
                                description="Sketch & Fill's version and desktop launcher.",
                                epilog=cli.EXIT_CODES)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--version", action="store_true",
                   help="print the version, torch's, and the device and runtime the networks "
                        "run on (loads them; --checkpoints and --device apply)")
    g.add_argument("--install-desktop", action="store_true",
                   help="Linux: add the app to the desktop's application menu (a .desktop entry "
                        "and the icon in $XDG_DATA_HOME, default ~/.local/share)")
    g.add_argument("--uninstall-desktop", action="store_true",
                   help="Linux: remove that entry and icon")
    return p


def runtime_line(engine: Engine) -> str:
    """Where and how the networks run, e.g. "device cpu, runtime torch"."""
    return f"device {engine.device}, runtime {getattr(engine, 'runtime', 'torch')}"


def show_version(args: argparse.Namespace) -> int:
    import torch

    from sketchfill.app.runtime.cpu import cpu_facts

    # The version lines come first, so that they show even when the networks fail to load.
    print(f"sketchfill {__version__}\ntorch {torch.__version__}, "
          f"Python {platform.python_version()}", flush=True)
    engine = cli.load_engine(args)
    print(runtime_line(engine))
    if str(engine.device) == "cpu":
        print(cpu_facts().line())
    return 0


def install_desktop() -> int:
    files = desktop_entry.install()
    print(f"installed the launcher: {files.entry}\nand its icon: {files.icon}")
    return 0


def uninstall_desktop() -> int:
    removed = desktop_entry.uninstall()
    files = desktop_entry.launcher_files()
    print("\n".join(f"removed {path}" for path in removed)
          or f"no launcher to remove (none at {files.entry})")
    return 0


def main(argv: list[str]) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:          # argparse: 2 for usage errors, 0 after --help
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        if args.version:
            return show_version(args)
        return install_desktop() if args.install_desktop else uninstall_desktop()
    except (desktop_entry.DesktopEntryError, CheckpointError, ValueError, OSError) as err:
        print(f"error: {cli.one_line(err)}", file=sys.stderr)
        return 1
