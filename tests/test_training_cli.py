"""models.training.cli: the options both trainers share, and the class-count check."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch

from sketchfill.models.nets.appearance import FULL_SIZE_APPEARANCE, TINY_APPEARANCE
from sketchfill.models.nets.shape import SHIPPED_SHAPE
from sketchfill.models.options import option_fields
from sketchfill.models.training import cli, train_appearance, train_shape
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
    fast = ["--preset", "fast"]
    model = train_shape.model_config(train_shape.parse_args(fast + ["--size", "128",
                                                                    "--refine-width", "8"]))
    assert (model.size, model.trunk, model.critic_size, model.refine_width) == (128, 64, 64, 8)
    assert model.start_size == train_shape.FAST_SHAPE.start_size
    assert train_shape.model_config(train_shape.parse_args(fast + ["--size", "64"])).trunk_size == 0
    with pytest.raises(SystemExit, match="multiple"):
        train_shape.model_config(train_shape.parse_args(fast + ["--size", "32"]))
    # The shipped preset already has a coarser trunk: a finer output keeps it and the critic.
    finer = train_shape.model_config(train_shape.parse_args(["--size", "256"]))
    assert (finer.size, finer.trunk, finer.critic_size) == (256, 64, 64)


def _data_with_other_drawings(tmp_path: Path) -> Path:
    """A tiny data root whose Quick Draw other classes are 10 two-stroke drawings: a box,
    then a bar across it."""
    root = write_data_root(tmp_path / "data", per_style=3)
    other = root / "quickdraw-v1" / "all_other_classes.ndjson"
    other.parent.mkdir(parents=True)
    box = [[[0, 50, 50, 0, 0], [0, 0, 50, 50, 0]], [[10, 40], [25, 25]]]
    other.write_text("".join(json.dumps({"word": "box", "key_id": str(i), "drawing": box})
                             + "\n" for i in range(10)))
    return root


def test_agnostic_share_makes_an_agnostic_network_and_mixes_in_other_drawings(tmp_path):
    root = _data_with_other_drawings(tmp_path)
    args = train_shape.parse_args(["--preset", "tiny", "--no-quickdraw", "--agnostic-share",
                                   "0.5"])
    assert train_shape.model_config(args).agnostic
    mix = train_shape.training_set(args, root, 32)
    labels = [int(mix[i][2]) for i in range(len(mix))]
    assert labels.count(-1) == len(mix) // 2 and mix.classes == list(CLASSES)
    plain = train_shape.parse_args(["--preset", "fast", "--agnostic-share", "0"])
    assert not train_shape.model_config(plain).agnostic
    for bad in ("1", "-0.2"):
        with pytest.raises(SystemExit):
            train_shape.parse_args(["--agnostic-share", bad])


def test_prefix_share_sets_how_quick_draw_items_are_cut(tmp_path):
    root = _data_with_other_drawings(tmp_path)
    args = train_shape.parse_args(["--preset", "tiny", "--no-quickdraw", "--agnostic-share",
                                   "0.5", "--prefix-share", "1"])
    mix = train_shape.training_set(args, root, 32)
    assert mix.classed.partial.drawing_square_prob == 0.0
    assert mix.agnostic.partial.drawing_square_prob == 0.0
    # Every other-class item is then its first stroke (the box) without the second (the bar).
    agnostic = [item for item in (mix[i] for i in range(len(mix))) if int(item[2]) == -1]
    kept = {round(float((p < 0).float().sum() / (f < 0).float().sum()), 1) for p, f, _ in agnostic}
    assert len(kept) == 1 and 0.5 < kept.pop() < 1.0
    for bad in ("1.5", "-0.1"):
        with pytest.raises(SystemExit):
            train_shape.parse_args(["--prefix-share", bad])


def test_each_trainer_keeps_its_own_defaults():
    assert train_shape.parse_args([]).run == Path("runs/shape")
    assert train_appearance.parse_args([]).run == Path("runs/appearance")


def test_the_defaults_are_the_shipped_recipe():
    """No option given: the shipped architecture and the last phase of its recipe (the
    manifest's commands), so the recipe in docs/training.md needs only what differs."""
    args = train_shape.parse_args([])
    model = train_shape.model_config(args)
    cfg = train_shape.train_config(args, model)
    assert model == dataclasses.replace(SHIPPED_SHAPE, soft_output=True)
    assert (cfg.lr, cfg.adv_weight, cfg.penalty_every, cfg.rec_mean_share, cfg.cpu_bf16,
            cfg.agnostic_share) == (3e-4, 1.0, 4, 0.0, None, 0.4)  # bf16 auto: on where native
    look = train_appearance.train_config(train_appearance.parse_args([]))
    assert look.model == dataclasses.replace(FULL_SIZE_APPEARANCE, pixel_noise=True)
    assert look.image_size == 256
    assert (look.lr, look.freeze_trunk, look.edge_weight) == (2e-4, False, 0.0)


def test_options_come_from_the_config_fields():
    """Every option() field of a config is an option of its trainer, with that field's
    default, and reaches the config it came from."""
    for module, cls in ((train_shape, train_shape.ShapeTrainConfig),
                        (train_appearance, train_appearance.AppearanceTrainConfig)):
        fields = option_fields(cls)
        assert len(fields) >= 8
        args = module.parse_args([])
        assert all(getattr(args, f.name) == f.default for f in fields)
    args = train_shape.parse_args(["--batch-size", "3", "--no-quickdraw", "--ngf", "20",
                                   "--rec-mean-share", "0.1", "--no-cpu-bf16"])
    model = train_shape.model_config(args)
    cfg = train_shape.train_config(args, model)
    assert (cfg.batch_size, cfg.quickdraw, cfg.rec_mean_share, cfg.cpu_bf16) == (3, False, 0.1,
                                                                                False)
    assert model.ngf == 20 and model.context_width == SHIPPED_SHAPE.context_width
    cfg = train_appearance.train_config(train_appearance.parse_args(["--preset", "tiny",
                                                                     "--l1-weight", "2"]))
    assert (cfg.l1_weight, cfg.image_size, cfg.model) == (2.0, TINY_APPEARANCE.size,
                                                          TINY_APPEARANCE)


@pytest.mark.parametrize("removed", ["--rec-kind", "--rec-radius", "--rec-target-radius",
                                     "--rec-pixel-weight", "--miss-weight", "--refine-blocks",
                                     "--train-only", "--adv-ramp", "--lr-d"])
def test_options_of_no_recipe_are_gone(removed, capsys):
    with pytest.raises(SystemExit):
        train_shape.parse_args([removed, "1"])
    assert "unrecognized arguments" in capsys.readouterr().err


def test_class_count_mismatch_is_reported(capsys):
    assert cli.classes_match(21, "fast", 21)
    assert not cli.classes_match(3, "fast", 21)
    assert "data has 3 classes, preset 'fast' expects 21" in capsys.readouterr().err


def test_shape_flags_for_a_fork_of_a_released_checkpoint_reach_the_config():
    args = train_shape.parse_args(["--lr", "1e-4", "--critic-warmup", "400",
                                   "--refine-width", "16", "--size", "128"])
    model = train_shape.model_config(args)
    cfg = train_shape.train_config(args, model)
    assert (cfg.lr, cfg.critic_warmup, model.refine_width) == (1e-4, 400, 16)


@pytest.mark.parametrize("native", [False, True])
def test_cpu_bf16_by_default_only_where_the_cpu_has_it_natively(monkeypatch, native):
    """Emulated bf16 (every AVX2-only CPU) is 15-30x slower: the trainers' default is auto."""
    from sketchfill.models.training import loop

    monkeypatch.setattr(loop, "native_bf16", lambda: native)
    for module in (train_shape, train_appearance):
        assert module.parse_args([]).cpu_bf16 is None                # auto
    cpu = torch.device("cpu")
    with loop.autocast(cpu, None):
        assert torch.is_autocast_enabled("cpu") == native
    with loop.autocast(cpu, False):
        assert not torch.is_autocast_enabled("cpu")
    with loop.autocast(cpu, True):
        assert torch.is_autocast_enabled("cpu")
