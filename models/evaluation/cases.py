"""The evaluation's fixed inputs: held-out complete drawings and partial sketches made from them.

Held out = what training never sees (the data engineer's split): one drawing style per class of
objects-v1 (``sources.split_records(..., "test")``) and every fifth Quick, Draw! drawing
(``quickdraw.split_drawings(..., "test")``). Drawings are made at a canvas-like size with one
pen width; partials follow the paper's square erasing (Sec. 3.1: a square of side 1/4, 1/2 or
3/4 of the image) and, for Quick Draw, the first k pen strokes. Every random choice is seeded
from the item's name, so a case is the same whatever ``limit`` or class list selects it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from sketchfill.models.data import cache, sources
from sketchfill.models.data import partial as part
from sketchfill.models.data import quickdraw as qd
from sketchfill.models.nets import skeleton as sk
from sketchfill.models.data.outlines import DEFAULT_OUTLINE


@dataclass(frozen=True)
class CaseConfig:
    """How held-out drawings become evaluation cases."""

    size: int = 256  # canvas side in px: drawings, partials and metrics live at this size
    width: float = 6.0  # pen width in px at `size`: the data's test width (1.5 px at 64 px)
    square_sides: tuple[float, ...] = (0.25, 0.5, 0.75)  # paper Sec. 3.1 erased-square sides
    prefixes: bool = True  # also Quick Draw "first k strokes" partials
    prefix_shares: tuple[float, float] = (0.3, 0.7)  # k / strokes drawn uniformly in this range
    seed: int = 0  # base seed of every partial
    limit: int | None = None  # at most this many held-out drawings per source (None = all)


DEFAULT_CASES = CaseConfig()


@dataclass(frozen=True)
class HeldOut:
    """One held-out complete drawing."""

    name: str  # unique and stable, e.g. "objects/noto__orange" or "quickdraw/moon/4"
    source: str  # "objects" or "quickdraw"
    class_name: str
    full: np.ndarray  # uint8 (S,S) complete outline, 255 = paper, 0 = ink
    rgb: np.ndarray | None = None  # uint8 (S,S,3) the real colour image on white (objects only)
    drawing: qd.Drawing | None = None  # the pen strokes (Quick Draw only)


@dataclass(frozen=True)
class Case:
    """One partial sketch to complete."""

    item: HeldOut
    recipe: str  # "square-0.25", "square-0.5", "square-0.75" or "prefix"
    partial: np.ndarray  # uint8 (S,S), its ink a subset of item.full's


def ink_to_drawing(ink: np.ndarray) -> np.ndarray:
    """float (S,S) ink in [0,1] -> uint8 (S,S), 255 = paper, 0 = ink."""
    return (255.0 * (1.0 - np.clip(ink, 0.0, 1.0))).round().astype(np.uint8)


def drawing_to_ink(drawing: np.ndarray) -> np.ndarray:
    """uint8 (S,S) drawing -> float32 (S,S) ink in [0,1]."""
    return (255.0 - drawing.astype(np.float32)) / 255.0


def held_out_objects(root: Path, classes: Sequence[str], cfg: CaseConfig) -> list[HeldOut]:
    """The held-out-style objects-v1 images of ``classes`` with their derived outlines."""
    records = [r for r in sources.split_records(sources.discover(root), "test")
               if r.class_name in classes]
    return [object_item(r, cfg) for r in limit_per_class(records, cfg.limit,
                                                         lambda r: r.class_name)]


def object_item(record: sources.ImageRecord, cfg: CaseConfig) -> HeldOut:
    derived = cache.load_derived(record.image_path, DEFAULT_OUTLINE)
    full = ink_to_drawing(sk.render(derived.segments, cfg.size, cfg.width))
    rgb = _resize_rgb(derived.rgb, cfg.size)
    return HeldOut(f"objects/{record.image_path.stem}", "objects", record.class_name, full, rgb)


def _resize_rgb(rgb: np.ndarray, size: int) -> np.ndarray:
    if rgb.shape[0] == size:
        return rgb
    return cv2.resize(rgb, (size, size), interpolation=cv2.INTER_AREA)


def held_out_drawings(root: Path, classes: Sequence[str], cfg: CaseConfig) -> list[HeldOut]:
    """The held-out Quick, Draw! drawings of ``classes`` (classes Quick Draw lacks give none)."""
    found = [(c, i, d) for c in classes
             for i, d in enumerate(qd.load_class(root, c, "test"))]
    chosen = limit_per_class(found, cfg.limit, lambda t: t[0])
    return [HeldOut(f"quickdraw/{c}/{d.key_id or i}", "quickdraw", c,
                    ink_to_drawing(qd.rasterise(d.strokes, cfg.size, cfg.width)), drawing=d)
            for c, i, d in chosen]


def limit_per_class(items: Sequence, limit: int | None, class_of) -> list:
    """At most ``limit`` items, taken round-robin over classes so every class is represented."""
    if limit is None or limit >= len(items):
        return list(items)
    queues: dict[str, list] = {}
    for it in items:
        queues.setdefault(class_of(it), []).append(it)
    chosen: list = []
    depth = 0
    while len(chosen) < limit:
        chosen += [q[depth] for q in queues.values() if depth < len(q)][:limit - len(chosen)]
        depth += 1
    return chosen


def cases_of(item: HeldOut, cfg: CaseConfig) -> list[Case]:
    """Every partial of one held-out drawing: one per square side, plus a stroke prefix."""
    cases = [Case(item, f"square-{side:g}", _erase(item, side, cfg)) for side in cfg.square_sides]
    if cfg.prefixes and item.drawing is not None and len(item.drawing.strokes) >= 2:
        cases.append(Case(item, "prefix", _prefix(item, cfg)))
    return cases


def item_rng(item: HeldOut, recipe: str, cfg: CaseConfig) -> np.random.Generator:
    """The generator of one (item, recipe): a function of their names and the base seed only."""
    return np.random.default_rng([cfg.seed, sources.stable_hash(f"{item.name}/{recipe}")])


def _erase(item: HeldOut, side: float, cfg: CaseConfig) -> np.ndarray:
    pcfg = part.PartialConfig(square_sides=(side,))
    ink = part.erase_square(drawing_to_ink(item.full), item_rng(item, f"square-{side:g}", cfg),
                            pcfg)
    return ink_to_drawing(ink)


def _prefix(item: HeldOut, cfg: CaseConfig) -> np.ndarray:
    strokes = item.drawing.strokes
    k = part.prefix_share_length(len(strokes), item_rng(item, "prefix", cfg), cfg.prefix_shares)
    ink = qd.rasterise(strokes[:k], cfg.size, cfg.width)
    return ink_to_drawing(np.minimum(ink, drawing_to_ink(item.full)))


def held_out(root: Path, classes: Sequence[str], cfg: CaseConfig = DEFAULT_CASES
             ) -> list[HeldOut]:
    """All held-out drawings: objects first, then Quick Draw."""
    return held_out_objects(root, classes, cfg) + held_out_drawings(root, classes, cfg)
