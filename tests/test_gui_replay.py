"""Headless replay: run_gui --open SESSION --screenshot OUT --export-dir DIR (gui/replay.py)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from sketchfill.app import session
from sketchfill.app.document import Sketch, Stroke, rasterise_as_drawn
from sketchfill.gui.application import run_gui


def write_session(path, class_name="moon"):
    ring = tuple((256 + 100 * np.cos(t), 256 + 100 * np.sin(t), 0.8) for t in np.linspace(0, 5, 30))
    sketch = Sketch(class_name=class_name, seed=42).with_stroke(Stroke("pen", 5.0, ring))
    session.save(path, sketch)


def test_replay_writes_screenshot_and_exports(qtbot, tmp_path, tiny_checkpoint_dir):
    write_session(tmp_path / "s.json")
    shot, out = tmp_path / "shot.png", tmp_path / "out"
    code = run_gui(
        [
            "--open",
            str(tmp_path / "s.json"),
            "--screenshot",
            str(shot),
            "--export-dir",
            str(out),
            "--checkpoints",
            str(tiny_checkpoint_dir),
            "--device",
            "cpu",
        ]
    )
    assert code == 0
    window = np.asarray(Image.open(shot))
    assert window.shape[0] >= 400 and window.shape[1] >= 800
    sketch = np.asarray(Image.open(out / "sketch.png"))
    assert sketch.shape == (512, 512) and sketch[256, 356] < 128
    drawn = rasterise_as_drawn(session.load(tmp_path / "s.json"))
    assert np.array_equal(sketch, drawn)            # as Save Sketch PNG: lines as drawn
    assert np.asarray(Image.open(out / "shadow.png")).shape == (512, 512)
    assert np.asarray(Image.open(out / "image.png")).shape == (512, 512, 3)


def test_replay_fails_readably_without_models(qtbot, tmp_path, capsys):
    write_session(tmp_path / "s.json")
    code = run_gui(["--open", str(tmp_path / "s.json"), "--screenshot", str(tmp_path / "x.png"),
                    "--checkpoints", str(tmp_path / "nowhere"), "--device", "cpu"])  # fmt: skip
    assert code != 0 and not (tmp_path / "x.png").exists()
    assert "nowhere" in capsys.readouterr().err


def test_replay_rejects_a_bad_session(qtbot, tmp_path, capsys):
    (tmp_path / "s.json").write_text("[]")
    code = run_gui(["--open", str(tmp_path / "s.json"), "--screenshot", str(tmp_path / "x.png")])
    assert code != 0 and "s.json" in capsys.readouterr().err


def test_replay_of_an_empty_session_saves_blank_paper(qtbot, tmp_path, tiny_checkpoint_dir):
    session.save(tmp_path / "empty.json", Sketch(class_name="orange"))
    out = tmp_path / "out"
    code = run_gui(["--open", str(tmp_path / "empty.json"), "--export-dir", str(out),
                    "--checkpoints", str(tiny_checkpoint_dir), "--device", "cpu"])
    assert code == 0
    for name in ("sketch.png", "shadow.png", "image.png"):
        assert (np.asarray(Image.open(out / name)) == 255).all(), name


def replay_code(tmp_path, session_path, ckpt, capsys):
    code = run_gui(["--open", str(session_path), "--screenshot", str(tmp_path / "a" / "b.png"),
                    "--timeout", "20",
                    "--checkpoints", str(ckpt), "--device", "cpu"])
    return code, capsys.readouterr().err


def test_replay_exit_codes_are_the_command_lines(qtbot, tmp_path, tiny_checkpoint_dir, capsys):
    write_session(tmp_path / "s.json")
    assert replay_code(tmp_path, tmp_path / "s.json", tiny_checkpoint_dir, capsys)[0] == 0
    assert (tmp_path / "a" / "b.png").is_file()                 # missing folders are made
    (tmp_path / "bad.json").write_text("{")
    code, err = replay_code(tmp_path, tmp_path / "bad.json", tiny_checkpoint_dir, capsys)
    assert code == 1 and "not a session file" in err
    write_session(tmp_path / "x.json", class_name="zeppelin")
    code, err = replay_code(tmp_path, tmp_path / "x.json", tiny_checkpoint_dir, capsys)
    assert code == 1 and "zeppelin" in err
    code, err = replay_code(tmp_path, tmp_path / "s.json", tmp_path / "nowhere", capsys)
    assert code == 1 and "error:" in err
    with pytest.raises(SystemExit) as usage:                       # nothing to replay
        run_gui(["--screenshot", str(tmp_path / "c.png")])
    assert usage.value.code == 2
