"""Per-class weights for the appearance trainer's class signals ("focus" on weak classes).

Why: with the classes taking turns in the batches every class gets as many renders as another,
yet a class the judges still confuse with a neighbour (a strawberry read as a tomato, a banana
as a moon) needs more than its share of the generator's and the texture critic's attention,
while a class already told apart needs less. A focus weight w for a class makes its renders
count w times in the class losses and asks for it w times as often when an outline is rendered
under a class not its own (where the class gate alone must make the difference).
"""
from __future__ import annotations

from typing import Sequence

import torch


def parse_focus(spec: str, classes: Sequence[str]) -> torch.Tensor:
    """'strawberry=3,banana=2' -> float32 [n_classes] weights, 1 for the classes not named.

    Raises ValueError naming the problem for an unknown class, a malformed pair or a weight
    that is not positive.
    """
    weights = torch.ones(len(classes))
    for pair in filter(None, (p.strip() for p in spec.split(","))):
        name, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"focus {pair!r}: expected class=weight")
        if name.strip() not in classes:
            raise ValueError(f"focus {pair!r}: no class {name.strip()!r} in {list(classes)}")
        try:
            weight = float(value)
        except ValueError:
            raise ValueError(f"focus {pair!r}: the weight must be a number") from None
        if not weight > 0:
            raise ValueError(f"focus {pair!r}: the weight must be positive")
        weights[list(classes).index(name.strip())] = weight
    return weights


def other_labels(label: torch.Tensor, n: int, weights: torch.Tensor) -> torch.Tensor:
    """n labels, each different from the matching item's label, drawn in proportion to
    ``weights`` among the other classes (uniformly when all weights are equal)."""
    own = label[:n]
    probs = weights.to(own.device).expand(len(own), -1).clone()
    probs[torch.arange(len(own), device=own.device), own] = 0.0
    return torch.multinomial(probs, 1).squeeze(1)


def weighted_mean(values: torch.Tensor, label: torch.Tensor, weights: torch.Tensor
                  ) -> torch.Tensor:
    """Mean of per-item ``values`` [B], item i counting weights[label[i]] times."""
    w = weights.to(values.device)[label]
    return (values * w).sum() / w.sum()
