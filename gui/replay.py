"""Headless replay: open a session, wait for the shadow and image of its final state, save a
screenshot of the window (and optionally sketch.png, shadow.png, image.png), then exit.

Exit codes, as for the command line: 0 done; 1 bad input or failure (bad session file, unknown
class, models that cannot be loaded, no CUDA, an update that failed or timed out, an output
that cannot be written); 2 usage errors.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PyQt5.QtCore import QObject, QTimer, pyqtSignal

from sketchfill.app.document import Sketch, rasterise_as_drawn
from sketchfill.app.files import save_png, write_bytes
from sketchfill.app.session import View
from sketchfill.app.worker import InferenceResult
from sketchfill.gui.main_window import MainWindow
from sketchfill.gui.qimage import png_bytes

EXIT_OK = 0
EXIT_FAILED = 1  # bad input or failure; the reason is one "error: ..." line on stderr
EXIT_USAGE = 2


class HeadlessDialogs:
    """The window's questions during a replay: nobody is there to answer, so nothing is asked
    (a modal box would hold the replay until its time limit); messages go to stderr."""

    def save_path(self, *_) -> None:
        return None

    open_path = directory = save_path

    def error(self, title: str, text: str) -> None:
        print(f"note: {title}: {text}", file=sys.stderr)

    def confirm(self, *_) -> bool:
        return False

    def unsaved(self, *_) -> str:
        return "cancel"

    def about(self, _info) -> None:
        return None


class Replay(QObject):
    finished = pyqtSignal(int)  # exit code

    def __init__(self, window: MainWindow, screenshot: Path | None, export_dir: Path | None,
                 timeout_s: float) -> None:  # fmt: skip
        super().__init__(window)
        self._window = window
        self._screenshot = screenshot
        self._export_dir = export_dir
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.setInterval(int(timeout_s * 1000))
        self._timeout.timeout.connect(self._on_timeout)
        self._done = False

    def start(self, sketch: Sketch, view: View = View()) -> None:
        c = self._window.controller
        c.result_shown.connect(self._on_result)
        c.blank_shown.connect(self._on_blank)
        c.engine_failed.connect(
            lambda msg: self._fail(EXIT_FAILED, f"cannot load the models: {msg}")
        )
        c.update_failed.connect(self._on_update_failed)
        c.message.connect(lambda text: print(f"note: {text}", file=sys.stderr))
        c.unknown_class.connect(
            lambda name: self._fail(EXIT_FAILED, f"class {name!r} of the session is unknown")
        )
        c.reset(sketch, view)
        self._timeout.start()

    def _is_final(self, seq: int) -> bool:
        c = self._window.controller
        return seq == c.sent_seq and not c.has_scheduled()  # nothing newer is on its way

    def _on_result(self, result: InferenceResult) -> None:
        if self._done or not self._is_final(result.seq):
            return
        try:
            self._write(result)
        except OSError as exc:
            self._fail(EXIT_FAILED, f"cannot write the output: {exc}")
            return
        self._finish(EXIT_OK)

    def _on_blank(self, seq: int) -> None:
        """A session without ink: the window shows blank paper, and that is what is saved."""
        if self._done or not self._is_final(seq):
            return
        sketch = self._window.controller.ink()
        blank = np.full_like(sketch, 255)
        try:
            self._save(sketch, blank, np.stack([blank] * 3, axis=-1))
        except OSError as exc:
            self._fail(EXIT_FAILED, f"cannot write the output: {exc}")
            return
        self._finish(EXIT_OK)

    def _write(self, result: InferenceResult) -> None:
        self._save(result.sketch, result.shadow, result.image)

    def _save(self, sketch: np.ndarray, shadow: np.ndarray, image: np.ndarray) -> None:
        if self._screenshot is not None:
            self._screenshot.parent.mkdir(parents=True, exist_ok=True)
            write_bytes(self._screenshot, png_bytes(self._window.grab().toImage()))
        if self._export_dir is not None:
            self._export_dir.mkdir(parents=True, exist_ok=True)
            # The sketch as Save Sketch PNG writes it: its lines as wide as drawn (the
            # networks' raster has them wider).
            save_png(self._export_dir / "sketch.png",
                     rasterise_as_drawn(self._window.controller.sketch))
            save_png(self._export_dir / "shadow.png", shadow)
            save_png(self._export_dir / "image.png", image)

    def _on_update_failed(self, seq: int, message: str) -> None:
        if self._is_final(seq):
            self._fail(EXIT_FAILED, f"the update failed: {message}")

    def _on_timeout(self) -> None:
        seconds = self._timeout.interval() / 1000
        self._fail(EXIT_FAILED, f"no result from the models within {seconds:.0f} s")

    def _fail(self, code: int, message: str) -> None:
        if not self._done:
            print(f"error: {message}", file=sys.stderr)
            self._finish(code)

    def _finish(self, code: int) -> None:
        self._done = True
        self._timeout.stop()
        # Through the event loop: a verdict reached while the replay starts (an unknown class,
        # found as the session is opened) comes before the loop runs, and an exit asked for
        # then would be lost.
        QTimer.singleShot(0, lambda: self.finished.emit(code))
