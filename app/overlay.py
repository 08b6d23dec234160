"""How the completions are shown under the strokes: blended shadow or one chosen outline."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from functools import lru_cache

import cv2
import numpy as np


class OverlayMode(Enum):
    BLEND = "blend"  # all K completions averaged into one soft shadow (the paper's default view)
    ONE = "one"  # only the chosen completion's outline


@dataclass(frozen=True)
class Overlay:
    opacity: float = 0.6  # 0 hides the shadow, 1 paints it at full strength
    mode: OverlayMode = OverlayMode.BLEND
    chosen: int = 0  # index of the completion to colour, accept and show in ONE mode

    def with_opacity(self, opacity: float) -> "Overlay":
        return replace(self, opacity=min(max(opacity, 0.0), 1.0))

    def with_mode(self, mode: OverlayMode) -> "Overlay":
        return replace(self, mode=mode)

    def cycled(self, delta: int, k: int) -> "Overlay":
        """Step the chosen completion by `delta`, wrapping around K."""
        return replace(self, chosen=(self.chosen + delta) % max(k, 1))


def shadow_layer(outlines: np.ndarray, shadow: np.ndarray, overlay: Overlay) -> np.ndarray:
    """(H, W) uint8 to paint under the strokes, 255 = nothing: the blend or one outline.

    outlines: (K, H, W) uint8 completions; shadow: (H, W) uint8 blend of them.
    """
    if overlay.mode is OverlayMode.BLEND or len(outlines) == 0:
        return shadow
    return outlines[min(overlay.chosen, len(outlines) - 1)]


SHADOW_RGB = (40, 40, 48)  # a cool near-black: the shadow reads as pencil, not as ink
SHADOW_FLOOR = 8  # gray levels next to white that stay transparent: keeps the paper clean


@dataclass(frozen=True)
class DisplaySizes:
    """Device-pixel sizes the UI draws at, so the worker can prepare pixels off the UI thread."""

    shadow: tuple[int, int]  # (width, height) of the canvas's paper
    image: tuple[int, int]  # (width, height) of the rendered image on screen


@dataclass(frozen=True)
class DisplayLayers:
    """Ready-to-blit pixels for one result, at DisplaySizes (read-only arrays)."""

    blend: np.ndarray  # (h, w, 4) uint8 premultiplied BGRA of the blended shadow
    chosen: np.ndarray  # (h, w, 4) uint8 premultiplied BGRA of the chosen outline
    image: np.ndarray | None  # (h, w, 3) uint8 RGB, resized; None before it is coloured
    chosen_index: int  # which completion `chosen` shows


@lru_cache(maxsize=1)
def _shadow_luts() -> tuple[np.ndarray, ...]:
    """Gray → (B, G, R, A) premultiplied, as four 256-entry uint8 tables."""
    gray = np.arange(256, dtype=np.int32)
    alpha = np.clip(255 - SHADOW_FLOOR - gray, 0, None) * 255 // (255 - SHADOW_FLOOR)
    colour = [alpha * value // 255 for value in (SHADOW_RGB[2], SHADOW_RGB[1], SHADOW_RGB[0])]
    return tuple(table.astype(np.uint8) for table in (*colour, alpha))


def shadow_bgra(gray: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(H, W) uint8 shadow, 255 = nothing → (h, w, 4) premultiplied BGRA at size (w, h).

    Darker gray = more opaque; transparent where no completion has ink, so the shadow tints the
    paper instead of covering it (byte order B, G, R, A is Qt's ARGB32 on little-endian hosts).
    Only OpenCV calls, which release the GIL: this runs on the worker thread, and numpy's many
    short GIL-holding steps measurably stalled the UI thread's pen events.
    """
    shrinking = size[0] < gray.shape[1]
    resized = cv2.resize(
        gray, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    )
    return cv2.merge([cv2.LUT(resized, table) for table in _shadow_luts()])


def fitted_image(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(H, W, 3) uint8 → (h, w, 3) at size (w, h), area-averaged when shrinking."""
    shrinking = size[0] < rgb.shape[1]
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def display_layers(outlines: np.ndarray, shadow: np.ndarray, image: np.ndarray | None,
                   chosen: int, sizes: DisplaySizes) -> DisplayLayers:  # fmt: skip
    layers = DisplayLayers(
        blend=shadow_bgra(shadow, sizes.shadow),
        chosen=shadow_bgra(outlines[chosen], sizes.shadow),
        image=None,
        chosen_index=chosen,
    )
    for array in (layers.blend, layers.chosen):
        array.flags.writeable = False
    return layers if image is None else with_image(layers, image, sizes)


def with_image(layers: DisplayLayers, image: np.ndarray, sizes: DisplaySizes) -> DisplayLayers:
    """The same shadow layers with the (H, W, 3) image fitted to sizes.image."""
    fitted = fitted_image(image, sizes.image)
    fitted.flags.writeable = False
    return replace(layers, image=fitted)


HIGHLIGHT_RGB = (25, 105, 225)  # the chosen completion over the blend: a blue pencil
HIGHLIGHT_STRENGTH = 0.85  # its opacity where the chosen outline is darkest


def highlighted(blend: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """(h, w, 4) premultiplied BGRA: the blended shadow with the chosen completion drawn over
    it in HIGHLIGHT_RGB, so the "2 / 8" counter has an outline to point at in the blend.

    blend, chosen: (h, w, 4) premultiplied BGRA of the same size (shadow_bgra). OpenCV calls
    only: this runs on the UI thread when the completion is stepped.
    """
    alpha = cv2.convertScaleAbs(chosen[..., 3], alpha=HIGHLIGHT_STRENGTH)  # (h, w) uint8
    tint = [cv2.convertScaleAbs(alpha, alpha=c / 255) for c in HIGHLIGHT_RGB[::-1]]
    keep = cv2.bitwise_not(alpha)  # 255 - alpha: how much of the blend shows through
    under = cv2.multiply(blend, cv2.merge([keep] * 4), scale=1 / 255)
    return cv2.add(under, cv2.merge([*tint, alpha]))
