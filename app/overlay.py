"""How the completions are shown under the strokes: blended shadow or one chosen outline."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

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
