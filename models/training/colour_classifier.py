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

from sketchfill.models.data.real_images import PAGE_THRESHOLD

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


PAPER_THRESHOLD = PAGE_THRESHOLD / 127.5  # page_mask's threshold on images in [-1,1]


def object_mask(image: torch.Tensor) -> torch.Tensor:
    """[B,3,S,S] images on white -> bool [B,S,S]: pixels that are not near-white paper."""
    return (1.0 - image).amax(dim=1) > PAPER_THRESHOLD


def _bbox(mask: torch.Tensor) -> tuple[int, int, int, int] | None:
    rows, cols = mask.any(dim=1).nonzero(), mask.any(dim=0).nonzero()
    if len(rows) == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def swap_shapes(images: torch.Tensor, share: float,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """A copy of ``images`` where about ``share`` of them have their colours stretched into
    another image's silhouette (the tensor twin of models.data.real_images.swap_shape).

    Why: a classifier trained on real images names a strawberry by its pointed silhouette and a
    tomato by its round one, so it asks the generator for nothing but red on a round outline
    rendered as a strawberry. With the silhouette swapped away, only colour and texture (the
    seeds, the leaves) tell the class, and that is what the class gate must draw.
    """
    if share <= 0 or len(images) < 2:
        return images
    out = images.clone()
    masks = object_mask(images)
    picks = torch.rand(len(images), generator=generator) < share
    partners = torch.randint(len(images), (len(images),), generator=generator)
    for i in picks.nonzero().flatten().tolist():
        j = int(partners[i])
        src, dst = _bbox(masks[i]), _bbox(masks[j])
        if j == i or src is None or dst is None:
            continue
        ya, yb, xa, xb = src
        yc, yd, xc, xd = dst
        colours = F.interpolate(images[i:i + 1, :, ya:yb, xa:xb], size=(yd - yc, xd - xc),
                                mode="bilinear", align_corners=False)[0]
        alpha = masks[j, yc:yd, xc:xd].to(images.dtype)
        out[i] = 1.0
        out[i, :, yc:yd, xc:xd] = colours * alpha + (1.0 - alpha)
    return out
