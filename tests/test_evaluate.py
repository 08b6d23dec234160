"""End-to-end evaluation on tiny real checkpoints, and its wiring checked with stub engines."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from sketchfill.app import evaluate as app_evaluate
from sketchfill.app.engine import Completion, perfect_completion
from sketchfill.app.raster import blend_shadow
from sketchfill.models.evaluation import evaluate as ev
from sketchfill.models.nets.shape import ShapeConfig
from sketchfill.models.evaluation.cases import CaseConfig, cases_of, held_out
from tests.conftest import SHARED

DATA = SHARED / "datasets"
pytestmark = pytest.mark.skipif(not (DATA / "objects-v1").is_dir(), reason="no shared data")


def run_main(ckpt: Path, tmp_path: Path, capsys, *extra: str) -> tuple[int, str, str]:
    rc = app_evaluate.main(
        [
            "--checkpoints",
            str(ckpt),
            "--data",
            str(DATA),
            "--out",
            str(tmp_path / "out"),
            "--limit",
            "1",
            "--samples",
            "3",
            "--judge-cache",
            str(tmp_path / "judges"),
            "--judge-steps",
            "2",
            *extra,
        ]
    )
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_main_writes_table_json_and_contact_sheet(tiny_checkpoint_dir, tmp_path, capsys):
    rc, out, err = run_main(tiny_checkpoint_dir, tmp_path, capsys)
    assert rc == 0, err
    for heading in (
        "COMPLETION",
        "APPEARANCE",
        "BARS",
        "square erase, all",
        "flat-colour",
        "perfect net (ceiling)",
        "real drawings (ref.)",
        "first strokes at 4 px",
        "first strokes, best-of-K recovery at 4 px by class",
        "outline edge recall",
    ):
        assert heading in out
    lines = out.splitlines()
    at_4 = next(i for i, line in enumerate(lines) if line.startswith("first strokes at 4 px"))
    assert "real drawings (ref.)" in lines[at_4 + 1]
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    square = metrics["completion"]["square"]
    assert square["n"] == 2 * 3  # one object + one Quick Draw drawing, three square sides
    assert 0.0 <= square["best_recall"] <= 1.0 and square["best_f1"] >= square["mean_f1"] - 1e-9
    assert square["baseline_precision"] > 0.9  # the partial lies on its own outline
    assert metrics["completion"]["square_reference"]["n"] == square["n"]
    assert {b["metric"] for b in metrics["bars"]} >= {
        "completion.square_at_tolerance.4.best_recovery",
        "appearance.headline.all",
        "appearance.worst_class",
        "completion.prefix_at_tolerance.4.best_recovery",
        "appearance.edge_recall",
    }
    prefix = metrics["completion"]["prefix_at_tolerance"]
    assert set(prefix) >= {"4"} and prefix["4"]["n"] == 1  # the Quick Draw drawing's prefix
    refs = metrics["completion"]["reference_at_tolerance"]
    assert set(refs) == {"2", "4", "8"} and refs["4"]["prefix"]["n"] == 1
    assert refs["4"]["square"]["n"] == square["n"]
    assert set(metrics["completion"]["prefix_by_class_at_4"]) and 0.0 <= metrics["completion"][
        "prefix_worst_class_at_4"] <= 1.0
    per_class = metrics["appearance"]["judges"]["cnn-shapeswap"]["per_class"]
    assert metrics["appearance"]["worst_class"] == min(c["all"] for c in per_class.values())
    head = metrics["appearance"]["headline"]
    assert head["outlines"] == 2 and head["n"] == 2 * 3  # x the tiny engine's 3 classes
    sheet = cv2.imread(str(tmp_path / "out" / "contact_sheet.png"))
    assert sheet is not None and sheet.shape[1] > 2 * 128


def test_main_json_flag_prints_the_metrics(tiny_checkpoint_dir, tmp_path, capsys):
    rc, out, err = run_main(tiny_checkpoint_dir, tmp_path, capsys, "--json")
    assert rc == 0, err
    assert json.loads(out)["engine"]["classes"] == ["orange", "watermelon", "moon"]


def test_main_reports_a_bad_checkpoint_dir(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    rc, _, err = run_main(tmp_path / "empty", tmp_path, capsys)
    assert rc == 1 and "shape.pt" in err


class StubEngine:
    """complete() answers from a table keyed by the partial's bytes."""

    classes = ("orange", "watermelon", "moon")

    def __init__(self, answer) -> None:
        self.answer = answer  # (case) -> uint8 (S,S) outline

    def register(self, cases) -> None:
        self.by_partial = {c.partial.tobytes(): c for c in cases}

    def complete(self, sketch, class_name, seeds) -> Completion:
        case = self.by_partial[sketch.tobytes()]
        outlines = np.stack([self.answer(case)] * len(seeds))
        return Completion(outlines, blend_shadow(outlines))


def stub_scores(answer):
    cfg = ev.EvalConfig(samples=2, cases=CaseConfig(limit=2))
    items = held_out(DATA, StubEngine.classes, cfg.cases)
    engine = StubEngine(answer)
    engine.register([c for it in items for c in cases_of(it, cfg.cases)])
    scores, loose, sheet = ev.run_completion(engine, items, cfg)
    assert set(loose) == set(cfg.loose_tolerances) and len(loose[4.0]) == len(scores)
    assert set(sheet) == {it.name for it in items}
    return ev.ce.summarise(s for s in scores if s.recipe.startswith("square"))


def test_an_oracle_completion_scores_perfectly():
    got = stub_scores(lambda case: case.item.full)
    assert got["best_precision"] == got["best_recall"] == got["best_recovery"] == 1.0
    assert got["diversity_iou"] == 1.0  # identical completions
    assert got["best_added_precision"] == 1.0
    assert got["best_added_ratio"] == pytest.approx(1.0, abs=0.15)
    assert got["baseline_recall"] < 0.9


def test_returning_the_partial_recovers_nothing():
    got = stub_scores(lambda case: case.partial)
    assert got["best_recovery"] == 0.0
    assert got["best_recall"] == pytest.approx(got["baseline_recall"])
    assert got["best_added_ratio"] == 0.0 and got["added_iou"] == 1.0


@pytest.mark.parametrize("soft", [False, True])
def test_the_ceiling_is_high_at_the_network_size_and_falls_when_it_shrinks(soft):
    cfg = CaseConfig(limit=2)
    cases = [
        c
        for it in held_out(DATA, StubEngine.classes, cfg)
        for c in cases_of(it, cfg)
        if c.recipe.startswith("square")
    ]

    def perfect(size):
        return functools.partial(perfect_completion, cfg=ShapeConfig(size=size, soft_output=soft))

    at_64 = ev.ce.summarise(ev.ceiling_score(c, perfect(64)) for c in cases)
    at_16 = ev.ce.summarise(ev.ceiling_score(c, perfect(16)) for c in cases)
    assert at_64["best_recovery"] > 0.6 and at_64["best_precision"] > 0.8
    assert at_16["best_recovery"] < at_64["best_recovery"]


def test_render_classes_are_own_first_then_distinct_others():
    classes = tuple(f"c{i}" for i in range(21))
    picked = ev.render_classes(classes, "c5")
    assert picked[0] == "c5" and len(set(picked)) == len(picked) == 1 + ev.SHEET_OTHERS
    assert ev.render_classes(("a",), "a") == ["a"]


@pytest.mark.parametrize("stage", ["completion", "appearance"])
def test_one_stage_only(stage, tiny_checkpoint_dir, tmp_path, capsys):
    rc, out, err = run_main(tiny_checkpoint_dir, tmp_path, capsys, "--stage", stage, "--json")
    assert rc == 0, err
    metrics = json.loads(out)
    other = {"completion": "appearance", "appearance": "completion"}[stage]
    assert stage in metrics and other not in metrics
    assert metrics["bars"] and all(b["metric"].startswith(stage) for b in metrics["bars"])
    assert (tmp_path / "out" / "contact_sheet.png").is_file()


def test_completions_that_are_each_half_right_recover_all_together():
    # A square with its right edge missing; one completion draws the edge's upper half, the
    # other its lower half: each recovers about half, together (the shadow's lines) all of it.
    def drawing(lines):
        img = np.full((256, 256), 255, np.uint8)
        for a, b in lines:
            cv2.line(img, a, b, 0, 6)
        return img

    top, bottom, left = ((60, 60), (196, 60)), ((196, 196), (60, 196)), ((60, 196), (60, 60))
    full = drawing([top, bottom, left, ((196, 60), (196, 196))])
    partial = drawing([top, bottom, left])
    upper = drawing([top, bottom, left, ((196, 60), (196, 128))])
    lower = drawing([top, bottom, left, ((196, 128), (196, 196))])
    item = ev.HeldOut("synthetic/square", "objects", "orange", full)
    case = ev.Case(item, "square-0.5", partial)
    got = ev.ce.score_completions(case, np.stack([upper, lower]))
    assert got.best_recovery == pytest.approx(0.5, abs=0.06)
    assert got.max_recovery == pytest.approx(0.5, abs=0.06)
    assert got.union_recovery == pytest.approx(1.0, abs=0.02)
    alone = ev.ce.score_completions(case, np.stack([partial, upper]))
    assert alone.union_recovery == pytest.approx(alone.max_recovery)  # the partial adds nothing


def test_seed_set_and_views_are_chosen_and_recorded(tiny_checkpoint_dir, tmp_path, capsys):
    rc, _, err = run_main(
        tiny_checkpoint_dir,
        tmp_path,
        capsys,
        "--stage",
        "completion",
        "--first-seed",
        "3",
        "--one-view",
        "--no-reference",
    )
    assert rc == 0, err
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["config"]["first_seed"] == 3
    assert metrics["engine"]["mirror_views"] is False
    assert metrics["config"]["reference"] is False
    assert metrics["completion"]["square_reference"] == {}


class PaintingEngine:
    """render() fills the outline's inside with red: its edges follow the outline."""

    def render(self, outline, class_name, seed):
        return ev.ae.flat_colour_renderer({class_name: np.array([200.0, 30.0, 30.0])})(
            outline, class_name, seed)


def test_edge_recall_of_renders_that_follow_their_outlines_is_high():
    cfg = ev.EvalConfig(cases=CaseConfig(limit=2))
    # closed outlines only: the fill of an open Quick, Draw! outline leaks to the page
    items = [it for it in held_out(DATA, StubEngine.classes, cfg.cases) if it.source == "objects"]
    assert ev.run_edge_recall(PaintingEngine(), items, cfg) > 0.8
