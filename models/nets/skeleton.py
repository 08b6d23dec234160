"""One-pixel line skeletons: thinning, spur pruning, stroke segments, and redrawing at a width.

An outline is stored as a 1-px skeleton so that the line width can be drawn fresh for every
training item (the paper's users draw with a pen of one width, but our sources vary).
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

# 8-neighbour offsets in Zhang-Suen order P2..P9 (N, NE, E, SE, S, SW, W, NW) as (dy, dx).
_NEIGHBOURS = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))
_RING = np.ones((3, 3), np.uint8)
# Ink coverage multiplier after area downsampling (see render()).
PEN_GAIN = 1.6


def thin(mask: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning (CACM 1984). mask: bool (H,W) -> bool (H,W) 1-px lines.

    cv2.ximgproc is not in the headless wheel, so this is the textbook two-sub-step rule,
    decided by a table over each pixel's 8-neighbour code (_ZS_REMOVE): a sub-step is one
    convolution that sums each pixel's neighbours as bits (_CODE_KERNEL), one table lookup and
    one subtraction, all OpenCV calls on the ink's bounding box. They release the GIL to the
    app's other threads (gathering the neighbours of the ink pixels in NumPy holds it, and
    took 15% longer alone: docs/runtime.md).

    A pixel whose neighbourhood did not change since the last sub-step of the same kind is
    decided as it was then, so each sub-step looks only at the box around the pixels the last
    two removed: thin strokes are done after a few sub-steps, and the wide ones that take
    the longest are seldom everywhere (a third less work on the shape network's outlines).
    """
    ink = _ink_u8(mask)
    x0, y0, w, h = cv2.boundingRect(ink)
    out = np.zeros(mask.shape, bool)
    if w == 0:
        return out
    img = np.zeros((h + 2, w + 2), np.uint8)  # a paper border: no edge cases
    img[1:-1, 1:-1] = ink[y0:y0 + h, x0:x0 + w]
    whole = (1, 1, h + 1, w + 1)                  # (top, left, bottom, right), the ink's box
    recent = [whole, whole]  # where the last two sub-steps removed pixels (all: none yet ran)
    step = 0
    while recent != [None, None]:
        box = _grown_union(recent, whole)
        removed = _zhang_suen_step(img, box, _ZS_REMOVE_U8[step % 2]) if box else None
        recent = [recent[1], removed]
        step += 1
    out[y0:y0 + h, x0:x0 + w] = img[1:-1, 1:-1] > 0
    return out


def _ink_u8(mask: np.ndarray) -> np.ndarray:
    """uint8 0/1 of a mask's ink; a bool mask's own bytes, not a copy."""
    return mask.view(np.uint8) if mask.dtype == bool else (mask > 0).astype(np.uint8)


def _grown_union(boxes: list, bounds: tuple[int, int, int, int]) -> tuple | None:
    """The box around both `boxes` (None: empty), grown by one px and kept within `bounds`."""
    kept = [b for b in boxes if b is not None]
    if not kept:
        return None
    top, left, bottom, right = bounds
    return (max(min(b[0] for b in kept) - 1, top), max(min(b[1] for b in kept) - 1, left),
            min(max(b[2] for b in kept) + 1, bottom), min(max(b[3] for b in kept) + 1, right))


def _zhang_suen_step(img: np.ndarray, box: tuple[int, int, int, int],
                     table: np.ndarray) -> tuple[int, int, int, int] | None:
    """One sub-step on the pixels of `box` of uint8 `img` (ink 1), in place: the box around
    the pixels it removed, or None."""
    top, left, bottom, right = box
    # The codes of the box's pixels need one more px around it (the paper border has it).
    code = cv2.filter2D(img[top - 1:bottom + 1, left - 1:right + 1], -1, _CODE_KERNEL,
                        borderType=cv2.BORDER_CONSTANT)[1:-1, 1:-1]
    # Codes are at most 255 and the kernel's weights integers: the 8-bit sum is exact.
    target = img[top:bottom, left:right]
    remove = cv2.LUT(code, table) & target  # decided on the image before this sub-step
    x, y, w, h = cv2.boundingRect(remove)
    if w == 0:
        return None
    np.subtract(target, remove, out=target)
    return (top + y, left + x, top + y + h, left + x + w)


def in_ink_box(mask: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """fn(mask), computed on the box around the mask's ink with paper around it: for fn made
    of thin, prune_spurs, drop_small_components and the like, which add no ink and see
    nothing beyond one px, the same lines for a fraction of the pixels. The box starts on an
    even row and column, where OpenCV's labelling (which scans 2x2 blocks) numbers the
    pieces in the same order as on the whole mask (segments() depends on that order)."""
    ink = _ink_u8(mask)
    x, y, w, h = cv2.boundingRect(ink)
    out = np.zeros(mask.shape, bool)
    if w == 0:
        return out
    top, left = y & ~1, x & ~1
    bottom, right = y + h, x + w
    box = np.zeros((bottom - top + 4, right - left + 4), bool)  # two px of paper around
    box[2:-2, 2:-2] = mask[top:bottom, left:right]
    out[top:bottom, left:right] = fn(box)[2:-2, 2:-2]
    return out


def _removal_table(step: int) -> np.ndarray:
    """bool (256,): for each 8-neighbour code (bit i = P(i+2), the i-th of _NEIGHBOURS), whether a
    Zhang-Suen sub-step ``step`` deletes the pixel: 2..6 ink neighbours, exactly one 0->1
    transition around the ring, and the sub-step's two side conditions."""
    table = np.zeros(256, bool)
    for code in range(256):
        p = [(code >> i) & 1 for i in range(8)]  # P2..P9
        ink = sum(p)
        transitions = sum(p[i] == 0 and p[(i + 1) % 8] == 1 for i in range(8))
        if step == 0:
            side = p[0] * p[2] * p[4] == 0 and p[2] * p[4] * p[6] == 0
        else:
            side = p[0] * p[2] * p[6] == 0 and p[0] * p[4] * p[6] == 0
        table[code] = 2 <= ink <= 6 and transitions == 1 and side
    return table


_ZS_REMOVE = (_removal_table(0), _removal_table(1))
_ZS_REMOVE_U8 = tuple(t.astype(np.uint8) for t in _ZS_REMOVE)  # cv2.LUT's 0/1 tables
# Each neighbour's bit in the code, laid where cv2.filter2D (a correlation) reads it:
# P9 P2 P3 / P8 . P4 / P7 P6 P5 = bits 7 0 1 / 6 . 2 / 5 4 3 (_NEIGHBOURS' order).
_CODE_KERNEL = np.array([[128, 1, 2], [64, 0, 4], [32, 16, 8]], np.float32)


def neighbour_count(skel: np.ndarray) -> np.ndarray:
    """Number of 8-connected skeleton neighbours of each pixel. bool (H,W) -> uint8 (H,W)."""
    s = skel.view(np.uint8) if skel.dtype == bool else skel.astype(np.uint8)
    # Integer box sums of at most 9 (exact in 8 bits), a third of the time of a float filter.
    ring = cv2.boxFilter(s, cv2.CV_8U, (3, 3), normalize=False, borderType=cv2.BORDER_CONSTANT)
    return cv2.subtract(ring, s)


def drop_small_components(mask: np.ndarray, min_pixels: int) -> np.ndarray:
    """Remove 8-connected components with fewer than ``min_pixels`` pixels. bool -> bool."""
    # Areas counted over the ink pixels only: OpenCV's own statistics (boxes, centroids)
    # cost four times the labelling, and only the area is used.
    n, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    keep = np.bincount(labels[labels > 0], minlength=n) >= min_pixels
    keep[0] = False
    return keep[labels]


def fill_small_holes(mask: np.ndarray, max_area: int) -> np.ndarray:
    """Fill background regions enclosed by ``mask`` that are smaller than ``max_area``."""
    background = (~mask).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(background, connectivity=4)
    small = stats[:, cv2.CC_STAT_AREA] < max_area
    small[0] = False  # label 0 is the mask itself
    return mask | small[labels]


def segments(skel: np.ndarray, count: np.ndarray | None = None) -> np.ndarray:
    """Split a skeleton into stroke segments at junctions. bool (H,W) -> int32 (H,W) labels.

    0 = no ink; 1..n = segments. Junction pixels (>= 3 neighbours) join the segment of one
    neighbour, so the labels cover exactly the skeleton. `count`: neighbour_count(skel), if
    the caller has it.
    """
    count = neighbour_count(skel) if count is None else count
    junction = skel & (count >= 3)
    n, labels = cv2.connectedComponents((skel & ~junction).astype(np.uint8), connectivity=8)
    labels = labels.astype(np.int32, copy=False)
    todo = junction & (labels == 0)
    for _ in range(3):  # junction blobs are at most a few pixels wide
        if not todo.any():
            return labels  # no isolated junction clusters either
        grown = cv2.dilate(labels.astype(np.float32), _RING).astype(np.int32)
        labels[todo] = grown[todo]
        todo = junction & (labels == 0)
    n_blobs, blobs = cv2.connectedComponents(todo.astype(np.uint8), 8)
    labels[blobs > 0] = blobs[blobs > 0] + labels.max()  # isolated junction clusters
    return labels


def prune_spurs(skel: np.ndarray, max_length: int) -> np.ndarray:
    """Remove short dangling branches (one free end) left by thinning noisy edges. bool -> bool."""
    if max_length <= 0:
        return skel
    count = neighbour_count(skel)
    labels = segments(skel, count)
    endpoint = skel & (count == 1)
    junction = skel & (count >= 3)
    n = labels.max() + 1
    length = np.bincount(labels.ravel(), minlength=n)
    ends = np.bincount(labels[endpoint], minlength=n)
    joins = np.bincount(labels[cv2.dilate(junction.astype(np.uint8), _RING) > 0], minlength=n)
    spur = (length <= max_length) & (ends >= 1) & (joins >= 1)  # attached at one end only
    spur[0] = False
    return skel & ~spur[labels]


def render(skel: np.ndarray, size: int, width: float) -> np.ndarray:
    """Redraw a skeleton at ``size`` px with lines about ``width`` output pixels wide.

    skel: (H,W), ink where nonzero (bool or labels). Returns float32 (size,size) ink
    coverage in [0,1] (1 = ink), antialiased by area averaging.
    """
    scale = skel.shape[0] / size  # source pixels per output pixel
    k = max(int(round(width * scale)), 1)  # pen diameter in source pixels
    ink = (skel > 0).astype(np.uint8)
    if k > 1:
        ink = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    out = cv2.resize(ink.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)
    # A line straddling two output pixels averages to ~50% in each; boost so it reads as a
    # dark pen stroke rather than grey pencil, as Quick Draw lines drawn with LINE_AA do.
    return np.clip(out * PEN_GAIN, 0.0, 1.0)
