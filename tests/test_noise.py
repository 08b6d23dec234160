"""models.nets.noise: seeded draws in NumPy that match torch's CPU generator (bit for bit under
16 values, to the last float32 bits from 16 on), and a module that never imports torch."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from sketchfill.models.nets.noise import (FLOAT_BLOCK, TorchLikeNormal, noise_from_seeds,
                                          seeded_maps, seeded_noise)

SEEDS = (0, 1, 12345, 2**31 - 1)
SMALL = (1, 3, 8, 15)           # torch's float64 Box-Muller: the same bits
LARGE = (16, 20, 32, 100)       # its float32 blocks of 16: the last bits may differ
BLOCK_TOLERANCE = 5e-6
REPO = Path(__file__).resolve().parent.parent


def torch_draw(seed: int, n: int) -> np.ndarray:
    return torch.randn(n, generator=torch.Generator().manual_seed(seed)).numpy()


def torch_maps(sides, seed: int) -> list[np.ndarray]:
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(1, 1, s, s, generator=g).numpy() for s in sides]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SMALL)
def test_fewer_than_a_block_are_torchs_values_exactly(seed: int, n: int) -> None:
    got = seeded_noise([seed], n)
    assert got.shape == (1, n) and got.dtype == np.float32
    assert np.array_equal(got[0], torch_draw(seed, n))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", LARGE)
def test_a_block_or_more_are_torchs_values_to_the_last_bits(seed: int, n: int) -> None:
    got = seeded_noise([seed], n)
    assert got.shape == (1, n) and got.dtype == np.float32
    assert np.abs(got[0] - torch_draw(seed, n)).max() <= BLOCK_TOLERANCE


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("sides", [(8, 3, 5), (4, 4, 1), (2, 3, 4, 5)])
def test_maps_are_torchs_draws_in_turn_from_one_generator(seed: int, sides) -> None:
    """Sides whose square is not a multiple of 16 (a partial last block) and small maps
    between block-drawn ones: the stream stays in step with torch's throughout."""
    got = seeded_maps(sides, seed)
    want = torch_maps(sides, seed)
    assert [m.shape for m in got] == [(1, 1, s, s) for s in sides]
    assert all(m.dtype == np.float32 for m in got)
    for mine, theirs in zip(got, want):
        assert np.abs(mine - theirs).max() <= BLOCK_TOLERANCE


@pytest.mark.parametrize("seed", SEEDS)
def test_small_maps_in_turn_are_torchs_values_exactly(seed: int) -> None:
    """Odd counts leave the second value of a Box-Muller pair for the next draw, as in torch."""
    sides = (3, 2, 1, 1)
    for mine, theirs in zip(seeded_maps(sides, seed), torch_maps(sides, seed)):
        assert np.array_equal(mine, theirs)


def test_a_stream_continues_across_draws_as_torchs_generator_does() -> None:
    stream, g = TorchLikeNormal(7), torch.Generator().manual_seed(7)
    for count in (3, 5, 16, 1, 20, 2):
        theirs = torch.randn(count, generator=g).numpy()
        mine = stream.draw(count)
        if count < FLOAT_BLOCK:
            assert np.array_equal(mine, theirs), count
        else:
            assert np.abs(mine - theirs).max() <= BLOCK_TOLERANCE, count


def test_seeds_beyond_32_bits_use_their_low_32_bits_as_torch_does() -> None:
    high = 2**32 + 5
    assert np.array_equal(seeded_noise([high], 8), seeded_noise([5], 8))
    assert np.array_equal(seeded_noise([high], 8)[0], torch_draw(high, 8))


def test_the_same_seed_gives_the_same_noise_and_other_seeds_other_noise() -> None:
    assert np.array_equal(seeded_noise([3], 20), seeded_noise([3], 20))
    assert all(np.array_equal(a, b) for a, b in zip(seeded_maps((8, 3), 3),
                                                      seeded_maps((8, 3), 3)))
    rows = seeded_noise(list(SEEDS), 20)
    assert rows.shape == (len(SEEDS), 20)
    for i in range(len(SEEDS)):
        for j in range(i + 1, len(SEEDS)):
            assert not np.allclose(rows[i], rows[j])
    assert not np.allclose(seeded_maps((8,), 3)[0], seeded_maps((8,), 4)[0])


def test_each_row_is_its_own_seeds_draw() -> None:
    seeds = [5, 0, 5, 99]
    rows = seeded_noise(seeds, 12)
    for row, seed in zip(rows, seeds):
        assert np.array_equal(row, seeded_noise([seed], 12)[0])
    assert seeded_noise([], 12).shape == (0, 12)


def test_noise_from_seeds_is_the_same_noise_as_a_cpu_tensor() -> None:
    z = noise_from_seeds([2, 9], 10)
    assert isinstance(z, torch.Tensor) and z.device.type == "cpu" and z.dtype == torch.float32
    assert np.array_equal(z.numpy(), seeded_noise([2, 9], 10))


def test_drawing_noise_does_not_import_torch() -> None:
    code = ("import sys, sketchfill.models.nets.noise as n; n.seeded_noise([1], 8); "
            "n.seeded_maps((4, 3), 1); print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], env=dict(os.environ), cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False", done.stderr
