"""Image and text files of the app and the command line: any Pillow image read as the app's
gray uint8, arrays saved as images, all writes atomic (models.files.atomic_write)."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from sketchfill.models.files import write_bytes, write_text

__all__ = [
    "ImageFileError",
    "png_bytes",
    "read_gray",
    "save_png",
    "write_bytes",
    "write_image",
    "write_text",
]


def png_bytes(array: np.ndarray) -> bytes:
    """PNG encoding of a (H, W) gray or (H, W, 3) RGB uint8 array."""
    if array.dtype != np.uint8 or array.ndim not in (2, 3):
        raise ValueError(
            f"expected a (H, W) or (H, W, 3) uint8 array, got {array.dtype} {array.shape}"
        )
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buffer, format="PNG")
    return buffer.getvalue()


def save_png(path: str | Path, array: np.ndarray) -> None:
    write_bytes(path, png_bytes(array))


class ImageFileError(ValueError):
    """An input image cannot be read or an output cannot be written; the text names the file."""


MAX_SIDE = 4096  # px: larger inputs are refused (a 100 MP image costs seconds and gigabytes)


def read_gray(path: str | Path) -> np.ndarray:
    """(H,W) uint8, 255 = paper: any Pillow-readable image, transparency composited on white.
    Images above MAX_SIDE x MAX_SIDE are refused before their pixels are decoded."""
    path = Path(path)
    if path.is_dir():
        raise ImageFileError(f"{path}: is a directory, not an image")
    if not path.is_file():
        raise ImageFileError(f"{path}: file not found")
    try:
        with warnings.catch_warnings():
            # Pillow warns of very large images at open(); the size check below says it better.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                _check_size(path, img.size)
                img.load()
                return np.asarray(_to_gray(img), dtype=np.uint8).copy()
    except Image.DecompressionBombError as err:
        raise ImageFileError(f"{path}: image too large (the limit is {MAX_SIDE} x {MAX_SIDE} "
                             "pixels)") from err
    except (OSError, SyntaxError, ValueError) as err:
        # UnidentifiedImageError (an OSError) for non-images; truncated files fail in load().
        raise ImageFileError(f"{path}: not a readable image ({_first_line(err)})") from err


def _check_size(path: Path, size: tuple[int, int]) -> None:
    width, height = size
    if width > MAX_SIDE or height > MAX_SIDE:
        raise ImageFileError(f"{path}: image too large ({width} x {height} pixels; the limit is "
                             f"{MAX_SIDE} x {MAX_SIDE})")


def _to_gray(img: Image.Image) -> Image.Image:
    """Mode "L"; transparent pixels become white paper, not black ink."""
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("L")
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16/32-bit gray: scale to 8 bits (convert("L") would clip everything above 255).
        wide = np.asarray(img, dtype=np.float64)
        top = 65535.0 if img.mode.startswith("I;16") else max(float(wide.max()), 1.0)
        return Image.fromarray((wide / top * 255.0).round().clip(0, 255).astype(np.uint8))
    return img.convert("L")


def write_image(path: str | Path, array: np.ndarray) -> Path:
    """Save (H,W) gray or (H,W,3) RGB uint8 in the format the suffix names, atomically."""
    path = Path(path)
    fmt = Image.registered_extensions().get(path.suffix.lower())
    if fmt is None:
        raise ImageFileError(f"{path}: unknown image type {path.suffix!r}; use .png")
    buffer = io.BytesIO()
    try:
        Image.fromarray(np.ascontiguousarray(array)).save(buffer, format=fmt)
    except (OSError, KeyError, ValueError) as err:
        raise ImageFileError(f"{path}: cannot encode as {fmt} ({_first_line(err)})") from err
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, buffer.getvalue())
    except OSError as err:
        raise ImageFileError(f"{path}: cannot write ({err.strerror or err})") from err
    return path


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__
