"""Quick Draw parsing and rasterising (models/data/quickdraw.py)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sketchfill.models.data import quickdraw as qd

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"
needs_data = pytest.mark.skipif(not (DATA / "quickdraw-v1").is_dir(), reason="no shared datasets")
RECORD = {"word": "soccer ball", "key_id": "42", "recognized": True,
          "drawing": [[[100, 300], [50, 50], [0, 10]],  # a wide horizontal stroke
                      [[200, 200], [50, 150], [20, 30]]]}  # then a vertical one


def test_parse_normalises_into_box_with_margin_keeping_aspect():
    d = qd.parse_line(json.dumps(RECORD), margin=0.1)
    assert d.word == "soccer ball" and len(d.strokes) == 2
    pts = np.concatenate(d.strokes)
    assert pts.dtype == np.float32
    assert np.allclose(pts[:, 0].min(), 0.1) and np.allclose(pts[:, 0].max(), 0.9)
    # Height 100 vs width 200 screen px: half the extent, centred vertically.
    assert np.allclose(pts[:, 1].max() - pts[:, 1].min(), 0.4)
    assert np.allclose((pts[:, 1].max() + pts[:, 1].min()) / 2, 0.5)


def test_rasterise_and_prefix_subset():
    d = qd.parse_line(json.dumps(RECORD))
    full = qd.rasterise(d.strokes, 64, 2)
    first = qd.rasterise(qd.prefix(d, 1), 64, 2)
    assert full.shape == (64, 64) and full.dtype == np.float32
    assert 0 <= full.min() and full.max() == 1.0
    assert (first <= full + 1e-6).all() and first.sum() < full.sum()
    assert full[10:54, 32].max() > 0.5  # the vertical stroke at the centre column
    assert first[:, 32].max() > 0.5 and first[40:50, 32].max() == 0


def test_rasterise_matrix_moves_drawing():
    d = qd.parse_line(json.dumps(RECORD))
    shift = np.array([[1.0, 0, 10], [0, 1.0, 0]])
    a, b = qd.rasterise(d.strokes, 64, 1), qd.rasterise(d.strokes, 64, 1, shift)
    assert np.allclose(np.roll(a, 10, axis=1)[:, 12:], b[:, 12:], atol=0.05)


def test_single_point_stroke_draws_a_dot():
    rec = dict(RECORD, drawing=[[[5], [5], [0]], [[0, 10], [0, 10], [1, 2]]])
    d = qd.parse_line(json.dumps(rec))
    assert qd.rasterise(qd.prefix(d, 1), 32, 2).sum() > 0


def test_malformed_record_raises():
    with pytest.raises(ValueError):
        qd.parse_line(json.dumps(dict(RECORD, drawing=[])))
    with pytest.raises(ValueError):
        qd.prefix(qd.parse_line(json.dumps(RECORD)), 3)


def test_split_every_fifth():
    items = [qd.parse_line(json.dumps(dict(RECORD, key_id=str(i)))) for i in range(12)]
    test = qd.split_drawings(items, "test")
    train = qd.split_drawings(items, "train")
    assert [d.key_id for d in test] == ["4", "9"]
    assert len(train) == 10 and not {d.key_id for d in train} & {"4", "9"}


@needs_data
def test_real_class_file():
    drawings = qd.load_class(DATA, "soccer")
    assert len(drawings) == 14 and drawings[0].word == "soccer ball"
    assert all(len(d.strokes) >= 1 for d in drawings)
    assert qd.load_class(DATA, "chicken") == []  # Quick Draw has no chicken
    other = qd.parse_file(DATA / "quickdraw-v1" / qd.PRETRAIN_FILE, limit=50)
    assert len(other) == 50 and len({d.word for d in other}) > 1
