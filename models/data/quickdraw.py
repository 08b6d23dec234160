"""Quick, Draw! drawings: parsing raw ndjson, normalising, and rasterising strokes.

Raw records hold ``drawing = [[xs], [ys], [ts]]`` per stroke in screen pixels. Drawings are
normalised once into the unit square (aspect kept, centred, with a margin) and then drawn at
any size and width, whole or as a stroke prefix (the paper's "partial sketch" for human data).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Sequence

import cv2
import numpy as np

QUICKDRAW_DIR = "quickdraw-v1"
PRETRAIN_FILE = "all_other_classes.ndjson"
# Every HOLDOUT_EVERY-th drawing of a class (by file order = key_id order) is for evaluation.
HOLDOUT_EVERY = 5
DEFAULT_MARGIN = 0.1  # fraction of the side left empty on each side, like objects-v1's 12/256
_SUBPIXEL_BITS = 4  # cv2 fixed-point coordinates: 1/16 px precision for smooth curves


@dataclass(frozen=True)
class Drawing:
    """One human drawing, normalised into the unit square."""

    word: str  # Quick Draw's label, e.g. "soccer ball" (file names hold our class names)
    key_id: str
    strokes: tuple[np.ndarray, ...]  # each float32 (n,2) of (x, y) in [0,1], pen order
    recognized: bool


def parse_line(line: str, margin: float = DEFAULT_MARGIN) -> Drawing:
    """One ndjson record -> a normalised Drawing. Raises ValueError on a malformed record."""
    rec = json.loads(line)
    raw = [
        np.stack([np.asarray(s[0], np.float32), np.asarray(s[1], np.float32)], axis=1)
        for s in rec["drawing"]
        if len(s[0]) > 0
    ]
    if not raw:
        raise ValueError(f"drawing {rec.get('key_id')} has no points")
    return Drawing(
        rec.get("word", ""),
        str(rec.get("key_id", "")),
        normalise(raw, margin),
        bool(rec.get("recognized", True)),
    )


def parse_file(
    path: Path | str, limit: int | None = None, margin: float = DEFAULT_MARGIN
) -> list[Drawing]:
    """All drawings of an ndjson file (the first ``limit`` if given), in file order."""
    drawings = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if limit is not None and len(drawings) >= limit:
                break
            if line.strip():
                drawings.append(parse_line(line, margin))
    return drawings


def normalise(
    strokes: Sequence[np.ndarray], margin: float = DEFAULT_MARGIN
) -> tuple[np.ndarray, ...]:
    """Fit strokes (float (n,2) screen px) into [margin, 1-margin]^2 keeping aspect, centred."""
    pts = np.concatenate(strokes, axis=0)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    extent = max(float((hi - lo).max()), 1e-6)
    scale = (1.0 - 2.0 * margin) / extent
    offset = 0.5 - scale * (lo + hi) / 2.0  # centre the bounding box
    return tuple((s * scale + offset).astype(np.float32) for s in strokes)


def rasterise(
    strokes: Sequence[np.ndarray], size: int, width: float, matrix: np.ndarray | None = None
) -> np.ndarray:
    """Draw unit-square strokes on a size x size canvas with antialiased lines.

    matrix: optional float (2,3) affine applied to pixel coordinates (same convention as
    cv2.warpAffine, so an image and a drawing can share one augmentation).
    Returns float32 (size,size) ink in [0,1] (1 = ink). Drawing more strokes only adds ink.
    """
    canvas = np.zeros((size, size), np.uint8)
    thickness = max(int(round(width)), 1)
    for s in strokes:
        pts = s.astype(np.float64) * size
        if matrix is not None:
            pts = pts @ matrix[:, :2].T + matrix[:, 2]
        fixed = np.round(pts * (1 << _SUBPIXEL_BITS)).astype(np.int32).reshape(-1, 1, 2)
        if len(fixed) == 1:  # a dot: polylines draws nothing for one point
            fixed = np.concatenate([fixed, fixed])
        cv2.polylines(canvas, [fixed], False, 255, thickness, cv2.LINE_AA, _SUBPIXEL_BITS)
    return canvas.astype(np.float32) / 255.0


def prefix(drawing: Drawing, k: int) -> tuple[np.ndarray, ...]:
    """The first ``k`` strokes: what the person had drawn after k pen lifts."""
    if not 0 <= k <= len(drawing.strokes):
        raise ValueError(f"k={k} outside 0..{len(drawing.strokes)}")
    return drawing.strokes[:k]


def class_file(root: Path, class_name: str) -> Path:
    """Path of a labelled class's ndjson (may not exist: Quick Draw lacks some classes)."""
    return Path(root) / QUICKDRAW_DIR / f"{class_name}.ndjson"


def split_drawings(
    drawings: Sequence[Drawing], split: Literal["train", "test", "all"]
) -> list[Drawing]:
    """Deterministic hold-out: every HOLDOUT_EVERY-th drawing (index 4, 9, ...) is "test"."""
    if split == "all":
        return list(drawings)
    is_test = [(i % HOLDOUT_EVERY) == HOLDOUT_EVERY - 1 for i in range(len(drawings))]
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train', 'test' or 'all', not {split!r}")
    return [d for d, t in zip(drawings, is_test) if t == (split == "test")]


def load_class(
    root: Path | str, class_name: str, split: Literal["train", "test", "all"] = "all"
) -> list[Drawing]:
    """The drawings of one labelled class in ``split``; [] when Quick Draw lacks the class."""
    path = class_file(Path(root), class_name)
    return split_drawings(parse_file(path), split) if path.is_file() else []
