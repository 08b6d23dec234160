"""Autosave while editing and the offer to recover after a crash (app/autosave.py does the I/O)."""

from __future__ import annotations

import time
from typing import Callable

from PyQt5.QtCore import QObject, QTimer, pyqtSlot

from sketchfill.app.autosave import Autosave, SaveSchedule, SaveTiming
from sketchfill.app.document import Sketch
from sketchfill.app.session import SessionError, View
from sketchfill.gui.controller import SketchController
from sketchfill.gui.dialogs import Dialogs

Clock = Callable[[], float]  # seconds, monotonic


def strokes_text(count: int) -> str:
    return f"{count} stroke" if count == 1 else f"{count} strokes"


class AutosaveBinding(QObject):
    """Writes the sketch and its view once the artist pauses, and while they keep drawing at
    least every SaveTiming.max_s; removes the file when the drawing is saved, discarded or the
    window closes cleanly."""

    def __init__(self, controller: SketchController, autosave: Autosave,
                 report: Callable[[str], None], view: Callable[[], View] | None = None,
                 restore: Callable[[Sketch, View], None] | None = None,
                 timing: SaveTiming = SaveTiming(),
                 clock: Clock = time.monotonic) -> None:  # fmt: skip
        super().__init__(controller)
        self.autosave = autosave
        self.schedule = SaveSchedule(timing)
        self._controller = controller
        self._report = report
        self._view = view or controller.view
        self._restore = restore or controller.reset
        self._clock = clock
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.check_due)
        controller.undo_stack.indexChanged.connect(self._on_edit)
        controller.overlay_changed.connect(self._on_edit)  # the chosen completion, the shadow
        controller.replaced.connect(self._on_replaced)
        self._closed = False

    def _on_edit(self, _change: object = None) -> None:
        if self._closed:
            return
        self.schedule.changed(self._clock())
        self.check_due()

    def mark_changed(self) -> None:
        """Something the autosave keeps changed outside the undo stack (the brush size)."""
        self._on_edit()

    @pyqtSlot()
    def check_due(self) -> None:
        """Write when the schedule says so, else wait until it will (the timer's slot)."""
        now, deadline = self._clock(), self.schedule.deadline()
        if deadline is None:
            return
        if now >= deadline:
            self.write_now()
        else:
            self._timer.start(max(1, round((deadline - now) * 1000)))

    @pyqtSlot()
    def _on_replaced(self) -> None:
        """New, Open or recovery: the drawing before is saved or discarded, so its autosave
        goes at once (a crash must not bring back a drawing the artist threw away)."""
        self.schedule.saved()
        self._timer.stop()
        self.autosave.clear()

    def write_now(self) -> None:
        self.schedule.saved()
        self._timer.stop()
        c = self._controller
        try:
            if not c.sketch.strokes and c.undo_stack.isClean():
                self.autosave.clear()  # an untouched empty page: nothing to recover
            else:
                self.autosave.write(c.sketch, self._view())
        except OSError as exc:
            self._report(f"Autosave failed: {exc}")

    def offer_recovery(self, dialogs: Dialogs) -> bool:
        """If the last run crashed, offer its autosave; True when it was recovered."""
        orphans = self.autosave.orphans()  # a live copy's autosave is never among them
        if not orphans:
            return False
        try:
            sketch, view = self.autosave.recover_with_view(orphans[0])
        except SessionError as exc:
            self._report(f"The autosave could not be read: {exc}")
            return False
        if not sketch.strokes:  # nothing drawn: nothing worth a question
            self.autosave.remove_orphan(orphans[0])
            return False
        count = strokes_text(len(sketch.strokes))
        if not dialogs.confirm("Recover sketch", "Sketch & Fill did not close normally last time.\n"
                               f"Recover the autosaved sketch ({count})?"):
            self.autosave.remove_orphan(orphans[0])
            return False
        self._restore(sketch, view)
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
