"""From the shape network's output to a completed outline at the sketch's size.

A soft-outline network (models.nets.outline_code) draws a ridge of ink where it expects a
stroke; its ridges are thinned into 1-px lines, traced into polylines, smoothed and drawn as
anti-aliased strokes of the user's own line width, laid under the user's strokes, which are
kept exactly as drawn. Proposed lines that end near a user stroke are joined to it.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property

import cv2
import numpy as np

from sketchfill.app.raster import as_array, sketch_to_array, tensor_to_gray
from sketchfill.app.smoothing import curves_through
from sketchfill.app.tracing import polylines
from sketchfill.models.nets.skeleton import (
    drop_small_components, in_ink_box, neighbour_count, prune_spurs, thin)


# Ridge thinning of soft-outline generators (ShapeConfig.soft_output), see ridge_lines().
RIDGE_UPSCALE = 2        # thin at twice the network size: smoother lines, still cheap
RIDGE_MIN_INK = 0.3      # weaker ridges are the network's doubt, not a proposed stroke
RIDGE_SURE_INK = 0.75    # ink this strong is a stroke whatever its shape
RIDGE_SPAN = 2           # px (at the thinning size) on each side that a crest must rise above
                         # (3 kept a few more false crests: precision 0.74 vs 0.75, same recovery)
RIDGE_CONTRAST = 0.08    # ... by at least this much ink
RIDGE_MIN_PIXELS = 4     # drop specks shorter than this (at the thinning size)


def ridge_mask(ink: np.ndarray) -> np.ndarray:
    """float32 (S,S) ink in [0,1] -> bool (S,S): the crests of the ink, where it is at least
    RIDGE_MIN_INK and, across some direction (horizontal, vertical or diagonal), no lower than
    its neighbours and clearly above the ink RIDGE_SPAN px away on both sides. Confident ink
    (the user's own strokes, however wide) passes whole; a haze has no clear crest.

    Each direction's two neighbours (and two far pixels) are one max filter of a two-point
    kernel, edges replicated: OpenCV calls, which leave the GIL to the app's other threads."""
    crest = np.zeros(ink.shape, bool)
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        near = ink >= _pair_max(ink, dy, dx, 1)
        crest |= near & (ink - _pair_max(ink, dy, dx, RIDGE_SPAN) >= RIDGE_CONTRAST)
    return (crest & (ink >= RIDGE_MIN_INK)) | (ink >= RIDGE_SURE_INK)


def _pair_max(ink: np.ndarray, dy: int, dx: int, reach: int) -> np.ndarray:
    """Each pixel's max of the two pixels `reach` px away along (dy, dx) and its opposite."""
    return cv2.dilate(ink, _pair_kernel(dy, dx, reach), borderType=cv2.BORDER_REPLICATE)


@cache
def _pair_kernel(dy: int, dx: int, reach: int) -> np.ndarray:
    kernel = np.zeros((2 * reach + 1, 2 * reach + 1), np.uint8)
    kernel[reach + reach * dy, reach + reach * dx] = 1
    kernel[reach - reach * dy, reach - reach * dx] = 1
    return kernel


def ridge_lines(x: np.ndarray) -> np.ndarray:
    """[S,S] soft outline in [-1,1] -> bool (2S,2S) 1-px lines along its ridges: the strokes
    the network proposes, where a plain threshold would drop the faint ones and keep the blur
    around the strong ones."""
    ink = ((1.0 - as_array(x)) * 0.5).clip(0.0, 1.0)
    size = ink.shape[0] * RIDGE_UPSCALE
    ink = cv2.resize(ink, (size, size), interpolation=cv2.INTER_LINEAR)
    # Close one-pixel gaps between crest pixels (a symmetric kernel: no shift of the line).
    mask = cv2.dilate(ridge_mask(ink).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    # Crests cut across a curve's tangent leave short ticks on the thinned line: prune them.
    return in_ink_box(mask, lambda box: drop_small_components(
        prune_spurs(thin(box), RIDGE_MIN_PIXELS), RIDGE_MIN_PIXELS))


USER_REACH = 1.0    # network px: proposed ink this close to the user's ink is their stroke redrawn


def near_user_mask(sketch: np.ndarray, net_size: int) -> np.ndarray | None:
    """bool (H,W): within USER_REACH network px of the user's ink; None on a blank sketch
    (part of user_ink())."""
    user = sketch < 128
    if not user.any():
        return None
    r = max(1, round(USER_REACH * max(sketch.shape) / net_size))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    return cv2.dilate(user.astype(np.uint8), disc) > 0


def keep_user_strokes(sketch: np.ndarray, outline: np.ndarray,
                      near_user: np.ndarray | None) -> np.ndarray:
    """The user's own strokes, exactly as drawn, plus the outline's ink away from them
    (`near_user` from near_user_mask).

    The network sees and redraws the sketch at its small size, so its copy of the user's
    lines is coarser and up to a network pixel off; a drawing program must not move what the
    user drew. Both (H,W) uint8, 255 = paper."""
    if near_user is None:
        return outline
    return np.minimum(sketch, np.where(near_user, np.uint8(255), outline))


CONNECT_REACH = 2.0     # network px: a proposed line ending this close to the user's ink joins it
CONNECT_MIN_PIXELS = 8  # px at the thinning size: shorter pieces are the user's strokes redrawn
COPY_REACH = 2.0        # network px: a line pixel this close to the user's ink is their stroke
                        # redrawn (its crest lies up to 2 network px off a crisp 1-px stroke)
HUG_REACH = 4.0         # network px: a line lying mostly this close to the user's ink runs
HUG_SHARE = 0.5         # beside it (a doubled copy), it does not continue it


LINE_SIMPLIFY = 1.5      # px at the thinning size: Douglas-Peucker tolerance before smoothing
DEFAULT_LINE_WIDTH = 3.0 / 512  # of the canvas side: proposed lines' width on a blank sketch
_SHIFT = 4               # cv2 fixed-point bits: 1/16 px precision for anti-aliased lines


def line_width(sketch: np.ndarray) -> float:
    """The user's line width in px: twice the ink area over the ink outlines' length (a
    stroke of length L and width w has area L*w and an outline about 2L long); a default
    share of the canvas on a blank sketch."""
    ink = (sketch < 128).astype(np.uint8)
    contours, _ = cv2.findContours(ink, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    if perimeter == 0:
        return max(1.0, DEFAULT_LINE_WIDTH * max(sketch.shape))
    return float(np.clip(2.0 * ink.sum() / perimeter, 1.0, 32.0))


def smooth_polylines(paths: list[np.ndarray]) -> list[np.ndarray]:
    """(N,2) traced pixel paths -> (M,2) smooth curves: each simplified (Douglas-Peucker), then
    a Catmull-Rom curve through the kept vertices (float32), so a stair-stepped skeleton reads
    as a drawn line; a path simplified to two vertices stays a straight line."""
    simple = [cv2.approxPolyDP(p.reshape(-1, 1, 2), LINE_SIMPLIFY, False).reshape(-1, 2)
              for p in paths]
    curves = iter(curves_through([s for s in simple if len(s) >= 3]))
    return [next(curves).astype(np.float32) if len(s) >= 3 else s for s in simple]


def cv2_thickness(line_px: float) -> int:
    """cv2's anti-aliased line of thickness 2k lays 2k + 1.4 px of ink across it (2k + 1 of
    them darker than half; odd thicknesses round down): the thickness nearest `line_px`."""
    k = round((line_px - 1.4) / 2)
    return 2 * k if k > 0 else 1


def stroke_lines(lines: np.ndarray, width: int, height: int, line_px: float) -> np.ndarray:
    """bool (S,S) 1-px lines -> uint8 (height,width) drawing (255 paper, 0 ink): each line
    traced, smoothed and drawn anti-aliased, `line_px` wide, at the canvas size."""
    canvas = np.full((height, width), 255, np.uint8)
    scale = np.array([width / lines.shape[1], height / lines.shape[0]], np.float32)
    thickness = cv2_thickness(line_px)
    for curve in smooth_polylines(polylines(lines)):
        xy = (curve + 0.5) * scale - 0.5                                # pixel centres
        fixed = np.round(xy * (1 << _SHIFT)).astype(np.int32)
        cv2.polylines(canvas, [fixed], False, 0, thickness, cv2.LINE_AA, shift=_SHIFT)
    return canvas


@dataclass(frozen=True)
class UserInk:
    """Where the user's ink is, computed once per completion request and shared by its K
    outlines: `near`, near_user_mask() at the canvas size, and at the thinning size each
    pixel's distance to the nearest user ink (0 on the ink). All None on a blank sketch."""

    near: np.ndarray | None
    dist: np.ndarray | None = None
    length: int = 0  # px of the user's thinned ink at the thinning size (adds_little())
    width: float | None = None  # line_width() of the sketch, once for all K outlines

    @cached_property
    def beyond_copy(self) -> np.ndarray:
        """bool: farther than COPY_REACH from the ink (a line here is not their stroke)."""
        return self.dist > COPY_REACH * RIDGE_UPSCALE

    @cached_property
    def hugging(self) -> np.ndarray:
        """bool: within HUG_REACH of the ink (proposed_lines)."""
        return self.dist <= HUG_REACH * RIDGE_UPSCALE

    @cached_property
    def joinable(self) -> np.ndarray:
        """bool: where a line end is joined to the ink (user_connectors)."""
        return self.dist <= (COPY_REACH + CONNECT_REACH) * RIDGE_UPSCALE

    def nearest(self, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        """int (E,2) (row, column) of the ink pixel nearest each of the E pixels (ys, xs); of
        equally near ones the leftmost, then topmost (as SciPy's distance transform picks).
        Only the window as wide as the farthest of them is searched: a few line ends, however
        much ink the drawing has."""
        ys, xs = np.asarray(ys, np.int64), np.asarray(xs, np.int64)
        if ys.size == 0:
            return np.zeros((0, 2), np.int64)
        r = int(np.ceil(self.dist[ys, xs].max()))
        dx, dy = np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1), indexing="ij")
        dy, dx = dy.ravel(), dx.ravel()                          # by column, then row
        h, w = self.dist.shape
        py, px = ys[:, None] + dy, xs[:, None] + dx                         # (E, (2r+1)^2)
        inside = (py >= 0) & (py < h) & (px >= 0) & (px < w)
        ink = inside & (self.dist[py.clip(0, h - 1), px.clip(0, w - 1)] == 0)
        best = np.argmin(np.where(ink, dy ** 2 + dx ** 2, np.iinfo(np.int64).max), axis=1)
        return np.stack([py[np.arange(len(ys)), best], px[np.arange(len(ys)), best]], axis=1)


def user_ink(sketch: np.ndarray, net_size: int) -> UserInk:
    near = near_user_mask(sketch, net_size)
    if near is None:
        return UserInk(None, width=line_width(sketch))
    size = net_size * RIDGE_UPSCALE
    ink = sketch_to_array(sketch, size) < 0.0            # ink at least half
    if not ink.any():                                                   # faint specks only
        return UserInk(near, width=line_width(sketch))
    # Exact Euclidean distances (Felzenszwalb's algorithm), as SciPy's transform gives them.
    dist = cv2.distanceTransform((~ink).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return UserInk(near, dist, int(thin(ink).sum()), line_width(sketch))


IDLE_SHARE = 0.05  # a completion adding lines shorter than this share of the user's adds
                   # (almost) nothing: on first strokes a fifth of them did


def adds_little(lines: np.ndarray, user: UserInk, share: float = IDLE_SHARE) -> bool:
    """Whether proposed `lines` (network_lines) are shorter than `share` of the user's own
    lines; never on a sketch without ink to compare with."""
    return user.length > 0 and int(lines.sum()) < share * user.length


def proposed_lines(lines: np.ndarray, user: UserInk) -> np.ndarray:
    """bool (S,S) ridge_lines without the network's copies of the user's strokes: pixels within
    COPY_REACH of the user's ink, and whole pieces that lie mostly within HUG_REACH of it.

    The lines are cut before they are drawn with the pen: cutting the drawn ink instead (with
    near_user_mask) leaves the pen's edges of the copy standing as two gray lines on either
    side of the user's stroke."""
    if user.dist is None:
        return lines
    # Pieces too small to keep and pieces mostly beside the ink, from one labelling: dropping
    # whole pieces leaves the others as they were.
    far = lines & user.beyond_copy
    count, labels = cv2.connectedComponents(far.view(np.uint8), connectivity=8)
    if count <= 1:
        return far
    size = np.bincount(labels.ravel(), minlength=count)                 # px per piece
    hugs = np.bincount(labels[user.hugging & far], minlength=count)
    keep = (size >= CONNECT_MIN_PIXELS) & (hugs / size <= HUG_SHARE)
    keep[0] = False                                                     # the background
    return keep[labels]


def user_connectors(lines: np.ndarray, user: UserInk) -> np.ndarray:
    """bool (S,S) 1-px joins from the proposed `lines` (bool (S,S), proposed_lines) to the
    user's ink.

    proposed_lines() drops the network's lines within COPY_REACH of the user's strokes, so a
    proposed line that continues a stroke would stop short of it and leave a gap where the
    completion should attach. Each line end left near the user's ink is joined to the nearest
    user ink pixel."""
    if user.dist is None:
        return np.zeros_like(lines)
    kept = lines & user.beyond_copy
    ends = kept & (neighbour_count(kept) == 1) & user.joinable
    canvas = np.zeros(lines.shape, np.uint8)
    ys, xs = np.nonzero(ends)
    for y, x, (ny, nx) in zip(ys, xs, user.nearest(ys, xs)):
        cv2.line(canvas, (int(x), int(y)), (int(nx), int(ny)), 1, 1)
    return canvas > 0


def outline_from_output(sketch: np.ndarray, out: np.ndarray, soft: bool,
                        user: UserInk | None = None) -> np.ndarray:
    """One shape-network output [S,S] in [-1,1] -> the completed outline at the sketch's size:
    its thinned ridges for a soft-outline net (else the output itself), with the user's own
    strokes exactly as drawn and the proposed lines joined to them (`user`: user_ink() of
    the sketch, if already made). The evaluation's ceiling goes through this same path."""
    h, w = sketch.shape
    user = user or user_ink(sketch, out.shape[-1])
    if not soft:
        small = tensor_to_gray(out, out.shape[-1], out.shape[-1])
        return keep_user_strokes(sketch, _resize(small, w, h), user.near)
    return drawn_outline(sketch, network_lines(out, user), user)


def network_lines(out: np.ndarray, user: UserInk) -> np.ndarray:
    """A soft-outline network's output [S,S] -> bool (2S,2S) 1-px lines it adds to the sketch
    (its ridges without its copies of the user's strokes)."""
    return proposed_lines(ridge_lines(out), user)


def drawn_outline(sketch: np.ndarray, lines: np.ndarray, user: UserInk) -> np.ndarray:
    """network_lines joined to the user's strokes and drawn under them at the sketch's size
    and the user's line width: (H,W) uint8, 255 = paper."""
    h, w = sketch.shape
    lines = lines | user_connectors(lines, user)
    # Cut at the line level (proposed_lines), so drawn lines are not masked again: they must
    # reach the user's stroke they continue.
    width = user.width if user.width is not None else line_width(sketch)
    return np.minimum(sketch, stroke_lines(lines, w, h, width))


def _resize(drawing: np.ndarray, width: int, height: int) -> np.ndarray:
    return cv2.resize(drawing, (width, height), interpolation=cv2.INTER_LINEAR)
