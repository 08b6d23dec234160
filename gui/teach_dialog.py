"""Classes > Teach a New Class…: a name, pictures, a preview of their outlines, Teach.

The dialog is not modal: drawing goes on while a class is taught in the background
(app.worker_teach). The pictures' outlines are derived as soon as they are chosen (the same
derivation as the training outlines), so the preview shows what teaching will learn from.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np
from PyQt5.QtCore import QSize, Qt, pyqtSignal
from PyQt5.QtGui import QIcon, QPixmap
from PyQt5.QtWidgets import (QApplication, QDialog, QFileDialog, QFormLayout, QHBoxLayout,
                             QLabel, QLineEdit, QListWidget, QListWidgetItem, QProgressBar,
                             QPushButton, QSpinBox, QVBoxLayout, QWidget)

from sketchfill.app import taught_classes as tc
from sketchfill.app import teaching
from sketchfill.app.worker_teach import TeachThread
from sketchfill.gui.qimage import rgb_to_qimage
from sketchfill.models.data.outlines import outline_image
from sketchfill.models.data.user_pictures import (PICTURE_SUFFIXES, Picture, PictureError,
                                                  enough, picture_files, read_pictures)
from sketchfill.models.training.teach import DEFAULT_TEACH, TeachConfig, TeachProgress

THUMB = 96  # preview side in px
PICTURE_FILTER = "Pictures (" + " ".join(f"*{s}" for s in PICTURE_SUFFIXES) + ")"
Chooser = Callable[[], list[str]]  # asks for pictures: a folder or files; [] = cancelled


def outline_thumb(picture: Picture) -> np.ndarray:
    """uint8 (THUMB,THUMB,3) the picture's derived outline, dark on white."""
    gray = outline_image(picture.derived.skeleton, THUMB, 1.5)
    return np.repeat(gray[..., None], 3, axis=2)


class TeachDialog(QDialog):
    """Emits `taught(name)` once the class is saved; `ask_replace(name) -> bool` decides
    whether an already taught class of that name is taught again."""

    taught = pyqtSignal(str)

    def __init__(self, checkpoint_dir: str | None, ask_replace: Callable[[str], bool],
                 choose_folder: Chooser | None = None, choose_files: Chooser | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Teach a New Class")
        self.checkpoint_dir, self.ask_replace = checkpoint_dir, ask_replace
        self.choose_folder = choose_folder or self._folder_dialog
        self.choose_files = choose_files or self._files_dialog
        self.pictures: list[Picture] = []
        self.skipped: list[str] = []
        self.thread: TeachThread | None = None
        self.max_steps = 0  # >0: at most this many steps per stage (TeachConfig.max_steps)
        self._build()

    # ---- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.name = QLineEdit(placeholderText="e.g. mushroom")
        self.minutes = QSpinBox(minimum=1, maximum=240, value=round(DEFAULT_TEACH.minutes),
                                suffix=" min")
        self.minutes.setToolTip("Training time: more gives better results")
        folder, files = QPushButton("Choose &Folder…"), QPushButton("Choose &Pictures…")
        folder.clicked.connect(lambda: self.use(self.choose_folder()))
        files.clicked.connect(lambda: self.use(self.choose_files()))
        buttons = QHBoxLayout()
        buttons.addWidget(folder)
        buttons.addWidget(files)
        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("Pictures:", buttons)
        form.addRow("&Time:", self.minutes)
        self.preview = QListWidget(viewMode=QListWidget.IconMode, movement=QListWidget.Static)
        self.preview.setIconSize(QSize(THUMB, THUMB))
        self.preview.setGridSize(QSize(THUMB + 12, THUMB + 12))  # names in the tooltips
        self.preview.setResizeMode(QListWidget.Adjust)
        self.preview.setWrapping(True)
        self.preview.setMinimumSize(5 * (THUMB + 12), THUMB + 40)
        self.message = QLabel("Choose at least 3 pictures of the object (PNG, JPEG or WebP, "
                              "on a transparent or plain light background).", wordWrap=True)
        self.bar = QProgressBar(maximum=1000, visible=False)
        self.teach_button, self.cancel_button = QPushButton("&Teach"), QPushButton("Cancel")
        self.teach_button.setDefault(True)
        self.teach_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.teach_button)
        actions.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("Outlines the class learns from:"))
        layout.addWidget(self.preview)
        layout.addWidget(self.message)
        layout.addWidget(self.bar)
        layout.addLayout(actions)
        self._set_running(False)

    def _folder_dialog(self) -> list[str]:
        folder = QFileDialog.getExistingDirectory(self, "Folder of Pictures")
        return [folder] if folder else []

    def _files_dialog(self) -> list[str]:
        return QFileDialog.getOpenFileNames(self, "Pictures", "", PICTURE_FILTER)[0]

    # ---- pictures ----------------------------------------------------------------------------
    def use(self, chosen: list[str]) -> None:
        """Read the chosen pictures and show their outlines (nothing chosen: no change)."""
        if not chosen:
            return
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            self.pictures, self.skipped = read_pictures(picture_files(chosen))
        except PictureError as err:
            self.pictures, self.skipped = [], [str(err)]
        finally:
            QApplication.restoreOverrideCursor()
        self.preview.clear()
        for picture in self.pictures:
            icon = QIcon(QPixmap.fromImage(rgb_to_qimage(outline_thumb(picture))))
            item = QListWidgetItem(icon, "")
            item.setToolTip(picture.name)
            self.preview.addItem(item)
        skipped = f"; skipped: {'; '.join(self.skipped)}" if self.skipped else ""
        self.message.setText(f"{len(self.pictures)} pictures{skipped}")

    # ---- teaching ----------------------------------------------------------------------------
    def start(self) -> None:
        """Check the name and pictures, then teach in the background."""
        try:
            ready = self._prepared()
        except ValueError as err:
            self.message.setText(str(err))
            return
        if ready is None:
            return
        cfg = TeachConfig(minutes=float(self.minutes.value()), max_steps=self.max_steps)
        self.thread = TeachThread(ready, cfg, self)
        self.thread.progress.connect(self._on_progress)
        self.thread.taught.connect(self._on_taught)
        self.thread.stopped.connect(lambda: self._finish("Cancelled: nothing was saved."))
        self.thread.failed.connect(lambda text: self._finish(f"Not taught: {text}"))
        self._set_running(True)
        self.message.setText(f"Teaching {ready.name!r}…")
        self.thread.start()

    def _prepared(self) -> teaching.Prepared | None:
        files = teaching.checkpoint_files(self.checkpoint_dir)
        try:
            name = teaching.check_new(self.name.text(), files, replace=False)
            replace = False
        except tc.TaughtClassError as err:
            if "already taught" not in str(err):
                raise
            name = tc.check_name(self.name.text(), teaching.shipped_classes(files))
            if not self.ask_replace(name):
                return None
            replace = True
        enough(self.pictures, self.skipped)
        return teaching.Prepared(name, tuple(self.pictures), tuple(self.skipped), files, replace)

    def cancel(self) -> None:
        """Stop a running teaching (nothing is saved), else close."""
        if self.thread is not None and self.thread.isRunning():
            self.thread.cancel()
            self.message.setText("Cancelling…")
        else:
            self.reject()

    def _on_progress(self, p: TeachProgress) -> None:
        self.bar.setValue(round(p.fraction * 1000))
        left = time.strftime("%M:%S", time.gmtime(p.seconds_left))
        self.bar.setFormat(f"{p.stage}: %p% — {left} left")

    def _on_taught(self, name: str) -> None:
        self._finish(f"Taught {name!r}: it is in the class list.")
        self.taught.emit(name)

    def _finish(self, text: str) -> None:
        if self.thread is not None:
            self.thread.wait()
        self.thread = None
        self._set_running(False)
        self.message.setText(text)

    def _set_running(self, running: bool) -> None:
        self.bar.setVisible(running)
        self.bar.setValue(0)
        self.teach_button.setEnabled(not running)
        self.name.setEnabled(not running)
        self.cancel_button.setText("Cancel" if running else "Close")

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self.thread is not None and self.thread.isRunning():
            self.thread.cancel()
            self.thread.wait()
        super().closeEvent(event)
