"""Tiny pictures, tiny agnostic checkpoints and a private data folder for the teaching tests."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from sketchfill.models.nets.appearance import TINY_FULL_SIZE_APPEARANCE, AppearanceGenerator
from sketchfill.models.nets.checkpoint import save_checkpoint
from sketchfill.models.nets.shape import TINY_SHAPE, ShapeGenerator

CLASSES = ("orange", "watermelon", "moon")
# Agnostic shape network and an appearance network with a full-size stage: the shipped kinds,
# so every class table (shape, gate, full_gate) is exercised.
AGNOSTIC_SHAPE = replace(TINY_SHAPE, agnostic=True)


def write_pictures(folder: Path, n: int = 3, seed: int = 0) -> list[Path]:
    """n small RGBA pictures of a two-colour blob on a transparent background."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        im = Image.new("RGBA", (96, 96), (0, 0, 0, 0))
        draw = ImageDraw.Draw(im)
        a, b = (int(v) for v in rng.integers(6, 20, size=2))
        draw.ellipse((a, b, 96 - b, 96 - a), fill=(200, 60 + 20 * i, 40, 255))
        draw.rectangle((40, 30, 56, 70), fill=(40, 140, 60, 255))
        paths.append(folder / f"blob_{i}.png")
        im.save(paths[-1])
    return paths


def write_checkpoints(directory: Path, seed: int = 0) -> Path:
    torch.manual_seed(seed)
    directory.mkdir(parents=True, exist_ok=True)
    save_checkpoint(directory / "shape.pt", "shape", AGNOSTIC_SHAPE, CLASSES,
                    ShapeGenerator(AGNOSTIC_SHAPE).state_dict())
    save_checkpoint(directory / "appearance.pt", "appearance", TINY_FULL_SIZE_APPEARANCE,
                    CLASSES, AppearanceGenerator(TINY_FULL_SIZE_APPEARANCE).state_dict())
    (directory / "manifest.json").write_text(json.dumps(
        {"shape": {"file": "shape.pt"}, "appearance": {"file": "appearance.pt"}}))
    return directory


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private XDG data folder: taught classes of one test never reach another."""
    home = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


@pytest.fixture
def teach_checkpoints(tmp_path: Path) -> Path:
    return write_checkpoints(tmp_path / "checkpoints")


@pytest.fixture
def pictures_dir(tmp_path: Path) -> Path:
    write_pictures(tmp_path / "pictures")
    return tmp_path / "pictures"
