"""torch Datasets for both stages (models/data/datasets.py)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from sketchfill.models.data import datasets as ds
from sketchfill.models.data import sources

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"
needs_data = pytest.mark.skipif(not (DATA / "objects-v1").is_dir(), reason="no shared datasets")
CLASSES = ("orange", "basketball", "moon")  # basketball has few styles; moon many


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("derived")


@pytest.fixture(scope="module")
def shape_train(cache_dir):
    return ds.ShapeDataset(DATA, CLASSES, size=64, split="train", seed=3, cache_dir=cache_dir)


def _check_sketch(t: torch.Tensor, size: int) -> None:
    assert t.shape == (1, size, size) and t.dtype == torch.float32
    assert t.min() >= -1 and t.max() <= 1
    assert (t > 0.9).float().mean() > 0.6, "mostly paper (+1)"


@needs_data
def test_shape_items(shape_train):
    assert shape_train.classes == list(CLASSES)
    kinds = set()
    for i in range(0, len(shape_train), 7):
        partial, full, label = shape_train[i]
        _check_sketch(partial, 64)
        _check_sketch(full, 64)
        assert label.dtype == torch.int64 and 0 <= int(label) < len(CLASSES)
        ink_p, ink_f = (1 - partial) / 2, (1 - full) / 2
        assert ink_p.sum() < ink_f.sum() - 0.5, i
        assert (ink_p <= ink_f + 1e-5).all(), "partial is a subset of full"
        kinds.add(type(shape_train.sources[i % shape_train.n_sources]).__name__)
    assert kinds == {"_ObjectSource", "_DrawingSource"}


@needs_data
def test_items_reproducible_and_epochs_differ(shape_train):
    a = shape_train[5]
    assert all(torch.equal(x, y) for x, y in zip(a, shape_train[5]))
    shape_train.set_epoch(1)
    b = shape_train[5]
    shape_train.set_epoch(0)
    assert not torch.equal(a[1], b[1])


@needs_data
def test_test_split_is_fixed_and_disjoint(cache_dir):
    test = ds.ShapeDataset(DATA, CLASSES, size=64, split="test", seed=0, cache_dir=cache_dir)
    train = ds.ShapeDataset(DATA, CLASSES, size=64, split="train", seed=0, cache_dir=cache_dir)
    a = test[0]
    test.set_epoch(7)
    assert all(torch.equal(x, y) for x, y in zip(a, test[0]))
    def keys(d):
        return {s.drawing.key_id for s in d.sources if hasattr(s, "drawing")}

    assert keys(test) and not keys(test) & keys(train)
    n_test_objects = sum(hasattr(s, "image") for s in test.sources)
    held = sources.held_out_styles(sources.discover(DATA))
    expected = sum(r.class_name in CLASSES and held[r.class_name] == r.style
                   for r in sources.discover(DATA))
    assert n_test_objects == expected > 0


@needs_data
def test_length_and_labels_follow_class_list(cache_dir):
    d = ds.ShapeDataset(DATA, ("moon", "orange"), size=32, quickdraw=False, length=50,
                        cache_dir=cache_dir)
    assert len(d) == 50
    labels = {int(d[i][2]) for i in range(len(d))}
    assert labels == {0, 1}
    with pytest.raises(IndexError):
        d[50]


@needs_data
@pytest.mark.parametrize("size", [64, 128])
def test_appearance_items(cache_dir, size):
    d = ds.AppearanceDataset(DATA, CLASSES, size=size, split="train", seed=0, cache_dir=cache_dir)
    for i in (0, 9, 17):
        outline, image, label = d[i]
        _check_sketch(outline, size)
        assert image.shape == (3, size, size) and image.dtype == torch.float32
        assert image.min() >= -1 and image.max() <= 1
        assert (image > 0.99).all(dim=0).float().mean() > 0.2, "white page around the object"
        assert int(label) == CLASSES.index(d.classes[int(label)])
        ink = outline[0] < 0
        coloured = (image < 0.9).any(dim=0)
        grown = torch.nn.functional.max_pool2d(coloured[None, None].float(), 5, 1, 2)[0, 0]
        assert grown[ink].mean() > 0.95, "outline ink lies on the object"


def _three_stroke_drawing():
    from sketchfill.models.data.quickdraw import Drawing
    lines = [((0.1, 0.2), (0.9, 0.2)), ((0.1, 0.5), (0.9, 0.5)), ((0.1, 0.8), (0.9, 0.8))]
    return Drawing("x", "1", tuple(np.asarray(s, np.float32) for s in lines), True)


@pytest.mark.parametrize("square", [True, False])
def test_drawings_get_square_erasing_or_a_stroke_prefix(square):
    """Quick Draw drawings are square-erased too (the evaluation's main recipe), or cut
    after their first k strokes: a prefix keeps whole strokes, a square cuts across them."""
    from dataclasses import replace
    from sketchfill.models.data.augment import NO_AUGMENT
    from sketchfill.models.data.partial import DEFAULT_PARTIAL
    cfg = replace(DEFAULT_PARTIAL, drawing_square_prob=1.0 if square else 0.0)
    drawing = _three_stroke_drawing()
    for seed in range(6):
        partial, full = ds.shape_pair_from_drawing(drawing, 64, np.random.default_rng(seed),
                                                   NO_AUGMENT, cfg)
        rows = [r for r in range(64) if full[r].max() > 0.5]
        kept = [float(partial[r].sum() / full[r].sum()) for r in rows]
        assert partial.sum() < full.sum() - 0.5 and (partial <= full + 1e-6).all()
        whole_or_gone = all(k > 0.99 or k < 0.01 for k in kept)
        assert whole_or_gone != square, (seed, kept)


@needs_data
def test_pretrain_dataset(cache_dir):
    d = ds.QuickDrawPretrainDataset(DATA, size=48, limit=40)
    assert len(d) == 32  # every 5th of 40 held out
    partial, full, label = d[3]
    _check_sketch(full, 48)
    assert int(label) == ds.NO_LABEL
    assert (1 - partial).sum() < (1 - full).sum()


class _Labelled(torch.utils.data.Dataset):
    """n items whose label is `label` and whose content is their index (to trace them)."""

    def __init__(self, n: int, label: int) -> None:
        self.n, self.label, self.classes, self.epochs = n, label, ["a"], []

    def set_epoch(self, epoch: int) -> None:
        self.epochs.append(epoch)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        return torch.tensor(float(i)), torch.tensor(0.0), torch.tensor(self.label)


def test_agnostic_mix_holds_its_share_and_walks_through_the_other_drawings():
    classed, others = _Labelled(30, 0), _Labelled(25, ds.NO_LABEL)
    mix = ds.AgnosticMix(classed, others, 0.25)
    assert len(mix) == 40 and mix.classes == ["a"]
    labels = [int(mix[i][2]) for i in range(len(mix))]
    assert labels.count(ds.NO_LABEL) == 10 and labels[:30] == [0] * 30
    seen = set()
    for epoch in range(3):
        mix.set_epoch(epoch)
        seen |= {int(mix[i][0]) for i in range(30, 40)}
    assert seen == set(range(25)) and classed.epochs == others.epochs == [0, 1, 2]
    with pytest.raises(ValueError, match="share"):
        ds.AgnosticMix(classed, others, 1.0)


def test_user_folder_dataset(tmp_path):
    # Plain class folders of RGB images without alpha (a user's own data).
    for name in ("pear", "apple"):
        for i in range(6):
            img = np.full((64, 64, 3), 255, np.uint8)
            img[10 + i:50, 12:52 - i] = (40 * i, 150, 30)
            img[28:32, 12:52] = 0  # an interior dark line
            (tmp_path / name).mkdir(exist_ok=True)
            Image.fromarray(img).save(tmp_path / name / f"s{i}__{name}.png")
    d = ds.AppearanceDataset(tmp_path, size=32, cache_dir=tmp_path / "cache")
    assert d.classes == ["apple", "pear"] and len(d) == 10
    s = ds.ShapeDataset(tmp_path, size=32, cache_dir=tmp_path / "cache")
    partial, full, label = s[0]
    assert full.shape == (1, 32, 32) and (full < 0).any()


def test_empty_split_raises(tmp_path):
    for i in range(3):
        (tmp_path / "egg").mkdir(exist_ok=True)
        img = np.full((32, 32, 3), 255, np.uint8)
        img[8:24, 8:24] = 200
        Image.fromarray(img).save(tmp_path / "egg" / f"{i}.png")
    with pytest.raises(ValueError, match="no data"):
        ds.AppearanceDataset(tmp_path, split="test", cache_dir=tmp_path / "cache")


def test_balanced_order_gives_every_class_its_turn():
    labels = [0] * 6 + [1] * 2 + [2]  # uneven classes
    order = ds.balanced_order(labels, 12)
    assert [labels[i] for i in order] == [0, 1, 2] * 4
    assert sorted(set(order[0::3])) == [0, 1, 2, 3]  # class 0 cycles through its sources
    assert order[1::3] == [6, 7, 6, 7]


@needs_data
def test_class_balanced_appearance_items(cache_dir):
    d = ds.AppearanceDataset(DATA, CLASSES, size=32, split="train", seed=0, cache_dir=cache_dir,
                             class_balanced=True)
    counts = np.bincount([int(d[i][2]) for i in range(len(d))], minlength=len(CLASSES))
    assert counts.max() - counts.min() <= 1
    plain = ds.AppearanceDataset(DATA, CLASSES, size=32, split="train", seed=0,
                                 cache_dir=cache_dir)
    skew = np.bincount([int(s.label) for s in plain.sources], minlength=len(CLASSES))
    assert skew.max() - skew.min() > 1  # the data itself is uneven
