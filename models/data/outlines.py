"""Line drawings derived from colour images: what a person would sketch of the object.

The paper trains stage 1 on edge maps of its Scribble images. Our objects are RGBA clip art, so
the outline is (a) the silhouette contour from alpha plus (b) the main interior colour-region
boundaries (a flattened colour image through Canny), thinned to a 1-px skeleton with tiny
pieces and spurs removed. The skeleton is redrawn at any width by ``skeleton.render``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from sketchfill.models.nets import skeleton as sk


@dataclass(frozen=True)
class OutlineConfig:
    """How a colour image becomes a line drawing. Pixel sizes are at ``size`` resolution."""

    size: int = 256  # working resolution: images are fitted into a size x size square
    alpha_threshold: int = 128  # alpha >= this is object
    white_threshold: int = 24  # images without alpha: max RGB distance from white = background
    min_object_area: int = 80  # drop alpha specks (sparkles, motion marks) smaller than this
    min_hole_area: int = 150  # interior holes (donut) smaller than this get no contour
    flatten_spatial: int = 6  # mean-shift spatial radius: merges texture into flat regions
    flatten_colour: int = 28  # mean-shift colour radius: shading within this is one region
    canny_low: int = 40  # hysteresis thresholds on the flattened Lab image
    canny_high: int = 90
    chroma_weight: float = 2.0  # hue changes (leaf vs fruit) matter more than shading
    line_art_width: int = 17  # dark drawn strokes up to this wide become one centred line
    line_art_contrast: int = 40  # how much darker (Lab L, 0..255) a stroke is than around it
    interior_margin: int = 4  # ignore interior edges this close to the silhouette
    min_edge_pixels: int = 30  # interior edge pieces shorter than this are texture, not lines
    spur_length: int = 8  # dangling branches up to this long are thinning noise


DEFAULT_OUTLINE = OutlineConfig()
# Silhouette only: for tests and as an easier curriculum start.
SILHOUETTE_OUTLINE = OutlineConfig(canny_low=10_000, canny_high=10_000)


def load_rgba(path: Path | str, size: int, white_threshold: int = 24) -> np.ndarray:
    """Read any image as uint8 (size,size,4) RGBA, fitted into the square keeping aspect.

    Images without alpha (photos / Scribble layout) get alpha = "not near-white".
    """
    with Image.open(path) as im:
        has_alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
        rgba = np.asarray(im.convert("RGBA")).copy()  # (h,w,4) uint8
    if not has_alpha:
        dist = np.abs(255 - rgba[..., :3].astype(np.int16)).max(axis=2)
        rgba[..., 3] = np.where(dist > white_threshold, 255, 0).astype(np.uint8)
    return _fit_square(rgba, size)


def _fit_square(rgba: np.ndarray, size: int) -> np.ndarray:
    h, w = rgba.shape[:2]
    scale = size / max(h, w)
    nh, nw = max(round(h * scale), 1), max(round(w * scale), 1)
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    premul = rgba.astype(np.float32)
    premul[..., :3] *= premul[..., 3:] / 255.0  # resize premultiplied so edges stay clean
    small = cv2.resize(premul, (nw, nh), interpolation=interp)
    out = np.zeros((size, size, 4), np.float32)
    y0, x0 = (size - nh) // 2, (size - nw) // 2
    out[y0:y0 + nh, x0:x0 + nw] = small
    a = np.clip(out[..., 3:], 1e-3, 255.0)
    out[..., :3] = np.where(out[..., 3:] > 0, out[..., :3] * 255.0 / a, 0)
    return np.clip(out.round(), 0, 255).astype(np.uint8)


def composite_on_white(rgba: np.ndarray) -> np.ndarray:
    """uint8 (H,W,4) RGBA -> uint8 (H,W,3) RGB over a white page."""
    a = rgba[..., 3:].astype(np.float32) / 255.0
    rgb = rgba[..., :3].astype(np.float32) * a + 255.0 * (1.0 - a)
    return rgb.round().astype(np.uint8)


def object_mask(alpha: np.ndarray, cfg: OutlineConfig = DEFAULT_OUTLINE) -> np.ndarray:
    """uint8 (H,W) alpha -> bool (H,W) object mask without specks."""
    mask = alpha >= cfg.alpha_threshold
    return sk.drop_small_components(mask, cfg.min_object_area)


def silhouette_lines(mask: np.ndarray, cfg: OutlineConfig = DEFAULT_OUTLINE) -> np.ndarray:
    """bool (H,W) mask -> bool (H,W) 1-px outer contours plus contours of large holes."""
    contours, hierarchy = cv2.findContours(mask.astype(np.uint8), cv2.RETR_CCOMP,
                                           cv2.CHAIN_APPROX_NONE)
    canvas = np.zeros(mask.shape, np.uint8)
    for i, c in enumerate(contours):
        is_hole = hierarchy[0, i, 3] >= 0
        if is_hole and cv2.contourArea(c) < cfg.min_hole_area:
            continue
        cv2.drawContours(canvas, contours, i, 1, thickness=1)
    return canvas > 0


def interior_lines(rgb: np.ndarray, mask: np.ndarray,
                   cfg: OutlineConfig = DEFAULT_OUTLINE) -> np.ndarray:
    """Main colour-region boundaries inside the object. uint8 (H,W,3), bool -> bool (H,W)."""
    flat = cv2.pyrMeanShiftFiltering(rgb, cfg.flatten_spatial, cfg.flatten_colour)
    lab = cv2.cvtColor(flat, cv2.COLOR_RGB2LAB).astype(np.float32)
    edges = np.zeros(mask.shape, bool)
    for ch, weight in ((0, 1.0), (1, cfg.chroma_weight), (2, cfg.chroma_weight)):
        chan = np.clip(lab[..., ch] * weight - (weight - 1) * 128, 0, 255).astype(np.uint8)
        edges |= cv2.Canny(chan, cfg.canny_low, cfg.canny_high, L2gradient=True) > 0
    k = 2 * cfg.interior_margin + 1
    inner = cv2.erode(mask.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    return sk.drop_small_components(edges & (inner > 0), cfg.min_edge_pixels)


def line_art(rgb: np.ndarray, mask: np.ndarray,
             cfg: OutlineConfig = DEFAULT_OUTLINE) -> np.ndarray:
    """Thin dark strokes the artist drew (black outlines of clip art). -> bool (H,W) bands.

    Canny sees both sides of such a stroke and would give two parallel lines; filling the
    stroke (morphological black-hat) lets thinning put one line down its middle instead.
    """
    light = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)[..., 0]
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (cfg.line_art_width,) * 2)
    blackhat = cv2.morphologyEx(light, cv2.MORPH_BLACKHAT, kernel)
    near = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    band = sk.drop_small_components((blackhat > cfg.line_art_contrast) & near, cfg.min_edge_pixels)
    # Where strokes cross, the kernel can fit inside the dark cross and leave a hole that
    # thinning would turn into a loop: fill holes up to about a stroke's area.
    return sk.fill_small_holes(band, cfg.line_art_width ** 2)


def outline_skeleton(rgba: np.ndarray, cfg: OutlineConfig = DEFAULT_OUTLINE) -> np.ndarray:
    """uint8 (H,W,4) RGBA -> bool (H,W) 1-px skeleton of silhouette + interior lines."""
    mask = object_mask(rgba[..., 3], cfg)
    rgb = composite_on_white(rgba)
    lines = silhouette_lines(mask, cfg) | interior_lines(rgb, mask, cfg) | line_art(rgb, mask, cfg)
    # Edges a pixel or two apart (double Canny responses) merge into one stroke when thinned.
    joined = cv2.dilate(lines.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    skel = sk.thin(joined)
    skel = sk.prune_spurs(skel, cfg.spur_length)
    return sk.drop_small_components(skel, cfg.min_edge_pixels // 2)


def outline_image(skel: np.ndarray, size: int, width: float) -> np.ndarray:
    """bool (H,W) skeleton -> uint8 (size,size) drawing, 255 = paper, 0 = ink."""
    ink = sk.render(skel, size, width)
    return (255.0 * (1.0 - ink)).round().astype(np.uint8)
