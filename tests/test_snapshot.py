"""app.runtime.snapshot: a load that ends with both networks in ONNX Runtime keeps a snapshot in
the data folder, and the next load of the same checkpoints runs from it without torch; any
change, damage or taught class sends the load back to torch."""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest
import torch

import sketchfill.app.runtime.choice as choice
from sketchfill.app import taught_classes as tc
from sketchfill.app.engine import RUNTIME_FOLDER, Engine
from sketchfill.app.runtime import external, snapshot
from sketchfill.app.runtime.calls import EAGER, RuntimeChoice
from sketchfill.models.nets.appearance import TINY_FULL_SIZE_APPEARANCE, AppearanceGenerator
from sketchfill.models.nets.checkpoint import save_checkpoint
from sketchfill.models.nets.class_addon import ClassAddon
from sketchfill.models.nets.shape import TINY_SHAPE, ShapeGenerator

pytestmark = pytest.mark.skipif(not external.installed(external.ONNXRUNTIME),
                                reason="needs ONNX Runtime")

REPO = Path(__file__).resolve().parent.parent
CLASSES = ("orange", "watermelon", "moon")
SEEDS = range(4)
IMAGE_TOLERANCE = 2  # of 255, per channel: the gates run as a graph beside torch's own


def sketch() -> np.ndarray:
    img = np.full((64, 64), 255, np.uint8)
    img[20:44, 30:33] = 0
    img[20:23, 18:46] = 0
    return img


def write_checkpoints(directory: Path) -> Path:
    """Every table a snapshot holds: an agnostic soft-outline shape network (its weights
    moved far enough off their init to draw outlines of their own) and an appearance network
    with a full-size stage and pixel noise."""
    torch.manual_seed(0)
    shape_cfg = replace(TINY_SHAPE, soft_output=True, agnostic=True)
    look_cfg = replace(TINY_FULL_SIZE_APPEARANCE, pixel_noise=True)
    shape, look = ShapeGenerator(shape_cfg), AppearanceGenerator(look_cfg)
    with torch.no_grad():
        for p in shape.parameters():
            p.add_(0.5 * torch.randn_like(p))
        for p in look.parameters():
            p.add_(0.05 * torch.randn_like(p))
    directory.mkdir(parents=True)
    save_checkpoint(directory / "shape.pt", "shape", shape_cfg, CLASSES, shape.state_dict())
    save_checkpoint(directory / "appearance.pt", "appearance", look_cfg, CLASSES,
                    look.state_dict())
    (directory / "manifest.json").write_text(json.dumps(
        {"shape": {"file": "shape.pt"}, "appearance": {"file": "appearance.pt"}}))
    return directory


@dataclass(frozen=True)
class Kept:
    checkpoints: Path
    data: Path                # the XDG data home holding the snapshot
    outlines: np.ndarray      # complete(sketch(), "orange", SEEDS) of the engine that kept it
    image: np.ndarray         # its render(outlines[0], "watermelon", seed=3)
    eager_outlines: np.ndarray  # the same from torch eager float32

    @property
    def runtime_folder(self) -> Path:
        return runtime_folder(self.data)


def runtime_folder(data_home: Path) -> Path:
    return data_home / tc.ORGANISATION / tc.APPLICATION / RUNTIME_FOLDER


def results(engine: Engine) -> tuple[np.ndarray, np.ndarray]:
    done = engine.complete(sketch(), "orange", seeds=SEEDS)
    return done.outlines, engine.render(done.outlines[0], "watermelon", seed=3)


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Kept:
    """Checkpoints and a data home where a first load measured ONNX Runtime fastest for both
    networks (the timings faked, the accuracy checks real) and kept a snapshot."""
    root = tmp_path_factory.mktemp("snapshot")
    checkpoints = write_checkpoints(root / "checkpoints")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(choice.ENV, raising=False)
        mp.setenv("XDG_DATA_HOME", str(root / "data"))
        mp.setattr(choice, "interleaved_ms", lambda calls, repeats: {
            name: 1.0 if name == external.ONNXRUNTIME else 9.0 for name in calls})
        engine = Engine.load(checkpoints, device="cpu", measure_runtime=True)
        assert (engine.runtime_choice.shape, engine.runtime_choice.look) == (
            external.ONNXRUNTIME, external.ONNXRUNTIME), engine.runtime_choice
        assert engine._nets is not None                      # this load ran torch
        outlines, image = results(engine)
        eager = Engine(engine.shape, engine.appearance, CLASSES, torch.device("cpu"))
        eager_outlines = eager.complete(sketch(), "orange", seeds=SEEDS).outlines
    return Kept(checkpoints, root / "data", outlines, image, eager_outlines)


@pytest.fixture
def home(kept: Kept, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the kept data home, used by this test alone, with the app's own runtime
    choice (not the suite's eager)."""
    copy = tmp_path / "data"
    shutil.copytree(kept.data, copy)
    monkeypatch.setenv("XDG_DATA_HOME", str(copy))
    monkeypatch.delenv(choice.ENV, raising=False)
    return copy


def child_env(data_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != choice.ENV}
    env.update({"XDG_DATA_HOME": str(data_home), "QT_QPA_PLATFORM": "offscreen"})
    return env


def run_python(code: str, env: dict[str, str], *args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def stored(folder: Path) -> dict:
    """The newest snapshot kept in the folder."""
    return list(json.loads((folder / snapshot.FILE).read_text()).values())[-1]


def test_a_load_that_runs_both_networks_in_a_runtime_keeps_a_snapshot(kept: Kept) -> None:
    folder = kept.runtime_folder
    entry = stored(folder)
    assert entry["shape"] == entry["look"] == external.ONNXRUNTIME
    assert set(entry["files"]) == {"shape", "look", "gates"}
    assert all((folder / "exports" / name).is_file() for name in entry["files"].values())
    tables = list(folder.glob(f"{snapshot.TABLES}-*.npz"))
    assert len(tables) == 1
    with np.load(tables[0]) as found:
        assert set(found.files) == {"shape", "gate", "full_gate"}
        assert len(found["shape"]) == len(CLASSES) + 1       # the agnostic row too
    assert tuple(entry["classes"]) == CLASSES


def test_the_next_load_runs_from_the_snapshot(kept: Kept, home: Path) -> None:
    engine = Engine.load(kept.checkpoints, device="cpu")
    assert engine._nets is None
    assert engine.classes == CLASSES
    assert "onnxruntime" in engine.runtime and "eager" not in engine.runtime
    outlines, image = results(engine)
    assert engine._nets is None                              # nothing needed torch
    assert np.array_equal(outlines, kept.outlines)
    assert np.array_equal(outlines, kept.eager_outlines)
    assert np.abs(image.astype(int) - kept.image).max() <= IMAGE_TOLERANCE
    engine.shape                                             # the networks, loaded on need
    assert engine._nets is not None


LOAD_IN_CHILD = """
import sys
from pathlib import Path
import numpy as np
from sketchfill.app.engine import Engine
checkpoints, out = Path(sys.argv[1]), Path(sys.argv[2])
engine = Engine.load(checkpoints, device="cpu")
sketch = np.load(out / "sketch.npy")
done = engine.complete(sketch, "orange", seeds=range(4))
np.save(out / "outlines.npy", done.outlines)
np.save(out / "image.npy", engine.render(done.outlines[0], "watermelon", seed=3))
print('torch' in sys.modules, engine._nets is None)
engine.appearance
print('torch' in sys.modules, engine._nets is None)
"""


def test_a_start_from_the_snapshot_never_imports_torch(kept: Kept, home: Path,
                                                       tmp_path: Path) -> None:
    np.save(tmp_path / "sketch.npy", sketch())
    found = run_python(LOAD_IN_CHILD, child_env(home), str(kept.checkpoints), str(tmp_path))
    assert found[:2] == ["False", "True"], "torch was imported for load, complete and render"
    assert found[2:] == ["True", "False"], "the networks themselves load torch on need"
    assert np.array_equal(np.load(tmp_path / "outlines.npy"), kept.outlines)
    image = np.load(tmp_path / "image.npy")
    assert image.shape == kept.image.shape and image.dtype == np.uint8
    assert np.abs(image.astype(int) - kept.image).max() <= IMAGE_TOLERANCE


def test_the_gui_start_chain_imports_no_torch() -> None:
    code = ("import sys; import sketchfill.main, sketchfill.gui.application, "
            "sketchfill.app.head_start, sketchfill.app.engine; print('torch' in sys.modules)")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    assert run_python(code, env) == ["False"]


def test_a_command_run_from_the_snapshot_imports_no_torch(kept: Kept, home: Path,
                                                          tmp_path: Path) -> None:
    """`complete` (its parser with every command's options included) needs no torch."""
    import cv2

    cv2.imwrite(str(tmp_path / "sketch.png"), sketch())
    code = ("import sys; from sketchfill.app import cli; "
            f"rc = cli.main(['complete', '--checkpoints', {str(kept.checkpoints)!r}, "
            f"'--device', 'cpu', '--class', {CLASSES[0]!r}, '--samples', '2', "
            f"'--input', {str(tmp_path / 'sketch.png')!r}, '--out', {str(tmp_path / 'out')!r}]); "
            "print(rc, 'torch' in sys.modules)")
    assert run_python(code, child_env(home))[-2:] == ["0", "False"]  # after the files written
    assert (tmp_path / "out" / "shadow.png").is_file()


def test_a_changed_checkpoint_loads_with_torch_and_keeps_a_new_snapshot(kept: Kept,
                                                                        home: Path) -> None:
    folder = runtime_folder(home)
    assert Engine.load(kept.checkpoints, device="cpu")._nets is None
    before = stored(folder)["fingerprint"]
    path = kept.checkpoints / "appearance.pt"
    st = path.stat()
    try:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5 * 10**9))
        engine = Engine.load(kept.checkpoints, device="cpu")
        assert engine._nets is not None
        assert np.array_equal(results(engine)[0], kept.outlines)
        after = stored(folder)["fingerprint"]
        assert after != before                               # kept for the file as it is now
        assert len(list(folder.glob(f"{snapshot.TABLES}-*.npz"))) == 2  # beside the first
        assert Engine.load(kept.checkpoints, device="cpu")._nets is None
    finally:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert Engine.load(kept.checkpoints, device="cpu")._nets is None  # the first one again


def test_the_newest_snapshots_are_kept_with_their_tables_only(kept: Kept, home: Path) -> None:
    folder = runtime_folder(home)
    first = snapshot.read(folder, stored(folder)["fingerprint"])
    assert first is not None
    snap, tables = first
    for n in range(snapshot.KEEP + 1):
        snapshot.write(folder, replace(snap, fingerprint=f"another computer {n}"), tables)
    entries = json.loads((folder / snapshot.FILE).read_text())
    assert list(entries) == [f"another computer {n}" for n in range(1, snapshot.KEEP + 1)]
    assert {f.name for f in folder.glob(f"{snapshot.TABLES}-*.npz")} == {
        replace(snap, fingerprint=key).tables_file for key in entries}
    assert snapshot.read(folder, "another computer 0") is None
    assert snapshot.read(folder, "another computer 4")[0].fingerprint == "another computer 4"


def test_the_same_checkpoints_in_another_folder_load_with_torch(kept: Kept, home: Path,
                                                                tmp_path: Path) -> None:
    other = shutil.copytree(kept.checkpoints, tmp_path / "elsewhere")
    assert Engine.load(other, device="cpu")._nets is not None


@pytest.mark.parametrize("settings", [
    {"runtime": external.ONNXRUNTIME},                       # a runtime asked for by name
    {"runtime": EAGER},
    {"environment": external.ONNXRUNTIME},                   # SKETCHFILL_RUNTIME
])
def test_a_load_with_other_settings_does_not_use_the_snapshot(kept: Kept, home: Path,
                                                             monkeypatch, settings) -> None:
    if "environment" in settings:
        monkeypatch.setenv(choice.ENV, settings["environment"])
    written = (runtime_folder(home) / snapshot.FILE).read_bytes()
    engine = Engine.load(kept.checkpoints, device="cpu", runtime=settings.get("runtime", "auto"))
    assert engine._nets is not None
    assert (runtime_folder(home) / snapshot.FILE).read_bytes() == written


def damage_snapshot_file(folder: Path) -> None:
    (folder / snapshot.FILE).write_text("{ this is not json")


def remove_graph(kind: str):
    def damage(folder: Path) -> None:
        (folder / "exports" / stored(folder)["files"][kind]).unlink()
    return damage


def remove_tables(folder: Path) -> None:
    for tables in folder.glob(f"{snapshot.TABLES}-*.npz"):
        tables.unlink()


def damage_tables(folder: Path) -> None:
    for tables in folder.glob(f"{snapshot.TABLES}-*.npz"):
        tables.write_bytes(b"not an npz file")


@pytest.mark.parametrize("damage", [
    damage_snapshot_file, remove_graph("shape"), remove_graph("look"), remove_graph("gates"),
    remove_tables, damage_tables,
], ids=["garbage-json", "no-shape-graph", "no-look-graph", "no-gates-graph", "no-tables",
        "garbage-tables"])
def test_a_damaged_snapshot_loads_with_torch_and_is_kept_anew(kept: Kept, home: Path,
                                                              damage) -> None:
    folder = runtime_folder(home)
    damage(folder)
    engine = Engine.load(kept.checkpoints, device="cpu")
    assert engine._nets is not None
    assert "onnxruntime" in engine.runtime and "eager" not in engine.runtime  # stored choice
    assert np.array_equal(results(engine)[0], kept.outlines)
    again = Engine.load(kept.checkpoints, device="cpu")
    assert again._nets is None                               # the snapshot is whole again
    assert np.array_equal(results(again)[0], kept.outlines)


@pytest.mark.parametrize("text", ["[]", "null", "42"])
def test_a_snapshot_file_of_json_other_than_an_object_loads_with_torch(
        kept: Kept, home: Path, text: str) -> None:
    (runtime_folder(home) / snapshot.FILE).write_text(text)
    assert Engine.load(kept.checkpoints, device="cpu")._nets is not None


@pytest.mark.parametrize("kind", ["shape", "look", "gates"])
def test_an_unreadable_graph_of_the_snapshot_loads_with_torch(kept: Kept, home: Path,
                                                              kind: str) -> None:
    folder = runtime_folder(home)
    (folder / "exports" / stored(folder)["files"][kind]).write_bytes(b"not a graph")
    engine = Engine.load(kept.checkpoints, device="cpu")
    assert np.array_equal(results(engine)[0], kept.outlines)


def mushroom(checkpoints: Path) -> ClassAddon:
    g = torch.Generator().manual_seed(1)
    rows = {"shape": torch.randn(TINY_SHAPE.embed_dim, generator=g),
            "gate": torch.randn(4, generator=g), "full_gate": torch.randn(4, generator=g)}
    hashes = tc.checkpoint_hashes({"shape": checkpoints / "shape.pt",
                                   "appearance": checkpoints / "appearance.pt"})
    return ClassAddon("mushroom", "Mushroom", rows, hashes, {})


def test_a_taught_class_loads_with_torch(kept: Kept, home: Path) -> None:
    tc.save(mushroom(kept.checkpoints))
    written = (runtime_folder(home) / snapshot.FILE).read_bytes()
    engine = Engine.load(kept.checkpoints, device="cpu")
    assert engine._nets is not None
    assert engine.classes == (*CLASSES, "mushroom") and engine.skipped_classes == []
    assert engine.complete(sketch(), "mushroom", seeds=SEEDS).outlines.shape == (4, 64, 64)
    assert (runtime_folder(home) / snapshot.FILE).read_bytes() == written  # not replaced
    # Without the taught classes the snapshot still fits.
    assert Engine.load(kept.checkpoints, device="cpu", taught=False)._nets is None
    tc.forget("mushroom")
    assert Engine.load(kept.checkpoints, device="cpu")._nets is None


@pytest.mark.parametrize("attr", ["_shape_run", "_look_run"])
def test_a_failing_runtime_of_a_snapshot_engine_hands_over_to_torch(
        kept: Kept, home: Path, attr: str, caplog) -> None:
    engine = Engine.load(kept.checkpoints, device="cpu")
    assert engine._nets is None

    class Failing:
        name = external.ONNXRUNTIME

        def __call__(self, *inputs):
            raise RuntimeError("device lost")

    setattr(engine, attr, Failing())
    with caplog.at_level(logging.WARNING, logger="sketchfill.app.engine"):
        outlines, image = results(engine)
        results(engine)                                      # torch keeps the network now
    warnings = [r for r in caplog.records
                if r.name == "sketchfill.app.engine" and r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "device lost" in warnings[0].getMessage()
    assert engine._nets is not None
    assert np.array_equal(outlines, kept.outlines)
    assert np.abs(image.astype(int) - kept.image).max() <= IMAGE_TOLERANCE
    network = "shape" if attr == "_shape_run" else "appearance"
    assert f"{network} torch eager" in engine.runtime


def test_no_snapshot_is_kept_while_a_network_runs_in_torch(kept: Kept, tmp_path: Path,
                                                           monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "fresh"))
    monkeypatch.delenv(choice.ENV, raising=False)
    monkeypatch.setattr(choice, "choose", lambda factory, device, measure, wanted="auto":
                        RuntimeChoice(external.ONNXRUNTIME, EAGER))
    engine = Engine.load(kept.checkpoints, device="cpu")
    assert "shape onnxruntime" in engine.runtime and "appearance torch eager" in engine.runtime
    assert not (runtime_folder(tmp_path / "fresh") / snapshot.FILE).exists()


def test_without_a_stored_choice_no_snapshot_is_kept(kept: Kept, tmp_path: Path,
                                                     monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "fresh"))
    monkeypatch.delenv(choice.ENV, raising=False)
    engine = Engine.load(kept.checkpoints, device="cpu")     # nothing measured: torch eager
    assert engine._nets is not None and "onnxruntime" not in engine.runtime
    assert not (runtime_folder(tmp_path / "fresh") / snapshot.FILE).exists()


@pytest.mark.parametrize("text", ["[]", "null", "42"])
def test_a_choice_file_of_json_other_than_an_object_measures_again(
        kept: Kept, home: Path, text: str) -> None:
    (runtime_folder(home) / snapshot.FILE).unlink()
    (runtime_folder(home) / "choice.json").write_text(text)
    assert Engine.load(kept.checkpoints, device="cpu").runtime_choice.shape == "eager"


def test_a_missing_checkpoint_is_named_whether_or_not_a_snapshot_fits(
        kept: Kept, home: Path, tmp_path: Path) -> None:
    from sketchfill.models.files import CheckpointError

    checkpoints = shutil.copytree(kept.checkpoints, tmp_path / "checkpoints")
    (checkpoints / "shape.pt").unlink()
    with pytest.raises(CheckpointError, match="shape.pt"):
        Engine.load(checkpoints, device="cpu")


def test_the_app_draws_from_the_snapshot_without_torch(kept: Kept, home: Path,
                                                       tmp_path: Path) -> None:
    """The window opens a session, completes and colours it from the snapshot: no torch."""
    sample = Path(__file__).resolve().parent.parent / "resources" / "samples"
    code = ("import sys; from sketchfill.main import main; "
            f"rc = main(['--open', {str(sample / 'orange.session.json')!r}, "
            f"'--checkpoints', {str(kept.checkpoints)!r}, '--device', 'cpu', "
            f"'--export-dir', {str(tmp_path / 'out')!r}]); "
            "print(rc, 'torch' in sys.modules)")
    assert run_python(code, child_env(home))[-2:] == ["0", "False"]
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {"image.png", "shadow.png"}
