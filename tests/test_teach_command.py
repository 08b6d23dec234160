"""`teach` and `forget` on the command line (app/teach_command.py through app/cli.py), and taught
classes in the other commands and in a session's replay."""
from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from sketchfill.app import cli, session
from sketchfill.app import taught_classes as tc
from sketchfill.app.document import Sketch, Stroke
from sketchfill.models.training.teach import DEFAULT_TEACH
from tests.teach_support import CLASSES, write_pictures


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def teach_args(checkpoints: Path, pictures: Path, name: str = "mushroom", *extra: str):
    return ("teach", name, "--images", str(pictures), "--checkpoints", str(checkpoints),
            "--steps", "1", *extra)


def error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_teach_then_use_then_forget(data_home, teach_checkpoints, pictures_dir, tmp_path,
                                    capsys):
    code, out, err = run(capsys, *teach_args(teach_checkpoints, pictures_dir))
    assert code == 0 and "taught 'mushroom' from 3 pictures" in out
    assert "shape" in err  # the progress bar's last stage
    addon = torch.load(tc.addon_path("mushroom"), weights_only=True)
    assert addon["provenance"]["command"][:3] == ["sketchfill", "teach", "mushroom"]
    assert [p["name"] for p in addon["provenance"]["pictures"]] == [
        "blob_0.png", "blob_1.png", "blob_2.png"]
    # --steps 1: one step from each raced start class (3 here), one from the best; one shape
    starts = min(DEFAULT_TEACH.look_starts, len(CLASSES))
    assert addon["provenance"]["steps"] == {"appearance": starts + 1, "shape": 1, "shape_kept": 1}
    assert addon["head"] and addon["outlines"]["outline_ends"].numel() == 3  # one per picture
    code, out, _ = run(capsys, "classes", "--checkpoints", str(teach_checkpoints))
    assert code == 0 and out.split("\n")[:-1] == [*CLASSES, "mushroom"]
    sketch = tmp_path / "sketch.png"
    Image.fromarray(np.where(np.eye(48, dtype=bool), 0, 255).astype(np.uint8)).save(sketch)
    for command in ("fill", "render"):
        code, _, err = run(capsys, command, "--class", "mushroom", "--input", str(sketch),
                           "--out", str(tmp_path / f"{command}.png"), "--checkpoints",
                           str(teach_checkpoints), "--device", "cpu")
        assert code == 0, err
        assert np.asarray(Image.open(tmp_path / f"{command}.png")).shape == (48, 48, 3)
    code, _, _ = run(capsys, "complete", "--class", "mushroom", "--input", str(sketch),
                     "--out", str(tmp_path / "done"), "--samples", "2", "--checkpoints",
                     str(teach_checkpoints), "--device", "cpu")
    assert code == 0 and (tmp_path / "done" / "completion_1.png").is_file()
    code, out, _ = run(capsys, "forget", "mushroom")
    assert code == 0 and "forgot 'mushroom'" in out
    code, out, _ = run(capsys, "classes", "--checkpoints", str(teach_checkpoints))
    assert out.split("\n")[:-1] == list(CLASSES)
    code, _, err = run(capsys, "forget", "mushroom")
    assert code == 1 and "no taught class named 'mushroom'" in error_line(err)


@pytest.mark.parametrize("name, problem", [
    ("", "the class name is empty"), ("a/b", "may hold only"), ("../x", "may hold only"),
    ("moon", "name of a shipped class")])
def test_bad_names_change_nothing(data_home, teach_checkpoints, pictures_dir, capsys, name,
                                  problem):
    code, _, err = run(capsys, *teach_args(teach_checkpoints, pictures_dir, name))
    assert code == 1 and problem in error_line(err)
    assert not tc.classes_folder().exists()


def test_bad_pictures_change_nothing(data_home, teach_checkpoints, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, *teach_args(teach_checkpoints, tmp_path / "empty"))
    assert code == 1 and "no pictures" in error_line(err)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.png").write_text("not a picture")
    code, _, err = run(capsys, *teach_args(teach_checkpoints, tmp_path / "junk"))
    assert code == 1 and "no readable picture" in err.splitlines()[-1]
    write_pictures(tmp_path / "two", n=2)
    code, _, err = run(capsys, *teach_args(teach_checkpoints, tmp_path / "two"))
    assert code == 1 and "teaching needs at least 3" in error_line(err)
    assert not tc.classes_folder().exists()


def test_already_taught_needs_replace(data_home, teach_checkpoints, pictures_dir, capsys):
    assert run(capsys, *teach_args(teach_checkpoints, pictures_dir))[0] == 0
    before = tc.addon_path("mushroom").read_bytes()
    code, _, err = run(capsys, *teach_args(teach_checkpoints, pictures_dir, "Mushroom"))
    assert code == 1 and "already taught; use --replace" in error_line(err)
    assert tc.addon_path("mushroom").read_bytes() == before
    code, _, _ = run(capsys, *teach_args(teach_checkpoints, pictures_dir, "mushroom",
                                         "--replace"))
    assert code == 0


def test_ctrl_c_saves_nothing(data_home, teach_checkpoints, pictures_dir, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("sketchfill.app.teaching.teach", interrupted)
    code, _, err = run(capsys, *teach_args(teach_checkpoints, pictures_dir))
    assert code == 130 and "nothing was saved" in err
    assert not tc.addon_path("mushroom").exists()


def test_full_disk_saves_nothing(data_home, teach_checkpoints, pictures_dir, capsys,
                                 monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(torch, "save", no_space)
    code, _, err = run(capsys, *teach_args(teach_checkpoints, pictures_dir))
    assert code == 1 and "No space left on device" in err.splitlines()[-1]
    assert list(tc.classes_folder().iterdir()) == []


def test_usage_errors(data_home, teach_checkpoints, pictures_dir, capsys):
    assert run(capsys, *teach_args(teach_checkpoints, pictures_dir), "--minutes", "0")[0] == 2
    assert run(capsys, "teach", "mushroom")[0] == 2  # no --images


def test_corrupt_addon_at_start_is_named(data_home, teach_checkpoints, capsys):
    tc.classes_folder().mkdir(parents=True)
    bad = tc.classes_folder() / f"carrot{tc.SUFFIX}"
    bad.write_bytes(b"garbage")
    code, out, err = run(capsys, "classes", "--checkpoints", str(teach_checkpoints))
    assert code == 0 and out.split("\n")[:-1] == list(CLASSES)
    assert err.startswith("warning: taught class skipped: ") and str(bad) in err


def test_session_of_a_class_not_taught_here_fails_in_one_line(data_home, teach_checkpoints,
                                                               qtbot, tmp_path, capsys):
    from sketchfill.gui.application import run_gui
    line = tuple((100.0 + t, 100.0 + t, 0.8) for t in range(0, 200, 10))
    session.save(tmp_path / "s.json", Sketch(class_name="mushroom").with_stroke(
        Stroke("pen", 5.0, line)))
    code = run_gui(["--open", str(tmp_path / "s.json"), "--screenshot", str(tmp_path / "x.png"),
                    "--checkpoints", str(teach_checkpoints), "--device", "cpu"])
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert code == 1 and len(errors) == 1 and "class 'mushroom'" in errors[0]


def test_session_of_a_taught_class_replays(data_home, teach_checkpoints, pictures_dir, qtbot,
                                           tmp_path, capsys):
    from sketchfill.gui.application import run_gui
    assert run(capsys, *teach_args(teach_checkpoints, pictures_dir))[0] == 0
    line = tuple((100.0 + t, 100.0 + t, 0.8) for t in range(0, 200, 10))
    session.save(tmp_path / "s.json", Sketch(class_name="mushroom").with_stroke(
        Stroke("pen", 5.0, line)))
    code = run_gui(["--open", str(tmp_path / "s.json"), "--export-dir", str(tmp_path / "out"),
                    "--checkpoints", str(teach_checkpoints), "--device", "cpu"])
    assert code == 0, capsys.readouterr().err
    assert np.asarray(Image.open(tmp_path / "out" / "image.png")).shape[2] == 3
