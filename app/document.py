"""The sketch as vector strokes, the pure edits on it, and its rasterisation for the shape network.

Everything here is immutable data plus pure functions, so the undo stack can hold snapshots and
the worker thread can be handed copies without locks. No Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal, Sequence

import cv2
import numpy as np

from sketchfill.app.runtime import cores

Tool = Literal["pen", "eraser"]
TOOLS: tuple[str, ...] = ("pen", "eraser")

PAPER = 255  # raster value of blank paper (the engine's convention)
INK = 0  # raster value of ink
DEFAULT_SIZE = 512  # logical canvas side in canvas pixels; the engine resizes to its own size
DEFAULT_K = 8  # completions per update, as in the paper's interface
LIVE_K = 2  # completions while the pen is down (the first of the K seeds, so they stay put):
# the shadow keeps up with the pen; all K and the image follow when it lifts


def worker_threads(spinning: bool = True) -> int:
    """Threads for the networks while the pen is down (and for loading): one core left to the
    UI thread, so the pen never waits. Except on two cores for a runtime whose idle threads
    sleep (`spinning` False: ONNX Runtime as the app sets it up, OpenVINO), which gets both:
    the UI thread needs a fraction of a core, and keeping a whole one for it made the shadow
    trail the pen 10% longer (gui.ui_bench, p90 15%) with no shorter stall. Torch's OpenMP
    threads spin between operators and lose more to the UI thread's turns than the second
    core brings (pen to shadow 111-121 against 97-115 ms): they keep one (docs/runtime.md)."""
    count = cores.physical_cores()
    return count if count == 2 and not spinning else max(1, count - 1)


def rest_threads() -> int:
    """Torch threads once the pen has lifted: every core, since the UI thread then has
    little to do and the final shadow and image are what the artist waits for."""
    return cores.physical_cores()


MIN_WIDTH = 1.0  # the thinnest line a pressure-scaled segment may draw, in canvas pixels
_SUBPIXEL_BITS = 4  # cv2 fixed-point shift: coordinates carry 1/16 px precision

Point = tuple[float, float, float]  # (x, y) in canvas pixels, pressure in [0, 1]


@dataclass(frozen=True)
class Stroke:
    """One pen or eraser stroke.

    An eraser belongs to the strokes it cut: erasing adds the eraser's path to the `erased` of
    every pen stroke it touches (Sketch.with_stroke), so a moved stroke takes its gaps along,
    and a stroke moved later across an old eraser path is not cut by it."""

    tool: Tool  # "pen" lays ink, "eraser" restores paper
    width: float  # line width in canvas pixels at pressure 1.0
    points: tuple[Point, ...]  # in drawing order; a single point draws a dot
    erased: tuple["Stroke", ...] = ()  # pen only: the eraser paths that cut this stroke

    def __post_init__(self) -> None:
        if self.tool not in TOOLS:
            raise ValueError(f"stroke tool must be one of {TOOLS}, got {self.tool!r}")
        if not self.width > 0:
            raise ValueError(f"stroke width must be positive, got {self.width!r}")
        if not self.points:
            raise ValueError("a stroke needs at least one point")

    def translated(self, dx: float, dy: float) -> "Stroke":
        """The stroke moved by (dx, dy), its erased gaps with it."""
        return replace(self, points=tuple((x + dx, y + dy, p) for x, y, p in self.points),
                       erased=tuple(e.translated(dx, dy) for e in self.erased))

    def cut_by(self, eraser: "Stroke") -> "Stroke":
        return replace(self, erased=self.erased + (eraser,))

    def scaled(self, factor: float) -> "Stroke":
        """The stroke, its width and its erased gaps scaled by `factor` about the origin."""
        return replace(self, width=self.width * factor,
                       points=tuple((x * factor, y * factor, p) for x, y, p in self.points),
                       erased=tuple(e.scaled(factor) for e in self.erased))

    def bounds(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) of the points, grown by half the width."""
        xy = np.asarray(self.points, dtype=np.float64)[:, :2]
        r = self.width / 2
        return (xy[:, 0].min() - r, xy[:, 1].min() - r, xy[:, 0].max() + r, xy[:, 1].max() + r)

    def segment_widths(self) -> list[float]:
        """Width of each point's dab: the pressure scales the nominal width."""
        return [max(MIN_WIDTH, self.width * p) for _, _, p in self.points]


@dataclass(frozen=True)
class Sketch:
    """Everything an undo step restores: the strokes, the class and the seed."""

    width: int = DEFAULT_SIZE  # canvas width in canvas pixels
    height: int = DEFAULT_SIZE  # canvas height in canvas pixels
    strokes: tuple[Stroke, ...] = ()  # pen strokes painted in order, each with its erased gaps
    class_name: str = ""  # the appearance class ("" until the engine has told us its classes)
    seed: int = 0  # fixes all K completions and the colour noise until Dice draws a new one

    def with_stroke(self, stroke: Stroke) -> "Sketch":
        """A pen stroke is added on top; an eraser cuts the strokes it touches (and is no
        stroke of its own: erasing blank paper changes nothing)."""
        if stroke.tool == "eraser":
            return self.erased_by(stroke)
        return replace(self, strokes=self.strokes + (stroke,))

    def with_strokes(self, strokes: Sequence[Stroke]) -> "Sketch":
        sketch = self
        for stroke in strokes:
            sketch = sketch.with_stroke(stroke)
        return sketch

    def erased_by(self, eraser: Stroke) -> "Sketch":
        """Every stroke the eraser touches gets its path as a gap of its own."""
        touched = [i for i, s in enumerate(self.strokes) if touches(eraser, s)]
        if not touched:
            return self
        strokes = tuple(s.cut_by(eraser) if i in touched else s for i, s in enumerate(self.strokes))
        return replace(self, strokes=strokes)

    def cleared(self) -> "Sketch":
        return replace(self, strokes=())

    def with_class(self, class_name: str) -> "Sketch":
        return replace(self, class_name=class_name)

    def with_seed(self, seed: int) -> "Sketch":
        return replace(self, seed=seed)

    def moved(self, indices: Sequence[int], dx: float, dy: float) -> "Sketch":
        """Move the strokes at `indices` by (dx, dy) canvas pixels (the paper's Move Stroke)."""
        chosen = set(indices)
        strokes = tuple(
            s.translated(dx, dy) if i in chosen else s for i, s in enumerate(self.strokes)
        )
        return replace(self, strokes=strokes)

    def without(self, indices: Sequence[int]) -> "Sketch":
        """The sketch with the strokes at `indices` removed (Delete on a selection)."""
        gone = set(indices)
        return replace(self, strokes=tuple(s for i, s in enumerate(self.strokes) if i not in gone))

    def strokes_in(self, rect: tuple[float, float, float, float]) -> tuple[int, ...]:
        """Indices of the strokes with at least one point inside (left, top, right, bottom)."""
        left, top, right, bottom = rect
        return tuple(
            i
            for i, s in enumerate(self.strokes)
            if any(left <= x <= right and top <= y <= bottom for x, y, _ in s.points)
        )

    def completion_seeds(self, k: int = DEFAULT_K) -> tuple[int, ...]:
        """K per-completion seeds derived from the sketch seed, stable across runs. Odd and
        even alternate, so half the completions see the sketch mirrored (the engine's
        mirrored_view) whatever the sketch seed."""
        state = np.random.SeedSequence(self.seed).generate_state(k, dtype=np.uint32)
        return tuple((int(s) & 0x7FFFFFFE) | (i % 2) for i, s in enumerate(state))


def blank(width: int, height: int) -> np.ndarray:
    """(H, W) uint8 paper."""
    return np.full((height, width), PAPER, dtype=np.uint8)


def touches(eraser: Stroke, stroke: Stroke) -> bool:
    """Whether the eraser's path removes any ink of `stroke` (its own gaps aside), decided on
    the two drawn at canvas resolution inside their common bounding box."""
    box = _overlap(eraser.bounds(), stroke.bounds())
    if box is None:
        return False
    left, top, w, h = box
    ink = np.full((h, w), PAPER, np.uint8)
    draw_stroke(ink, stroke.translated(-left, -top))
    rubbed = np.full((h, w), PAPER, np.uint8)
    draw_stroke(rubbed, replace(eraser.translated(-left, -top), tool="pen"))
    return bool(((ink < PAPER) & (rubbed < PAPER)).any())


def _overlap(a: tuple[float, float, float, float],
             b: tuple[float, float, float, float]) -> tuple[int, int, int, int] | None:
    """(left, top, width, height) in whole px of the intersection of two (l, t, r, b) boxes,
    grown by a pixel for anti-aliasing; None when they do not meet."""
    left, top = int(np.floor(max(a[0], b[0]))) - 1, int(np.floor(max(a[1], b[1]))) - 1
    right, bottom = int(np.ceil(min(a[2], b[2]))) + 1, int(np.ceil(min(a[3], b[3]))) + 1
    if right <= left or bottom <= top:
        return None
    return left, top, right - left, bottom - top


def draw_stroke(raster: np.ndarray, stroke: Stroke, start: int = 0, narrower: int = 0) -> None:
    """Paint a stroke into a (H, W) uint8 raster in place: pen draws 0, eraser draws 255.
    A pen stroke's erased gaps cut only that stroke, not what lies below it.

    start > 0 paints only the segments ending at points start.. (the rest is already there).
    narrower: px taken off OpenCV's line thickness (its anti-aliased lines come out about 1.6
    px wider than asked); 0 for the networks' input, which they were trained on.
    """
    if stroke.erased and start == 0:
        _draw_cut_stroke(raster, stroke, narrower)
        return
    value = INK if stroke.tool == "pen" else PAPER
    scale = 1 << _SUBPIXEL_BITS
    first = max(start - 1, 0)
    pts = [(round(x * scale), round(y * scale)) for x, y, _ in stroke.points[first:]]
    widths = stroke.segment_widths()[first:]
    if len(stroke.points) == 1:
        radius = max(1, round((widths[0] - narrower) / 2 * scale))
        cv2.circle(raster, pts[0], radius, value, -1, cv2.LINE_AA, _SUBPIXEL_BITS)
        return
    for a, b, w0, w1 in zip(pts, pts[1:], widths, widths[1:]):
        thickness = max(1, round((w0 + w1) / 2) - narrower)
        cv2.line(raster, a, b, value, thickness, cv2.LINE_AA, _SUBPIXEL_BITS)


def _draw_cut_stroke(raster: np.ndarray, stroke: Stroke, narrower: int = 0) -> None:
    """The stroke drawn on its own paper, its gaps erased there, then laid on the raster."""
    box = _overlap(stroke.bounds(), (0, 0, raster.shape[1], raster.shape[0]))
    if box is None:
        return
    left, top, w, h = box
    left, top = max(left, 0), max(top, 0)
    w, h = min(w, raster.shape[1] - left), min(h, raster.shape[0] - top)
    own = np.full((h, w), PAPER, np.uint8)
    draw_stroke(own, replace(stroke, erased=()).translated(-left, -top), narrower=narrower)
    for eraser in stroke.erased:
        draw_stroke(own, eraser.translated(-left, -top), narrower=narrower)
    view = raster[top:top + h, left:left + w]
    np.minimum(view, own, out=view)


def rasterise(sketch: Sketch, extra: Sequence[Stroke] = ()) -> np.ndarray:
    """(H, W) uint8 at canvas size, 255 = paper, 0 = ink: the sketch plus `extra` strokes."""
    raster = blank(sketch.width, sketch.height)
    for stroke in sketch.strokes + tuple(extra):
        draw_stroke(raster, stroke)
    return raster


EXPORT_SUPERSAMPLE = 4  # the exported sketch is drawn this much larger, then area-averaged
EXPORT_MAX_SIDE = 8192  # px of that larger drawing (a larger canvas is drawn less enlarged)


def rasterise_as_drawn(sketch: Sketch) -> np.ndarray:
    """(H, W) uint8 at canvas size whose lines are as wide as the artist drew them (the
    exported sketch PNG): drawn enlarged with OpenCV's thickness corrected, then shrunk."""
    factor = max(1, min(EXPORT_SUPERSAMPLE, EXPORT_MAX_SIDE // max(sketch.width, sketch.height)))
    big = blank(sketch.width * factor, sketch.height * factor)
    for stroke in sketch.strokes:
        draw_stroke(big, stroke.scaled(factor), narrower=2)
    return cv2.resize(big, (sketch.width, sketch.height), interpolation=cv2.INTER_AREA)


class Rasteriser:
    """Rasterises sketches incrementally: appending a stroke redraws one stroke, not all.

    Holds only the last raster so undo snapshots stay small.
    """

    def __init__(self) -> None:
        self._sketch: Sketch | None = None
        self._raster: np.ndarray | None = None  # (H, W) uint8, read-only
        self._live: Stroke | None = None  # the live stroke drawn into `_live_raster`
        self._live_raster: np.ndarray | None = None  # ink of `_sketch` plus `_live`

    def ink(self, sketch: Sketch) -> np.ndarray:
        """Read-only (H, W) uint8 raster of `sketch`; callers copy before drawing on it."""
        if self._sketch is sketch and self._raster is not None:
            return self._raster
        raster = self._extend(sketch)
        if raster is None:
            raster = rasterise(sketch)
        raster.flags.writeable = False
        self._sketch, self._raster = sketch, raster
        self._live, self._live_raster = None, None
        return raster

    def with_live(self, sketch: Sketch, live: Stroke | None) -> np.ndarray:
        """A fresh writable raster of `sketch` with the stroke still being drawn on top.

        While one stroke grows point by point only its new segments are drawn, so the cost
        per request does not grow with the stroke's length.
        """
        base = self.ink(sketch)
        if live is None:
            return base.copy()
        old = self._live
        if self._live_raster is None or not _grows(old, live):
            self._live_raster = base.copy()
            draw_stroke(self._live_raster, live)
        else:
            draw_stroke(self._live_raster, live, start=len(old.points))  # type: ignore[union-attr]
        self._live = live
        return self._live_raster.copy()

    def _extend(self, sketch: Sketch) -> np.ndarray | None:
        old = self._sketch
        if old is None or self._raster is None or not _appends_to(old, sketch):
            return None
        raster = self._raster.copy()
        for stroke in sketch.strokes[len(old.strokes) :]:
            draw_stroke(raster, stroke)
        return raster


def _grows(old: Stroke | None, new: Stroke) -> bool:
    """True when `new` is `old` with points added (the canvas only ever appends).

    A one-point stroke was drawn as a dot, which a longer stroke does not have: redraw.
    """
    if old is None or len(old.points) < 2 or (old.tool, old.width) != (new.tool, new.width):
        return False
    n = len(old.points)
    return (
        len(new.points) > n
        and new.points[n - 1] == old.points[-1]
        and new.points[0] == old.points[0]
    )


def _appends_to(old: Sketch, new: Sketch) -> bool:
    """True when `new` is `old` with strokes added at the end (same canvas)."""
    if (old.width, old.height) != (new.width, new.height):
        return False
    n = len(old.strokes)
    return len(new.strokes) >= n and all(a is b for a, b in zip(old.strokes, new.strokes[:n]))
