"""Checkpoint files: round trip, and a CheckpointError naming the file for every bad case."""
from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from sketchfill.models.nets.appearance import TINY_APPEARANCE, AppearanceGenerator
from sketchfill.models.nets.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from sketchfill.models.nets.shape import TINY_SHAPE, ShapeGenerator

CLASSES = ("a", "b", "c")


@pytest.fixture
def shape_file(tmp_path):
    torch.manual_seed(1)
    net = ShapeGenerator(TINY_SHAPE)
    path = save_checkpoint(tmp_path / "shape.pt", "shape", TINY_SHAPE, CLASSES, net.state_dict(),
                           {"steps": 5})
    return path, net


def test_round_trip_rebuilds_identical_network(shape_file):
    path, net = shape_file
    ck = load_checkpoint(path, kind="shape", classes=CLASSES)
    assert ck.config == TINY_SHAPE and ck.classes == CLASSES and ck.provenance == {"steps": 5}
    rebuilt = ck.build()
    x, y, z = torch.ones(1, 1, 32, 32), torch.tensor([1]), torch.randn(1, TINY_SHAPE.nz)
    with torch.no_grad():
        assert torch.equal(rebuilt(x, y, z), net.eval()(x, y, z))


def test_file_is_plain_data_loadable_with_weights_only(shape_file):
    data = torch.load(shape_file[0], weights_only=True)
    assert data["format"] == "sketchfill-checkpoint" and data["kind"] == "shape"
    assert data["config"]["size"] == TINY_SHAPE.size


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="nope.pt.*not found"):
        load_checkpoint(tmp_path / "nope.pt")


def test_truncated_file(shape_file):
    path = shape_file[0]
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(CheckpointError, match="shape.pt.*truncated or corrupt"):
        load_checkpoint(path)


def test_wrong_kind(shape_file):
    with pytest.raises(CheckpointError, match="holds a shape network, expected appearance"):
        load_checkpoint(shape_file[0], kind="appearance")


def test_class_mismatch(shape_file):
    with pytest.raises(CheckpointError, match="class list"):
        load_checkpoint(shape_file[0], classes=("a", "b", "x"))


def test_foreign_torch_file(tmp_path):
    path = tmp_path / "latest_net_G.pth"
    torch.save({"fc.weight": torch.zeros(2)}, path)
    with pytest.raises(CheckpointError, match="not a Sketch & Fill checkpoint"):
        load_checkpoint(path)


def test_weights_not_fitting_config(tmp_path):
    wrong = replace(TINY_APPEARANCE, ngf=6)
    sd = AppearanceGenerator(TINY_APPEARANCE).state_dict()
    path = save_checkpoint(tmp_path / "app.pt", "appearance", wrong, CLASSES, sd)
    ck = load_checkpoint(path)
    with pytest.raises(CheckpointError, match="app.pt.*do not fit"):
        ck.build()


def test_save_refuses_class_count_mismatch(tmp_path):
    with pytest.raises(ValueError, match="2 class names"):
        save_checkpoint(tmp_path / "x.pt", "shape", TINY_SHAPE, ("a", "b"),
                        ShapeGenerator(TINY_SHAPE).state_dict())
    assert not list(tmp_path.iterdir())


def test_a_retired_config_field_loads_only_with_its_one_kept_value(tmp_path):
    """ShapeConfig.refine_blocks is gone; a file that stores its one kept value (1) loads,
    one that stores another is refused by name."""
    from sketchfill.models.nets.checkpoint import config_from_dict, config_to_dict
    from sketchfill.models.nets.shape import ShapeConfig
    data = config_to_dict(TINY_SHAPE)
    assert config_from_dict(ShapeConfig, {**data, "refine_blocks": 1}, tmp_path) == TINY_SHAPE
    with pytest.raises(CheckpointError, match="refine_blocks=3"):
        config_from_dict(ShapeConfig, {**data, "refine_blocks": 3}, tmp_path)
