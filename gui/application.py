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
from sketchfill.app.worker import Factory, InferenceThread, load_engine
from sketchfill.gui.arguments import parse_args, window_device
from sketchfill.gui.controller import SketchController
from sketchfill.gui.dialogs import Dialogs
from sketchfill.gui.main_window import MainWindow
from sketchfill.gui.preferences import APPLICATION, ORGANISATION, Preferences
from sketchfill.gui.replay import EXIT_FAILED, HeadlessDialogs, Replay

# How long a Python thread may hold the GIL while another waits for it (Python's default: 5 ms).
# The worker and its outline threads run Python between the runtimes' calls; with three of
# them waiting their turns, the UI thread could wait several 5 ms slices for a pen event.
# `gui.ui_bench`, seven runs each, alternating: largest stall 5.1-11.6 ms (median 7.7) at
# 5 ms, 4.2-8.5 ms (median 6.2) at 1 ms; pen-to-shadow p90 77-140 ms against 74-94.
GIL_SWITCH_S = 0.001


def application(argv: list[str] | None = None) -> QApplication:
    """The process's QApplication, created with HiDPI scaling on if it does not exist yet."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    sys.setswitchinterval(GIL_SWITCH_S)  # the UI thread's turn comes sooner
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
    factory: Factory = load_engine,
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


def run_gui(argv: list[str] | None = None, factory: Factory = load_engine) -> int:
    """Start the app (or a headless replay with --screenshot / --export-dir); the exit code.
    `factory` loads the models in the worker (a HeadStart's, when they started loading
    before the window was made)."""
    args = parse_args(argv)
    _headless_default(args)
    app = application()
    replaying = args.screenshot is not None or args.export_dir is not None
    try:
        opened = session.load_with_view(args.open) if args.open else None
    except SessionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return (EXIT_FAILED if replaying
                else _start_interactive(app, args, None, str(exc), factory))
    if replaying:
        return _replay(app, args, opened, factory)
    return _start_interactive(app, args, opened, None, factory)


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
    """window_device(), a --device kept as the one last used."""
    if args.device:
        preferences.device = args.device
    return window_device(args, preferences)


def _replay(app: QApplication, args: argparse.Namespace, opened, factory: Factory) -> int:
    preferences = Preferences()
    window = build_window(
        args.checkpoints, window_device(args, preferences), preferences, factory=factory,
        persist=False, dialogs=HeadlessDialogs(),
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
    app: QApplication, args: argparse.Namespace, opened, error: str | None, factory: Factory
) -> int:
    preferences = Preferences()
    autosave = None if args.no_autosave else Autosave(autosave_dir())
    window = build_window(args.checkpoints, _device(args, preferences), preferences, autosave,
                          factory)
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
