"""Provenance names no machine path: not in any tracked file, not inside the shipped
checkpoints; commands are argument lists with paths relative to the working folder."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import torch

from sketchfill.models.nets.checkpoint import load_checkpoint, save_checkpoint
from sketchfill.models.nets.shape import TINY_SHAPE, ShapeGenerator
from sketchfill.models.training.legacy_commands import LegacyCommandError, translate
from sketchfill.models.training.provenance import (
    command_line, portable_args, portable_path, sha256_file)
from sketchfill.models.training.release import main as release_main
from sketchfill.models.training.release import portable_record

REPO = Path(__file__).resolve().parents[1]
MACHINE_PATH = re.compile(r"(?<![\w.])/(work|home|root|tmp|Users|mnt)/")


def strings(value: object):
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from strings(v)
    elif isinstance(value, str):
        yield value


def tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git clone")
    return [REPO / name for name in out.decode().split("\0") if name]


def test_no_tracked_text_file_names_a_machine_path():
    found = []
    for path in tracked_files():
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:      # images, checkpoints: see the next test
            continue
        found += [f"{path.relative_to(REPO)}:{text.count(chr(10), 0, m.start()) + 1}"
                  for m in MACHINE_PATH.finditer(text)]
    assert not found, found[:10]


@pytest.mark.parametrize("name", ["shape.pt", "appearance.pt"])
def test_the_shipped_checkpoints_provenance_names_no_machine_path(name):
    data = torch.load(REPO / "checkpoints" / name, map_location="cpu", weights_only=True)
    bad = [s for s in strings(data["provenance"]) if MACHINE_PATH.search(s)]
    assert not bad, bad[:3]
    commands = data["provenance"]["commands"]
    assert commands and all(isinstance(c, list) and c[:2] == ["python", "-m"] for c in commands)


def test_an_absolute_path_becomes_relative_to_the_base(tmp_path):
    base = tmp_path / "work"
    assert portable_path(str(base / "runs" / "a"), base) == "runs/a"
    assert portable_path(str(tmp_path / "shared" / "data"), base) == "../shared/data"
    assert portable_path("runs/a", base) == "runs/a"
    assert portable_path("3e-4", base) == "3e-4"
    assert portable_args(["--run", str(base / "r"), f"--fork={base / 'f'}", "--lr", "1"],
                         base) == ["--run", "r", "--fork=f", "--lr", "1"]


def test_a_run_records_its_command_as_a_list_of_relative_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cmd = command_line("models.training.train_shape",
                       ["--run", str(tmp_path / "runs" / "x"), "--steps", "5"])
    assert cmd == ["python", "-m", "models.training.train_shape", "--run", "runs/x",
                   "--steps", "5"]


def test_run_meta_records_the_command_without_machine_paths(tmp_path, monkeypatch):
    from sketchfill.models.training.cli import run_meta
    monkeypatch.chdir(tmp_path)
    meta = run_meta("models.training.train_appearance",
                    ["--run", str(tmp_path / "runs" / "a"), "--data", str(tmp_path.parent)],
                    tmp_path)
    assert meta["commands"] == [["python", "-m", "models.training.train_appearance",
                                 "--run", "runs/a", "--data", ".."]]


def test_an_old_command_string_in_todays_terms():
    base = Path("/srv/x")
    old = ("python -m models.train_shape --run /srv/x/runs/b --fork /srv/x/runs/a --grow "
           "--rec-kind soft --lr 3e-4 --cpu-bf16")
    assert translate(old, base) == [
        "python", "-m", "models.training.train_shape", "--run", "runs/b", "--fork", "runs/a",
        "--grow", "--lr", "3e-4", "--cpu-bf16",
        # defaults that changed since, as the old command ran with them
        "--preset", "fast", "--adv-weight", "0.2", "--penalty-every", "2",
        "--rec-mean-share", "0.2", "--agnostic-share", "0", "--steps", "6000"]
    for removed in ("--rec-kind ink", "--miss-weight 2", "--lr-d 1e-3"):
        with pytest.raises(LegacyCommandError):
            translate(f"python -m models.train_shape {removed}", base)


def test_portable_record_converts_commands_and_paths_only():
    record = {"commands": ["python -m models.train_appearance --run /srv/runs/a --steps 9"],
              "metrics": {"evaluate": {"file": "/srv/runs/ev/metrics.json", "n": 3,
                                       "source": "python -m models.evaluate"}},
              "note": "a network"}
    assert portable_record(record, Path("/srv")) == {
        "commands": [["python", "-m", "models.training.train_appearance", "--run", "runs/a",
                      "--steps", "9", "--preset", "fast"]],
        "metrics": {"evaluate": {"file": "runs/ev/metrics.json", "n": 3,
                                 "source": "python -m app.evaluate"}},
        "note": "a network"}


def test_rewrite_provenance_keeps_the_weights_bit_for_bit(tmp_path):
    runs, out = tmp_path / "runs", tmp_path / "checkpoints"
    torch.manual_seed(0)
    state = ShapeGenerator(TINY_SHAPE).state_dict()
    old = [f"python -m models.train_shape --run {runs / 'a'} --steps 4 --rec-kind soft",
           f"python -m models.train_shape --run {runs / 'b'} --fork {runs / 'a'} --steps 8"]
    metrics = {"evaluate": {"file": str(runs / "ev" / "metrics.json")}}
    ckpt = save_checkpoint(out / "shape.pt", "shape", TINY_SHAPE, ["a", "b", "c"], state,
                           {"steps": 8, "commands": old, "metrics": metrics})
    (out / "manifest.json").write_text(json.dumps({"shape": {
        "file": "shape.pt", "sha256": sha256_file(ckpt), "command": " && ".join(old),
        "metrics": metrics, "note": "long\nstory"}}))
    assert release_main(["--kind", "shape", "--out", str(out), "--rewrite-provenance",
                         "--runs-root", str(runs), "--note", "A tiny network."]) == 0
    after = load_checkpoint(out / "shape.pt", kind="shape")
    assert after.state_dict.keys() == state.keys()
    assert all(torch.equal(after.state_dict[k], v) for k, v in state.items())
    entry = json.loads((out / "manifest.json").read_text())["shape"]
    assert entry["sha256"] == sha256_file(out / "shape.pt") and "command" not in entry
    assert entry["commands"] == after.provenance["commands"]
    assert entry["commands"][1][3:7] == ["--run", "runs/b", "--fork", "runs/a"]
    assert "--rec-kind" not in entry["commands"][0]
    assert entry["metrics"]["evaluate"]["file"] == "runs/ev/metrics.json"
    assert entry["note"] == "A tiny network."
    assert not [s for s in strings([entry, after.provenance]) if MACHINE_PATH.search(s)]
