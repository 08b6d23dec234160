"""Disk cache of derived outlines (models/data/cache.py)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from sketchfill.models.data import cache
from sketchfill.models.data.outlines import DEFAULT_OUTLINE, SILHOUETTE_OUTLINE

SMALL = dataclasses.replace(DEFAULT_OUTLINE, size=96)


def _image(path, colour=(30, 160, 40, 255)):
    rgba = np.zeros((80, 80, 4), np.uint8)
    cv2.circle(rgba, (40, 40), 30, colour, -1)
    cv2.line(rgba, (40, 12), (40, 68), (0, 0, 0, 255), 3)
    Image.fromarray(rgba).save(path)
    return path


def test_round_trip_and_reuse(tmp_path):
    src = _image(tmp_path / "a.png")
    first = cache.load_derived(src, SMALL, tmp_path / "c")
    files = list((tmp_path / "c" / "derived").glob("*.npz"))
    assert len(files) == 1
    second = cache.load_derived(src, SMALL, tmp_path / "c")
    for a, b in ((first.rgb, second.rgb), (first.alpha, second.alpha),
                 (first.segments, second.segments)):
        assert a.dtype == b.dtype and (a == b).all()
    assert first.rgb.shape == (96, 96, 3) and first.segments.dtype == np.int32
    assert first.skeleton.sum() > 100


def test_key_depends_on_content_and_config(tmp_path):
    a = _image(tmp_path / "a.png")
    b = _image(tmp_path / "b.png", (200, 20, 20, 255))
    assert cache.derived_key(a, SMALL) != cache.derived_key(b, SMALL)
    assert cache.derived_key(a, SMALL) != cache.derived_key(a, SILHOUETTE_OUTLINE)
    assert cache.derived_key(a, SMALL) == cache.derived_key(a, dataclasses.replace(SMALL))


def test_corrupt_entry_is_rederived(tmp_path):
    src = _image(tmp_path / "a.png")
    good = cache.load_derived(src, SMALL, tmp_path)
    entry = next((tmp_path / "derived").glob("*.npz"))
    entry.write_bytes(b"garbage")
    again = cache.load_derived(src, SMALL, tmp_path)
    assert (again.segments == good.segments).all()


def test_cache_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "x"))
    assert cache.cache_dir() == tmp_path / "x"
    monkeypatch.delenv(cache.CACHE_ENV)
    assert cache.cache_dir().name == "sketchfill"


def test_tests_keep_their_caches_out_of_the_users_home():
    from tests.conftest import TEST_HOME
    assert cache.cache_dir().is_relative_to(TEST_HOME)
    assert Path.home() == TEST_HOME
