"""Crash recovery: each running copy writes its session to its own file in the user's data dir
while editing and removes it on a clean exit, so a file still there whose owner is not running
means that run did not end normally.

A copy owns `autosave-<pid>-<tag>.sketchfill.json` and holds an OS lock on the `.lock` file
beside it for as long as it runs; the OS drops the lock when the process dies, however it dies.
An autosave whose lock can be taken is therefore a dead copy's (offered for recovery), one whose
lock is held is a live copy's drawing (never offered, never removed).

When to write is SaveSchedule's: a few seconds after the last change, and at the latest a fixed
interval after the first unsaved one, so an artist who never pauses still loses little.
"""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from sketchfill.app import session
from sketchfill.app.document import Sketch
from sketchfill.app.session import View

PREFIX, SUFFIX = "autosave-", ".sketchfill.json"
LEGACY_NAME = "autosave.sketchfill.json"  # the one shared file of older versions: never locked


class InstanceLock:
    """An exclusive, non-blocking OS lock on one file, released by the OS if the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, create: bool = True) -> bool:
        """True when this object now holds the lock; False when another holder has it (or the
        file is missing and `create` is False)."""
        if self._fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | (os.O_CREAT if create else 0), 0o600)
        except FileNotFoundError:
            return False
        if not _try_lock(fd):
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self, remove: bool = False) -> None:
        if self._fd is None:
            return
        if remove:  # unlink while locked, so no other copy takes a lock on a file going away
            self.path.unlink(missing_ok=True)
        _unlock(self._fd)
        os.close(self._fd)
        self._fd = None


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        # flock, not lockf: two opens of the file conflict even within one process
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


@dataclass(frozen=True)
class SaveTiming:
    """When the autosave is written, in seconds."""

    idle_s: float = 2.0  # after the last change, once the artist pauses
    max_s: float = 5.0  # after the first unsaved change at the latest, pauses or not


class SaveSchedule:
    """Decides when unsaved changes are due to be written, from times the caller passes (a
    clock of its choice, so tests drive it without waiting)."""

    def __init__(self, timing: SaveTiming = SaveTiming()) -> None:
        self.timing = timing
        self._first: float | None = None  # time of the oldest unsaved change
        self._last: float | None = None  # time of the newest unsaved change

    def changed(self, now: float) -> None:
        self._first = now if self._first is None else self._first
        self._last = now

    def saved(self) -> None:
        self._first = self._last = None

    def pending(self) -> bool:
        return self._first is not None

    def deadline(self) -> float | None:
        """When the pending changes are due: the idle pause or the maximum interval, whichever
        comes first; None when nothing is pending."""
        if self._first is None or self._last is None:
            return None
        return min(self._last + self.timing.idle_s, self._first + self.timing.max_s)

    def due(self, now: float) -> bool:
        deadline = self.deadline()
        return deadline is not None and now >= deadline


def lock_path(autosave: Path) -> Path:
    return autosave.with_name(autosave.name + ".lock")


class Autosave:
    """This copy's autosave in `directory` (the GUI passes QStandardPaths' app data location),
    and the autosaves dead copies left there."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.instance = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.path = self.directory / f"{PREFIX}{self.instance}{SUFFIX}"
        self._lock = InstanceLock(lock_path(self.path))

    def write(self, sketch: Sketch, view: View = View()) -> None:
        """Atomic write; raises OSError on failure (the previous autosave survives)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if not self._lock.acquire():
            raise OSError(f"{self._lock.path}: locked by another process")
        session.save(self.path, sketch, view)

    def clear(self) -> None:
        """Remove this copy's autosave but keep running (a drawing saved or discarded: nothing
        of it is left to recover)."""
        self.path.unlink(missing_ok=True)

    def orphans(self) -> list[Path]:
        """Autosaves of copies that are not running, newest first."""
        if not self.directory.is_dir():
            return []
        found = [p for p in self.directory.glob(f"{PREFIX}*{SUFFIX}") if p != self.path]
        found += [p for p in [self.directory / LEGACY_NAME] if p.is_file()]
        dead = [p for p in found if not _is_live(p)]
        return sorted(dead, key=_mtime, reverse=True)

    def pending(self) -> bool:
        """True when a previous run left an autosave behind (it crashed or was killed)."""
        return bool(self.orphans())

    def recover(self, path: Path | None = None) -> Sketch:
        """An orphaned autosave (the newest by default); raises SessionError when unreadable."""
        return self.recover_with_view(path)[0]

    def recover_with_view(self, path: Path | None = None) -> tuple[Sketch, View]:
        """An orphaned autosave and the view it was shown with (chosen completion, brush,
        shadow); raises SessionError when unreadable."""
        if path is None:
            orphans = self.orphans()
            if not orphans:
                raise session.SessionError(f"{self.directory}: no autosave to recover")
            path = orphans[0]
        return session.load_with_view(path)

    def remove_orphan(self, path: Path) -> None:
        """Delete a dead copy's autosave; a live copy's (its lock held) is left alone."""
        lock = InstanceLock(lock_path(path))
        if lock.acquire(create=False):
            path.unlink(missing_ok=True)
            lock.release(remove=True)
        elif not lock.path.exists():  # never locked: an older version's file
            path.unlink(missing_ok=True)

    def discard(self) -> None:
        """Remove this copy's autosave (a clean exit)."""
        self.path.unlink(missing_ok=True)
        self._lock.release(remove=True)


def _is_live(autosave: Path) -> bool:
    """Another running copy holds the autosave's lock."""
    lock = InstanceLock(lock_path(autosave))
    if lock.acquire(create=False):
        lock.release()
        return False
    return lock.path.exists()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
