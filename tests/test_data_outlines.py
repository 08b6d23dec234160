"""Line drawings derived from colour images (models/data/outlines.py, skeleton.py)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from sketchfill.models.data import outlines
from sketchfill.models.nets import skeleton as sk

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets"
IMAGES = DATA / "objects-v1" / "images"
needs_data = pytest.mark.skipif(not IMAGES.is_dir(), reason="no shared datasets")
SAMPLES = ("basketball/twemoji__basketball.png", "orange/noto__tangerine.png",
           "watermelon/fluent-emoji-flat__watermelon.png", "chicken/openclipart__rooster_01.png",
           "apple/fluent-emoji-3d__red-apple.png")


def _disk_with_stripe(tmp_path: Path) -> Path:
    # A red disk crossed by a 6 px black stripe, on a transparent canvas.
    rgba = np.zeros((256, 256, 4), np.uint8)
    cv2.circle(rgba, (128, 128), 100, (220, 40, 30, 255), -1)
    cv2.line(rgba, (128, 40), (128, 216), (10, 10, 10, 255), 6)
    path = tmp_path / "disk.png"
    Image.fromarray(rgba).save(path)
    return path


@needs_data
@pytest.mark.parametrize("name", SAMPLES)
def test_outline_is_binaryish_ink_on_object(name):
    path = IMAGES / name
    rgba = outlines.load_rgba(path, 256)
    skel = outlines.outline_skeleton(rgba)
    drawing = outlines.outline_image(skel, 256, 2.0)
    assert drawing.dtype == np.uint8 and drawing.shape == (256, 256)
    assert (drawing == 255).mean() > 0.8, "mostly paper"
    assert ((drawing < 30) | (drawing > 225)).mean() > 0.97, "binary-ish"
    ink = drawing < 128
    near_object = cv2.dilate((rgba[..., 3] > 0).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert ink.any() and not (ink & ~near_object).any(), "no ink far outside the alpha"
    # Silhouette: most of the object's contour is inked (thin parts like legs become one
    # centre line, up to half a line-art stroke away from the contour).
    mask = outlines.object_mask(rgba[..., 3])
    border = outlines.silhouette_lines(mask)
    near_ink = cv2.dilate(ink.astype(np.uint8), np.ones((5, 5), np.uint8))[border].mean()
    near_ink_wide = cv2.dilate(ink.astype(np.uint8), np.ones((19, 19), np.uint8))[border].mean()
    assert near_ink > 0.8 and near_ink_wide > 0.97


@needs_data
def test_interior_lines_present_but_sparse():
    rgba = outlines.load_rgba(IMAGES / SAMPLES[0], 256)  # basketball: seams inside
    skel = outlines.outline_skeleton(rgba)
    inner = cv2.erode(outlines.object_mask(rgba[..., 3]).astype(np.uint8),
                      np.ones((15, 15), np.uint8)) > 0
    interior = (skel & inner).sum()
    assert 150 < interior < 0.1 * inner.sum()


def test_synthetic_stripe_becomes_one_centred_line(tmp_path):
    rgba = outlines.load_rgba(_disk_with_stripe(tmp_path), 256)
    skel = outlines.outline_skeleton(rgba)
    row = skel[128, 40:216]  # a horizontal cut through the disk
    xs = np.nonzero(row)[0] + 40
    inner = xs[(xs > 40) & (xs < 216)]
    near_stripe = inner[np.abs(inner - 128) <= 6]
    assert len(near_stripe) == 1 and abs(near_stripe[0] - 128) <= 2, xs
    # Silhouette circle crossed at radius 100 on both sides.
    full_row = np.nonzero(skel[128])[0]
    assert abs(full_row.min() - 28) <= 2 and abs(full_row.max() - 227) <= 2


def test_load_rgba_without_alpha_keys_out_white(tmp_path):
    rgb = np.full((40, 80, 3), 255, np.uint8)
    rgb[10:30, 20:60] = (0, 120, 0)
    Image.fromarray(rgb).save(tmp_path / "a.jpg", quality=95)
    rgba = outlines.load_rgba(tmp_path / "a.jpg", 64)
    assert rgba.shape == (64, 64, 4)
    assert rgba[32, 32, 3] == 255 and rgba[2, 2, 3] == 0  # letterboxed, aspect kept
    assert (outlines.composite_on_white(rgba)[2, 2] == 255).all()


def test_thin_gives_one_pixel_lines():
    mask = np.zeros((40, 40), bool)
    mask[10:16, 5:35] = True
    skel = sk.thin(mask)
    assert skel.sum() > 15 and (skel.sum(axis=0)[8:32] == 1).all()
    assert (sk.neighbour_count(skel)[skel] <= 2).all()


def _zhang_suen_by_the_book(mask: np.ndarray) -> np.ndarray:
    """Zhang & Suen (1984) written pixel by pixel, as a reference for the table-driven thin()."""
    img = np.pad(mask.astype(int), 1)
    while True:
        changed = False
        for step in (0, 1):
            delete = []
            for y, x in zip(*np.nonzero(img)):
                p = [img[y - 1, x], img[y - 1, x + 1], img[y, x + 1], img[y + 1, x + 1],
                     img[y + 1, x], img[y + 1, x - 1], img[y, x - 1], img[y - 1, x - 1]]
                a = sum(p[i] == 0 and p[(i + 1) % 8] == 1 for i in range(8))
                p2, p4, p6, p8 = p[0], p[2], p[4], p[6]
                side = (p2 * p4 * p6 == 0 and p4 * p6 * p8 == 0) if step == 0 else (
                    p2 * p4 * p8 == 0 and p2 * p6 * p8 == 0)
                if 2 <= sum(p) <= 6 and a == 1 and side:
                    delete.append((y, x))
            for y, x in delete:
                img[y, x] = 0
            changed |= bool(delete)
        if not changed:
            return img[1:-1, 1:-1].astype(bool)


def test_thin_matches_the_textbook_rule():
    rng = np.random.default_rng(3)
    mask = np.zeros((48, 48), np.uint8)
    for _ in range(4):
        ends = [tuple(map(int, rng.integers(0, 48, 2))) for _ in range(2)]
        cv2.line(mask, *ends, 1, int(rng.integers(1, 6)))
    cv2.circle(mask, (24, 24), 14, 1, 3)
    mask = (mask > 0) | (rng.random((48, 48)) < 0.1)   # specks and touching edges too
    mask[0, :] = mask[:, -1] = True
    assert (sk.thin(mask) == _zhang_suen_by_the_book(mask)).all()
    assert not sk.thin(np.zeros((5, 5), bool)).any()                 # no ink: none
    assert sk.thin(np.ones((1, 1), bool)).all()                        # a lone speck stays


def test_thin_matches_the_textbook_rule_where_strokes_of_many_widths_finish_apart():
    """thin() looks only around what the last sub-steps removed: a hairline done at once
    beside a wide blob still eroding, and a blob whose last pixels go far from the rest."""
    mask = np.zeros((60, 60), np.uint8)
    cv2.line(mask, (2, 3), (57, 8), 1, 1)
    cv2.circle(mask, (40, 38), 12, 1, -1)
    cv2.rectangle(mask, (4, 20), (16, 55), 1, -1)
    cv2.line(mask, (20, 57), (57, 57), 1, 3)
    assert (sk.thin(mask > 0) == _zhang_suen_by_the_book(mask > 0)).all()
    rng = np.random.default_rng(0)
    for _ in range(40):  # dense specks: removals next to, not inside, the last ones' box
        side = int(rng.integers(6, 16))
        mask = rng.random((side, side)) < rng.uniform(0.3, 0.8)
        assert (sk.thin(mask) == _zhang_suen_by_the_book(mask)).all()


def test_skeleton_steps_in_the_ink_box_give_what_they_give_on_the_whole_mask():
    """in_ink_box: the same lines, wherever the ink lies (odd or even offsets, at the image's
    edges), for thinning, spur pruning (whose junctions follow OpenCV's labelling order) and
    dropping specks."""
    rng = np.random.default_rng(5)

    def steps(m: np.ndarray) -> np.ndarray:
        return sk.drop_small_components(sk.prune_spurs(sk.thin(m), 4), 4)

    for _ in range(60):
        side = int(rng.integers(30, 90))
        mask = np.zeros((side, side), np.uint8)
        for _ in range(int(rng.integers(1, 8))):
            ends = [tuple(map(int, rng.integers(0, side, 2))) for _ in range(2)]
            cv2.line(mask, *ends, 1, int(rng.integers(1, 7)))
        mask = (mask > 0) | (rng.random((side, side)) < 0.01)
        assert np.array_equal(sk.in_ink_box(mask, steps), steps(mask))
    assert not sk.in_ink_box(np.zeros((9, 9), bool), steps).any()


def test_segments_cover_skeleton_and_split_at_junctions():
    skel = np.zeros((30, 30), bool)
    skel[15, 2:28] = True
    skel[2:15, 15] = True  # a T
    labels = sk.segments(skel)
    assert ((labels > 0) == skel).all()
    assert len(np.unique(labels[labels > 0])) == 3


def test_render_width_controls_ink():
    skel = np.zeros((256, 256), bool)
    skel[128, 20:236] = True
    thin_ink = sk.render(skel, 64, 1.0)
    thick_ink = sk.render(skel, 64, 3.0)
    assert thin_ink.dtype == np.float32 and 0 <= thin_ink.min() and thick_ink.max() <= 1
    assert 2.0 < thick_ink.sum() / thin_ink.sum() < 4.5
