"""Teaching a class's rows (models.training.teach) and its add-on file (models.nets.class_addon)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from sketchfill.models.data.user_pictures import (PictureError, enough, picture_files,
                                                  read_pictures)
from sketchfill.models.nets.checkpoint import load_checkpoint
from sketchfill.models.nets.class_addon import (AddonError, ClassAddon, load_addon, save_addon,
                                                with_rows)
from sketchfill.models.training.teach import (TeachCancelled, TeachConfig, _Clock,
                                              half_erased_batch, shape_loss, split_for_check,
                                              teach, train_shape_row)
from tests.teach_support import write_pictures

QUICK = TeachConfig(minutes=60.0, max_steps=2, look_batch=2, shape_batch=2, k_best=2,
                    search_items=2, look_starts=1)


def networks(directory: Path):
    shape = load_checkpoint(directory / "shape.pt").build()
    return shape, load_checkpoint(directory / "appearance.pt").build()


def test_teach_moves_only_new_rows(teach_checkpoints, pictures_dir, one_thread):
    shape, look = networks(teach_checkpoints)
    before = {k: v.clone() for k, v in [*shape.state_dict().items(),
                                         *(("look." + k, v) for k, v in
                                           look.state_dict().items())]}
    seen = []
    pictures, skipped = read_pictures(picture_files([pictures_dir]))
    taught = teach(pictures, shape, look, QUICK, progress=seen.append)
    assert skipped == [] and len(pictures) == 3
    assert taught.steps == {"appearance": 2, "shape": 2, "shape_kept": 2}  # 3: none set aside
    widths = {"shape": shape.cfg.embed_dim, "gate": look.cfg.n_salient,
              "full_gate": look.cfg.n_salient}
    for name, row in taught.rows.items():
        assert row.dtype == torch.float32 and row.shape == (widths[name],)
        assert torch.isfinite(row).all()
    start = taught.start_rows
    assert not torch.equal(taught.rows["shape"], shape.embedding.weight[start["shape"]])
    assert not torch.equal(taught.rows["gate"], look.gate.embedding.weight[start["appearance"]])
    after = {**shape.state_dict(), **{"look." + k: v for k, v in look.state_dict().items()}}
    assert all(torch.equal(before[k], after[k]) for k in before)   # the networks are untouched
    assert type(look.gate.embedding) is torch.nn.Embedding          # tables put back
    assert all(0.0 <= p.fraction <= 1.0 for p in seen) and seen[-1].fraction == 1.0
    assert {p.stage for p in seen} == {"start rows", "appearance", "shape"}


def test_cancel_stops_teaching(teach_checkpoints, pictures_dir):
    shape, look = networks(teach_checkpoints)
    pictures, _ = read_pictures(picture_files([pictures_dir]))
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(TeachCancelled):
        teach(pictures, shape, look, QUICK, cancelled=cancelled)
    assert type(look.gate.embedding) is torch.nn.Embedding


def test_pictures_bad_inputs(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(PictureError, match="no pictures"):
        picture_files([tmp_path / "empty"])
    with pytest.raises(PictureError, match="no such file"):
        picture_files([tmp_path / "missing"])
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.png").write_bytes(b"not a picture")
    pictures, skipped = read_pictures(picture_files([tmp_path / "junk"]))
    assert pictures == [] and "a.png: not a readable picture" in skipped[0]
    with pytest.raises(PictureError, match="no readable picture"):
        enough(pictures, skipped)
    two, _ = read_pictures(write_pictures(tmp_path / "two", n=2))
    with pytest.raises(PictureError, match="2 readable pictures: teaching needs at least 3"):
        enough(two, [])


def test_addon_round_trip_and_corrupt_file(tmp_path):
    rows = {"shape": torch.randn(8), "gate": torch.randn(4), "full_gate": torch.randn(4)}
    addon = ClassAddon("mushroom", "Mushroom", rows, {"shape": "a", "appearance": "b"},
                       {"steps": {"shape": 3}})
    path = save_addon(tmp_path / "mushroom.class.pt", addon)
    back = load_addon(path)
    assert back.name == "mushroom" and back.checkpoints == addon.checkpoints
    assert all(torch.equal(back.rows[k], rows[k]) for k in rows)
    torch.load(path, weights_only=True)  # plain tensors and containers only
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(AddonError, match="mushroom.class.pt: not a readable class file"):
        load_addon(path)


def test_with_rows_keeps_old_rows():
    table = torch.nn.Embedding(3, 4)
    grown = with_rows(table, torch.ones(2, 4))
    assert grown.num_embeddings == 5
    assert torch.equal(grown.weight[:3], table.weight) and torch.equal(grown.weight[3:],
                                                                       torch.ones(2, 4))


def test_step_decays_over_the_stage_when_asked():
    from sketchfill.models.training.teach import _decay
    opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))], lr=0.5)
    for done, want in ((0.0, 0.5), (0.5, 0.25), (1.0, 0.0)):
        _decay(opt, TeachConfig(lr_decay=True), done)
        assert opt.param_groups[0]["lr"] == pytest.approx(want)
    _decay(opt, TeachConfig(lr_decay=False), 1.0)
    assert opt.param_groups[0]["lr"] == 0.5


def test_race_of_start_rows_keeps_the_best(teach_checkpoints, pictures_dir):
    from dataclasses import replace

    from sketchfill.models.training.teach import ranked_look_starts
    shape, look = networks(teach_checkpoints)
    pictures, _ = read_pictures(picture_files([pictures_dir]))
    cfg = replace(QUICK, look_starts=2)
    taught = teach(pictures, shape, look, cfg)
    assert taught.steps["appearance"] == 6  # 2 steps from each of the 2 starts, 2 from the best
    assert taught.start_rows["appearance"] in ranked_look_starts(pictures, look, cfg)[:2]
    assert type(look.gate.embedding) is torch.nn.Embedding


def test_palette_distance_ignores_where_colours_are():
    from sketchfill.models.training.teach import palette_distance
    red_top = torch.ones(1, 3, 8, 8)
    red_top[:, 1:, :4] = -1.0                 # red upper half on white
    red_bottom = red_top.flip(2)              # the same colours, elsewhere
    pink = red_top.mean(dim=(2, 3), keepdim=True).expand_as(red_top)  # their blend
    assert palette_distance(red_top, red_bottom, 8, 0) < 1e-6
    assert palette_distance(pink, red_top, 8, 0) > 0.2
    assert (pink - red_top).abs().mean() < (red_bottom - red_top).abs().mean()  # L1 prefers it


def test_shape_row_is_the_best_on_pictures_set_aside(teach_checkpoints, tmp_path, one_thread):
    shape, _ = networks(teach_checkpoints)
    pictures, _ = read_pictures(write_pictures(tmp_path / "five", n=5))
    cfg = replace(QUICK, max_steps=4, check_every=2, check_pictures=2)
    train, check = split_for_check(pictures, cfg, np.random.default_rng(0))
    assert len(train) == 3 and len(check) == 2 and not set(map(id, train)) & set(map(id, check))
    start = shape.embedding.weight[0].detach().clone()
    clock = _Clock(cfg, None, None)
    row, steps, kept = train_shape_row(pictures, shape, start, cfg, clock,
                                       np.random.default_rng(0))
    assert steps == 4 and kept in (0, 2, 4)
    batch = half_erased_batch(check, shape.cfg.size)
    assert batch[0].shape == (8, 1, shape.cfg.size, shape.cfg.size)
    with torch.no_grad():
        loss = float(shape_loss(shape, row, *batch, cfg, cfg.seed))
        at_start = float(shape_loss(shape, start, *batch, cfg, cfg.seed))
    assert loss <= at_start
    assert kept > 0 or torch.equal(row, start)
    assert (batch[0] >= batch[1]).all()  # a partial's ink is a part of the outline's


def test_too_few_pictures_set_none_aside():
    cfg = TeachConfig(check_pictures=2)
    train, check = split_for_check(list(range(4)), cfg, np.random.default_rng(0))
    assert sorted(train) == [0, 1, 2, 3] and check == []


def test_half_erased_pairs_blank_one_half(pictures_dir):
    from sketchfill.models.data.augment import DEFAULT_AUGMENT
    from sketchfill.models.data.datasets import half_pair_from_outline
    pictures, _ = read_pictures(picture_files([pictures_dir]))
    rng = np.random.default_rng(0)
    for _ in range(8):
        partial, full = half_pair_from_outline(pictures[0].derived, 64, rng, DEFAULT_AUGMENT)
        assert (partial <= full).all() and partial.sum() < full.sum()
        blank = [not partial[:, :32].any(), not partial[:, 32:].any(),
                 not partial[:32].any(), not partial[32:].any()]
        assert any(blank)


def test_inconsistent_outlines_make_the_addon_unusable(tmp_path):
    rows = {"shape": torch.zeros(8), "gate": torch.zeros(4)}
    line = np.array([[0.1, 0.2], [0.5, 0.9], [0.9, 0.2]], np.float32)
    path = save_addon(tmp_path / "a.class.pt", ClassAddon("a", "A", rows, {}, {}, {},
                                                          ((line,), (line, line[:2]))))
    back = load_addon(path).outlines
    assert [len(o) for o in back] == [1, 2] and np.abs(back[1][1] - line[:2]).max() < 1e-4
    data = torch.load(path, weights_only=True)
    data["outlines"]["line_ends"][-1] += 5
    torch.save(data, path)
    with pytest.raises(AddonError, match="outlines are not valid"):
        load_addon(path)
