"""Data-parallel training with torch.distributed, started by `torchrun` (or run alone).

torchrun sets RANK / WORLD_SIZE / LOCAL_RANK / MASTER_ADDR / MASTER_PORT; without them the
run is a single process. Gradients are averaged across ranks with one all-reduce per network
after backward. We do this by hand instead of wrapping in `DistributedDataParallel` because
the stage-1 critic step differentiates twice (the zero-centred penalty needs create_graph) and
calls the critic several times per step, which DDP's reducer does not support; StyleGAN2-ADA
trains the same way for the same reason. The effect is identical to DDP: every rank applies
the same averaged gradient to the same initial weights (broadcast from rank 0).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class DistContext:
    rank: int            # global rank, 0 writes files
    world_size: int      # number of processes
    local_rank: int      # GPU index on this node
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world_size > 1


def init_distributed(device: str = "auto") -> DistContext:
    """Join the torchrun process group if the environment names one (gloo on CPU, nccl on CUDA)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() if device == "auto" else device.startswith("cuda")
    dev = torch.device(f"cuda:{local}") if use_cuda else torch.device("cpu")
    if use_cuda:
        torch.cuda.set_device(dev)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if use_cuda else "gloo", rank=rank, world_size=world)
    return DistContext(rank, world, local, dev)


def shutdown(ctx: DistContext) -> None:
    if ctx.active and dist.is_initialized():
        dist.destroy_process_group()


def broadcast_weights(net: nn.Module, ctx: DistContext) -> None:
    """Give every rank rank 0's parameters and buffers (same start, so same trajectory)."""
    if not ctx.active:
        return
    for t in list(net.parameters()) + list(net.buffers()):
        dist.broadcast(t.data, src=0)


def average_gradients(net: nn.Module, ctx: DistContext) -> None:
    """All-reduce the mean of every parameter's gradient, flattened into one bucket."""
    if not ctx.active:
        return
    params = [p for p in net.parameters() if p.grad is not None]
    if not params:
        return
    flat = torch.cat([p.grad.reshape(-1) for p in params])
    dist.all_reduce(flat)
    flat /= ctx.world_size
    offset = 0
    for p in params:
        n = p.grad.numel()
        p.grad.copy_(flat[offset:offset + n].view_as(p.grad))
        offset += n


def mean_across_ranks(values: dict[str, float], ctx: DistContext) -> dict[str, float]:
    """Average logged scalars over ranks so the loss log describes the global batch."""
    if not ctx.active or not values:
        return values
    t = torch.tensor(list(values.values()), dtype=torch.float64)
    dist.all_reduce(t)
    return dict(zip(values, (t / ctx.world_size).tolist()))
