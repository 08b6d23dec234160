"""Raster ink to vector strokes: thin the ink to a 1-px skeleton, walk it into polylines.

Used to accept a completion into the sketch and to open an image as a sketch, so that every
edit stays a stroke (undoable, movable, saved in the session and the SVG).
"""

from __future__ import annotations

from itertools import chain

import cv2
import numpy as np

from sketchfill.app.document import PAPER, Stroke
from sketchfill.models.nets.skeleton import thin  # shared with the engine's ridges

INK_THRESHOLD = 128  # gray below this is ink (the engine's outlines are soft-edged)
MIN_PIXELS = 6  # skeleton pieces shorter than this are specks, not lines
SIMPLIFY_PX = 0.8  # Douglas-Peucker tolerance in canvas pixels
LINE_IMAGE_MEDIAN = 200  # an image whose median gray is this light is read as a line drawing
_NEIGHBOURS = ((-1, 0), (0, 1), (1, 0), (0, -1), (-1, 1), (1, 1), (1, -1), (-1, -1))  # 4- first


def polylines(skeleton: np.ndarray) -> list[np.ndarray]:
    """Walk a 1-px skeleton into (N, 2) float arrays of (x, y) points, ends first, loops last.

    Pixels are numbered in raster order and the walk runs on plain int lists: a Python set
    and dict of (y, x) tuples cost four times as much per pixel. Line starts are taken in the
    iteration order of a set of the pixels' (y, x) tuples (CPython's hash order: the same on
    every run): which end a line is walked from moves its smoothed points, so any other order
    would move outline pixels."""
    flat = np.flatnonzero(skeleton)       # raster order, as np.nonzero, at half its cost
    if flat.size == 0:
        return []
    ys, xs = np.divmod(flat, skeleton.shape[1])
    index, table = _neighbour_table(skeleton.shape, ys, xs)
    cells = set(zip(ys.tolist(), xs.tolist()))
    cells = np.fromiter(chain.from_iterable(cells), np.intp, 2 * ys.size).reshape(-1, 2)
    order = index[(cells[:, 0] + 1) * (skeleton.shape[1] + 2) + cells[:, 1] + 1]  # set order
    degree = (table < ys.size).sum(axis=1)                              # (N,) neighbours left
    left = bytearray(b"\x01") * ys.size + b"\x00"                       # the sentinel: none
    remaining = np.frombuffer(left, np.uint8)                           # a view, kept current
    neighbours = table.tolist()
    points = np.stack([xs, ys], axis=1).astype(np.float32)              # (N, 2) x, y
    lines: list[np.ndarray] = []
    while (start := _pick_start(order, remaining, degree)) is not None:
        path = _walk(start, neighbours, left)
        degree -= np.bincount(table[path].ravel(), minlength=ys.size + 1)[:-1]
        path += _tail(path, neighbours, sentinel=ys.size)
        if len(path) >= MIN_PIXELS:
            lines.append(points[path])
    return lines


def _neighbour_table(shape: tuple[int, int], ys: np.ndarray,
                     xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pixel number of each skeleton pixel in a 1-px padded (H+2, W+2) image, flattened
    (N, the sentinel, elsewhere), and (N, 8) the number of each pixel's neighbours in
    _NEIGHBOURS order (N where there is none). Flat indices: one gather for all eight."""
    stride = shape[1] + 2
    flat = (ys + 1) * stride + (xs + 1)
    index = np.full((shape[0] + 2) * stride, ys.size, np.intp)
    index[flat] = np.arange(ys.size)
    offsets = np.array([dy * stride + dx for dy, dx in _NEIGHBOURS], np.intp)
    return index, index[flat[:, None] + offsets]


def _pick_start(order: np.ndarray, remaining: np.ndarray, degree: np.ndarray) -> int | None:
    """An end of a line if any is left (so lines are walked whole), else any loop pixel;
    None when every pixel is taken. `order`: the pixels in the order starts are looked for."""
    left = remaining[order].view(bool)
    ends = left & (degree[order] <= 1)
    if ends.any():
        return int(order[ends.argmax()])
    return int(order[left.argmax()]) if left.any() else None


def _walk(start: int, neighbours: list[list[int]], left: bytearray) -> list[int]:
    """The line from `start` through pixels not yet taken, taking them as it goes,
    4-neighbours first."""
    path, here = [start], start
    left[start] = 0
    while True:
        for step in neighbours[here]:
            if left[step]:
                break
        else:
            break
        path.append(step)
        left[step] = 0
        here = step
    return path


def _tail(path: list[int], neighbours: list[list[int]], sentinel: int) -> list[int]:
    """The junction or loop start the walked `path` stopped next to (taken or not), if any
    and not just walked: joined so the drawn line has no gap there."""
    before = path[-2] if len(path) > 1 else path[-1]
    tail = next((q for q in neighbours[path[-1]] if q != sentinel and q != before), None)
    return [tail] if tail is not None and tail not in path[-3:] else []


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
