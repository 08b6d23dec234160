"""Raster ink to vector strokes: thin the ink to a 1-px skeleton, walk it into polylines.

Used to accept a completion into the sketch and to open an image as a sketch, so that every
edit stays a stroke (undoable, movable, saved in the session and the SVG).
"""

from __future__ import annotations

import cv2
import numpy as np

from sketchfill.app.document import PAPER, Stroke
from sketchfill.models.nets.skeleton import neighbour_count, thin  # shared with the engine's ridges

INK_THRESHOLD = 128  # gray below this is ink (the engine's outlines are soft-edged)
MIN_PIXELS = 6  # skeleton pieces shorter than this are specks, not lines
SIMPLIFY_PX = 0.8  # Douglas-Peucker tolerance in canvas pixels
LINE_IMAGE_MEDIAN = 200  # an image whose median gray is this light is read as a line drawing
_NEIGHBOURS = ((-1, 0), (0, 1), (1, 0), (0, -1), (-1, 1), (1, 1), (1, -1), (-1, -1))  # 4- first


def polylines(skeleton: np.ndarray) -> list[np.ndarray]:
    """Walk a 1-px skeleton into (N, 2) float arrays of (x, y) points, ends first, loops last."""
    ys, xs = np.nonzero(skeleton)
    remaining = set(zip(ys.tolist(), xs.tolist()))
    pixels = frozenset(remaining)
    # Each pixel's neighbours still to walk, kept up to date as pixels are taken: counting
    # them afresh at every line start made the walk quadratic in the skeleton's length.
    degree = dict(zip(zip(ys.tolist(), xs.tolist()),
                      neighbour_count(skeleton > 0)[ys, xs].tolist()))
    lines: list[np.ndarray] = []
    while remaining:
        start = _pick_start(remaining, degree)
        path = _walk(start, remaining, pixels, degree)
        if len(path) >= MIN_PIXELS:
            lines.append(np.array([(x, y) for y, x in path], dtype=np.float32))
    return lines


def _take(px: tuple[int, int], remaining: set, degree: dict[tuple[int, int], int]) -> None:
    remaining.discard(px)
    y, x = px
    for dy, dx in _NEIGHBOURS:
        if (y + dy, x + dx) in degree:
            degree[(y + dy, x + dx)] -= 1


def _pick_start(remaining: set, degree: dict[tuple[int, int], int]) -> tuple[int, int]:
    """An end of a line if any is left (so lines are walked whole), else any loop pixel."""
    for px in remaining:
        if degree[px] <= 1:
            return px
    return next(iter(remaining))


def _walk(start: tuple[int, int], remaining: set, pixels: frozenset,
          degree: dict[tuple[int, int], int]) -> list[tuple[int, int]]:
    path = [start]
    _take(start, remaining, degree)
    while (step := _next(path[-1], remaining)) is not None:
        path.append(step)
        _take(step, remaining, degree)
    tail = _next(path[-1], pixels - {path[-2]} if len(path) > 1 else pixels - {start})
    if tail is not None and tail not in path[-3:]:
        path.append(tail)  # join the junction or loop start we stopped next to: no gap
    return path


def _next(px: tuple[int, int], candidates: set | frozenset) -> tuple[int, int] | None:
    y, x = px
    for dy, dx in _NEIGHBOURS:
        if (y + dy, x + dx) in candidates:
            return (y + dy, x + dx)
    return None


def strokes_from_mask(mask: np.ndarray, width: float) -> tuple[Stroke, ...]:
    """Pen strokes of `width` px tracing the centre lines of a (H, W) bool ink mask."""
    strokes = []
    for line in polylines(thin(mask)):
        simple = cv2.approxPolyDP(line.reshape(-1, 1, 2), SIMPLIFY_PX, False).reshape(-1, 2)
        points = tuple((float(x), float(y), 1.0) for x, y in simple)
        strokes.append(Stroke("pen", width, points))
    return tuple(strokes)


def line_width(mask: np.ndarray) -> float:
    """Mean thickness of the lines in a bool mask: ink area over centre-line length."""
    # an 8-connected skeleton pixel stands for ~1.1 px of line on average (diagonals are √2)
    length = int(thin(mask).sum()) * 1.1
    return float(np.clip(mask.sum() / max(length, 1.0), 1.0, 12.0))


def strokes_from_outline(outline: np.ndarray, ink: np.ndarray) -> tuple[Stroke, ...]:
    """Strokes for the parts of a completion the sketch does not already have.

    outline, ink: (H, W) uint8, 255 = paper. Ink already drawn (grown by a line width) is left
    out, so accepting does not double the artist's own lines.
    """
    mask = outline < INK_THRESHOLD
    width = line_width(mask)
    grow = max(3, int(round(width)) * 2 + 1)
    existing = cv2.dilate((ink < INK_THRESHOLD).astype(np.uint8), np.ones((grow, grow), np.uint8))
    return strokes_from_mask(mask & (existing == 0), width)


def fit_to_canvas(gray: np.ndarray, width: int, height: int) -> np.ndarray:
    """(H, W) uint8 `gray` scaled to fit (height, width), centred on paper."""
    h, w = gray.shape
    scale = min(width / w, height / h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    resized = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    canvas = np.full((height, width), PAPER, dtype=np.uint8)
    x0, y0 = (width - size[0]) // 2, (height - size[1]) // 2
    canvas[y0 : y0 + size[1], x0 : x0 + size[0]] = resized
    return canvas


def strokes_from_image(rgb: np.ndarray, width: int, height: int) -> tuple[Stroke, ...]:
    """Edge-extract an image into pen strokes on a (height, width) canvas.

    rgb: (H, W, 3) or (H, W) uint8. A light image with dark lines is read as a drawing (its
    dark lines become strokes); anything else (a photo) is read through Canny edges.
    """
    gray = rgb if rgb.ndim == 2 else cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    gray = fit_to_canvas(np.ascontiguousarray(gray, dtype=np.uint8), width, height)
    if np.median(gray) >= LINE_IMAGE_MEDIAN:
        mask = gray < INK_THRESHOLD
        return strokes_from_mask(mask, line_width(mask))
    edges = cv2.Canny(cv2.GaussianBlur(gray, (5, 5), 0), 50, 150) > 0
    return strokes_from_mask(edges, 2.0)
