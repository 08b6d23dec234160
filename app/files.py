"""Atomic file writing: a save either fully replaces the old file or leaves it untouched."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, flush it to disk, then rename over `path`.

    Raises OSError (the temporary file is removed) when anything fails; the old file survives.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))


def png_bytes(array: np.ndarray) -> bytes:
    """PNG encoding of a (H, W) gray or (H, W, 3) RGB uint8 array."""
    if array.dtype != np.uint8 or array.ndim not in (2, 3):
        raise ValueError(f"expected a (H, W) or (H, W, 3) uint8 array, got {array.dtype} {array.shape}")
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buffer, format="PNG")
    return buffer.getvalue()


def save_png(path: str | Path, array: np.ndarray) -> None:
    write_atomic(path, png_bytes(array))
