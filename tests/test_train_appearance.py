"""Stage 2 training: two real steps, resume, two ranks under torchrun."""
from __future__ import annotations

import math
import os
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from sketchfill.models.nets.appearance import TINY_APPEARANCE, TINY_FULL_SIZE_APPEARANCE
from sketchfill.models.training.colour_classifier import object_mask, swap_shapes
from sketchfill.models.training.texture_critic import TextureCritic
from sketchfill.models.training import texture_critic
from sketchfill.models.training.class_focus import other_labels, parse_focus, weighted_mean
from sketchfill.models.training.train_appearance import (
    AppearanceTrainConfig, build_nets, main, train)
from sketchfill.models.training.distributed import DistContext
from sketchfill.models.training.loop import Schedule
from sketchfill.models.training.run_log import read_log
from sketchfill.models.training.run_state import load_run_state
from tests.tiny_data import CLASSES, appearance_tensors, run_torchrun, write_data_root

CFG = AppearanceTrainConfig(model=TINY_APPEARANCE, image_size=32, batch_size=2, mismatched=2)
CPU = DistContext(0, 1, 0, torch.device("cpu"))
# Tiny nets: extra threads only contend with whatever else runs on the 2 shared cores.
pytestmark = pytest.mark.usefixtures("one_thread")
REPO = Path(__file__).resolve().parent.parent



def _train(run: Path, steps: int, resume: bool = False) -> int:
    return train(CFG, Schedule(steps, 1, steps, steps), run, appearance_tensors(8, 32, 3),
                 CLASSES, resume=resume, meta={"commands": [f"to {steps}"]}, ctx=CPU)


def test_other_labels_never_match():
    label = torch.tensor([0, 1, 2, 0, 1, 2] * 10)
    assert (other_labels(label, len(label), torch.ones(3)) != label).all()


def test_other_labels_ask_for_focused_classes_more_often():
    torch.manual_seed(0)
    label = torch.zeros(2000, dtype=torch.long)
    drawn = other_labels(label, len(label), parse_focus("moon=4", CLASSES))
    assert (drawn != 0).all()
    assert 0.75 < (drawn == 2).float().mean() < 0.85   # 4 / (1 + 4) of the others


def test_parse_focus_weights_named_classes_and_rejects_unknown_ones():
    assert parse_focus("", CLASSES).tolist() == [1.0, 1.0, 1.0]
    assert parse_focus("moon=3, cookie=0.5", CLASSES).tolist() == [1.0, 0.5, 3.0]
    for bad, why in [("tomato=2", "no class 'tomato'"), ("moon", "class=weight"),
                     ("moon=0", "positive"), ("moon=lots", "a number")]:
        with pytest.raises(ValueError, match=why):
            parse_focus(bad, CLASSES)


def test_focus_weighs_a_class_more_in_the_losses():
    values, label = torch.tensor([1.0, 3.0]), torch.tensor([0, 2])
    assert weighted_mean(values, label, torch.ones(3)) == 2.0
    assert weighted_mean(values, label, parse_focus("moon=3", CLASSES)) == 2.5
    torch.manual_seed(0)
    critic = TextureCritic(3, width=8, size=32)
    images = torch.rand(2, 3, 32, 32) * 2 - 1
    plain = texture_critic.generator_loss(critic, images, label)
    assert torch.allclose(texture_critic.generator_loss(critic, images, label, torch.ones(3)),
                          plain)
    alone = texture_critic.generator_loss(critic, images[1:], label[1:])
    heavy = texture_critic.generator_loss(critic, images, label, parse_focus("moon=1000", CLASSES))
    assert abs(heavy - alone) < 0.01 * abs(plain - alone)


def test_a_run_with_focus_trains_and_records_it(tmp_path):
    cfg = replace(CFG, focus="moon=3", texture_weight=1.0)
    assert train(cfg, Schedule(2, 1, 2, 2), tmp_path, appearance_tensors(8, 32, 3), CLASSES,
                 meta={"commands": []}, ctx=CPU) == 2
    assert load_run_state(tmp_path, "appearance")["train_config"]["focus"] == "moon=3"
    assert all(math.isfinite(v) for r in read_log(tmp_path) for v in r.values())


def test_the_trainer_rejects_a_focus_on_an_unknown_class(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SKETCHFILL_CACHE", str(tmp_path / "cache"))
    data = write_data_root(tmp_path / "data")
    code = main(["--preset", "tiny", "--data", str(data), "--run-dir", str(tmp_path / "run"),
                 "--steps", "1", "--focus", "tomato=2"])
    assert code == 2 and "no class 'tomato'" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_two_steps_finite_losses_and_generator_moves(tmp_path):
    assert _train(tmp_path, 2) == 2
    log = read_log(tmp_path)
    assert [r["step"] for r in log] == [1, 2]
    assert all(math.isfinite(v) for r in log for v in r.values())
    state = load_run_state(tmp_path, "appearance")
    init = build_nets(CFG, torch.device("cpu")).g.state_dict()
    assert any(not torch.equal(init[k], v) for k, v in state["nets"]["g"].items())
    assert set(state["nets"]) == {"g", "d", "c", "g_ema"}
    assert (tmp_path / "samples" / "step_000002.png").is_file()


def test_resume_continues_from_saved_step(tmp_path):
    _train(tmp_path, 2)
    assert _train(tmp_path, 3, resume=True) == 3
    state = load_run_state(tmp_path, "appearance")
    assert state["step"] == 3 and state["commands"] == ["to 2", "to 3"]
    assert [r["step"] for r in read_log(tmp_path)] == [1, 2, 3]


def test_fork_continues_another_runs_state_in_a_new_dir(tmp_path):
    source, fork = tmp_path / "source", tmp_path / "fork"
    _train(source, 2)
    done = train(CFG, Schedule(3, 1, 3, 3), fork, appearance_tensors(8, 32, 3), CLASSES,
                 fork=source, meta={"commands": ["fork to 3"]}, ctx=CPU)
    assert done == 3 and load_run_state(source, "appearance")["step"] == 2
    state = load_run_state(fork, "appearance")
    assert state["step"] == 3 and state["commands"] == ["to 2", "fork to 3"]


def test_two_ranks_with_gloo_under_torchrun(tmp_path):
    data = write_data_root(tmp_path / "data")
    env = {**os.environ, "SKETCHFILL_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1",
           "PYTHONPATH": str(REPO)}
    args = ["-m", "models.training.train_appearance", "--preset", "tiny", "--data", str(data),
            "--run-dir", str(tmp_path / "run"), "--steps", "2", "--batch-size", "2",
            "--mismatched", "1", "--threads", "1"]
    done = run_torchrun(args, env, REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    state = load_run_state(tmp_path / "run", "appearance")
    assert state["step"] == 2 and state["classes"] == list(CLASSES)


def test_grown_full_size_fork_trains_only_the_full_size_stage(tmp_path):
    """A half-size run forked with --grow into a full-size model under freeze_trunk: the new
    stage learns, the trunk keeps its parent's weights and buffers exactly."""
    source, fork = tmp_path / "source", tmp_path / "fork"
    _train(source, 2)
    full = replace(CFG, model=TINY_FULL_SIZE_APPEARANCE, image_size=64, freeze_trunk=True)
    done = train(full, Schedule(4, 1, 4, 4), fork, appearance_tensors(8, 64, 3), CLASSES,
                 fork=source, grow=True, meta={"commands": ["grow to 4"]}, ctx=CPU)
    assert done == 4
    parent = load_run_state(source, "appearance")["nets"]["g"]
    grown = load_run_state(fork, "appearance")["nets"]["g"]
    assert all(torch.equal(grown[k], v) for k, v in parent.items())
    stage = [k for k in grown if k.startswith("full.")]
    assert stage and torch.count_nonzero(grown["full.out.weight"]) > 0
    assert all(math.isfinite(v) for r in read_log(fork) for v in r.values())


def test_a_fork_grown_with_pixel_noise_learns_its_noise_weights(tmp_path):
    """--fork --grow --pixel-noise: the parent's weights carry over, the noise weights start at
    zero and training moves them."""
    source, fork = tmp_path / "source", tmp_path / "fork"
    _train(source, 2)
    noisy = replace(CFG, model=replace(TINY_APPEARANCE, pixel_noise=True))
    done = train(noisy, Schedule(4, 1, 4, 4), fork, appearance_tensors(8, 32, 3), CLASSES,
                 fork=source, grow=True, meta={"commands": ["grow to 4"]}, ctx=CPU)
    assert done == 4
    grown = load_run_state(fork, "appearance")["nets"]["g"]
    assert torch.count_nonzero(grown["noise.weight"]) > 0
    assert all(math.isfinite(v) for r in read_log(fork) for v in r.values())


def test_freeze_trunk_needs_a_full_size_stage():
    with pytest.raises(ValueError, match="full-size stage"):
        build_nets(replace(CFG, freeze_trunk=True), torch.device("cpu"))


def test_a_full_size_run_resumes_with_its_trunk_unfrozen(tmp_path):
    """--freeze-trunk off after a frozen phase: the generator's optimizer starts afresh (it now
    moves every parameter) and the trunk learns again."""
    source, fork = tmp_path / "source", tmp_path / "fork"
    _train(source, 2)
    frozen = replace(CFG, model=TINY_FULL_SIZE_APPEARANCE, image_size=64, freeze_trunk=True)
    data = appearance_tensors(8, 64, 3)
    train(frozen, Schedule(3, 1, 3, 3), fork, data, CLASSES, fork=source, grow=True, ctx=CPU)
    before = load_run_state(fork, "appearance")["nets"]["g"]
    train(replace(frozen, freeze_trunk=False), Schedule(4, 1, 4, 4), fork, data, CLASSES,
          resume=True, ctx=CPU)
    after = load_run_state(fork, "appearance")["nets"]["g"]
    assert not torch.equal(after["stem.0.weight"], before["stem.0.weight"])


def _blob_image(rows: slice, cols: slice, colour: tuple[float, float, float]) -> torch.Tensor:
    image = torch.ones(3, 32, 32)
    image[:, rows, cols] = torch.tensor(colour)[:, None, None]
    return image


def test_swap_shapes_paints_colours_into_the_partners_silhouette():
    wide = _blob_image(slice(12, 20), slice(2, 30), (1.0, -1.0, -1.0))   # red bar
    tall = _blob_image(slice(2, 30), slice(12, 20), (-1.0, -1.0, 1.0))   # blue column
    images = torch.stack([wide, tall])
    swapped = swap_shapes(images, 1.0, torch.Generator().manual_seed(3))
    masks = object_mask(images)
    changed = [i for i in range(2) if not torch.equal(swapped[i], images[i])]
    assert changed  # seed 3 pairs at least one image with the other
    for i in changed:
        j = 1 - i
        assert torch.equal(object_mask(swapped[i:i + 1])[0], masks[j])
        inside = swapped[i][:, masks[j]]
        assert torch.allclose(inside, images[i][:, masks[i]][:, :1].expand_as(inside))
    assert torch.equal(swap_shapes(images, 0.0), images)


def test_a_shape_swapping_classifier_trains(tmp_path):
    cfg = replace(CFG, classifier_shape_swap=0.5, classifier_size=64)
    train(cfg, Schedule(2, 1, 2, 2), tmp_path, appearance_tensors(8, 32, 3), CLASSES,
          meta={"commands": []}, ctx=CPU)
    state = load_run_state(tmp_path, "appearance")
    assert state["train_config"]["classifier_shape_swap"] == 0.5
    assert all(math.isfinite(r["c_ce"]) for r in read_log(tmp_path))


def test_a_texture_critic_joins_a_fork_and_trains(tmp_path):
    source, fork = tmp_path / "source", tmp_path / "fork"
    _train(source, 2)
    cfg = replace(CFG, texture_weight=1.0, ema_decay=0.9)
    data = appearance_tensors(8, 32, 3)
    assert train(cfg, Schedule(4, 1, 4, 4), fork, data, CLASSES, fork=source,
                 meta={"commands": []}, ctx=CPU) == 4
    state = load_run_state(fork, "appearance")
    assert "t" in state["nets"] and "t" in state["optimizers"]
    log = read_log(fork)
    assert [r["step"] for r in log] == [3, 4]
    assert all(math.isfinite(r["t_ls"]) and r["g_tex"] > 0 for r in log)
    # and it resumes with the critic it saved
    assert train(cfg, Schedule(5, 1, 5, 5), fork, data, CLASSES, resume=True,
                 meta={"commands": []}, ctx=CPU) == 5


def test_the_texture_critic_scores_object_patches_only():
    critic = TextureCritic(3, width=8, size=32)
    paper = torch.ones(2, 3, 32, 32)
    blob = paper.clone()
    blob[:, :, 8:24, 8:24] = -0.5
    _, weight = critic(paper, torch.tensor([0, 1]))
    assert weight.sum() == 0
    score, weight = critic(blob, torch.tensor([0, 1]))
    assert weight.shape == score.shape == (2, 8, 8)
    assert weight[:, 2:6, 2:6].all() and weight.sum() == 2 * 16
