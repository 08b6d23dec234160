"""Atomic file writing, used by every writer of the program (app saves, checkpoints, run state,
caches, metrics): a save either fully replaces the old file or leaves it untouched. Also the
error every reader of a checkpoint raises.

It lives at the lowest layer so that models/ and app/ share the one implementation.
"""
from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

DEFAULT_FILE_MODE = 0o666  # what open() asks for; the umask takes its bits away


def current_umask() -> int:
    """The process umask. It can only be read by setting it, so it is set back at once (the
    program's threads do not create files in between)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def mode_for(path: Path) -> int:
    """Permission bits for a file written at `path`: those of the file it replaces, else what a
    plain open() would give a new file (0644 under the usual umask). mkstemp's own 0600 would
    leave every save readable by its owner only."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return DEFAULT_FILE_MODE & ~current_umask()


@contextmanager
def atomic_write(path: str | Path) -> Iterator[BinaryIO]:
    """`with atomic_write(path) as f: f.write(...)` writes a hidden temporary file beside
    `path`; on a clean exit it is flushed to disk, given mode_for(path) and renamed over `path`.
    On any error the temporary file is removed, the old file survives and the error propagates
    (an OSError's filename is `path`, never the temporary name)."""
    path = Path(path)
    mode = mode_for(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise OSError(err.errno, err.strerror or str(err), str(path)) from err
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes(path: str | Path, data: bytes) -> None:
    """`data` written to `path` atomically (atomic_write)."""
    with atomic_write(path) as f:
        f.write(data)


def write_text(path: str | Path, text: str) -> None:
    """`text` written to `path` as UTF-8, atomically (atomic_write)."""
    write_bytes(path, text.encode("utf-8"))


class CheckpointError(Exception):
    """A checkpoint file cannot be used; the message names the file and the problem. (Here,
    not beside the checkpoint reader, so code that never reads one with torch can raise it.)"""

    def __init__(self, path: str | Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = Path(path), problem
