"""The checkpoints in the repo: trained, described by their manifest, and loadable by the app."""
from __future__ import annotations

import json

import numpy as np
import pytest

from sketchfill.app.checkpoint_folder import SHIPPED_CHECKPOINTS
from sketchfill.app.engine import Engine
from sketchfill.models.training.provenance import sha256_file

MANIFEST = SHIPPED_CHECKPOINTS / "manifest.json"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(MANIFEST.read_text())


@pytest.mark.parametrize("kind", ["shape", "appearance"])
def test_manifest_records_how_each_network_was_made(manifest, kind):
    entry = manifest[kind]
    assert entry["sha256"] == sha256_file(SHIPPED_CHECKPOINTS / entry["file"])
    assert all(c[:3] == ["python", "-m", f"models.training.train_{kind}"]
               for c in entry["commands"])
    assert entry["steps"] > 0 and len(entry["data_manifest_sha256"]) == 64
    assert entry["metrics"]["evaluate"]["bars"]            # evaluated before shipping


def test_shipped_networks_complete_and_render_every_class():
    engine = Engine.load(device="cpu")
    assert len(engine.classes) == 21
    sketch = np.full((128, 128), 255, np.uint8)
    sketch[30:100, 30:33] = 0
    done = engine.complete(sketch, engine.classes[0], [0, 1])
    assert done.outlines.shape == (2, 128, 128)
    images = [engine.render(done.outlines[0], name, 0) for name in engine.classes]
    assert all(im.shape == (128, 128, 3) for im in images)
    # The class gate changes the colours: no two classes give the same picture.
    means = {tuple(np.round(im.reshape(-1, 3).mean(0))) for im in images}
    assert len(means) == len(images)


def test_total_size_stays_small():
    total = sum(p.stat().st_size for p in SHIPPED_CHECKPOINTS.glob("*.pt"))
    assert total < 50e6


@pytest.mark.parametrize("kind", ["shape", "appearance"])
def test_the_shipped_preset_is_the_shipped_architecture(kind):
    """`--preset shipped` (every trainer's default) builds exactly the shipped network."""
    from sketchfill.models.nets.checkpoint import load_checkpoint
    from sketchfill.models.training import train_appearance, train_shape
    ckpt = load_checkpoint(SHIPPED_CHECKPOINTS / f"{kind}.pt", kind=kind)
    if kind == "shape":
        args = train_shape.parse_args([])
        assert train_shape.model_config(args) == ckpt.config
    else:
        assert train_appearance.train_config(train_appearance.parse_args([])).model == ckpt.config
