"""A small colour-image classifier used as a training signal for the appearance stage.

Why: the "render one outline under every class" bar needs the class gate, not the outline, to
decide the colours. The discriminator only ever sees matching (outline, class) pairs, so it
cannot judge a basketball outline rendered as a strawberry. This classifier, trained on real
images only, can: the generator is asked to make G(outline of A, class B) read as B.

It looks at a 32 px copy and pools globally, so what it can use is mostly which colours appear
where, not fine texture: fooling it takes the class's colours, not adversarial pixel noise.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

INPUT_SIZE = 32  # default; 64 (the evaluation judges' size) lets it see texture too


class ColourClassifier(nn.Module):
    """image [B,3,S,S] in [-1,1] -> class logits [B,n_classes]."""

    def __init__(self, n_classes: int, width: int = 32, input_size: int = INPUT_SIZE) -> None:
        super().__init__()
        self.input_size = input_size  # no weights depend on it: pooling is global
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 3, padding=1), nn.LeakyReLU(0.2), nn.AvgPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.LeakyReLU(0.2), nn.AvgPool2d(2),
            nn.Conv2d(2 * width, 2 * width, 3, padding=1), nn.LeakyReLU(0.2))
        self.head = nn.Linear(4 * width, n_classes)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(image, size=(self.input_size, self.input_size), mode="area")
        h = self.features(x)                                            # [B, 2w, s/4, s/4]
        pooled = torch.cat([h.mean((2, 3)), h.amax((2, 3))], dim=1)     # [B, 4w]
        return self.head(pooled)
