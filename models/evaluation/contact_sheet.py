"""The evaluation's contact sheet: one column per sample, one row per stage, so a person can see
whether the numbers describe the pictures.

Rows: the real image (objects only), the partial sketch, the true outline (its missing part in
red), the best of K completions (the partial's ink in blue, what the network added in black),
the shadow of all K, and renders of the true outline under its own class and a few others,
each captioned with what the headline judge named it (green = the requested class).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from sketchfill.models.evaluation import metrics
from sketchfill.models.files import write_bytes

CELL = 128  # px per cell side
CAPTION = 16  # px of caption strip under each cell
LABEL_WIDTH = 96  # px of row labels on the left
HEADER = 30  # px of column header
WHITE, BLACK = (255, 255, 255), (0, 0, 0)
GREEN, RED, BLUE, GREY = (0, 140, 0), (210, 0, 0), (30, 80, 230), (120, 120, 120)


@dataclass(frozen=True)
class Cell:
    """One picture with an optional caption."""

    image: np.ndarray | None  # uint8 (H,W,3) RGB or (H,W) gray; None = empty cell
    caption: str = ""
    colour: tuple[int, int, int] = GREY  # caption text colour


@dataclass(frozen=True)
class Column:
    """One sample: a header and a cell per row."""

    header: tuple[str, str]  # two header lines, e.g. ("orange", "square-0.5")
    cells: tuple[Cell, ...]


def gray_to_rgb(gray: np.ndarray) -> np.ndarray:
    return np.repeat(gray[..., None], 3, axis=2)


def tinted(base: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """uint8 (H,W) gray drawing -> RGB with ``mask`` pixels painted ``colour``."""
    rgb = gray_to_rgb(base)
    rgb[mask] = colour
    return rgb


def truth_cell(full: np.ndarray, partial: np.ndarray) -> Cell:
    """The true outline with the part the partial lacks in red."""
    missing = metrics.missing_part(metrics.ink_of(full), metrics.skeleton_of(partial))
    return Cell(tinted(full, missing, RED), "missing in red", RED)


def completion_cell(outline: np.ndarray, partial: np.ndarray, caption: str) -> Cell:
    """A completion with the partial's ink in blue on top."""
    return Cell(tinted(outline, metrics.ink_of(partial), BLUE), caption)


def verdict_cell(rgb: np.ndarray, requested: str, said: str) -> Cell:
    ok = said == requested
    text = f"{requested}: ok" if ok else f"{requested}->{said}"
    return Cell(rgb, text, GREEN if ok else RED)


def _fit(image: np.ndarray | None) -> np.ndarray:
    if image is None:
        return np.full((CELL, CELL, 3), 235, np.uint8)
    rgb = gray_to_rgb(image) if image.ndim == 2 else image
    return cv2.resize(rgb, (CELL, CELL), interpolation=cv2.INTER_AREA)


def _text(img: np.ndarray, text: str, x: int, y: int, colour, scale: float = 0.36) -> None:
    cv2.putText(img, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv2.LINE_AA)


def _cell_block(cell: Cell) -> np.ndarray:
    block = np.full((CELL + CAPTION, CELL, 3), 255, np.uint8)
    block[:CELL] = _fit(cell.image)
    _text(block, cell.caption[:24], 3, CELL + 12, cell.colour)
    return block


def _column(col: Column, n_rows: int) -> np.ndarray:
    head = np.full((HEADER, CELL, 3), 255, np.uint8)
    _text(head, col.header[0][:22], 3, 12, BLACK, 0.4)
    _text(head, col.header[1][:24], 3, 26, GREY)
    cells = list(col.cells) + [Cell(None)] * (n_rows - len(col.cells))
    return np.concatenate([head] + [_cell_block(c) for c in cells], axis=0)


def _labels(rows: Sequence[str]) -> np.ndarray:
    strip = np.full((HEADER + len(rows) * (CELL + CAPTION), LABEL_WIDTH, 3), 255, np.uint8)
    for i, name in enumerate(rows):
        y = HEADER + i * (CELL + CAPTION) + CELL // 2
        for j, part in enumerate(name.split("\n")):
            _text(strip, part, 4, y + 14 * j, BLACK, 0.4)
    return strip


def compose(rows: Sequence[str], columns: Sequence[Column]) -> np.ndarray:
    """uint8 (H,W,3) RGB sheet: row labels on the left, one column per sample."""
    blocks = [_labels(rows)] + [_column(c, len(rows)) for c in columns]
    gap = np.full((blocks[0].shape[0], 2, 3), 200, np.uint8)
    parts = [blocks[0]]
    for b in blocks[1:]:
        parts += [gap, b]
    return np.concatenate(parts, axis=1)


def save_png(path, sheet: np.ndarray) -> None:
    """Write an RGB sheet as PNG (cv2 wants BGR), atomically."""
    ok, png = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"could not encode {path} as PNG")
    write_bytes(path, png.tobytes())
