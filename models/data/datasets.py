"""torch Datasets for the two stages.

Conventions shared by every item (what training code may rely on):

* Sketch tensors are float32 ``[1,S,S]`` in [-1,1]: paper = +1, ink = -1 (antialiased edges
  take values in between).
* Colour tensors are float32 ``[3,S,S]`` RGB in [-1,1], the object composited on white (+1).
* Labels are int64 scalars indexing the ``classes`` list the dataset was built with
  (``dataset.classes``); -1 means "no class" (class-agnostic pretraining).
* Item ``i`` of epoch ``e`` is drawn from ``np.random.default_rng([seed, e, i])``: the same
  item for the same (seed, epoch, index) in any worker, different across epochs. Call
  ``set_epoch(e)`` before each epoch (with non-persistent DataLoader workers, the default,
  the workers see it). "test" splits ignore the epoch and use no augmentation, so an
  evaluation set is fixed.
* ``len(dataset)`` is ``length`` if given, else one pass over the sources; index i uses source
  ``i % n_sources``.
* Expensive outline extraction happens once per image in ``__init__`` (disk-cached, see
  cache.py); ``__getitem__`` only renders, warps and erases (a few ms at 64-128 px).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Sequence

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from sketchfill.models.data import augment as aug
from sketchfill.models.data import cache, sources
from sketchfill.models.data import quickdraw as qd
from sketchfill.models.data import partial as part
from sketchfill.models.nets import skeleton as sk
from sketchfill.models.data.augment import DEFAULT_AUGMENT, NO_AUGMENT, AugmentConfig
from sketchfill.models.data.outlines import DEFAULT_OUTLINE, OutlineConfig
from sketchfill.models.data.partial import DEFAULT_PARTIAL, PartialConfig
from sketchfill.models.data.quickdraw import Drawing

Split = Literal["train", "test", "all"]
NO_LABEL = -1  # label of class-agnostic pretraining items


@dataclass(frozen=True)
class _ObjectSource:
    label: int
    image: cache.DerivedImage


@dataclass(frozen=True)
class _DrawingSource:
    label: int
    drawing: Drawing


def ink_to_tensor(ink: np.ndarray) -> torch.Tensor:
    """float (S,S) ink in [0,1] (1 = ink) -> float32 [1,S,S] in [-1,1] (paper +1, ink -1)."""
    return torch.from_numpy((1.0 - 2.0 * ink).astype(np.float32))[None]


def rgb_to_tensor(rgb: np.ndarray) -> torch.Tensor:
    """uint8 (S,S,3) RGB -> float32 [3,S,S] in [-1,1]."""
    return torch.from_numpy(rgb.astype(np.float32) / 127.5 - 1.0).permute(2, 0, 1).contiguous()


def resolve_classes(root: Path | str | None, classes: Sequence[str] | None) -> list[str]:
    """The given class list, or every class under ``root`` in the stable app order."""
    return list(classes) if classes is not None else sources.classes_of(sources.discover(root))


def load_objects(root: Path | str | None, classes: Sequence[str], split: Split,
                 outline: OutlineConfig, cache_dir: Path | None) -> list[_ObjectSource]:
    """Derived images (cached) of ``split`` for the listed classes, label = index in classes."""
    index = {c: i for i, c in enumerate(classes)}
    records = sources.split_records(sources.discover(root), split)
    return [_ObjectSource(index[r.class_name], cache.load_derived(r.image_path, outline, cache_dir))
            for r in records if r.class_name in index]


class _EpochDataset(Dataset):
    """Length, epoch and per-item RNG shared by all datasets here."""

    def __init__(self, n_sources: int, split: Split, seed: int, length: int | None,
                 augment: AugmentConfig | None) -> None:
        if n_sources == 0:
            raise ValueError(f"{type(self).__name__}: no data for split {split!r}")
        self.split, self.seed, self.epoch = split, seed, 0
        self.n_sources = n_sources
        self.length = length if length is not None else n_sources
        # Evaluation is fixed: no geometric/colour change, one line width.
        self.augment = augment if augment is not None else (
            NO_AUGMENT if split == "test" else DEFAULT_AUGMENT)

    def set_epoch(self, epoch: int) -> None:
        """Items of a new epoch get fresh randomness (ignored by the "test" split)."""
        self.epoch = epoch

    def __len__(self) -> int:
        return self.length

    def _rng(self, index: int) -> np.random.Generator:
        if not 0 <= index < self.length:
            raise IndexError(index)
        epoch = 0 if self.split == "test" else self.epoch
        return np.random.default_rng([self.seed, epoch, index])


def _outline_ink(segments: np.ndarray, size: int, width: float, warp: aug.Warp) -> np.ndarray:
    # float32 (S,S) ink of the (possibly partial) skeleton after the item's warp.
    return aug.apply_warp(warp, sk.render(segments, size, width))[0]


def outline_ink(segments: np.ndarray, size: int, width: float) -> np.ndarray:
    """float32 (S,S) ink of a derived outline's segments drawn `width` px wide, unwarped."""
    return sk.render(segments, size, width)


def _drawing_ink(strokes: Sequence[np.ndarray], size: int, width: float,
                 warp: aug.Warp) -> np.ndarray:
    warped = [aug.warp_points(warp, s.astype(np.float64) * size) / size for s in strokes]
    return qd.rasterise(warped, size, width)


def _ensure_partial(partial: np.ndarray, full: np.ndarray, rng: np.random.Generator,
                    cfg: PartialConfig) -> np.ndarray:
    # A one-stroke drawing or one-segment outline cannot lose strokes: erase a square instead,
    # so a partial is always strictly less than its full sketch.
    if partial.sum() < full.sum() - 0.5:
        return partial
    return part.erase_square(full, rng, cfg)


def _square_or(full: np.ndarray, rng: np.random.Generator, cfg: PartialConfig,
               square_prob: float, other) -> np.ndarray:
    """The partial of `full`: a square erased with probability `square_prob`, else what
    `other()` draws (the source's own recipe); always a strict subset of `full`."""
    partial = part.erase_square(full, rng, cfg) if rng.random() < square_prob else other()
    return np.minimum(_ensure_partial(partial, full, rng, cfg), full)


def shape_pair_from_outline(image: cache.DerivedImage, size: int, rng: np.random.Generator,
                            augment: AugmentConfig, cfg: PartialConfig
                            ) -> tuple[np.ndarray, np.ndarray]:
    """(partial, full) float32 (S,S) ink maps from one derived outline."""
    warp = aug.sample_warp(rng, augment, size)
    width = aug.sample_width(rng, augment, size)
    full = _outline_ink(image.segments, size, width, warp)
    return _square_or(full, rng, cfg, cfg.square_prob, lambda: _outline_ink(
        part.drop_segments(image.segments, rng, cfg), size, width, warp)), full


def half_pair_from_outline(image: cache.DerivedImage, size: int, rng: np.random.Generator,
                           augment: AugmentConfig) -> tuple[np.ndarray, np.ndarray]:
    """(partial, full) float32 (S,S) ink maps: one derived outline, augmented, with a random
    half erased (the gap of a drawing half done, larger than the training squares)."""
    warp = aug.sample_warp(rng, augment, size)
    full = _outline_ink(image.segments, size, aug.sample_width(rng, augment, size), warp)
    return part.erase_half(full, part.HALVES[int(rng.integers(len(part.HALVES)))]), full


def shape_pair_from_drawing(drawing: Drawing, size: int, rng: np.random.Generator,
                            augment: AugmentConfig, cfg: PartialConfig
                            ) -> tuple[np.ndarray, np.ndarray]:
    """(partial, full) float32 (S,S) ink maps: the whole drawing with a square erased, or its
    first k strokes."""
    warp = aug.sample_warp(rng, augment, size)
    width = aug.sample_width(rng, augment, size)
    full = _drawing_ink(drawing.strokes, size, width, warp)
    return _square_or(full, rng, cfg, cfg.drawing_square_prob, lambda: _drawing_ink(
        qd.prefix(drawing, part.prefix_length(len(drawing.strokes), rng)), size, width,
        warp)), full


class ShapeDataset(_EpochDataset):
    """Stage 1 (shape completion) pairs.

    Item: ``(partial, full, label)``: partial and full float32 [1,S,S] in [-1,1] (paper +1,
    ink -1), partial's ink a subset of full's; label int64 index into ``self.classes``.
    Sources: outlines derived from the colour images (augmented, then square-erased or with
    stroke segments dropped) and, if ``quickdraw``, the Quick Draw drawings of the same
    classes (square-erased, or first k strokes vs all). Train and test splits never share an
    image style or a drawing (see sources.held_out_styles and qd.split_drawings).
    """

    def __init__(self, root: Path | str | None = None, classes: Sequence[str] | None = None,
                 size: int = 64, split: Split = "train", seed: int = 0, quickdraw: bool = True,
                 *, length: int | None = None, augment: AugmentConfig | None = None,
                 partial: PartialConfig = DEFAULT_PARTIAL,
                 outline: OutlineConfig = DEFAULT_OUTLINE, cache_dir: Path | None = None) -> None:
        self.root = Path(root) if root is not None else sources.default_data_root()
        self.classes = resolve_classes(self.root, classes)
        self.size, self.partial = size, partial
        found: list[_ObjectSource | _DrawingSource] = list(
            load_objects(self.root, self.classes, split, outline, cache_dir))
        if quickdraw:
            found += [_DrawingSource(i, d) for i, c in enumerate(self.classes)
                      for d in qd.load_class(self.root, c, split)]
        self.sources = found
        super().__init__(len(found), split, seed, length, augment)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        rng = self._rng(index)
        src = self.sources[index % self.n_sources]
        if isinstance(src, _ObjectSource):
            pair = shape_pair_from_outline(src.image, self.size, rng, self.augment, self.partial)
        else:
            pair = shape_pair_from_drawing(src.drawing, self.size, rng, self.augment, self.partial)
        return ink_to_tensor(pair[0]), ink_to_tensor(pair[1]), torch.tensor(src.label)


class QuickDrawPretrainDataset(_EpochDataset):
    """Class-agnostic stage 1 pretraining on Quick Draw's other classes.

    Item: ``(partial, full, label)`` exactly as ShapeDataset, with label = -1 (NO_LABEL).
    ``limit`` reads only the first drawings of the 9k-line file (parsing all takes ~1 s).
    """

    def __init__(self, root: Path | str | None = None, size: int = 64, split: Split = "train",
                 seed: int = 0, *, limit: int | None = None, length: int | None = None,
                 augment: AugmentConfig | None = None,
                 partial: PartialConfig = DEFAULT_PARTIAL) -> None:
        self.root = Path(root) if root is not None else sources.default_data_root()
        path = self.root / qd.QUICKDRAW_DIR / qd.PRETRAIN_FILE
        self.drawings = qd.split_drawings(qd.parse_file(path, limit), split)
        self.size, self.partial = size, partial
        self.classes: list[str] = []
        super().__init__(len(self.drawings), split, seed, length, augment)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        rng = self._rng(index)
        drawing = self.drawings[index % self.n_sources]
        p, f = shape_pair_from_drawing(drawing, self.size, rng, self.augment, self.partial)
        return ink_to_tensor(p), ink_to_tensor(f), torch.tensor(NO_LABEL)


class AgnosticMix(Dataset):
    """A class data set with class-agnostic items (label -1) mixed in at a given share.

    The shape data of the listed classes is small (a few hundred drawings); Quick Draw's
    other classes hold some 9,000 human drawings. Mixed in under the "no listed class" label
    they teach how people's strokes continue in general, without claiming any class. Index i
    < len(classed) is the class item i; the rest walk through the agnostic set, a new stretch
    of it each epoch, so every drawing comes round.
    """

    def __init__(self, classed: Dataset, agnostic: Dataset, share: float) -> None:
        if not 0.0 < share < 1.0:
            raise ValueError(f"agnostic share {share} must be in (0, 1)")
        self.classed, self.agnostic = classed, agnostic
        self.classes = classed.classes
        self.n_extra = max(1, round(len(classed) * share / (1.0 - share)))
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        for part_set in (self.classed, self.agnostic):
            part_set.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.classed) + self.n_extra

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if not 0 <= index < len(self):
            raise IndexError(index)
        if index < len(self.classed):
            return self.classed[index]
        walked = self.epoch * self.n_extra + index - len(self.classed)
        return self.agnostic[walked % len(self.agnostic)]


class AppearanceDataset(_EpochDataset):
    """Stage 2 (appearance) pairs.

    Item: ``(outline, image, label)``: outline float32 [1,S,S] in [-1,1] (paper +1, ink -1),
    image float32 [3,S,S] RGB in [-1,1] on white, label int64 index into ``self.classes``.
    Outline and image share one random warp (so lines stay on the object's edges); the image
    alone gets a mild colour jitter that keeps its hue (an orange stays orange).
    """

    def __init__(self, root: Path | str | None = None, classes: Sequence[str] | None = None,
                 size: int = 128, split: Split = "train", seed: int = 0, *,
                 length: int | None = None, augment: AugmentConfig | None = None,
                 outline: OutlineConfig = DEFAULT_OUTLINE, cache_dir: Path | None = None,
                 class_balanced: bool = False) -> None:
        self.root = Path(root) if root is not None else sources.default_data_root()
        self.classes = resolve_classes(self.root, classes)
        self.size = size
        self.sources = load_objects(self.root, self.classes, split, outline, cache_dir)
        # Colour is only ever used at the output size: shrink it once here, not per item.
        self._rgba = [resized_rgba(s.image, size) for s in self.sources]
        super().__init__(len(self.sources), split, seed, length, augment)
        self._order = (balanced_order([s.label for s in self.sources], self.length)
                       if class_balanced else None)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        rng = self._rng(index)
        i = self._order[index] if self._order is not None else index % self.n_sources
        outline_ink, rgb = appearance_pair(self.sources[i].image, self._rgba[i], self.size, rng,
                                           self.augment)
        return ink_to_tensor(outline_ink), rgb_to_tensor(rgb), torch.tensor(self.sources[i].label)


def balanced_order(labels: Sequence[int], length: int) -> list[int]:
    """Source indices for ``length`` items in which the classes take turns, each cycling
    through its own sources: a class with 6 images is seen as often as one with 20 (the
    weakest classes are often the ones with the fewest images)."""
    by_class: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        by_class.setdefault(int(label), []).append(i)
    turns = sorted(by_class)
    return [by_class[c][(k // len(turns)) % len(by_class[c])]
            for k, c in ((k, turns[k % len(turns)]) for k in range(length))]


def resized_rgba(image: cache.DerivedImage, size: int) -> np.ndarray:
    # uint8 (S,S,4): colour on white + alpha, area-averaged to the output size.
    rgba = np.dstack([image.rgb, image.alpha])
    return cv2.resize(rgba, (size, size), interpolation=cv2.INTER_AREA)


def appearance_pair(image: cache.DerivedImage, rgba: np.ndarray, size: int,
                    rng: np.random.Generator, augment: AugmentConfig
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(outline ink float32 (S,S) in [0,1], colour uint8 (S,S,3)) sharing one warp.

    rgba: uint8 (S,S,4) the image's colour on white + alpha at the output size.
    """
    warp = aug.sample_warp(rng, augment, size)
    width = aug.sample_width(rng, augment, size)
    ink, rgb, alpha = aug.apply_warp(warp, sk.render(image.segments, size, width),
                                     np.ascontiguousarray(rgba[..., :3]), rgba[..., 3],
                                     fill=(0, 255, 0))  # outside the source: white paper
    return ink, aug.jitter_colour(rgb, alpha, rng, augment)
