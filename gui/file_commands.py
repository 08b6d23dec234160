"""The File menu: open/save sessions, save PNGs, export SVG, open an image, load models.

Each handler asks for a path, calls app/ to do the work, and turns a failure into an error
dialog; saves are atomic (app/files.py), so a failed save leaves the drawing and the old file.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Callable

from PyQt5.QtWidgets import QMainWindow

from sketchfill.app import session
from sketchfill.app.document import rasterise_as_drawn
from sketchfill.app.files import ImageFileError, read_gray_reduced, save_png
from sketchfill.app.session import SessionError
from sketchfill.app.svg_export import save_svg
from sketchfill.gui.actions import Actions
from sketchfill.gui.controller import SketchController
from sketchfill.gui.dialogs import IMAGE_FILTER, PNG_FILTER, SESSION_FILTER, SVG_FILTER, Dialogs
from sketchfill.gui.preferences import Preferences
from sketchfill.gui.recent import RecentFiles, RecentMenu


def with_suffix(path: str | Path, suffix: str) -> Path:
    """A name typed without an extension gets the format's (\"cat\" saves as cat.png); a name
    with one is kept as typed."""
    path = Path(path)
    return path if path.suffix else path.with_name(path.name + suffix)


class FileCommands:
    def __init__(self, window: QMainWindow, controller: SketchController, dialogs: Dialogs,
                 preferences: Preferences) -> None:  # fmt: skip
        self._window = window
        self._controller = controller
        self._dialogs = dialogs
        self.session_path: Path | None = None
        self.recent = RecentFiles(preferences)
        self.recent_menu = RecentMenu(self.recent, self.open_recent, window)

    def connect_actions(self, a: Actions) -> None:
        a.new.triggered.connect(self.new)
        a.open_session.triggered.connect(lambda: self.open_session())
        a.save_session.triggered.connect(lambda: self.save_session())
        a.save_session_as.triggered.connect(lambda: self.save_session_as())
        a.open_image.triggered.connect(lambda: self.open_image())
        a.save_sketch.triggered.connect(lambda: self.save_sketch())
        a.save_image.triggered.connect(lambda: self.save_image())
        a.export_svg.triggered.connect(lambda: self.export_svg())
        a.load_models.triggered.connect(lambda: self.load_models())

    def may_close(self, title: str = "Unsaved changes") -> bool:
        """Before the drawing goes (New, Open, Quit): ask Save / Discard / Cancel when it has
        unsaved changes; True when it may go (saved, or discarded)."""
        if self._controller.undo_stack.isClean():
            return True
        answer = self._dialogs.unsaved(
            title, "The sketch has unsaved changes.\nSave them before it is closed?"
        )
        if answer == "save":
            return self.save_session()
        return answer == "discard"

    def set_path(self, path: Path | None) -> None:
        self.session_path = path
        name = path.name if path else "untitled"
        self._window.setWindowTitle(f"{name}[*] — Sketch & Fill")

    # ---- file dialogs, starting in the last folder used -------------------------------------
    def _ask_open(self, title: str, name_filter: str) -> str | None:
        path = self._dialogs.open_path(title, name_filter, self.recent.folder())
        if path is not None:
            self.recent.used(path)
        return path

    def _ask_save(self, title: str, name_filter: str, name: str) -> str | None:
        path = self._dialogs.save_path(title, name_filter, self.recent.in_folder(name))
        if path is not None:
            self.recent.used(path)
        return path

    def _remember(self, path: str | Path) -> None:
        self.recent.add(path)
        self.recent_menu.refresh()

    def open_recent(self, path: Path) -> bool:
        """File ▸ Open Recent: a session replaces the drawing (after Save / Discard / Cancel),
        an image is traced; a file gone since is dropped from the list, with a word why."""
        if not path.is_file():
            self.recent.remove(path)
            self.recent_menu.refresh()
            self._dialogs.error("Open Recent", f"{path} no longer exists; it is removed from "
                                "the list of recent files.")
            return False
        if path.suffix.lower() == ".json":
            return self.may_close("Open session") and self.open_session(path)
        return self.open_image(str(path))

    # ---- sessions --------------------------------------------------------------------------------
    def new(self) -> None:
        if not self.may_close("New sketch"):
            return
        sketch = self._controller.sketch
        self._controller.reset(sketch.cleared().with_seed(secrets.randbelow(2**31)))
        self.set_path(None)

    def open_session(self, path: str | Path | None = None) -> bool:
        if path is None:
            if not self.may_close("Open session"):
                return False
            path = self._ask_open("Open Session", SESSION_FILTER)
            if path is None:
                return False
        try:
            sketch, view = session.load_with_view(path)
        except SessionError as exc:
            self._dialogs.error("Cannot open session", str(exc))
            return False
        self._window.show_document(sketch, view)
        self.set_path(Path(path))
        self._remember(path)
        return True

    def save_session(self) -> bool:
        if self.session_path is None:
            return self.save_session_as()
        return self._save_session_to(self.session_path)

    def save_session_as(self) -> bool:
        path = self._ask_save("Save Session", SESSION_FILTER, "sketch.json")
        return path is not None and self._save_session_to(with_suffix(path, ".json"))

    def _save_session_to(self, path: Path) -> bool:
        sketch, view = self._controller.sketch, self._window.current_view()
        if not self._write("session", path, lambda: session.save(path, sketch, view)):
            return False
        self._controller.undo_stack.setClean()
        self.set_path(path)
        self._remember(path)
        return True

    # ---- exports ---------------------------------------------------------------------------------
    def save_sketch(self, path: str | None = None) -> bool:
        path = path or self._ask_save("Save Sketch", PNG_FILTER, "sketch.png")
        if path is None:
            return False
        path = with_suffix(path, ".png")
        raster = rasterise_as_drawn(self._controller.sketch)  # lines as wide as drawn
        return self._write("sketch", Path(path), lambda: save_png(path, raster))

    def save_image(self, path: str | None = None) -> bool:
        result = self._controller.result
        if result is None:
            self._dialogs.error("Nothing to save", "There is no rendered image yet.")
            return False
        path = path or self._ask_save("Save Rendered Image", PNG_FILTER, "image.png")
        if path is None:
            return False
        path = with_suffix(path, ".png")
        return self._write("image", Path(path), lambda: save_png(path, result.image))

    def export_svg(self, path: str | None = None) -> bool:
        path = path or self._ask_save("Export Strokes as SVG", SVG_FILTER, "sketch.svg")
        if path is None:
            return False
        path = with_suffix(path, ".svg")
        sketch = self._controller.sketch
        return self._write("SVG", Path(path), lambda: save_svg(path, sketch))

    def _write(self, what: str, path: Path, write: Callable[[], None]) -> bool:
        """Run an atomic write; on failure tell the artist (the drawing is untouched)."""
        try:
            write()
        except OSError as exc:
            self._dialogs.error(f"Cannot save the {what}", f"{path}: {exc.strerror or exc}")
            return False
        self._window.statusBar().showMessage(f"Saved the {what} to {path}", 5000)
        return True

    # ---- imports ---------------------------------------------------------------------------------
    def open_image(self, path: str | None = None) -> bool:
        path = path or self._ask_open("Open Image as Sketch", IMAGE_FILTER)
        if path is None:
            return False
        try:
            gray = read_gray_reduced(path)  # (h, w) uint8, reduced while decoding
        except ImageFileError as exc:
            self._dialogs.error("Cannot open image", str(exc))
            return False
        count = self._controller.import_image(gray)
        self._remember(path)
        self._window.statusBar().showMessage(f"Traced {count} strokes from {Path(path).name}", 5000)
        return True

    def load_models(self, directory: str | None = None) -> None:
        directory = directory or self._dialogs.directory("Load Models From", self.recent.folder())
        if directory:
            self._window.statusBar().showMessage(f"Loading models from {directory}…")
            self._controller.load_models(directory)
