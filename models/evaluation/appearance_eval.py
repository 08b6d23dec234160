"""Stage 2 evaluation: render held-out outlines under every class and ask judges what they see.

The paper's class-gating claim is that one generator renders any outline as any class. So each
held-out outline is rendered (through the engine, as the app does) under its own class and
under every other class, and each judge (classifier.py) names the most likely class among the
engine's classes. A pair (outline, requested class) counts as a win when the judge names the
requested class.

A trivial "flat colour" renderer (fill the outline's inside with the class's mean real colour)
is judged the same way: it shows how much of a score colour alone can earn, so a model has to
beat it before its renders can be said to look like the class rather than be tinted like it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import cv2
import numpy as np

from sketchfill.models.evaluation.classifier import Judge, resize
from sketchfill.models.evaluation.cases import HeldOut
from sketchfill.models.evaluation.metrics import near_share, skeleton_of
from sketchfill.models.data.real_images import RealImage

Renderer = Callable[[np.ndarray, str, int], np.ndarray]  # (outline, class, seed) -> RGB


@dataclass(frozen=True)
class Verdict:
    """What the judges said about one render."""

    name: str  # the outline's held-out name
    source: str  # "objects" or "quickdraw"
    outline_class: str  # the class the outline was drawn as
    requested: str  # the class it was rendered under
    said: dict[str, str]  # judge name -> the class it named

    @property
    def own(self) -> bool:
        return self.requested == self.outline_class


def render_all(render: Renderer, items: Sequence[HeldOut], classes: Sequence[str],
               size: int, seed: int = 0) -> dict[tuple[str, str], np.ndarray]:
    """(item name, class) -> uint8 (size,size,3) render, for every item and class."""
    return {(it.name, c): resize(render(it.full, c, seed), size)
            for it in items for c in classes}


def judge_renders(renders: dict[tuple[str, str], np.ndarray], items: Sequence[HeldOut],
                  judges: Sequence[Judge], classes: Sequence[str]) -> list[Verdict]:
    """One Verdict per render; judges choose among ``classes``."""
    keys = list(renders)
    if not keys:
        return []
    batch = np.stack([renders[k] for k in keys])
    said = {j.name: j.predict(batch, classes) for j in judges}
    by_name = {it.name: it for it in items}
    return [Verdict(name, by_name[name].source, by_name[name].class_name, c,
                    {j: said[j][i] for j in said})
            for i, (name, c) in enumerate(keys)]


def win_rate(verdicts: Sequence[Verdict], judge: str) -> float:
    """Share of verdicts where ``judge`` named the requested class (NaN if none)."""
    if not verdicts:
        return float("nan")
    return float(np.mean([v.said[judge] == v.requested for v in verdicts]))


def swept_share(verdicts: Sequence[Verdict], judge: str) -> float:
    """Share of outlines for which the requested class won under *every* class."""
    outlines: dict[str, bool] = {}
    for v in verdicts:
        outlines[v.name] = outlines.get(v.name, True) and v.said[judge] == v.requested
    return float(np.mean(list(outlines.values()))) if outlines else float("nan")


def summary(verdicts: Sequence[Verdict], judge: str) -> dict[str, float]:
    """all / own / other-class win rates, outlines swept, and counts, for one judge."""
    own = [v for v in verdicts if v.own]
    other = [v for v in verdicts if not v.own]
    return {"all": win_rate(verdicts, judge), "own": win_rate(own, judge),
            "other": win_rate(other, judge), "swept": swept_share(verdicts, judge),
            "n": len(verdicts), "outlines": len({v.name for v in verdicts})}


def per_class(verdicts: Sequence[Verdict], judge: str) -> dict[str, dict[str, float]]:
    """Requested class -> its win rate over all outlines, and over outlines of other classes."""
    out = {}
    for c in dict.fromkeys(v.requested for v in verdicts):
        mine = [v for v in verdicts if v.requested == c]
        out[c] = {"all": win_rate(mine, judge),
                  "other": win_rate([v for v in mine if not v.own], judge), "n": len(mine)}
    return out


def confusions(verdicts: Sequence[Verdict], judge: str, top: int = 5) -> list[tuple[str, str, int]]:
    """The most frequent (requested, named instead) mistakes of one judge."""
    counts: dict[tuple[str, str], int] = {}
    for v in verdicts:
        if v.said[judge] != v.requested:
            key = (v.requested, v.said[judge])
            counts[key] = counts.get(key, 0) + 1
    return [(a, b, n) for (a, b), n in sorted(counts.items(), key=lambda kv: -kv[1])[:top]]


# ---------------------------------------------------------------------------------------------
# The flat-colour baseline


def mean_colours(images: Sequence[RealImage]) -> dict[str, np.ndarray]:
    """class -> float (3,) mean RGB of its real images' object pixels (alpha >= 128)."""
    sums: dict[str, list[np.ndarray]] = {}
    for im in images:
        sums.setdefault(im.class_name, []).append(im.rgb[im.alpha >= 128].astype(np.float64))
    return {c: np.concatenate(px).mean(axis=0) for c, px in sums.items()}


def inside_of(outline: np.ndarray) -> np.ndarray:
    """bool (H,W): pixels the page flood fill from the border cannot reach (ink included)."""
    paper = (outline >= 128).astype(np.uint8)
    padded = np.pad(paper, 1, constant_values=1)
    mask = np.zeros((padded.shape[0] + 2, padded.shape[1] + 2), np.uint8)
    cv2.floodFill(padded, mask, (0, 0), 2)
    return padded[1:-1, 1:-1] != 2


def flat_colour_renderer(colours: dict[str, np.ndarray]) -> Renderer:
    """A renderer that paints the outline's inside in the class's mean colour, lines on top."""
    def render(outline: np.ndarray, class_name: str, seed: int) -> np.ndarray:
        rgb = np.full(outline.shape + (3,), 255.0)
        rgb[inside_of(outline)] = colours[class_name]
        ink = (255.0 - outline.astype(np.float64))[..., None] / 255.0
        return (rgb * (1.0 - ink)).round().astype(np.uint8)
    return render


# ---------------------------------------------------------------------------------------------
# Outline edge recall: image edges are Canny edges (Canny 1986) of the render's luminance
# (BT.601) with fixed thresholds; an outline pixel is followed when an edge lies within 3 px.
# The outline's own ink is inpainted out of the render first: a render that only copies the
# lines onto a blob would otherwise follow every one of them.

CANNY_LOW = 50  # uint8 luminance gradient: weak edges kept only when joined to strong ones
CANNY_HIGH = 100  # a step of ~100 grey levels between regions is a sure edge
EDGE_TOLERANCE = 3.0  # px at the evaluation size (256): an image edge this close follows a line
LINE_GROW = 2  # px: a render's copy of a line may be this much wider on each side
INPAINT_RADIUS = 3  # px around the masked lines that Telea inpainting reads colours from


def without_outline_ink(rgb: np.ndarray, outline: np.ndarray) -> np.ndarray:
    """The render with the outline's ink (grown by LINE_GROW) painted over from the colours
    beside it (Telea inpainting): what is left is the edges that the colours make."""
    ink = (outline < 128).astype(np.uint8)
    mask = cv2.dilate(ink, np.ones((2 * LINE_GROW + 1,) * 2, np.uint8))
    return cv2.inpaint(np.ascontiguousarray(rgb), mask, INPAINT_RADIUS, cv2.INPAINT_TELEA)


def image_edges(rgb: np.ndarray) -> np.ndarray:
    """uint8 (H,W,3) render -> bool (H,W) Canny edges of its luminance."""
    luma = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    return cv2.Canny(luma, CANNY_LOW, CANNY_HIGH) > 0


def edge_recall(rgb: np.ndarray, outline: np.ndarray,
                tolerance: float = EDGE_TOLERANCE) -> float:
    """Share of the outline's 1-px skeleton within ``tolerance`` of an edge of the render's
    colours (its copy of the outline's lines inpainted away); NaN if the outline is blank.

    rgb: uint8 (H,W,3) render; outline: uint8 (H,W) drawing, 255 = paper, 0 = ink.
    """
    edges = image_edges(without_outline_ink(rgb, outline))
    return near_share(skeleton_of(outline), edges, tolerance)


def mean_edge_recall(renders: dict[tuple[str, str], np.ndarray],
                     outlines: dict[str, np.ndarray]) -> float:
    """Mean edge recall over renders keyed (outline name, class); NaN if none scored.

    Each uint8 (H,W) outline is resized (area) to its render's size before scoring.
    """
    scores = []
    for (name, _), rgb in renders.items():
        h, w = rgb.shape[:2]
        outline = cv2.resize(outlines[name], (w, h), interpolation=cv2.INTER_AREA)
        scores.append(edge_recall(rgb, outline))
    scores = [s for s in scores if not np.isnan(s)]
    return float(np.mean(scores)) if scores else float("nan")
