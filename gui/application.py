"""Application start-up: flags, QApplication (HiDPI), the window, recovery, headless replay."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType
from contextlib import contextmanager
from typing import Callable, Iterator

from PyQt5.QtCore import QCoreApplication, QStandardPaths, Qt
from PyQt5.QtGui import QIcon
from PyQt5.QtWidgets import QApplication

from sketchfill.app import session
from sketchfill.app.autosave import Autosave
from sketchfill.app.bundled import resource
from sketchfill.app.desktop_entry import APP_ID
from sketchfill.app.session import SessionError
from sketchfill.app.worker import EngineLike, InferenceThread, LoadRequest, load_engine
from sketchfill.gui.controller import SketchController
from sketchfill.gui.dialogs import Dialogs
from sketchfill.gui.main_window import MainWindow
from sketchfill.gui.preferences import APPLICATION, ORGANISATION, Preferences
from sketchfill.gui.replay import EXIT_FAILED, HeadlessDialogs, Replay

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


def application(argv: list[str] | None = None) -> QApplication:
    """The process's QApplication, created with HiDPI scaling on if it does not exist yet."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    QCoreApplication.setAttribute(Qt.AA_EnableHighDpiScaling, True)
    QCoreApplication.setAttribute(Qt.AA_UseHighDpiPixmaps, True)
    app = QApplication(list(argv or [sys.argv[0]]))
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setDesktopFileName(APP_ID)  # Wayland: the launcher's entry (app/desktop_entry.py)
    app.setWindowIcon(QIcon(str(resource("icon.png"))))
    return app


def autosave_dir() -> Path:
    """The per-user data directory (QStandardPaths.AppDataLocation)."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.AppDataLocation))


def build_window(
    checkpoints: str | None,
    device: str,
    preferences: Preferences,
    autosave: Autosave | None = None,
    factory: Callable[[LoadRequest], EngineLike] = load_engine,
    persist: bool = True,
    dialogs: Dialogs | None = None,
) -> MainWindow:
    """Window + controller + worker thread; the models start loading in the background at once."""
    inference = InferenceThread(factory)
    controller = SketchController(inference, k=preferences.completions)
    window = MainWindow(controller, preferences, autosave, dialogs, persist)
    inference.start()
    controller.load_models(checkpoints, device)
    return window


def _headless_default(args: argparse.Namespace) -> None:
    """A replay needs no screen: use the offscreen platform when there is no display."""
    replay = args.screenshot is not None or args.export_dir is not None
    if replay and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def run_gui(argv: list[str] | None = None) -> int:
    """Start the app (or a headless replay with --screenshot / --export-dir); the exit code."""
    args = parse_args(argv)
    _headless_default(args)
    app = application()
    replaying = args.screenshot is not None or args.export_dir is not None
    try:
        opened = session.load_with_view(args.open) if args.open else None
    except SessionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED if replaying else _start_interactive(app, args, None, str(exc))
    if replaying:
        return _replay(app, args, opened)
    return _start_interactive(app, args, opened, None)


ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


@contextmanager
def excepthook(hook: ExceptHook) -> Iterator[None]:
    """Route exceptions raised in slots to `hook` (PyQt5 would abort) while the loop runs."""
    previous, sys.excepthook = sys.excepthook, hook
    try:
        yield
    finally:
        sys.excepthook = previous


def report_and_continue(window: MainWindow) -> ExceptHook:
    """A bug in a slot must not lose the drawing: print, tell the artist, autosave, go on."""

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        traceback.print_exception(kind, value, tb)
        window.show_message(f"Internal error (details on the console): {kind.__name__}: {value}", 0)
        if window.autosave is not None:
            window.autosave.write_now()

    return hook


def _device(args: argparse.Namespace, preferences: Preferences) -> str:
    if args.device:
        preferences.device = args.device
        return args.device
    return preferences.device


def _replay(app: QApplication, args: argparse.Namespace, opened) -> int:
    preferences = Preferences()
    window = build_window(
        args.checkpoints, args.device or preferences.device, preferences, persist=False,
        dialogs=HeadlessDialogs(),
    )
    replay = Replay(window, args.screenshot, args.export_dir, args.timeout)
    replay.finished.connect(app.exit)

    def fail(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        traceback.print_exception(kind, value, tb)
        app.exit(1)

    with excepthook(fail):
        window.show()
        replay.start(*opened)
        code = app.exec_()
    window.close()
    return code


def _start_interactive(
    app: QApplication, args: argparse.Namespace, opened, error: str | None
) -> int:
    preferences = Preferences()
    autosave = None if args.no_autosave else Autosave(autosave_dir())
    window = build_window(args.checkpoints, _device(args, preferences), preferences, autosave)
    window.show()
    if error is not None:
        window.dialogs.error("Cannot open session", error)
    show_first_sketch(window, opened, args.open)
    with excepthook(report_and_continue(window)):
        return app.exec_()


def show_first_sketch(window: MainWindow, opened, path: Path | None) -> None:
    """The drawing a crash left is offered first, also when a session is opened at start: the
    next autosave would overwrite it. Recovered, it is shown and the session is not opened."""
    recovered = window.autosave is not None and window.autosave.offer_recovery(window.dialogs)
    if opened is None or path is None:
        return
    if recovered:
        window.show_message(
            f"Showing the recovered sketch; {path.name} was not opened (File ▸ Open Session…)", 0
        )
        return
    window.show_document(*opened)
    window.files.set_path(path)


def main(argv: list[str] | None = None) -> int:
    return run_gui(argv)


if __name__ == "__main__":
    sys.exit(main())
