"""Helpers for the GUI tests: synthetic mouse/tablet events, scripted dialogs, a real window
on the tiny checkpoints. (Offscreen Qt delivers no move events from qtbot.mouseMove, so events
are built and sent with QApplication.sendEvent.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt5.QtCore import QEvent, QPoint, QPointF, QSettings, Qt
from PyQt5.QtGui import QMouseEvent, QTabletEvent, QWheelEvent
from PyQt5.QtWidgets import QApplication

from sketchfill.app.autosave import Autosave
from sketchfill.app.worker import load_engine
from sketchfill.gui.application import build_window
from sketchfill.gui.canvas import Canvas
from sketchfill.gui.main_window import MainWindow
from sketchfill.gui.preferences import Preferences

WAIT_MS = 30000


class ScriptedDialogs:
    """Answers the window's questions from fields set by the test; records errors."""

    def __init__(self) -> None:
        self.paths: list[str] = []  # returned by save_path/open_path/directory, in order
        self.confirm_answer = True
        self.unsaved_answer: str | None = None  # Save/Discard/Cancel; None: from confirm_answer
        self.unsaved_asked: list[str] = []  # titles of the Save/Discard/Cancel prompts
        self.errors: list[tuple[str, str]] = []
        self.about_calls = 0
        self.started_in: list[str] = []  # where each file dialog started (folder or path)

    def save_path(self, _title: str, _filter: str = "", start: str = "") -> str | None:
        self.started_in.append(start)
        return self.paths.pop(0) if self.paths else None

    def directory(self, _title: str, start: str = "") -> str | None:
        return self.save_path(_title, "", start)

    open_path = save_path

    def error(self, title: str, text: str) -> None:
        self.errors.append((title, text))

    def confirm(self, *_) -> bool:
        return self.confirm_answer

    def unsaved(self, title: str, _text: str) -> str:
        self.unsaved_asked.append(title)
        if self.unsaved_answer is not None:
            return self.unsaved_answer
        return "discard" if self.confirm_answer else "cancel"

    def about(self, _info) -> None:
        self.about_calls += 1


def widget_pos(canvas: Canvas, x: float, y: float) -> QPointF:
    return canvas.to_widget(QPointF(x, y))


def mouse(
    canvas: Canvas, kind: QEvent.Type, x: float, y: float, button=Qt.LeftButton, buttons=None
) -> None:
    held = button if buttons is None else buttons
    event = QMouseEvent(kind, widget_pos(canvas, x, y), button, held, Qt.NoModifier)
    QApplication.sendEvent(canvas, event)


def drag(canvas: Canvas, points: list[tuple[float, float]], button=Qt.LeftButton) -> None:
    """Press, move through `points` (canvas coordinates), release."""
    mouse(canvas, QEvent.MouseButtonPress, *points[0], button)
    for x, y in points[1:]:
        mouse(canvas, QEvent.MouseMove, x, y, Qt.NoButton, button)
    mouse(canvas, QEvent.MouseButtonRelease, *points[-1], button, Qt.NoButton)


def tablet(canvas: Canvas, kind: QEvent.Type, x: float, y: float, pressure: float,
           pointer=QTabletEvent.Pen) -> bool:  # fmt: skip
    pos = widget_pos(canvas, x, y)
    button = Qt.NoButton if kind == QEvent.TabletMove else Qt.LeftButton
    buttons = Qt.NoButton if kind == QEvent.TabletRelease else Qt.LeftButton
    event = QTabletEvent(
        kind,
        pos,
        canvas.mapToGlobal(pos.toPoint()),
        QTabletEvent.Stylus,
        pointer,
        pressure,
        0,
        0,
        0.0,
        0.0,
        0,
        Qt.NoModifier,
        1,
        button,
        buttons,
    )
    QApplication.sendEvent(canvas, event)
    return event.isAccepted()


def tablet_stroke(
    canvas: Canvas, points: list[tuple[float, float, float]], pointer=QTabletEvent.Pen
) -> None:
    tablet(canvas, QEvent.TabletPress, *points[0], pointer)
    for p in points[1:-1]:
        tablet(canvas, QEvent.TabletMove, *p, pointer)
    tablet(canvas, QEvent.TabletRelease, *points[-1], pointer)


def wheel(canvas: Canvas, steps: int, modifiers=Qt.NoModifier) -> None:
    pos = widget_pos(canvas, 100, 100)
    event = QWheelEvent(
        pos,
        canvas.mapToGlobal(pos.toPoint()),
        QPoint(),
        QPoint(0, 120 * steps),
        Qt.NoButton,
        modifiers,
        Qt.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(canvas, event)


def wait_idle(qtbot, window: MainWindow) -> None:
    """Until the result for the newest request is on screen."""
    c = window.controller

    def settled() -> bool:
        return (
            c.is_idle() and c.sent_seq > 0 and c.result is not None and c.result.seq == c.sent_seq
        )

    qtbot.waitUntil(settled, timeout=WAIT_MS)


def make_window(qtbot, tmp_path: Path, checkpoints: Path, wait_loaded: bool = True,
                factory=load_engine) -> MainWindow:  # fmt: skip
    settings = QSettings(str(tmp_path / "prefs.ini"), QSettings.IniFormat)
    window = build_window(str(checkpoints), "cpu", Preferences(settings),
                          Autosave(tmp_path / "data"), factory=factory, dialogs=ScriptedDialogs(),
                          persist=False)
    qtbot.addWidget(window)
    window.resize(900, 500)
    window.show()
    if wait_loaded:
        qtbot.waitUntil(lambda: window.controller.info is not None, timeout=WAIT_MS)
    return window


@pytest.fixture
def window(qtbot, tmp_path, tiny_checkpoint_dir) -> MainWindow:
    return make_window(qtbot, tmp_path, tiny_checkpoint_dir)


def crash_leaving_autosave(directory: Path, sketch) -> None:
    """A real copy of the app's autosave in another process that dies without cleaning up."""
    import subprocess
    import sys

    from sketchfill.app import session

    script = (
        "import os, sys\n"
        "from app import session\n"
        "from app.autosave import Autosave\n"
        "Autosave(sys.argv[1]).write(session.loads(sys.stdin.read()))\n"
        "os._exit(3)\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", script, str(directory)], cwd=root,
                          input=session.dumps(sketch), text=True, timeout=120)
    assert done.returncode == 3
