"""Record discovery, class order and the style hold-out split (models/data/sources.py)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sketchfill.models.data import sources

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"
needs_data = pytest.mark.skipif(not (DATA / "objects-v1").is_dir(), reason="no shared datasets")


def _png(path: Path, colour=(200, 30, 30)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    img = np.full((32, 32, 3), 255, np.uint8)
    img[8:24, 8:24] = colour
    Image.fromarray(img).save(path)


@needs_data
def test_manifest_records_and_class_order():
    records = sources.discover(DATA)
    assert len(records) == 236
    classes = sources.classes_of(records)
    assert classes[:10] == list(sources.CORE_CLASSES)
    assert len(classes) == 21 and classes[10] == "apple"
    assert all(r.image_path.is_file() for r in records)


def test_default_root_is_beside_repo(monkeypatch):
    monkeypatch.delenv(sources.DATA_ENV, raising=False)
    assert sources.default_data_root() == (Path(__file__).resolve().parents[2] / "shared"
                                           / "datasets")


def test_default_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(sources.DATA_ENV, str(tmp_path))
    assert sources.default_data_root() == tmp_path


@needs_data
def test_split_holds_out_one_style_per_class_without_overlap():
    records = sources.discover(DATA)
    train = sources.split_records(records, "train")
    test = sources.split_records(records, "test")
    assert not {r.image_path for r in train} & {r.image_path for r in test}
    assert len(train) + len(test) == len(records)
    for name in sources.classes_of(records):
        test_styles = {r.style for r in test if r.class_name == name}
        train_styles = {r.style for r in train if r.class_name == name}
        assert len(test_styles) == 1, name
        assert not test_styles & train_styles
        assert sum(r.class_name == name for r in train) >= sources.MIN_TRAIN_IMAGES
    # Stable: a second discovery gives the same choice.
    assert sources.held_out_styles(sources.discover(DATA)) == sources.held_out_styles(records)


def test_scribble_layout(tmp_path):
    for i in range(3):
        _png(tmp_path / "images" / "moon" / f"m{i}.png")
        _png(tmp_path / "images" / "cookie" / f"c{i}.jpg")
    _png(tmp_path / "scribbles" / "moon" / "m1.png", (0, 0, 0))
    records = sources.discover(tmp_path)
    assert sources.classes_of(records) == ["cookie", "moon"]  # core order: cookie before moon
    with_scribble = [r for r in records if r.scribble_path is not None]
    assert [r.image_path.stem for r in with_scribble] == ["m1"]


def test_plain_class_folders_and_style_prefix(tmp_path):
    for style in ("a", "b", "c", "d", "e", "f"):
        _png(tmp_path / "zebra" / f"{style}__zebra.png")
    (tmp_path / "zebra" / "notes.txt").write_text("not an image")  # ignored by suffix
    records = sources.discover(tmp_path)
    assert len(records) == 6 and {r.style for r in records} == set("abcdef")
    assert Counter(r.style for r in sources.split_records(records, "test")).total() == 1


def test_small_class_keeps_everything_for_training(tmp_path):
    for i in range(3):
        _png(tmp_path / "egg" / f"e{i}.png")
    records = sources.discover(tmp_path)
    assert sources.split_records(records, "test") == []
    assert len(sources.split_records(records, "train")) == 3


def test_empty_root_is_a_clear_error(tmp_path):
    with pytest.raises(sources.DataSourceError, match="no images"):
        sources.discover(tmp_path)
    with pytest.raises(ValueError):
        sources.split_records([], "val")  # type: ignore[arg-type]
