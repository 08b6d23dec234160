"""Seeded noise: the same seed gives the same z everywhere (engine, CLI, evaluation).

Both stages are trained with z ~ N(0, 1); seeds pin it so results stay put until "Dice".
"""
from __future__ import annotations

from typing import Sequence

import torch


def noise_from_seeds(seeds: Sequence[int], nz: int) -> torch.Tensor:
    """[len(seeds), nz] float32, row k drawn from N(0, 1) with torch's CPU generator at seeds[k]
    (CPU so the same seed gives the same z on any device)."""
    rows = [torch.randn(nz, generator=torch.Generator().manual_seed(int(s))) for s in seeds]
    return torch.stack(rows) if rows else torch.empty(0, nz)
