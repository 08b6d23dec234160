"""Ink to strokes (app/tracing.py): accept a completion, open an image as a sketch."""

import cv2
import numpy as np

from sketchfill.app.document import Sketch, blank, rasterise
from sketchfill.app.tracing import strokes_from_image, strokes_from_outline, thin


def circle_outline(size=256, thickness=5):
    img = blank(size, size)
    cv2.circle(img, (size // 2, size // 2), size // 3, 0, thickness)
    return img


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of the ink of two rasters, after a 1-px tolerance."""
    ia, ib = a < 128, b < 128
    kernel = np.ones((3, 3), np.uint8)
    grow = lambda m: cv2.dilate(m.astype(np.uint8), kernel) > 0  # noqa: E731
    return float(((ia & grow(ib)).sum() + (ib & grow(ia)).sum()) / (ia.sum() + ib.sum()))


def test_thin_gives_one_pixel_lines():
    mask = circle_outline() < 128
    skeleton = thin(mask)
    assert skeleton.sum() < mask.sum() / 3 and (skeleton <= mask).all()


def test_outline_traces_back_to_itself():
    outline = circle_outline()
    strokes = strokes_from_outline(outline, blank(256, 256))
    assert 1 <= len(strokes) <= 3 and all(s.tool == "pen" for s in strokes)
    assert 3.5 <= strokes[0].width <= 7
    assert agreement(rasterise(Sketch(256, 256, strokes)), outline) > 0.9


def test_outline_skips_ink_already_drawn():
    outline = circle_outline()
    half = outline.copy()
    half[:, 128:] = 255  # the artist drew the left half already
    strokes = strokes_from_outline(outline, half)
    xs = [x for s in strokes for x, _, _ in s.points]
    assert xs and min(xs) > 110


def test_line_drawing_image_becomes_strokes():
    rgb = np.full((100, 150, 3), 250, np.uint8)
    cv2.rectangle(rgb, (30, 20), (120, 80), (20, 20, 20), 3)
    strokes = strokes_from_image(rgb, 300, 300)
    assert strokes
    raster = rasterise(Sketch(300, 300, strokes))
    assert raster[150, 150] == 255 and (raster < 128).sum() > 500


def test_photo_goes_through_edges():
    rgb = np.zeros((64, 64, 3), np.uint8)
    rgb[16:48, 16:48] = (200, 180, 40)
    strokes = strokes_from_image(rgb, 128, 128)
    assert strokes
