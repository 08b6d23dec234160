"""Seeded noise: the same seed gives the same z everywhere (engine, CLI, evaluation).

Both stages are trained with z ~ N(0, 1); seeds pin it so results stay put until "Dice".

The draws follow torch's CPU generator (`torch.randn` after `Generator().manual_seed(seed)`):
the same Mersenne Twister words, turned into normals the way torch turns them, in NumPy, so
the app draws them without importing torch. Fewer than 16 values come from torch's float64
Box-Muller and match it bit for bit; 16 or more from its float32 one, 16 at a time, where
torch's vectorised log, sin and cos may round the last bit of some values differently
(by up to about 1e-6; tests/test_noise.py compares the two).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    import torch

FLOAT_BLOCK = 16  # torch draws float32 normals in blocks of 16: 8 radii, 8 angles


class TorchLikeNormal:
    """N(0, 1) float32 draws from one seeded stream, as torch's CPU generator gives them:
    each `draw` consumes the stream as one `torch.randn(count, generator=g)` would."""

    def __init__(self, seed: int) -> None:
        # torch seeds its mt19937 with the seed's low 32 bits, as NumPy's legacy seeding does.
        self._words = np.random.RandomState(int(seed) & 0xFFFFFFFF)
        self._cached: float | None = None  # the second value of a float64 Box-Muller pair

    def _next(self, n: int) -> np.ndarray:
        return self._words.randint(0, 2**32, size=n, dtype=np.uint32)

    def draw(self, count: int) -> np.ndarray:
        if count >= FLOAT_BLOCK:
            return self._float_block_normals(count)
        return np.array([self._double_normal() for _ in range(count)], np.float32)

    def _uniform24(self, n: int) -> np.ndarray:
        return (self._next(n) & 0xFFFFFF).astype(np.float32) * np.float32(2.0**-24)

    def _float_block_normals(self, count: int) -> np.ndarray:
        """torch's normal_fill: uniforms for all, Box-Muller per full block of 16; a partial
        last block is drawn afresh as a whole block over the last 16 values."""
        out = self._uniform24(count)
        full = count - count % FLOAT_BLOCK
        out[:full] = _box_muller16(out[:full].reshape(-1, FLOAT_BLOCK)).reshape(-1)
        if count % FLOAT_BLOCK:
            out[-FLOAT_BLOCK:] = _box_muller16(self._uniform24(FLOAT_BLOCK)[None])[0]
        return out

    def _double_normal(self) -> float:
        """torch's normal_distribution<double>: 53-bit uniforms from two words each, the
        pair's second value kept for the next draw."""
        if self._cached is not None:
            value, self._cached = self._cached, None
            return value
        w = self._next(4).astype(np.uint64)
        mask = (1 << 53) - 1
        u1, u2 = (((int(w[i]) << 32 | int(w[i + 1])) & mask) * 2.0**-53 for i in (0, 2))
        radius = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        self._cached = radius * math.sin(theta)
        return radius * math.cos(theta)


def _box_muller16(u: np.ndarray) -> np.ndarray:
    """[n,16] uniforms in [0,1) -> [n,16] normals: radii from the first 8, angles from the
    last 8; cosines fill the first half, sines the second."""
    radius = np.sqrt(np.float32(-2.0) * np.log(np.float32(1.0) - u[:, :8]))
    theta = (2.0 * math.pi * u[:, 8:].astype(np.float64)).astype(np.float32)
    return np.concatenate([radius * np.cos(theta), radius * np.sin(theta)], axis=1)


def seeded_noise(seeds: Sequence[int], nz: int) -> np.ndarray:
    """(len(seeds), nz) float32: row k the N(0, 1) draw of seed seeds[k]."""
    rows = [TorchLikeNormal(s).draw(nz) for s in seeds]
    return np.stack(rows) if rows else np.empty((0, nz), np.float32)


def seeded_maps(sides: Sequence[int], seed: int) -> list[np.ndarray]:
    """[1,1,s,s] float32 N(0, 1) maps for each side s, drawn in turn from one stream."""
    stream = TorchLikeNormal(seed)
    return [stream.draw(s * s).reshape(1, 1, s, s) for s in sides]


def noise_from_seeds(seeds: Sequence[int], nz: int) -> "torch.Tensor":
    """seeded_noise as a torch tensor on the CPU (the same z on any device)."""
    import torch

    return torch.from_numpy(seeded_noise(seeds, nz))
