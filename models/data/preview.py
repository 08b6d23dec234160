"""Contact sheet for eyeballing the data pipeline.

    python -m models.data.preview --data ../shared/datasets --out sheet.png

One row per image: colour, derived outline, a partial of it, then an augmented
(outline, colour) pair and the two overlaid (outline ink should sit on the object's edges).
The last rows show Quick Draw drawings with a stroke prefix.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image

from sketchfill.models.data import augment as aug
from sketchfill.models.data import cache, datasets, quickdraw, sources
from sketchfill.models.data.outlines import DEFAULT_OUTLINE, outline_image
from sketchfill.models.data.partial import DEFAULT_PARTIAL
from sketchfill.models.files import write_bytes
from sketchfill.models.options import DefaultsHelpFormatter

GAP = 4  # px of grey between tiles


def _gray(ink: np.ndarray) -> np.ndarray:
    # float (S,S) ink in [0,1] -> uint8 (S,S,3) black on white
    return np.repeat((255.0 * (1.0 - ink)).round().astype(np.uint8)[..., None], 3, axis=2)


def _overlay(ink: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    # Outline drawn in blue over a faded image, to check alignment.
    faded = (rgb.astype(np.float32) * 0.5 + 127.5)
    blue = np.array([0, 60, 255], np.float32)
    return (faded * (1 - ink[..., None]) + blue * ink[..., None]).round().astype(np.uint8)


def object_row(image: cache.DerivedImage, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Tiles for one derived image: colour, outline, partial, warped outline/colour, overlay."""
    rgba = datasets.resized_rgba(image, size)
    outline = np.repeat(outline_image(image.skeleton, size, 1.5 * size / 64)[..., None], 3, 2)
    partial, _ = datasets.shape_pair_from_outline(image, size, rng, aug.NO_AUGMENT,
                                                  DEFAULT_PARTIAL)
    ink, rgb = datasets.appearance_pair(image, rgba, size, rng, aug.DEFAULT_AUGMENT)
    return [rgba[..., :3], outline, _gray(partial), _gray(ink), rgb, _overlay(ink, rgb)]


def drawing_row(drawings: Sequence[quickdraw.Drawing], size: int,
                rng: np.random.Generator) -> list[np.ndarray]:
    """Pairs (prefix, whole) for up to three drawings."""
    tiles = []
    for d in drawings[:3]:
        p, f = datasets.shape_pair_from_drawing(d, size, rng, aug.DEFAULT_AUGMENT,
                                                DEFAULT_PARTIAL)
        tiles += [_gray(p), _gray(f)]
    return tiles


def sheet(rows: list[list[np.ndarray]], size: int) -> np.ndarray:
    """Grid of equal tiles, rows padded with grey. Returns uint8 (H,W,3)."""
    cols = max(len(r) for r in rows)
    blank = np.full((size, size, 3), 160, np.uint8)
    out = []
    for r in rows:
        tiles = r + [blank] * (cols - len(r))
        line = [np.pad(t, ((GAP, 0), (GAP, 0), (0, 0)), constant_values=160) for t in tiles]
        out.append(np.concatenate(line, axis=1))
    return np.concatenate(out, axis=0)


def build(root: Path, size: int, per_class: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    records = sources.discover(root)
    rows = []
    for name in sources.classes_of(records):
        for r in [r for r in records if r.class_name == name][:per_class]:
            rows.append(object_row(cache.load_derived(r.image_path, DEFAULT_OUTLINE), size, rng))
    for name in ("basketball", "pineapple", "strawberry"):
        rows.append(drawing_row(quickdraw.load_class(root, name), size, rng))
    return sheet(rows, size)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=DefaultsHelpFormatter)
    parser.add_argument("--data", "--root", dest="root", type=Path, default=None, metavar="DIR",
                        help=sources.DATA_HELP)
    parser.add_argument("--out", type=Path, default=Path("data_preview.png"),
                        help="contact sheet to write (relative to the current folder)")
    parser.add_argument("--size", type=int, default=128, help="side of each tile in px")
    parser.add_argument("--per-class", type=int, default=1, help="images shown per class")
    parser.add_argument("--seed", type=int, default=0, help="seed of the partials and warps")
    args = parser.parse_args(argv)
    root = args.root if args.root is not None else sources.default_data_root()
    try:
        buffer = io.BytesIO()
        Image.fromarray(build(root, args.size, args.per_class, args.seed)).save(buffer, "PNG")
        write_bytes(args.out, buffer.getvalue())
    except (sources.DataSourceError, OSError) as e:
        print(f"preview: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
