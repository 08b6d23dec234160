"""Autosave while editing and the offer to recover after a crash (app/autosave.py does the I/O)."""

from __future__ import annotations

from typing import Callable

from PyQt5.QtCore import QObject, QTimer, pyqtSlot

from sketchfill.app.autosave import Autosave
from sketchfill.app.session import SessionError
from sketchfill.gui.controller import SketchController
from sketchfill.gui.dialogs import Dialogs

INTERVAL_MS = 5000  # at most this much drawing is lost in a crash


class AutosaveBinding(QObject):
    """Writes the sketch a few seconds after it changes; removes the file on a clean exit."""

    def __init__(self, controller: SketchController, autosave: Autosave,
                 report: Callable[[str], None]) -> None:  # fmt: skip
        super().__init__(controller)
        self.autosave = autosave
        self._controller = controller
        self._report = report
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.write_now)
        controller.undo_stack.indexChanged.connect(self._on_edit)
        self._closed = False

    @pyqtSlot(int)
    def _on_edit(self, _index: int) -> None:
        self._timer.start()

    def write_now(self) -> None:
        try:
            self.autosave.write(self._controller.sketch)
        except OSError as exc:
            self._report(f"Autosave failed: {exc}")

    def offer_recovery(self, dialogs: Dialogs) -> bool:
        """If the last run crashed, offer its autosave; True when it was recovered."""
        orphans = self.autosave.orphans()  # a live copy's autosave is never among them
        if not orphans:
            return False
        try:
            sketch = self.autosave.recover(orphans[0])
        except SessionError as exc:
            self._report(f"The autosave could not be read: {exc}")
            return False
        if not dialogs.confirm("Recover sketch", "Sketch & Fill did not close normally last time.\n"
                               f"Recover the autosaved sketch ({len(sketch.strokes)} strokes)?"):
            self.autosave.remove_orphan(orphans[0])
            return False
        self._controller.reset(sketch)
        self._controller.undo_stack.resetClean()  # recovered work is unsaved work
        self.write_now()  # now this copy's own autosave holds it, before the old file goes
        self.autosave.remove_orphan(orphans[0])
        return True

    def close_cleanly(self) -> None:
        """Stop autosaving and remove the file; a second call (a window closed twice, e.g. by
        Quit and then by its owner) does nothing."""
        if self._closed:
            return
        self._closed = True
        self._controller.undo_stack.indexChanged.disconnect(self._on_edit)  # it clears on delete
        self._timer.stop()
        self.autosave.discard()
