"""Shared fixtures: tiny real networks saved as real checkpoints in tmp dirs."""
from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import torch

# Qt must never look for a display in tests; set before any test imports PyQt5.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Caches, autosaves and settings go to a folder of this test run, never the user's home: set
# before anything reads them (models.data.cache, QStandardPaths, QSettings).
TEST_HOME = Path(tempfile.mkdtemp(prefix="sketchfill-tests-"))
atexit.register(shutil.rmtree, TEST_HOME, ignore_errors=True)
os.environ.update({"HOME": str(TEST_HOME), "SKETCHFILL_CACHE": str(TEST_HOME / "cache"),
                   "XDG_CACHE_HOME": str(TEST_HOME / ".cache"),
                   "XDG_CONFIG_HOME": str(TEST_HOME / ".config"),
                   "XDG_DATA_HOME": str(TEST_HOME / ".local" / "share")})
# The engine runs in torch eager unless a test asks for another runtime (tests/test_runtime.py):
# the app's first-start measurement of the runtimes would otherwise run in every GUI test.
os.environ["SKETCHFILL_RUNTIME"] = "eager"

from sketchfill.models.nets.appearance import TINY_APPEARANCE, AppearanceGenerator  # noqa: E402
from sketchfill.models.nets.checkpoint import save_checkpoint  # noqa: E402
from sketchfill.models.nets.shape import TINY_SHAPE, ShapeGenerator  # noqa: E402

# GUI fixtures (the `window` etc.) live beside the GUI tests.
pytest_plugins = ("tests.gui_support", "tests.teach_support")

TINY_CLASSES = ("orange", "watermelon", "moon")
REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture
def one_thread():
    """Run a test with one torch thread (restored afterwards)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def write_tiny_checkpoints(directory: Path, classes=TINY_CLASSES, seed: int = 0) -> Path:
    """Untrained TINY generators as a complete checkpoint dir (manifest + two files)."""
    torch.manual_seed(seed)
    directory.mkdir(parents=True, exist_ok=True)
    provenance = {"note": "untrained TINY network for tests"}
    save_checkpoint(directory / "shape.pt", "shape", TINY_SHAPE, classes,
                    ShapeGenerator(TINY_SHAPE).state_dict(), provenance)
    save_checkpoint(directory / "appearance.pt", "appearance", TINY_APPEARANCE, classes,
                    AppearanceGenerator(TINY_APPEARANCE).state_dict(), provenance)
    manifest = {"shape": {"file": "shape.pt"}, "appearance": {"file": "appearance.pt"}}
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


@pytest.fixture
def tiny_checkpoint_dir(tmp_path: Path) -> Path:
    return write_tiny_checkpoints(tmp_path / "checkpoints")


@pytest.fixture
def tiny_engine(tiny_checkpoint_dir: Path):
    from sketchfill.app.engine import Engine
    return Engine.load(tiny_checkpoint_dir, device="cpu")
