"""Modal questions to the artist, behind one object so tests can answer them without a person."""

from __future__ import annotations

from typing import Literal

from PyQt5.QtWidgets import QFileDialog, QMessageBox, QWidget

from sketchfill.app.worker import EngineInfo
from sketchfill.gui.help import AboutDialog

SESSION_FILTER = "Sketch & Fill session (*.json)"
PNG_FILTER = "PNG image (*.png)"
SVG_FILTER = "SVG drawing (*.svg)"
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.webp)"

Unsaved = Literal["save", "discard", "cancel"]  # the answer to "save the changes first?"


class Dialogs:
    """The real, blocking Qt dialogs."""

    def __init__(self, parent: QWidget) -> None:
        self._parent = parent

    def save_path(self, title: str, name_filter: str, suggested: str = "") -> str | None:
        path, _ = QFileDialog.getSaveFileName(self._parent, title, suggested, name_filter)
        return path or None

    def open_path(self, title: str, name_filter: str, folder: str = "") -> str | None:
        path, _ = QFileDialog.getOpenFileName(self._parent, title, folder, name_filter)
        return path or None

    def directory(self, title: str, folder: str = "") -> str | None:
        return QFileDialog.getExistingDirectory(self._parent, title, folder) or None

    def error(self, title: str, text: str) -> None:
        QMessageBox.critical(self._parent, title, text)

    def confirm(self, title: str, text: str) -> bool:
        buttons = QMessageBox.Yes | QMessageBox.No
        return QMessageBox.question(self._parent, title, text, buttons) == QMessageBox.Yes

    def unsaved(self, title: str, text: str) -> Unsaved:
        """Save, Discard or Cancel, as in every paint program; Escape cancels."""
        buttons = QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel
        box = QMessageBox(QMessageBox.Warning, title, text, buttons, self._parent)
        box.setDefaultButton(QMessageBox.Save)
        answer = box.exec_()
        return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(answer, "cancel")

    def about(self, info: EngineInfo | None) -> None:
        AboutDialog(info, self._parent).exec_()
