"""The Linux launcher (app/desktop_entry.py): a .desktop entry and icon in a tmp XDG_DATA_HOME,
an Exec line that really starts the program, removal, and one-line failures."""
from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from sketchfill import main as entry
from sketchfill.app import desktop_entry
from sketchfill.app.bundled import resource
from tests.conftest import REPO, write_tiny_checkpoints


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch) -> Path:
    home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


def read_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return dict(parser["Desktop Entry"])


def exec_arguments(value: str) -> list[str]:
    """The Exec key read back as the spec says: string escapes (`\\\\` -> `\\`), then arguments
    split at spaces outside double quotes, where `\\` escapes `"`, `` ` ``, `$` and `\\`;
    then `%%` -> `%`."""
    text, args, arg, quoted, i = value.replace("\\\\", "\\"), [], "", False, 0
    while i < len(text):
        c = text[i]
        if quoted and c == "\\" and text[i + 1] in '"`$\\':
            arg, i = arg + text[i + 1], i + 2
            continue
        if c == '"':
            quoted = not quoted
        elif c == " " and not quoted:
            args, arg = args + [arg], ""
        else:
            arg += c
        i += 1
    assert not quoted, value
    return [a.replace("%%", "%") for a in args + [arg]]


def test_install_writes_the_entry_and_the_icon(data_home: Path) -> None:
    files = desktop_entry.install()
    assert files.entry == data_home / "applications" / "sketchfill.desktop"
    assert files.icon == data_home / "icons" / "hicolor" / "256x256" / "apps" / "sketchfill.png"
    assert files.icon.read_bytes() == resource("icon.png").read_bytes()
    with Image.open(files.icon) as icon:
        assert icon.size == (256, 256)
    keys = read_entry(files.entry)
    assert keys["Type"] == "Application" and keys["Name"] == "Sketch & Fill"
    assert keys["Categories"] == "Graphics;2DGraphics;"
    assert keys["Icon"] == str(files.icon) and keys["Terminal"] == "false"
    assert Path(exec_arguments(keys["Exec"])[0]).is_absolute()


def test_the_launchers_command_starts_the_program(data_home: Path, tmp_path: Path) -> None:
    """Exec, run from another directory, reaches this program (its --version, quick)."""
    files = desktop_entry.install()
    command = exec_arguments(read_entry(files.entry)["Exec"])
    ckpt = write_tiny_checkpoints(tmp_path / "ck")
    done = subprocess.run(command + ["--version", "--checkpoints", str(ckpt), "--device", "cpu"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("sketchfill ") and "device cpu" in done.stdout


@pytest.mark.parametrize("command", [
    ["/opt/Sketch Apps/bin/sketchfill"],
    ["/opt/a$b/py`x`/python", "/src/100% \"fill\"/main.py"],
    ["/usr/bin/python3", "-m", "sketchfill"],
    ["C:\\odd\\path"],
])
def test_exec_quoting_reads_back_as_the_same_arguments(command: list[str]) -> None:
    assert exec_arguments(desktop_entry.exec_value(command)) == command


def test_uninstall_removes_both_files_and_then_has_nothing_to_do(data_home: Path) -> None:
    files = desktop_entry.install()
    assert desktop_entry.uninstall() == [files.entry, files.icon]
    assert not files.entry.exists() and not files.icon.exists()
    assert desktop_entry.uninstall() == []


def test_install_twice_replaces_the_entry(data_home: Path) -> None:
    first = desktop_entry.install()
    first.entry.write_text("stale")
    assert desktop_entry.install() == first
    assert read_entry(first.entry)["Type"] == "Application"


def test_a_relative_or_empty_xdg_data_home_means_the_default(monkeypatch) -> None:
    default = Path.home() / ".local" / "share"
    for value in ("relative/data", ""):
        monkeypatch.setenv("XDG_DATA_HOME", value)
        assert desktop_entry.data_home() == default
    monkeypatch.delenv("XDG_DATA_HOME")
    assert desktop_entry.data_home() == default


def test_not_linux_is_one_clear_error(data_home: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert entry.main(["--install-desktop"]) == 1
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and err.startswith("error: ") and "Linux-only" in err
    assert not data_home.exists()
    assert entry.main(["--uninstall-desktop"]) == 1


def test_an_unwritable_data_folder_is_one_error_line(tmp_path: Path, monkeypatch,
                                                     capsys) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    assert entry.main(["--install-desktop"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: cannot install the launcher")
    assert blocker.read_text() == "a file where the data folder should be"


def test_the_flags_print_what_they_did(data_home: Path, capsys) -> None:
    assert entry.main(["--install-desktop"]) == 0
    files = desktop_entry.launcher_files()
    assert str(files.entry) in capsys.readouterr().out and files.entry.is_file()
    assert entry.main(["--uninstall-desktop"]) == 0
    assert f"removed {files.entry}" in capsys.readouterr().out
    assert entry.main(["--uninstall-desktop"]) == 0
    assert "no launcher to remove" in capsys.readouterr().out


def test_the_app_has_the_icon_and_names_its_entry(tmp_path: Path) -> None:
    """The QApplication the program makes (a fresh process: the tests' own is made by pytest-qt)
    gives every window the icon and names the launcher's entry."""
    probe = ("from sketchfill.gui.application import application; app = application(); "
             "icon = app.windowIcon(); "
             "print(icon.isNull(), icon.availableSizes()[0].width(), app.desktopFileName())")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "256", "sketchfill"]
