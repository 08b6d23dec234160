"""Where training images come from: records discovered under a data root, and the eval split.

Three layouts are understood, tried in this order:

* ``objects-v1``: ``<root>/objects-v1/manifest.json`` (or ``<root>/manifest.json``) listing RGBA
  images with class and drawing style.
* Scribble (the original iSketchNFill layout): ``<root>/images/<class>/*`` with optional
  ``<root>/scribbles/<class>/*`` files of the same stem.
* Plain class folders: ``<root>/<class>/*.png|jpg``.

Files named ``<style>__<name>.<ext>`` carry their style in the name; otherwise each file is its
own style. The hold-out split removes one whole style per class, so evaluation measures
generalisation to an unseen drawing style rather than to a re-rendered training image.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Literal, Sequence

Split = Literal["train", "test", "all"]

# The paper's 10 classes (Ghosh et al. 2019, Sec. 4) in the order the app shows them.
CORE_CLASSES: tuple[str, ...] = (
    "basketball", "chicken", "cookie", "cupcake", "moon",
    "orange", "pineapple", "soccer", "strawberry", "watermelon",
)
# Extra classes drawn by several emoji sets; kept after the core ones so indices 0..9 stay stable.
EXTRA_CLASSES: tuple[str, ...] = (
    "apple", "pear", "lemon", "peach", "cherries", "grapes",
    "banana", "donut", "birthday_cake", "tomato", "egg",
)
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp"})
STYLE_SEPARATOR = "__"
# A class must keep this many training images after its style is held out.
MIN_TRAIN_IMAGES = 5


class DataSourceError(RuntimeError):
    """The data root holds no layout we understand, or a listed file is missing."""


@dataclass(frozen=True)
class ImageRecord:
    """One colour image of one class (and, in the Scribble layout, its human scribble)."""

    class_name: str  # e.g. "orange"; not an index: indices depend on the chosen class list
    image_path: Path  # absolute path to an RGB or RGBA image
    style: str  # drawing style, the unit of the hold-out split
    scribble_path: Path | None = None  # Scribble layout only: the matching sketch


DATA_ENV = "SKETCHFILL_DATA"
# What a command's --data help says about the default (kept literal: a help text must not
# show a computer's absolute path).
DATA_HELP = "data root (default: $SKETCHFILL_DATA, else ../shared/datasets beside the clone)"


def default_data_root() -> Path:
    """The data root when no ``--data DIR`` is given: ``$SKETCHFILL_DATA`` if set, else
    ``../shared/datasets`` beside the repository clone (where CI keeps the data sets)."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    return Path(__file__).resolve().parents[3] / "shared" / "datasets"


def order_classes(names: Iterable[str]) -> list[str]:
    """Core classes first (paper order), then the known extras, then anything else sorted."""
    present = set(names)
    known = [c for c in CORE_CLASSES + EXTRA_CLASSES if c in present]
    return known + sorted(present - set(known))


def discover(root: Path | str | None = None) -> list[ImageRecord]:
    """All image records under ``root``, sorted by (class, path); raises if none are found."""
    root = Path(root) if root is not None else default_data_root()
    for finder in (_from_manifest, _from_scribble_layout, _from_class_folders):
        records = finder(root)
        if records:
            return sorted(records, key=lambda r: (r.class_name, str(r.image_path)))
    raise DataSourceError(f"no images found under {root} (expected objects-v1/manifest.json, "
                          "images/<class>/ or <class>/ folders)")


def classes_of(records: Sequence[ImageRecord]) -> list[str]:
    """The stable class list for these records."""
    return order_classes(r.class_name for r in records)


def _from_manifest(root: Path) -> list[ImageRecord]:
    manifest = next((p for p in (root / "objects-v1" / "manifest.json", root / "manifest.json")
                     if p.is_file()), None)
    if manifest is None:
        return []
    entries = json.loads(manifest.read_text())["files"]
    records = [ImageRecord(e["class"], manifest.parent / e["path"], e["style"]) for e in entries]
    missing = [r.image_path for r in records if not r.image_path.is_file()]
    if missing:
        raise DataSourceError(f"{manifest} lists {len(missing)} missing files, e.g. {missing[0]}")
    return records


def _from_scribble_layout(root: Path) -> list[ImageRecord]:
    images = root / "images"
    if not images.is_dir():
        return []
    scribbles = root / "scribbles"
    records = []
    for class_dir, path in _class_images(images):
        by_stem = _files_by_stem(scribbles / class_dir.name)
        records.append(ImageRecord(class_dir.name, path, _style_of(path), by_stem.get(path.stem)))
    return records


def _from_class_folders(root: Path) -> list[ImageRecord]:
    if not root.is_dir():
        return []
    return [ImageRecord(d.name, p, _style_of(p)) for d, p in _class_images(root)]


def _class_images(parent: Path) -> list[tuple[Path, Path]]:
    return [(d, p) for d in sorted(parent.iterdir()) if d.is_dir() and not d.name.startswith(".")
            for p in sorted(d.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES]


def _files_by_stem(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES}


def _style_of(path: Path) -> str:
    # "noto__tangerine.png" -> "noto"; a file without a style prefix is a style of its own.
    stem = path.stem
    return stem.split(STYLE_SEPARATOR, 1)[0] if STYLE_SEPARATOR in stem else stem


# ---------------------------------------------------------------------------------------------
# Hold-out split


def stable_hash(text: str) -> int:
    """A hash that, unlike ``hash()``, is the same in every process and Python version."""
    return int.from_bytes(hashlib.sha1(text.encode()).digest()[:8], "big")


def held_out_styles(records: Sequence[ImageRecord]) -> dict[str, str | None]:
    """class -> the one style held out for evaluation (None when the class is too small).

    Among styles whose removal leaves >= MIN_TRAIN_IMAGES training images, the one with the
    smallest stable hash of "class/style" is chosen, so adding a class never moves another's.
    """
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in records:
        counts[r.class_name][r.style] += 1
    chosen: dict[str, str | None] = {}
    for name, styles in counts.items():
        total = sum(styles.values())
        ok = [s for s, n in styles.items() if total - n >= MIN_TRAIN_IMAGES]
        chosen[name] = min(ok, key=lambda s: stable_hash(f"{name}/{s}")) if ok else None
    return chosen


def split_records(records: Sequence[ImageRecord], split: Split) -> list[ImageRecord]:
    """The records of ``split``: "test" = the held-out style of each class, "train" = the rest."""
    if split == "all":
        return list(records)
    held = held_out_styles(records)
    is_test = [held.get(r.class_name) == r.style for r in records]
    if split == "test":
        return [r for r, t in zip(records, is_test) if t]
    if split == "train":
        return [r for r, t in zip(records, is_test) if not t]
    raise ValueError(f"split must be 'train', 'test' or 'all', not {split!r}")
