"""The Classes menu: teach a new class from pictures, remove one; taught classes in the picker.

After a class is taught or removed the models are loaded again (the engine installs the
taught classes at load); a newly taught class is then selected. Taught classes are marked in
the class picker as the user's own, and taught classes that could not be installed are named
in the status bar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from PyQt5.QtCore import QObject, Qt
from PyQt5.QtWidgets import QAction, QComboBox, QInputDialog, QMainWindow

from sketchfill.app import taught_classes as tc
from sketchfill.app.worker import EngineInfo
from sketchfill.gui.controller import SketchController
from sketchfill.gui.dialogs import Dialogs

if TYPE_CHECKING:
    from sketchfill.gui.teach_dialog import TeachDialog

OWN_MARK = " ★"  # after a taught class's name in the picker
Picker = Callable[[list[str]], str | None]  # which taught class to remove; None = cancelled


class ClassCommands(QObject):
    def __init__(self, window: QMainWindow, controller: SketchController, dialogs: Dialogs,
                 picker: QComboBox, show_message: Callable[[str], None]) -> None:
        super().__init__(window)
        self.window, self.controller, self.dialogs = window, controller, dialogs
        self.picker, self.show_message = picker, show_message
        self.teach = QAction("&Teach a New Class…", window)
        self.teach.setStatusTip("Teach the app an object from your own pictures")
        self.remove = QAction("&Remove a Taught Class…", window)
        self.remove.setStatusTip("Remove a class you taught")
        self.teach.triggered.connect(self.open_teach_dialog)
        self.remove.triggered.connect(self.remove_class)
        self.choose_to_remove: Picker = self._ask_which
        self.dialog: TeachDialog | None = None
        self._select_after_load: str | None = None
        # Queued: after the window has filled the picker with the new classes.
        controller.engine_loaded.connect(self._on_loaded, Qt.QueuedConnection)

    def _checkpoint_dir(self) -> str | None:
        info = self.controller.info
        return info.checkpoint_dir if info is not None else None

    def open_teach_dialog(self) -> TeachDialog:
        # Teaching trains in torch: its modules are imported when the dialog is first opened,
        # not with the window (the window and the shadow may run without torch at all).
        from sketchfill.gui.teach_dialog import TeachDialog

        if self.dialog is None:
            self.dialog = TeachDialog(self._checkpoint_dir(), self._confirm_replace,
                                      parent=self.window)
            self.dialog.taught.connect(self._on_taught)
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def _confirm_replace(self, name: str) -> bool:
        return self.dialogs.confirm("Class Already Taught",
                                    f"A class named {name!r} is already taught. Teach it again "
                                    "from these pictures, replacing it?")

    def _on_taught(self, name: str) -> None:
        self._select_after_load = name
        self.controller.load_models(self._checkpoint_dir())

    def _ask_which(self, names: list[str]) -> str | None:
        name, ok = QInputDialog.getItem(self.window, "Remove a Taught Class", "Class:", names,
                                        0, False)
        return name if ok else None

    def remove_class(self) -> None:
        names = [t.name for t in tc.taught() if isinstance(t, tc.TaughtClass)]
        if not names:
            self.dialogs.error("Remove a Taught Class", "No class is taught yet.")
            return
        name = self.choose_to_remove(names)
        if name is None or not self.dialogs.confirm(
                "Remove a Taught Class", f"Remove the class {name!r}? This cannot be undone."):
            return
        try:
            tc.forget(name)
        except tc.TaughtClassError as err:
            self.dialogs.error("Remove a Taught Class", str(err))
            return
        info = self.controller.info
        if info is not None and self.controller.sketch.class_name == name:
            self.controller.set_class(info.classes[0])  # the drawing keeps a class it can use
        self.controller.load_models(self._checkpoint_dir())
        self.show_message(f"Removed the class {name!r}")

    def _on_loaded(self, info: EngineInfo) -> None:
        self._mark_own(info)
        if info.skipped_classes:
            self.show_message("; ".join(info.skipped_classes))
        name, self._select_after_load = self._select_after_load, None
        if name is not None and name in info.classes:
            self.controller.set_class(name)
            self.picker.setCurrentIndex(self.picker.findData(name))

    def _mark_own(self, info: EngineInfo) -> None:
        """Taught classes (after the checkpoints' own) get a mark and a tooltip."""
        own = set(info.classes[info.n_shipped:])
        for i in range(self.picker.count()):
            if self.picker.itemData(i) in own and not self.picker.itemText(i).endswith(OWN_MARK):
                self.picker.setItemText(i, self.picker.itemText(i) + OWN_MARK)
                self.picker.setItemData(i, "A class you taught", Qt.ToolTipRole)
