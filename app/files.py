"""Image and text files of the app and the command line: any Pillow image read as the app's
gray uint8 (at full size for the command line, reduced while decoding for tracing), arrays saved
as images, all writes atomic (models.files.atomic_write)."""

from __future__ import annotations

import io
import math
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
from PIL import Image

from sketchfill.models.files import write_bytes, write_text

__all__ = [
    "ImageFileError",
    "png_bytes",
    "read_gray",
    "read_gray_reduced",
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
    path = _existing(path)
    with _reading(path, f"image too large (the limit is {MAX_SIDE} x {MAX_SIDE} pixels)"), \
            _opened(path) as img:
        _check_size(path, img.size)
        img.load()
        return np.asarray(_to_gray(img), dtype=np.uint8).copy()


TRACE_SIDE = 2048  # px: tracing needs no more (it fits the image to the canvas, 512 px)
# Decoding costs a byte a pixel for an opaque image (OpenCV decodes it straight to gray) and
# about five with transparency (Pillow decodes four): beyond this many pixels (a JPEG's after
# its 1/8 scaling) an image is refused from its header, before a byte is decoded.
MAX_TRACE_PIXELS = 64_000_000
REDUCED_GRAY = {2: cv2.IMREAD_REDUCED_GRAYSCALE_2, 4: cv2.IMREAD_REDUCED_GRAYSCALE_4,
                8: cv2.IMREAD_REDUCED_GRAYSCALE_8}  # fmt: skip


def read_gray_reduced(path: str | Path, side: int = TRACE_SIDE,
                      max_pixels: int = MAX_TRACE_PIXELS) -> np.ndarray:  # fmt: skip
    """(h, w) uint8, 255 = paper, its longest side reduced towards `side` while decoding:
    a JPEG is decoded at 1/2, 1/4 or 1/8 of its size, an opaque image straight to one gray
    byte a pixel, then shrunk. Images whose decoding would exceed `max_pixels` are refused
    from their header with an ImageFileError that states the limit."""
    path = _existing(path)
    too_large = f"image too large to trace (the limit is {_megapixels(max_pixels)})"
    with _reading(path, too_large), _opened(path) as img:
        w, h = img.size
        if img.format == "JPEG":  # libjpeg scales by up to 1/8 while decoding
            longest = max(w, h)
            img.draft("L", (max(1, w * side // longest), max(1, h * side // longest)))
        _check_pixels(path, img.size, max_pixels)
        if img.format != "JPEG" and not _has_alpha(img):
            gray = _decode_gray(path, max(img.size) // side)
            if gray is not None:
                return _shrunk(gray, side)
        return _shrunk(np.asarray(_to_gray(_reduced(img, side)), dtype=np.uint8), side)


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if path.is_dir():
        raise ImageFileError(f"{path}: is a directory, not an image")
    if not path.is_file():
        raise ImageFileError(f"{path}: file not found")
    return path


@contextmanager
def _reading(path: Path, too_large: str) -> Iterator[None]:
    """Pillow's and the decoders' failures as one ImageFileError naming the file; an image
    Pillow itself refuses to open for its size is `too_large`."""
    try:
        yield
    except Image.DecompressionBombError as err:
        raise ImageFileError(f"{path}: {too_large}") from err
    except (OSError, SyntaxError, ValueError) as err:
        if isinstance(err, ImageFileError):
            raise
        # UnidentifiedImageError (an OSError) for non-images; truncated files fail in load().
        raise ImageFileError(f"{path}: not a readable image ({_first_line(err)})") from err


@contextmanager
def _opened(path: Path) -> Iterator[Image.Image]:
    """The image with only its header read."""
    with warnings.catch_warnings():
        # Pillow warns of very large images at open(); the size checks here say it better.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with Image.open(path) as img:
            yield img


def _megapixels(pixels: int) -> str:
    side = math.isqrt(pixels)
    return f"{pixels / 1e6:g} megapixels, e.g. {side} x {side}"


def _check_pixels(path: Path, size: tuple[int, int], max_pixels: int) -> None:
    if size[0] * size[1] > max_pixels:
        raise ImageFileError(f"{path}: image too large to trace ({size[0]} x {size[1]} pixels; "
                             f"the limit is {_megapixels(max_pixels)})")


REDUCE_BAND_ROWS = 64  # rows of the reduced image made at a time (see _reduced)


def _reduced(img: Image.Image, side: int) -> Image.Image:
    """The decoded image shrunk by an integer factor before any conversion, so transparency
    is composited on the small copy. Shrunk a band of rows at a time: Pillow reduces an image
    with transparency through a premultiplied copy, which at full size would double the
    memory the decoded image already takes."""
    img.load()
    factor = max(img.size) // side
    if factor < 2:
        return img
    if img.mode not in ("L", "LA", "RGB", "RGBA"):
        img = img.convert("RGBA" if _has_alpha(img) else "RGB")
    w, h = img.size
    out = Image.new(img.mode, (-(-w // factor), -(-h // factor)))  # ceil, as reduce() does
    rows = REDUCE_BAND_ROWS * factor
    for top in range(0, h, rows):
        band = img.crop((0, top, w, min(h, top + rows)))
        out.paste(band.reduce(factor), (0, top // factor))
    return out


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info


def _decode_gray(path: Path, factor: int) -> np.ndarray | None:
    """OpenCV decodes an opaque image to gray directly (a byte a pixel, not Pillow's four);
    None for formats it does not read."""
    flag = REDUCED_GRAY.get(min(8, 1 << (max(factor, 1).bit_length() - 1)), cv2.IMREAD_GRAYSCALE)
    data = np.fromfile(path, dtype=np.uint8)  # compressed bytes; any path, any platform
    gray = cv2.imdecode(data, flag)
    return gray if gray is not None and gray.dtype == np.uint8 and gray.ndim == 2 else None


def _shrunk(gray: np.ndarray, side: int) -> np.ndarray:
    """Longest side at most 2 x `side` (area-averaged), so tracing stays quick."""
    h, w = gray.shape
    factor = max(w, h) // side
    if factor < 2:
        return np.ascontiguousarray(gray)
    return cv2.resize(gray, (max(1, w // factor), max(1, h // factor)),
                      interpolation=cv2.INTER_AREA)


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
