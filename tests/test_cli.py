"""The command line (main.py + app/cli.py): files written, exit codes, one-line errors."""
from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sketchfill import main as entry
from sketchfill.app import cli, head_start
from sketchfill.app.files import ImageFileError, read_gray, write_image
from tests.conftest import REPO, write_tiny_checkpoints


@pytest.fixture
def ckpt(tmp_path: Path) -> Path:
    return write_tiny_checkpoints(tmp_path / "ck")


@pytest.fixture
def sketch_png(tmp_path: Path) -> Path:
    img = np.full((200, 300), 255, np.uint8)           # H=200, W=300
    img[50, 60:240] = 0
    img[50:150, 60] = 0
    path = tmp_path / "sketch.png"
    Image.fromarray(img).save(path)
    return path


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = entry.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "Traceback" not in err
    for word in words:
        assert word in lines[0]


def test_complete_writes_k_completions_and_shadow(ckpt, sketch_png, tmp_path, capsys) -> None:
    out = tmp_path / "out" / "nested"
    code, _, err = run(["complete", "--checkpoints", str(ckpt), "--device", "cpu", "--class",
                        "moon", "--input", str(sketch_png), "--samples", "3", "--out", str(out)],
                       capsys)
    assert code == 0, err
    names = sorted(p.name for p in out.iterdir())
    assert names == ["completion_0.png", "completion_1.png", "completion_2.png", "shadow.png"]
    for name in names:
        with Image.open(out / name) as img:
            assert img.mode == "L" and img.size == (300, 200)


def test_complete_seeds_start_at_seed(ckpt, sketch_png, tmp_path, capsys) -> None:
    common = ["complete", "--checkpoints", str(ckpt), "--class", "moon", "--input", str(sketch_png)]
    assert run(common + ["--samples", "2", "--out", str(tmp_path / "a")], capsys)[0] == 0
    assert run(common + ["--samples", "1", "--seed", "1", "--out", str(tmp_path / "b")],
               capsys)[0] == 0
    second = read_gray(tmp_path / "a" / "completion_1.png")
    assert np.array_equal(second, read_gray(tmp_path / "b" / "completion_0.png"))


@pytest.mark.parametrize("command", ["render", "fill"])
def test_render_and_fill_write_an_rgb_image(command, ckpt, sketch_png, tmp_path, capsys) -> None:
    out = tmp_path / f"{command}.png"
    argv = [command, "--checkpoints", str(ckpt), "--class", "orange", "--input", str(sketch_png),
            "--out", str(out), "--seed", "5"]
    code, _, err = run(argv, capsys)
    assert code == 0, err
    with Image.open(out) as img:
        assert img.mode == "RGB" and img.size == (300, 200)
    first = np.asarray(Image.open(out))
    assert run(argv, capsys)[0] == 0
    assert np.array_equal(first, np.asarray(Image.open(out)))     # same seed, same image
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_classes_prints_one_per_line(ckpt, capsys) -> None:
    code, out, _ = run(["classes", "--checkpoints", str(ckpt)], capsys)
    assert code == 0 and out.splitlines() == ["orange", "watermelon", "moon"]


def test_missing_input_file(ckpt, tmp_path, capsys) -> None:
    code, _, err = run(["render", "--checkpoints", str(ckpt), "--class", "moon", "--input",
                        str(tmp_path / "nope.png"), "--out", str(tmp_path / "o.png")], capsys)
    assert code == 1
    assert_one_line_error(err, "nope.png", "not found")
    assert not (tmp_path / "o.png").exists()


def test_input_that_is_not_an_image(ckpt, tmp_path, capsys) -> None:
    bad = tmp_path / "notes.png"
    bad.write_text("hello")
    code, _, err = run(["fill", "--checkpoints", str(ckpt), "--class", "moon", "--input",
                        str(bad), "--out", str(tmp_path / "o.png")], capsys)
    assert code == 1
    assert_one_line_error(err, "notes.png", "not a readable image")


def test_unknown_class(ckpt, sketch_png, tmp_path, capsys) -> None:
    code, _, err = run(["complete", "--checkpoints", str(ckpt), "--class", "pear", "--input",
                        str(sketch_png), "--out", str(tmp_path / "o")], capsys)
    assert code == 1
    assert_one_line_error(err, "unknown class 'pear'", "moon")


@pytest.mark.parametrize("damage", ["corrupt", "missing"])
def test_bad_checkpoints(damage, ckpt, capsys) -> None:
    if damage == "corrupt":
        (ckpt / "shape.pt").write_bytes(b"\x00garbage" * 10)
    else:
        (ckpt / "appearance.pt").unlink()
    code, _, err = run(["classes", "--checkpoints", str(ckpt)], capsys)
    assert code == 1
    assert_one_line_error(err, "shape.pt" if damage == "corrupt" else "appearance.pt")


def test_cuda_without_a_gpu(ckpt, capsys, monkeypatch) -> None:
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    code, _, err = run(["classes", "--checkpoints", str(ckpt), "--device", "cuda"], capsys)
    assert code == 1
    assert_one_line_error(err, "cuda")


@pytest.mark.parametrize("argv", [
    ["complete", "--class", "moon", "--out", "x"],                         # no --input
    ["render", "--class", "moon", "--input", "a.png", "--out", "b.png", "--seed", "x"],
    ["complete", "--class", "moon", "--input", "a.png", "--out", "d", "--samples", "0"],
    ["classes", "--device", "tpu"],
    ["paint"],                                                             # no such command
])
def test_usage_errors_exit_2(argv, capsys) -> None:
    code, _, err = run(argv, capsys)
    assert code == 2 and "usage:" in err and "Traceback" not in err


def test_help_exits_0(capsys) -> None:
    code, out, _ = run(["--help"], capsys)
    assert code == 0 and "complete" in out and "classes" in out


def test_no_command_starts_the_gui_with_all_flags(monkeypatch) -> None:
    seen: list[list[str]] = []
    fake = types.ModuleType("sketchfill.gui.application")
    fake.run_gui = lambda argv, factory: seen.append(list(argv)) or 0
    monkeypatch.setitem(sys.modules, "sketchfill.gui.application", fake)
    monkeypatch.setattr(head_start, "load_engine", lambda request: None)  # no models needed
    assert entry.main([]) == 0
    assert entry.main(["--open", "s.json", "--screenshot", "o.png"]) == 0
    assert seen == [[], ["--open", "s.json", "--screenshot", "o.png"]]


def test_gui_unavailable_is_a_clear_error(monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "sketchfill.gui.application", None)     # import now fails
    code, _, err = run(["--open", "s.json"], capsys)
    assert code == 1
    assert_one_line_error(err, "GUI is not available", "complete")


def test_cli_main_alone_never_starts_the_gui(capsys) -> None:
    assert cli.main([]) == 2
    assert "COMMAND" in capsys.readouterr().err


def test_read_gray_composites_transparency_on_white(tmp_path) -> None:
    rgba = np.zeros((4, 5, 4), np.uint8)          # black, fully transparent...
    rgba[1, 2] = (0, 0, 0, 255)                   # ...except one opaque ink pixel
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    gray = read_gray(tmp_path / "a.png")
    assert gray.dtype == np.uint8 and gray.shape == (4, 5)
    assert gray[1, 2] == 0 and (np.delete(gray.ravel(), 1 * 5 + 2) == 255).all()


def test_read_gray_scales_16_bit(tmp_path) -> None:
    Image.fromarray(np.array([[0, 65535]], np.uint16)).save(tmp_path / "w.png")
    assert read_gray(tmp_path / "w.png").tolist() == [[0, 255]]


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch) -> None:
    target = tmp_path / "img.png"
    write_image(target, np.zeros((3, 3), np.uint8))
    before = target.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ImageFileError, match="No space left"):
        write_image(target, np.full((3, 3), 255, np.uint8))
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["img.png"]


def test_subprocess_exit_codes(ckpt, sketch_png, tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    good = subprocess.run([sys.executable, str(REPO / "main.py"), "fill", "--checkpoints",
                           str(ckpt), "--class", "moon", "--input", str(sketch_png), "--out",
                           str(tmp_path / "f.png")], capture_output=True, text=True, env=env,
                          timeout=120)
    assert good.returncode == 0, good.stderr
    assert (tmp_path / "f.png").is_file()
    bad = subprocess.run([sys.executable, str(REPO / "main.py"), "render", "--checkpoints",
                          str(ckpt), "--class", "moon", "--input", str(tmp_path / "gone.png"),
                          "--out", str(tmp_path / "r.png")], capture_output=True, text=True,
                         env=env, timeout=120)
    assert bad.returncode == 1
    assert_one_line_error(bad.stderr, "gone.png")


def test_a_reader_that_leaves_early_is_not_an_error(ckpt) -> None:
    """`main.py classes | head -1`: the pipe closes before the names are written."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, str(REPO / "main.py"), "classes", "--checkpoints",
                             str(ckpt)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)
    proc.stdout.close()                                  # the reader is gone before any output
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and b"Traceback" not in err, err.decode()


def test_complete_owns_its_completions_and_prints_what_it_wrote(ckpt, sketch_png, tmp_path,
                                                                capsys) -> None:
    out = tmp_path / "done"
    assert run(["complete", "--checkpoints", str(ckpt), "--class", "moon", "--input",
                str(sketch_png), "--out", str(out), "--samples", "4"], capsys)[0] == 0
    (out / "notes.png").write_bytes(b"the user's own file")
    code, printed, _ = run(["complete", "--checkpoints", str(ckpt), "--class", "moon", "--input",
                            str(sketch_png), "--out", str(out), "--samples", "2"], capsys)
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["completion_0.png", "completion_1.png",
                                                     "notes.png", "shadow.png"]
    assert printed.split() == [str(out / n) for n in ("completion_0.png", "completion_1.png",
                                                      "shadow.png")]


def test_samples_above_the_cap_is_a_usage_error(ckpt, sketch_png, tmp_path, capsys) -> None:
    code, _, err = run(["complete", "--checkpoints", str(ckpt), "--class", "moon", "--input",
                        str(sketch_png), "--out", str(tmp_path), "--samples",
                        str(cli.MAX_SAMPLES + 1)], capsys)
    assert code == 2 and "--samples" in err


def test_a_directory_as_input_says_so(ckpt, tmp_path, capsys) -> None:
    code, _, err = run(["render", "--checkpoints", str(ckpt), "--class", "moon", "--input",
                        str(tmp_path), "--out", str(tmp_path / "r.png")], capsys)
    assert code == 1
    assert_one_line_error(err, "is a directory")


def test_a_huge_image_is_refused_in_one_line_without_a_warning(tmp_path) -> None:
    path = tmp_path / "huge.png"
    Image.new("L", (cli_files_max() + 1, 8), 255).save(path)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONWARNINGS": "default"}
    proc = subprocess.run([sys.executable, "-c", "import sys; from app.files import read_gray\n"
                           "try:\n    read_gray(sys.argv[1])\nexcept ValueError as e:\n"
                           "    print(e)", str(path)], capture_output=True, text=True, env=env,
                          timeout=120)
    assert "image too large" in proc.stdout and proc.stderr == ""


def test_pillow_decompression_bomb_warnings_stay_quiet(tmp_path, monkeypatch) -> None:
    import warnings

    path = tmp_path / "bomb.png"
    Image.new("L", (64, 64), 255).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 64 * 64 - 1)   # warns at open() from here
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_gray(path).shape == (64, 64)


def test_a_corrupt_checkpoint_is_one_complete_sentence(ckpt, capsys) -> None:
    data = (ckpt / "appearance.pt").read_bytes()
    (ckpt / "appearance.pt").write_bytes(data[: len(data) // 2])
    code, _, err = run(["classes", "--checkpoints", str(ckpt)], capsys)
    assert code == 1
    assert_one_line_error(err, "appearance.pt", "truncated or corrupt")
    assert err.strip().endswith(").") and "..." not in err


def test_help_mentions_the_gui_flags(capsys) -> None:
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    for flag in ("--open", "--screenshot", "--export-dir", "--checkpoints", "--device"):
        assert flag in out


def test_help_shows_the_exit_code_table(capsys) -> None:
    code, out, _ = run(["--help"], capsys)
    flat = " ".join(out.split())
    assert code == 0
    for phrase in ("0 done", "1 bad input or failure", "2 usage errors", "--screenshot"):
        assert phrase in flat


def cli_files_max() -> int:
    from sketchfill.app.files import MAX_SIDE
    return MAX_SIDE
