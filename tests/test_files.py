"""Atomic writes (app/files.py)."""

import numpy as np
import pytest
from PIL import Image

from sketchfill.app.files import png_bytes, save_png, write_bytes


def test_write_atomic_replaces(tmp_path):
    path = tmp_path / "a.txt"
    write_bytes(path, b"one")
    write_bytes(path, b"two")
    assert path.read_bytes() == b"two"
    assert len(list(tmp_path.iterdir())) == 1


def test_write_into_missing_dir_fails_cleanly(tmp_path):
    with pytest.raises(OSError):
        write_bytes(tmp_path / "no" / "a.txt", b"x")


def test_png_round_trip(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (7, 9, 3), dtype=np.uint8)
    save_png(tmp_path / "x.png", rgb)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "x.png")), rgb)
    with pytest.raises(ValueError, match="uint8"):
        png_bytes(rgb.astype(np.float32))
