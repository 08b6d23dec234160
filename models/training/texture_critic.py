"""A class-conditional texture critic used as a training signal for the appearance stage.

Why: the appearance critic judges (outline, image, class) triples of matching pairs only, and
the colour classifier can name most classes from their colours, so nothing asks a basketball
outline rendered as a strawberry to carry a strawberry's seeds, or any outline rendered as a
basketball to carry its seams. This critic sees images alone, in small patches (receptive
field 18 px at `size`), and asks "is this patch the surface of a real <class>?": what it
can judge is texture and local colour, which every render under a class must show whatever
its outline. Patches of paper are left out of its loss (they carry no texture and would let
it judge silhouettes).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from sketchfill.models.training.colour_classifier import object_mask

CRITIC_SIZE = 128  # px the critic looks at: seeds and seams are a few px here


class TextureCritic(nn.Module):
    """(image [B,3,S,S] in [-1,1], label [B]) -> (patch scores [B,s,s], object weight [B,s,s])."""

    def __init__(self, n_classes: int, width: int = 32, size: int = CRITIC_SIZE) -> None:
        super().__init__()
        self.size = size
        # No spectral norm: a real and a rendered patch differ by a few seeds, a small
        # distance that a 1-Lipschitz critic cannot turn into a usable score (it sat at the
        # least-squares loss of chance, 0.25, for 500 steps).
        self.features = nn.Sequential(
            nn.Conv2d(3, width, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * width, 2 * width, 3, 1, 1), nn.LeakyReLU(0.2))
        self.out = nn.Conv2d(2 * width, 1, 1)
        # Projection conditioning: a class's score adds <embed[c], features> per patch.
        self.embed = nn.Embedding(n_classes, 2 * width)
        nn.init.normal_(self.embed.weight, std=0.02)

    def forward(self, image: torch.Tensor, label: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        if image.shape[-1] != self.size:
            image = F.interpolate(image, size=(self.size, self.size), mode="area")
        h = self.features(image)                                        # [B, 2w, s, s]
        score = self.out(h)[:, 0] + (self.embed(label)[:, :, None, None] * h).sum(1)
        on_object = object_mask(image)[:, None].float()
        weight = F.adaptive_avg_pool2d(on_object, score.shape[-2:])[:, 0]
        return score, (weight > 0.5).float()


def masked_mean(values: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Mean of `values` over the patches `weight` keeps (0 if it keeps none)."""
    return (values * weight).sum() / weight.sum().clamp_min(1.0)


def _weighted(patches: torch.Tensor, label: torch.Tensor,
              focus: torch.Tensor | None) -> torch.Tensor:
    """Patch weights [B,s,s] with each image's scaled by its class's focus weight."""
    if focus is None:
        return patches
    return patches * focus.to(patches.device)[label][:, None, None]


def critic_loss(critic: TextureCritic, real: torch.Tensor, real_label: torch.Tensor,
                fake: torch.Tensor, fake_label: torch.Tensor,
                focus: torch.Tensor | None = None) -> torch.Tensor:
    """Least-squares loss of the critic: object patches of real images 1, of renders 0;
    with `focus` (class_focus.parse_focus) a class's patches count that many times."""
    s_real, w_real = critic(real, real_label)
    s_fake, w_fake = critic(fake, fake_label)
    return 0.5 * (masked_mean((s_real - 1.0) ** 2, _weighted(w_real, real_label, focus))
                  + masked_mean(s_fake ** 2, _weighted(w_fake, fake_label, focus)))


def generator_loss(critic: TextureCritic, fake: torch.Tensor, label: torch.Tensor,
                   focus: torch.Tensor | None = None) -> torch.Tensor:
    """Least-squares loss of the generator: its object patches should score as real."""
    score, weight = critic(fake, label)
    return 0.5 * masked_mean((score - 1.0) ** 2, _weighted(weight, label, focus))
