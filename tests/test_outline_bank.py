"""The outline bank: built from the training split, read back, fitted to strokes, and filling
the shadow where a real (tiny) shape network's completions add nothing."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from sketchfill.app.engine import Engine
from sketchfill.app.outline_bank import OutlineBank
from sketchfill.app.ridges import user_ink
from sketchfill.models.data import outline_bank as store
from sketchfill.models.data import quickdraw as qd
from sketchfill.models.data import sources
from sketchfill.models.nets.checkpoint import CheckpointError, save_checkpoint
from sketchfill.models.nets.shape import TINY_SHAPE, ShapeGenerator
from tests.conftest import TINY_CLASSES, write_tiny_checkpoints
from tests.tiny_data import write_data_root


def circle(cx: float = 0.5, cy: float = 0.5, r: float = 0.4, n: int = 64) -> np.ndarray:
    """float32 (n+1,2) closed polyline of a circle in the unit square."""
    t = np.linspace(0.0, 2 * np.pi, n + 1)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], 1).astype(np.float32)


def square() -> np.ndarray:
    return np.array([[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9], [0.1, 0.1]], np.float32)


def test_bank_round_trips_through_its_file(tmp_path: Path) -> None:
    bank = store.Bank({"orange": ((circle(),), (square(), circle(r=0.1))), "moon": ()})
    path = tmp_path / store.BANK_FILE
    path.write_bytes(store.to_bytes(bank))
    back = store.read(path)
    assert back.classes == ("orange", "moon") and back.outlines["moon"] == ()
    for got, want in zip(back.outlines["orange"], bank.outlines["orange"]):
        assert len(got) == len(want)
        for a, b in zip(got, want):
            assert np.abs(a - b).max() < 2.0 / 65535


def test_a_broken_bank_file_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / store.BANK_FILE
    path.write_bytes(b"not a zip file")
    with pytest.raises(store.OutlineBankError, match=store.BANK_FILE):
        store.read(path)
    with pytest.raises(CheckpointError, match=store.BANK_FILE):
        OutlineBank.load(tmp_path, {store.MANIFEST_KEY: {"file": store.BANK_FILE}})
    assert OutlineBank.load(tmp_path, {}) is None  # a manifest without a bank: no fallback


def _write_quickdraw(root: Path, class_name: str, n: int, sides: int = 0) -> list[qd.Drawing]:
    """n one-stroke drawings as a raw Quick Draw ndjson: drawing i a polygon of i + 3 sides,
    so each is known by its number of points; with `sides`, each a polygon of that many sides
    drawn in two strokes (two halves)."""
    lines = []
    for i in range(n):
        pts = circle(n=sides or i + 3) * 255
        half = len(pts) // 2 + 1 if sides else len(pts)
        strokes = [pts[:half], pts[half - 1:]] if sides else [pts]
        lines.append(json.dumps({"word": class_name, "key_id": str(1000 + i), "recognized": True,
                                 "drawing": [[p[:, 0].tolist(), p[:, 1].tolist()]
                                             for p in strokes]}))
    path = qd.class_file(root, class_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return qd.parse_file(path)


def test_builder_takes_the_training_split_only(tmp_path: Path) -> None:
    root = write_data_root(tmp_path / "data")
    drawings = _write_quickdraw(root, "moon", 10)
    bank = store.build(root, ["basketball", "moon"])
    # moon: its Quick Draw training drawings (every fifth is held out), not the objects.
    assert len(bank.outlines["moon"]) == 8
    held = {len(store.drawing_outline(d, store.DEFAULT_BANK)[0])
            for d in qd.split_drawings(drawings, "test")}
    kept = {len(o[0]) for o in bank.outlines["moon"]}
    assert len(kept) == 8 and not held & kept
    # basketball, which Quick Draw lacks here: outlines of its training-style object images.
    train = sources.split_records(sources.discover(root), "train")
    assert len(bank.outlines["basketball"]) == sum(r.class_name == "basketball" for r in train)
    assert 0 < len(bank.outlines["basketball"]) < 2 * 5  # not the held-out style's
    entry = store.write(tmp_path / "ck", root, bank, ["python", "-m", "models.data.outline_bank"])
    manifest = json.loads((tmp_path / "ck" / "manifest.json").read_text())
    assert manifest[store.MANIFEST_KEY] == entry and entry["outlines"]["moon"] == 8
    assert len(entry["sha256"]) == 64 and len(entry["data_manifest_sha256"]) == 64
    assert store.read(tmp_path / "ck" / store.BANK_FILE).classes == ("basketball", "moon")


def rounds() -> store.Bank:
    """An "orange" class of five circles of slightly different sizes, and a square."""
    return store.Bank({"orange": tuple((circle(r=r),) for r in (0.4, 0.38, 0.42, 0.36, 0.44))
                       + ((square(),),)})


def _arc_sketch(side: int = 128) -> np.ndarray:
    """The lower half of a circle of radius 0.3 centred at (0.55, 0.5), drawn 3 px wide."""
    sketch = np.full((side, side), 255, np.uint8)
    c, r = (round(0.55 * side), round(0.5 * side)), round(0.3 * side)
    cv2.ellipse(sketch, c, (r, r), 0, 0, 180, 0, 3)
    return sketch


def test_fit_finds_the_outline_the_strokes_lie_on() -> None:
    bank = OutlineBank(store.Bank({"orange": ((square(),), (circle(),))}))
    user = user_ink(_arc_sketch(), 64)
    fits = bank.fits("orange", user.dist == 0, 2)
    assert [f.index for f in fits] == [1, 0]  # the circle first, then the square
    best = fits[0]
    assert best.scale == pytest.approx(0.75)  # 0.4 x 0.75 = the arc's radius 0.3
    assert best.shift[0] == pytest.approx(0.05, abs=1.5 / 64)
    assert best.shift[1] == pytest.approx(0.0, abs=1.5 / 64)
    assert bank.fits("moon", user.dist == 0, 2) == []  # a class the bank lacks


def test_fill_replaces_a_majority_of_empty_completions_with_whole_outlines() -> None:
    bank = OutlineBank(rounds())
    user = user_ink(_arc_sketch(), 64)
    size = user.dist.shape[0]
    lines = {i: np.zeros((size, size), bool) for i in range(8)}
    replaced = bank.fill("orange", lines, user, keep={0})
    assert len(replaced) == 5 and 0 not in replaced  # 5 of 8: the typical one proposes
    upper = np.zeros((size, size), bool)
    upper[: size // 2 - 4] = True  # the half of the circle the user has not drawn
    for i in replaced:
        assert (lines[i] & upper).sum() > 0.5 * np.pi * 0.3 * size  # most of that half
        assert not lines[i][user.dist <= 2].any()  # nothing on the user's own strokes
    assert not lines[0].any()


def test_fill_leaves_completions_that_add_enough_untouched() -> None:
    bank = OutlineBank(store.Bank({"orange": ((circle(),),)}))
    user = user_ink(_arc_sketch(), 64)
    size = user.dist.shape[0]
    drawn = np.zeros((size, size), np.uint8)
    cv2.ellipse(drawn, (round(0.55 * size), size // 2), (round(0.3 * size),) * 2, 0, 200, 340,
                1, 1)
    lines = {i: drawn > 0 for i in range(8)}
    before = {i: v.copy() for i, v in lines.items()}
    assert bank.fill("orange", lines, user) == []
    assert all(np.array_equal(lines[i], before[i]) for i in lines)


def _blank_soft_network() -> ShapeGenerator:
    """A real tiny soft-outline shape network whose output is paper everywhere: all its
    completions add nothing."""
    net = ShapeGenerator(dataclasses.replace(TINY_SHAPE, soft_output=True))
    with torch.no_grad():
        net.conv_img.weight.zero_()
        net.conv_img.bias.fill_(10.0)
    return net


def test_engine_fills_an_empty_shadow_from_the_bank(tmp_path: Path, one_thread) -> None:
    directory = write_tiny_checkpoints(tmp_path / "ck")
    net = _blank_soft_network()
    save_checkpoint(directory / "shape.pt", "shape", net.cfg, TINY_CLASSES, net.state_dict(),
                    {"note": "test"})
    sketch = _arc_sketch(96)
    plain = Engine.load(directory, device="cpu")
    assert plain.outline_bank is None
    empty = plain.complete(sketch, "orange", range(4))
    assert (empty.shadow == 255).all()  # the network alone: no shadow at all
    store.write(directory, tmp_path, rounds(), ["test"])
    engine = Engine.load(directory, device="cpu")
    assert engine.outline_bank is not None
    done = engine.complete(sketch, "orange", range(4), first=1)
    assert (done.shadow < 255).mean() > 0.01  # a circle's missing half in gray
    changed = [not np.array_equal(a, b) for a, b in zip(empty.outlines, done.outlines)]
    assert sum(changed) == 3 and not changed[1]  # the shown completion (first) is kept
    ink = sketch < 128
    assert (done.outlines[:, ink] == sketch[ink]).all()  # the user's strokes exactly as drawn
    # A class the bank lacks: the network's own completions, bit for bit.
    again = engine.complete(sketch, "watermelon", range(4))
    assert np.array_equal(again.outlines, plain.complete(sketch, "watermelon", range(4)).outlines)


def test_the_shadow_measure_runs_through_an_engine_with_a_bank(tmp_path: Path, capsys) -> None:
    from sketchfill.app import evaluate_shadow

    directory = write_tiny_checkpoints(tmp_path / "ck")
    net = _blank_soft_network()
    save_checkpoint(directory / "shape.pt", "shape", net.cfg, TINY_CLASSES, net.state_dict(),
                    {"note": "test"})
    store.write(directory, tmp_path, rounds(), ["test"])
    root = write_data_root(tmp_path / "data", per_style=1)
    for c in ("orange", "moon"):  # circles in two halves; every fifth is held out: 2 each
        _write_quickdraw(root, c, 10, sides=48)
    out = tmp_path / "out"
    assert evaluate_shadow.main(["--checkpoints", str(directory), "--data", str(root),
                                 "--out", str(out), "--samples", "4", "--every-cut"]) == 0
    result = json.loads((out / "shadow.json").read_text())
    without, filled = result["without_bank"], result["with_bank"]
    assert without["cases"] == filled["cases"] == 4  # each drawing cut after its first half
    assert without["typical_adds_little"] == 1.0  # the blank network adds nothing anywhere
    assert filled["typical_adds_little"] == 0.5 and filled["little_classes"] == ["moon"]
    assert filled["shadow_ink"] > without["shadow_ink"] == 0.0
    # Complete circles lie on the bank's circles: nothing is left to add, nothing changes.
    assert result["finished"] == {"drawings": 4, "drawings_changed": 0,
                                  "completions_changed": 0}
    assert "typical adds little: moon" in capsys.readouterr().out


def test_only_the_classes_fitted_last_keep_their_placements() -> None:
    bank = OutlineBank(store.Bank({c: ((circle(),),) for c in ("orange", "moon", "egg")}))
    user = user_ink(_arc_sketch(), 64).dist == 0
    for c in ("orange", "moon", "orange", "egg"):
        assert bank.fits(c, user, 1)
    assert list(bank._rasters) == ["orange", "egg"]


def test_a_taught_class_fills_an_empty_shadow_from_its_pictures_outlines(
        tmp_path: Path, data_home, one_thread) -> None:
    from sketchfill.app import taught_classes as tc
    from sketchfill.models.nets.class_addon import ClassAddon, load_addon

    directory = write_tiny_checkpoints(tmp_path / "ck")
    net = _blank_soft_network()
    save_checkpoint(directory / "shape.pt", "shape", net.cfg, TINY_CLASSES, net.state_dict(),
                    {"note": "test"})
    plain = Engine.load(directory, device="cpu", taught=False)
    rows = {"shape": plain.shape.embedding.weight[0].clone(),
            "gate": plain.appearance.gate.embedding.weight[0].clone()}
    if plain.appearance.full_gate is not None:
        rows["full_gate"] = plain.appearance.full_gate.embedding.weight[0].clone()
    hashes = tc.checkpoint_hashes({k: directory / f"{k}.pt" for k in ("shape", "appearance")})
    outlines = tuple((circle(r=r),) for r in (0.4, 0.38, 0.42))
    tc.save(ClassAddon("coin", "Coin", rows, hashes, {}, {}, outlines))
    tc.save(ClassAddon("token", "Token", rows, hashes, {}, {}, ()))
    engine = Engine.load(directory, device="cpu")
    assert engine.skipped_classes == [] and engine.outline_bank is not None
    assert engine.outline_bank.classes == ("coin",)  # no shipped bank here; no outlines taught
    sketch = _arc_sketch(96)
    assert (engine.complete(sketch, "token", range(4)).shadow == 255).all()
    done = engine.complete(sketch, "coin", range(4))
    assert (done.shadow < 255).mean() > 0.01  # the circle's missing half in gray
    read = load_addon(tc.addon_path("coin")).outlines
    assert len(read) == 3 and all(np.abs(a[0] - b[0]).max() < 1e-4 for a, b in zip(read, outlines))


def test_the_shadow_measure_without_held_out_drawings_says_so(tmp_path: Path, capsys) -> None:
    from sketchfill.app import evaluate_shadow

    directory = write_tiny_checkpoints(tmp_path / "ck")
    store.write(directory, tmp_path, rounds(), ["test"])
    root = write_data_root(tmp_path / "data", per_style=1)  # objects only: no drawings
    assert evaluate_shadow.main(["--checkpoints", str(directory), "--data", str(root),
                                 "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "no held-out drawings" in err and len(err.strip().splitlines()) == 1
