"""File ▸ Open Recent and the folder file dialogs start in, both kept in the preferences."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PyQt5.QtWidgets import QAction, QMenu, QWidget

from sketchfill.gui.preferences import Preferences

MAX_RECENT = 10


class RecentFiles:
    """Recently opened or saved sessions and images, newest first, and the last folder used."""

    def __init__(self, preferences: Preferences) -> None:
        self._prefs = preferences

    def folder(self) -> str:
        """Where a file dialog starts: the last folder used while it exists, else ""."""
        folder = self._prefs.last_folder
        return folder if folder and Path(folder).is_dir() else ""

    def in_folder(self, name: str) -> str:
        """A suggested file name in the last folder used."""
        folder = self.folder()
        return str(Path(folder) / name) if folder else name

    def used(self, path: str | Path) -> None:
        """A file was chosen in a dialog: its folder is where the next dialog starts."""
        self._prefs.last_folder = str(Path(path).resolve().parent)

    def add(self, path: str | Path) -> None:
        """A session or image was opened or saved: first in the list, once."""
        item = str(Path(path).resolve())
        self.used(item)
        self._prefs.recent_files = [item] + [p for p in self.paths_text() if p != item]

    def paths_text(self) -> list[str]:
        return self._prefs.recent_files[:MAX_RECENT]

    def paths(self) -> list[Path]:
        return [Path(p) for p in self.paths_text()]

    def remove(self, path: str | Path) -> None:
        self._prefs.recent_files = [p for p in self.paths_text() if p != str(path)]

    def clear(self) -> None:
        self._prefs.recent_files = []


class RecentMenu(QMenu):
    """File ▸ Open Recent: one entry per recent file, then Clear List; rebuilt on each change."""

    def __init__(self, recent: RecentFiles, open_file: Callable[[Path], object],
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__("Open &Recent", parent)
        self._recent, self._open = recent, open_file
        self.clear_action: QAction | None = None
        self.aboutToShow.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        for action in self.actions():  # later: refresh may run inside an entry's own signal
            self.removeAction(action)
            action.deleteLater()
        paths = self._recent.paths()
        for number, path in enumerate(paths, 1):
            action = self.addAction(f"&{number % 10} {path.name}")
            action.setStatusTip(str(path))
            action.setToolTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self._open(p))
        if not paths:
            self.addAction("No recent files").setEnabled(False)
        self.addSeparator()
        self.clear_action = self.addAction("&Clear List")
        self.clear_action.triggered.connect(self._clear)
        self.clear_action.setEnabled(bool(paths))

    def file_actions(self) -> list[QAction]:
        return [a for a in self.actions() if a.isEnabled() and a.statusTip()]

    def _clear(self) -> None:
        self._recent.clear()
        self.refresh()
