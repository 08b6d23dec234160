"""`--version` and the launcher's flags as the program dispatches them (app/program_flags.py):
what is printed, exit codes 0 / 1 / 2, and that the GUI's and commands' arguments pass by."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from sketchfill import main as entry
from sketchfill.app import program_flags
from sketchfill.version import __version__
from tests.conftest import write_tiny_checkpoints


def test_version_names_program_torch_device_and_runtime(tmp_path: Path, capsys) -> None:
    ckpt = write_tiny_checkpoints(tmp_path / "ck")
    assert entry.main(["--version", "--checkpoints", str(ckpt), "--device", "cpu"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"sketchfill {__version__}"
    assert lines[1].startswith(f"torch {torch.__version__}, Python 3.")
    assert lines[2].startswith("device cpu, runtime ") and len(lines) == 4
    assert "capability" in lines[3] and "native bf16" in lines[3]


def test_the_engines_runtime_is_reported(tiny_engine) -> None:
    assert program_flags.runtime_line(tiny_engine) == (
        "device cpu, runtime shape torch eager float32, appearance torch eager float32")


def test_version_with_missing_checkpoints_still_names_the_version(tmp_path: Path,
                                                                  capsys) -> None:
    assert entry.main(["--version", "--checkpoints", str(tmp_path / "none")]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == f"sketchfill {__version__}"
    assert err.count("\n") == 1 and err.startswith("error: ")


@pytest.mark.parametrize("argv", [
    ["--version", "classes"],
    ["--install-desktop", "--uninstall-desktop"],
    ["--version", "--device", "tpu"],
])
def test_usage_errors_exit_2(argv: list[str], capsys) -> None:
    assert entry.main(argv) == 2
    assert "usage:" in capsys.readouterr().err


@pytest.mark.parametrize("argv, wanted", [
    ([], False),
    (["--open", "a.session.json"], False),
    (["classes"], False),
    (["--device", "cpu", "--version"], True),
    (["--uninstall-desktop"], True),
])
def test_only_these_flags_are_taken_from_the_gui_and_the_commands(argv, wanted) -> None:
    assert program_flags.wanted(argv) is wanted


def test_the_commands_help_points_at_the_flags(capsys) -> None:
    assert entry.main(["--help"]) == 0
    assert "--install-desktop" in capsys.readouterr().out
