"""The installed program: the wheel built from this tree holds the one top-level name
`sketchfill`, and installed into a fresh virtual environment beside hostile packages named
`models` and `app` it runs its commands and a headless replay from another directory.

The venv sees the system's site-packages (torch, PyQt5, numpy, OpenCV are reused, not
installed again: the test stays fast and offline), but its own `sketchfill` must win over any
editable install of this clone there, and the clone is never on its path.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from sketchfill.version import __version__
from tests.conftest import REPO

# What setup.py maps under `sketchfill` (the wheel is built from a copy of just these).
SOURCES = ("setup.py", "README.md", "sketchfill", "app", "gui", "models", "checkpoints",
           "resources")
# Would break a program that imported its own modules as top-level `app` or `models`; app/
# also has an engine.py, which a clone's sketchfill/__init__.py looks for beside itself.
HOSTILE = {"models/__init__.py": "raise ImportError('the unrelated package `models`')\n",
           "app/__init__.py": "raise ImportError('the unrelated package `app`')\n",
           "app/engine.py": "raise ImportError('the unrelated module `app.engine`')\n"}
TIMEOUT_S = 300  # a command on a busy 2-core machine takes seconds; this only stops a hang


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel of this tree, built offline from a copy (no build/ or egg-info left here)."""
    tmp = tmp_path_factory.mktemp("wheel")
    (tmp / "src").mkdir()
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tmp / "src" / name, ignore=skip)
        else:
            shutil.copy2(source, tmp / "src" / name)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "--wheel-dir", str(tmp / "dist"), str(tmp / "src")],
        tmp, clean_env())
    (built,) = (tmp / "dist").glob("sketchfill-*.whl")
    return built


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment less anything that would put the clone on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return {**env, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **extra}


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory) -> Path:
    """A fresh venv (system site-packages visible) with the wheel and the hostile packages."""
    root = tmp_path_factory.mktemp("venv")
    # --without-pip: the system's pip (visible through system site-packages) installs into
    # whichever interpreter runs it, and copying pip into the venv would take seconds.
    run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
         str(root / "env")], root, clean_env())
    python = bin_dir(root / "env") / "python"
    run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet",
         str(wheel)], root, clean_env())
    purelib = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_path("
                        "'purelib'))"], root, clean_env()).stdout.strip())
    for name, text in HOSTILE.items():
        (purelib / name).parent.mkdir(parents=True, exist_ok=True)
        (purelib / name).write_text(text)
    return root / "env"


def bin_dir(env_root: Path) -> Path:
    return env_root / Path(sysconfig.get_path("scripts")).name


@pytest.fixture
def elsewhere(tmp_path: Path, venv: Path) -> tuple[Path, dict[str, str]]:
    """A working directory outside the clone and the environment of a user of the venv."""
    env = clean_env(PATH=f"{bin_dir(venv)}{os.pathsep}{os.environ.get('PATH', '')}",
                    QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path / "home"),
                    XDG_DATA_HOME=str(tmp_path / "home" / "data"),
                    XDG_CONFIG_HOME=str(tmp_path / "home" / "config"))
    return tmp_path, env


def test_the_wheel_has_one_top_level_name_and_the_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"sketchfill", f"sketchfill-{__version__}.dist-info"}
    for data in ("checkpoints/shape.pt", "checkpoints/appearance.pt", "checkpoints/manifest.json",
                 "checkpoints/outline_bank.npz",
                 "resources/classes.json", "resources/icon.png",
                 "resources/samples/orange.session.json", "app/engine.py",
                 "models/nets/shape.py", "gui/application.py", "main.py", "__main__.py"):
        assert f"sketchfill/{data}" in names
    assert not [n for n in names if n.startswith("sketchfill/tests/") or "__pycache__" in n]
    entry_points = zipfile.ZipFile(wheel).read(
        f"sketchfill-{__version__}.dist-info/entry_points.txt").decode()
    assert "sketchfill = sketchfill.main:main" in entry_points


def test_the_venv_imports_its_own_copy(venv: Path, elsewhere) -> None:
    cwd, env = elsewhere
    probe = ("import sys, sketchfill, sketchfill.app.engine as e; "
             "print(sketchfill.__file__); print(e.SHIPPED_CHECKPOINTS); "
             "print(*sorted({'app', 'models', 'gui', 'main'} & set(sys.modules))); "
             "print(*sys.path, sep='\\n')")
    lines = run(["python", "-c", probe], cwd, env).stdout.splitlines()
    package, checkpoints, top_level, path = Path(lines[0]), Path(lines[1]), lines[2], lines[3:]
    assert package.is_relative_to(venv) and checkpoints.is_relative_to(venv)
    assert (checkpoints / "shape.pt").is_file()
    assert top_level == ""
    assert not [p for p in path if p and Path(p).resolve() == REPO.resolve()]


def test_the_commands_run_from_another_directory(elsewhere) -> None:
    cwd, env = elsewhere
    classes = run(["sketchfill", "classes"], cwd, env).stdout.split()
    assert len(classes) >= 21 and "orange" in classes
    assert run(["python", "-m", "sketchfill", "classes"], cwd, env).stdout.split() == classes
    version = run(["sketchfill", "--version", "--device", "cpu"], cwd, env).stdout.splitlines()
    assert version[0] == f"sketchfill {__version__}"
    assert version[2].startswith("device cpu, runtime ")


def test_a_headless_replay_of_a_shipped_sample(venv: Path, elsewhere) -> None:
    cwd, env = elsewhere
    samples = run(["python", "-c", "from sketchfill.app.bundled import samples_dir; "
                   "print(samples_dir())"], cwd, env).stdout.strip()
    sample = Path(samples) / "orange.session.json"
    assert sample.is_relative_to(venv) and sample.is_file()
    run(["sketchfill", "--open", str(sample), "--export-dir", "out", "--device", "cpu",
         "--no-autosave"], cwd, env)
    for name in ("sketch.png", "shadow.png", "image.png"):
        assert (cwd / "out" / name).stat().st_size > 0
