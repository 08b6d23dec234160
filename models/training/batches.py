"""Endless, seeded, rank-sharded batches from a map-style dataset."""
from __future__ import annotations

from typing import Iterator

import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from sketchfill.models.training.distributed import DistContext


def endless_batches(dataset: Dataset, batch_size: int, ctx: DistContext, seed: int,
                    start_step: int = 0) -> Iterator[list[torch.Tensor]]:
    """Yield batches forever; each rank sees its own shard of every epoch.

    The epoch number is derived from `start_step`, so a resumed run shuffles as a fresh epoch
    instead of replaying the first one.
    """
    sampler = DistributedSampler(dataset, num_replicas=ctx.world_size, rank=ctx.rank,
                                 shuffle=True, seed=seed, drop_last=True)
    loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler, drop_last=True)
    per_epoch = max(len(loader), 1)
    if len(loader) == 0:
        raise ValueError(f"dataset of {len(dataset)} items is smaller than one batch of "
                         f"{batch_size} x {ctx.world_size} ranks")
    epoch = start_step // per_epoch
    while True:
        sampler.set_epoch(epoch)
        if hasattr(dataset, "set_epoch"):  # models.data datasets: fresh augmentation per epoch
            dataset.set_epoch(epoch)
        yield from loader
        epoch += 1


def fixed_items(dataset: Dataset, n: int) -> list[torch.Tensor]:
    """n items spread over the data set, stacked per field (a stable set to watch)."""
    idx = [int(i * len(dataset) / n) for i in range(min(n, len(dataset)))]
    items = [dataset[i] for i in idx]
    return [torch.stack([it[j] for it in items]) for j in range(len(items[0]))]
