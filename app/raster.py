"""Conversions between the app's uint8 rasters and the networks' [-1, 1] tensors.

App convention: gray uint8, 255 = paper, 0 = ink, any size. Network convention: float32 in
[-1, 1], paper = +1, ink = -1, at the network's own square size.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

if TYPE_CHECKING:
    import torch


def check_gray(image: np.ndarray, what: str) -> None:
    """ValueError unless `image` is a non-empty (H, W) uint8 array."""
    if not isinstance(image, np.ndarray):
        raise ValueError(f"{what} must be a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ValueError(f"{what} must be uint8 (255 = paper, 0 = ink), got {image.dtype}")
    if image.ndim != 2 or image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"{what} must be a non-empty 2-D gray image, got shape {image.shape}")


def as_array(x: Any) -> np.ndarray:
    """A network output as a float32 NumPy array: arrays as they are, torch tensors copied to
    the CPU (the engine hands arrays; evaluation code may hand tensors)."""
    if isinstance(x, np.ndarray):
        return x.astype(np.float32, copy=False)
    return x.detach().float().cpu().numpy()


def sketch_to_array(sketch: np.ndarray, size: int) -> np.ndarray:
    """(H,W) uint8 -> (size,size) float32 in [-1,1].

    Area averaging turns a thin canvas stroke into faint gray at a much smaller size, unlike
    the crisp 1-2 px lines the networks were trained on; so the ink is boosted by half the
    shrink factor and clipped (a 3 px stroke on a 512 canvas stays solid at 64 px).
    """
    ink = (255.0 - sketch.astype(np.float32)) / 255.0                    # (H,W) 1 = ink
    shrink = max(sketch.shape) / size
    small = cv2.resize(ink, (size, size), interpolation=cv2.INTER_AREA)
    small = np.clip(small * max(1.0, shrink / 2.0), 0.0, 1.0)
    return 1.0 - 2.0 * small                                             # paper +1, ink -1


def sketch_to_tensor(sketch: np.ndarray, size: int) -> "torch.Tensor":
    """sketch_to_array as a [1,1,size,size] torch tensor (training and evaluation code)."""
    import torch

    return torch.from_numpy(sketch_to_array(sketch, size))[None, None]


def tensor_to_gray(x: Any, height: int, width: int) -> np.ndarray:
    """[S,S] in [-1,1] (array or tensor) -> (height,width) uint8 with linear resampling."""
    img = ((as_array(x) + 1.0) * 127.5).clip(0, 255).astype(np.uint8)
    return cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR)


def tensor_to_rgb(x: Any, height: int, width: int) -> np.ndarray:
    """[3,S,S] in [-1,1] (array or tensor) -> (height,width,3) uint8 RGB."""
    img = (as_array(x).transpose(1, 2, 0) + 1.0) * 127.5
    img = np.ascontiguousarray(img.clip(0, 255).astype(np.uint8))
    return cv2.resize(img, (width, height), interpolation=cv2.INTER_CUBIC)


def blend_shadow(outlines: np.ndarray) -> np.ndarray:
    """(K,H,W) uint8 outlines -> (H,W) uint8 shadow: 255 minus the mean ink, so strokes all K
    completions agree on are darkest and a stroke only one proposes is faint."""
    # The K summed in integers (exact), then the float32 mean's own division and rounding:
    # the same bytes as a float32 mean over (K,H,W), at an eighth of the memory traffic.
    k = len(outlines)
    ink = (255 * k - outlines.sum(axis=0, dtype=np.uint32)).astype(np.float32)  # (H,W)
    return (255.0 - ink / np.float32(k)).round().astype(np.uint8)
