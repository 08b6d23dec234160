"""Teaching a class in the background: one QThread per run, so drawing goes on meanwhile.

The thread runs app.teaching.run on a Prepared class (checked on the UI thread) and reports
through signals: `progress` (TeachProgress), then exactly one of `taught` (the class's name;
its file is saved), `stopped` (cancelled: nothing saved) or `failed` (a readable message;
nothing saved). Only QtCore here, as in app/worker.py.
"""

from __future__ import annotations

import logging
import threading

from PyQt5.QtCore import QObject, QThread, pyqtSignal

from sketchfill.app import teaching
from sketchfill.models.training.teach import TeachCancelled, TeachConfig

log = logging.getLogger(__name__)
COMMAND = ("sketchfill", "(GUI) Classes > Teach a New Class")  # the provenance's command


class TeachThread(QThread):
    progress = pyqtSignal(object)  # TeachProgress
    taught = pyqtSignal(str)  # the class's name, saved
    stopped = pyqtSignal()  # cancelled, nothing saved
    failed = pyqtSignal(str)  # why, nothing saved

    def __init__(self, ready: teaching.Prepared, cfg: TeachConfig,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ready, self.cfg = ready, cfg
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Stop at the next training step (thread-safe)."""
        self._cancel.set()

    def run(self) -> None:
        try:
            teaching.run(self.ready, self.cfg, COMMAND, self.progress.emit, self._cancel.is_set)
        except TeachCancelled:
            self.stopped.emit()
            return
        except Exception as exc:  # boundary: any failure is told to the artist
            log.error("teaching %r failed: %s", self.ready.name, exc)
            log.debug("teaching failed", exc_info=True)
            self.failed.emit(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return
        self.taught.emit(self.ready.name)
