"""Atomic writes and image reading (app/files.py)."""

import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from sketchfill.app.files import (
    ImageFileError, png_bytes, read_gray_reduced, save_png, write_bytes)


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


def header_only_png(path, width: int, height: int) -> None:
    """A PNG that declares width x height but holds no pixels: opening it reads only the
    header, so it stands for a huge image at no cost (decoding it would fail)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    empty = zlib.compress(b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", empty)
                     + chunk(b"IEND", b""))


@pytest.mark.parametrize("side", [20000, 9000])  # beyond Pillow's own limit, and only ours
def test_an_image_too_large_to_trace_is_refused_from_its_header(tmp_path, side):
    header_only_png(tmp_path / "huge.png", side, side)
    with pytest.raises(ImageFileError, match="too large to trace.*the limit is 64 megapixels"):
        read_gray_reduced(tmp_path / "huge.png")


def test_a_large_png_is_reduced_and_keeps_its_lines(tmp_path):
    gray = np.full((3000, 5000), 255, np.uint8)  # mostly paper: compresses to little
    cv2.circle(gray, (2500, 1500), 1200, 0, 24)
    Image.fromarray(gray).convert("RGB").save(tmp_path / "big.png")
    small = read_gray_reduced(tmp_path / "big.png", side=1000)
    assert 1000 <= max(small.shape) < 2000 and small.shape[1] > small.shape[0]
    h, w = small.shape
    assert small[h // 2, w // 2] == 255 and small.min() < 64  # paper inside, the ring drawn
    with pytest.raises(ImageFileError, match="5000 x 3000 pixels; the limit is 10 megapixels"):
        read_gray_reduced(tmp_path / "big.png", max_pixels=10_000_000)


def test_a_large_jpeg_is_decoded_small(tmp_path):
    Image.new("RGB", (4000, 4000), (255, 255, 255)).save(tmp_path / "big.jpg")
    assert max(read_gray_reduced(tmp_path / "big.jpg", side=500).shape) == 500  # 1/8 at decode
    # its decoded size counts: 16 MP on disk is 0.25 MP decoded
    assert read_gray_reduced(tmp_path / "big.jpg", side=500, max_pixels=300_000).shape


def test_transparency_of_a_reduced_image_is_paper(tmp_path):
    rgba = np.zeros((2400, 2400, 4), np.uint8)  # transparent black, one opaque black square
    rgba[1000:1400, 1000:1400, 3] = 255
    Image.fromarray(rgba).save(tmp_path / "t.png")
    small = read_gray_reduced(tmp_path / "t.png", side=600)
    assert small.shape == (600, 600)
    assert small[0, 0] == 255 and small[300, 300] == 0
