"""Crash recovery: the session is written to the user's data dir while editing and removed on a
clean exit, so a file still there at start-up means the last run did not end normally.
"""

from __future__ import annotations

from pathlib import Path

from app import session
from app.document import Sketch

FILE_NAME = "autosave.sketchfill.json"


class Autosave:
    """Autosave file in `directory` (the GUI passes QStandardPaths' app data location)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / FILE_NAME

    def write(self, sketch: Sketch) -> None:
        """Atomic write; raises OSError on failure (the previous autosave survives)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        session.save(self.path, sketch)

    def pending(self) -> bool:
        """True when a previous run left an autosave behind (it crashed or was killed)."""
        return self.path.is_file()

    def recover(self) -> Sketch:
        """The autosaved sketch; raises SessionError when it is unreadable."""
        return session.load(self.path)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)
