"""models.training.cli: the options both trainers share, and the class-count check."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.training import train_appearance, train_shape
from models.training import cli
from tests.tiny_data import CLASSES, write_data_root


def test_shared_options_parse_the_same_in_both_trainers(tmp_path: Path):
    argv = ["--run", str(tmp_path / "r"), "--steps", "7", "--fork", str(tmp_path / "src"),
            "--save-every", "3", "--threads", "1"]
    for parse in (train_shape.parse_args, train_appearance.parse_args):
        args = parse(argv)
        assert (args.run, args.steps, args.fork, args.save_every, args.threads) == (
            tmp_path / "r", 7, tmp_path / "src", 3, 1)
        assert args.sample_every != 3 and not args.resume


def test_shape_size_flag_grows_the_output_over_the_presets_trunk_and_critic():
    model = train_shape.model_config(train_shape.parse_args(["--size", "128",
                                                             "--refine-width", "8"]))
    assert (model.size, model.trunk, model.critic_size, model.refine_width) == (128, 64, 64, 8)
    assert model.start_size == train_shape.FAST_SHAPE.start_size
    assert train_shape.model_config(train_shape.parse_args(["--size", "64"])).trunk_size == 0
    with pytest.raises(SystemExit, match="multiple"):
        train_shape.model_config(train_shape.parse_args(["--size", "32"]))


def test_agnostic_share_makes_an_agnostic_network_and_mixes_in_other_drawings(tmp_path):
    root = write_data_root(tmp_path / "data", per_style=3)
    other = root / "quickdraw-v1" / "all_other_classes.ndjson"
    other.parent.mkdir(parents=True)
    square = [[[0, 50, 50, 0, 0], [0, 0, 50, 50, 0]], [[10, 40], [25, 25]]]
    other.write_text("".join(json.dumps({"word": "box", "key_id": str(i), "drawing": square})
                             + "\n" for i in range(10)))
    args = train_shape.parse_args(["--preset", "tiny", "--no-quickdraw", "--agnostic-share",
                                   "0.5"])
    assert train_shape.model_config(args).agnostic
    mix = train_shape.training_set(args, root, 32)
    labels = [int(mix[i][2]) for i in range(len(mix))]
    assert labels.count(-1) == len(mix) // 2 and mix.classes == list(CLASSES)
    assert not train_shape.model_config(train_shape.parse_args([])).agnostic
    for bad in ("1", "-0.2"):
        with pytest.raises(SystemExit):
            train_shape.parse_args(["--agnostic-share", bad])


def test_each_trainer_keeps_its_own_defaults():
    assert train_shape.parse_args([]).run == Path("runs/shape")
    assert train_appearance.parse_args([]).run == Path("runs/appearance")
    assert train_shape.parse_args([]).miss_weight == 0.0


def test_class_count_mismatch_is_reported(capsys):
    assert cli.classes_match(21, "fast", 21)
    assert not cli.classes_match(3, "fast", 21)
    assert "data has 3 classes, preset 'fast' expects 21" in capsys.readouterr().err


def test_shape_flags_for_a_fork_of_a_released_checkpoint_reach_the_config():
    args = train_shape.parse_args(["--lr", "1e-4", "--lr-d", "3e-4", "--critic-warmup", "400",
                                   "--adv-ramp", "300", "--refine-width", "16",
                                   "--refine-blocks", "3", "--size", "128"])
    model = train_shape.model_config(args)
    cfg = train_shape.train_config(args, model)
    assert (cfg.lr_g, cfg.lr_d, cfg.critic_warmup, cfg.adv_ramp) == (1e-4, 3e-4, 400, 300)
    assert (model.refine_width, model.refine_blocks) == (16, 3)
    plain = train_shape.train_config(train_shape.parse_args(["--lr", "5e-4"]), model)
    assert plain.lr_g == plain.lr_d == 5e-4


def test_train_only_the_refiner_needs_a_model_with_one():
    args = train_shape.parse_args(["--train-only", "refiner", "--refine-width", "8"])
    assert train_shape.train_config(args, train_shape.model_config(args)).train_only == "refiner"
    bare = train_shape.parse_args(["--train-only", "refiner", "--refine-width", "0"])
    with pytest.raises(SystemExit, match="no full-size refiner"):
        train_shape.train_config(bare, train_shape.model_config(bare))
