"""Release: a run's EMA generator becomes a loadable checkpoint with a manifest entry."""
from __future__ import annotations

import json

import pytest
import torch

from sketchfill.models.nets.checkpoint import load_checkpoint
from sketchfill.models.training.release import main as release_main
from sketchfill.models.nets.shape import TINY_SHAPE
from sketchfill.models.training.train_shape import ShapeTrainConfig, train
from sketchfill.models.training.distributed import DistContext
from sketchfill.models.training.loop import Schedule
from sketchfill.models.training.provenance import sha256_file
from tests.tiny_data import CLASSES, shape_tensors, write_data_root


@pytest.fixture
def shape_run(tmp_path):
    torch.set_num_threads(1)
    cfg = ShapeTrainConfig(model=TINY_SHAPE, batch_size=2, k_best=2, cpu_bf16=False)
    run = tmp_path / "run"
    train(cfg, Schedule(1, 1, 1, 1), run, shape_tensors(4, 32, 3), CLASSES,
          meta={"commands": [["python", "-m", "models.training.train_shape", "--preset", "tiny"]],
                "data_manifest_sha256": "abc", "git_commit": "def"},
          ctx=DistContext(0, 1, 0, torch.device("cpu")))
    (run / "metrics.json").write_text(json.dumps({"step": 1, "completion_success_rate": 0.5}))
    return run


def test_release_writes_loadable_checkpoint_and_manifest(tmp_path, shape_run):
    data = write_data_root(tmp_path / "data", per_style=1)
    out = tmp_path / "checkpoints"
    argv = ["--kind", "shape", "--run", str(shape_run), "--out", str(out), "--data", str(data)]
    assert release_main(argv) == 0
    ckpt = load_checkpoint(out / "shape.pt", kind="shape", classes=CLASSES)
    ckpt.build()
    entry = json.loads((out / "manifest.json").read_text())["shape"]
    assert entry["file"] == "shape.pt" and entry["sha256"] == sha256_file(out / "shape.pt")
    assert entry["steps"] == 1 and entry["classes"] == list(CLASSES)
    assert entry["commands"] == [["python", "-m", "models.training.train_shape", "--preset",
                                  "tiny"]]
    assert ckpt.provenance["commands"] == entry["commands"]
    assert entry["metrics"]["in_run"]["completion_success_rate"] == 0.5
    assert {"data_manifest_sha256", "date", "git_commit"} <= set(entry)
    assert "test art 0" in (out / "ATTRIBUTION.md").read_text()
    assert "Quick, Draw!" in (out / "ATTRIBUTION.md").read_text()


def test_release_of_missing_run_fails_cleanly(tmp_path, capsys):
    assert release_main(["--kind", "shape", "--run", str(tmp_path / "nope"),
                         "--out", str(tmp_path / "c")]) == 1
    assert "no run state" in capsys.readouterr().err


@pytest.mark.parametrize("weights", ["g", "g_ema"])
def test_release_ships_the_chosen_generator_weights(tmp_path, shape_run, weights):
    out = tmp_path / "checkpoints"
    data = write_data_root(tmp_path / "data", per_style=1)
    assert release_main(["--kind", "shape", "--run", str(shape_run), "--out", str(out),
                         "--data", str(data), "--weights", weights]) == 0
    shipped = load_checkpoint(out / "shape.pt", kind="shape").state_dict
    state = torch.load(shape_run / "state.pt", weights_only=True)["nets"][weights]
    assert all(torch.equal(shipped[k], v) for k, v in state.items())
    entry = json.loads((out / "manifest.json").read_text())["shape"]
    assert entry["weights"] == ("raw generator weights" if weights == "g"
                                else "EMA of generator weights")


def test_rescore_replaces_the_evaluation_of_the_shipped_file_only(tmp_path, shape_run, capsys):
    out = tmp_path / "checkpoints"
    assert release_main(["--kind", "shape", "--run", str(shape_run), "--out", str(out),
                         "--data", str(write_data_root(tmp_path / "data", per_style=1))]) == 0
    sha = json.loads((out / "manifest.json").read_text())["shape"]["sha256"]

    def metrics(sha256: str, recovery: float):
        path = tmp_path / f"metrics_{recovery}.json"
        path.write_text(json.dumps({
            "engine": {"provenance": {"shape": {"sha256": sha256}}},
            "completion": {"square": {"best_recovery": recovery}, "by_recipe": {}},
            "bars": [{"metric": "completion.square.best_recovery", "value": recovery}]}))
        return str(path)

    argv = ["--kind", "shape", "--out", str(out), "--rescore", "--eval-metrics"]
    assert release_main(["--note", "rescored"] + argv + [metrics(sha, 0.3)]) == 0
    entry = json.loads((out / "manifest.json").read_text())["shape"]
    assert entry["metrics"]["evaluate"]["square"]["best_recovery"] == 0.3
    assert entry["note"] == "rescored"
    assert entry["sha256"] == sha and "git_commit" in entry["rescored"]
    assert release_main(argv + [metrics("0" * 64, 0.9)]) == 1
    assert "another shape network" in capsys.readouterr().err
    entry = json.loads((out / "manifest.json").read_text())["shape"]
    assert entry["metrics"]["evaluate"]["square"]["best_recovery"] == 0.3
    assert release_main(["--kind", "shape", "--out", str(out), "--rescore"]) == 2


def _release(tmp_path, run, *extra) -> tuple:
    out = tmp_path / "checkpoints"
    data = write_data_root(tmp_path / "data", per_style=1)
    assert release_main(["--kind", "shape", "--run", str(run), "--out", str(out),
                         "--data", str(data), *extra]) == 0
    return out, json.loads((out / "manifest.json").read_text())["shape"]


def test_release_with_critic_ships_it_for_forks_and_a_plain_release_removes_it(
        tmp_path, shape_run):
    out, entry = _release(tmp_path, shape_run, "--critic")
    critic = out / "shape.critic.pt"
    assert entry["critic"]["sha256"] == sha256_file(critic)
    saved = torch.load(critic, weights_only=True)
    trained = torch.load(shape_run / "state.pt", weights_only=True)["nets"]["d"]
    assert saved["generator_sha256"] == entry["sha256"]
    assert all(torch.allclose(saved["state_dict"][k].float(), v, atol=1e-2, rtol=1e-2)
               for k, v in trained.items())
    # A later release without --critic must not leave a critic of another generator behind.
    _, entry = _release(tmp_path, shape_run)
    assert not critic.exists() and "critic" not in entry
