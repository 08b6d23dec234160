"""Taught classes in the data folder and in the engine (app.taught_classes)."""
from __future__ import annotations

import errno
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from sketchfill.app import taught_classes as tc
from sketchfill.models.nets.class_addon import load_addon
from sketchfill.app.engine import Engine
from sketchfill.models.nets.class_addon import ClassAddon
from tests.teach_support import CLASSES


def addon_for(checkpoints: Path, name: str = "mushroom", seed: int = 1) -> ClassAddon:
    g = torch.Generator().manual_seed(seed)
    rows = {"shape": torch.randn(8, generator=g), "gate": torch.randn(4, generator=g),
            "full_gate": torch.randn(4, generator=g)}
    hashes = tc.checkpoint_hashes({"shape": checkpoints / "shape.pt",
                                   "appearance": checkpoints / "appearance.pt"})
    return ClassAddon(name, name.capitalize(), rows, hashes, {})


def sketch() -> np.ndarray:
    s = np.full((48, 48), 255, np.uint8)
    s[10:38, 12] = 0
    s[10, 12:36] = 0
    return s


def outputs(engine: Engine, classes) -> list[np.ndarray]:
    found = []
    for c in classes:
        found += list(engine.complete(sketch(), c, range(3)).outlines)
        found.append(engine.render(sketch(), c, seed=2))
    return found


def test_data_folder_honours_xdg(data_home):
    assert tc.classes_folder() == data_home / "SketchFill" / "Sketch & Fill" / "classes"


def test_gui_and_command_line_share_the_data_folder(data_home, qapp):
    from sketchfill.gui.application import autosave_dir
    from sketchfill.gui.preferences import APPLICATION, ORGANISATION
    names = qapp.organizationName(), qapp.applicationName()
    qapp.setOrganizationName(ORGANISATION)
    qapp.setApplicationName(APPLICATION)
    try:
        assert autosave_dir() == tc.data_folder()
    finally:
        qapp.setOrganizationName(names[0])
        qapp.setApplicationName(names[1])


@pytest.mark.parametrize("name, problem", [
    ("", "empty"), ("   ", "empty"), ("a/b", "may hold only"), ("..", "may hold only"),
    ("a\\b", "may hold only"), ("-x", "may hold only"), ("x" * 41, "longer than"),
    ("Orange", "shipped class"), ("birthday cake", "shipped class")])
def test_bad_names(name, problem):
    with pytest.raises(tc.TaughtClassError, match=problem):
        tc.check_name(name, CLASSES + ("birthday_cake",))


def test_good_names():
    assert tc.check_name("  my mascot ", CLASSES) == "my mascot"
    assert tc.check_name("Pilz-2_b", CLASSES) == "Pilz-2_b"


def test_shipped_classes_unchanged_by_teaching(data_home, teach_checkpoints):
    before = Engine.load(teach_checkpoints, device="cpu")
    reference = outputs(before, CLASSES)
    tc.save(addon_for(teach_checkpoints, "mushroom"))
    tc.save(addon_for(teach_checkpoints, "carrot", seed=2))
    after = Engine.load(teach_checkpoints, device="cpu")
    assert after.classes == CLASSES + ("carrot", "mushroom") and after.skipped_classes == []
    assert all(np.array_equal(a, b) for a, b in zip(reference, outputs(after, CLASSES)))
    # The taught rows follow the shipped ones (the shape table's after "no listed class").
    assert after.shape_label("carrot") == len(CLASSES) + 1
    assert after.look_label("mushroom") == len(CLASSES) + 1
    assert after.shape.embedding.num_embeddings == len(CLASSES) + 3
    assert after.appearance.full_gate.embedding.num_embeddings == len(CLASSES) + 2
    row = addon_for(teach_checkpoints, "mushroom").rows["gate"]
    assert torch.equal(after.appearance.gate.embedding.weight[after.look_label("mushroom")], row)
    taught = after.render(sketch(), "mushroom", seed=2)
    assert taught.shape == (48, 48, 3)
    assert not np.array_equal(taught, after.render(sketch(), "orange", seed=2))


def head_for(engine: Engine, seed: int = 3) -> dict[str, torch.Tensor]:
    """The state of output layers moved off the network's own."""
    head = engine.appearance.head_copy()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in head.parameters():
            p.add_(0.3 * torch.randn(p.shape, generator=g))
    return head.state_dict()


def test_a_class_with_its_own_output_layers(data_home, teach_checkpoints):
    plain = Engine.load(teach_checkpoints, device="cpu")
    reference = outputs(plain, CLASSES)
    tc.save(addon_for(teach_checkpoints, "carrot", seed=2))
    with_head = replace(addon_for(teach_checkpoints, "mushroom"), head=head_for(plain))
    tc.save(with_head)
    engine = Engine.load(teach_checkpoints, device="cpu")
    assert engine.skipped_classes == [] and list(engine.class_heads) == [
        engine.look_label("mushroom")]
    assert all(np.array_equal(a, b) for a, b in zip(reference, outputs(engine, CLASSES)))
    own = engine.render(sketch(), "mushroom", seed=2)
    engine.class_heads.clear()  # the same rows through the network's own output layers
    engine._look_cache.clear()
    assert not np.array_equal(own, engine.render(sketch(), "mushroom", seed=2))
    assert load_addon(tc.addon_path("mushroom")).head.keys() == with_head.head.keys()


def test_output_layers_that_do_not_fit_are_refused(data_home, teach_checkpoints):
    plain = Engine.load(teach_checkpoints, device="cpu")
    head = head_for(plain)
    key = next(k for k, v in head.items() if v.dim() == 4)
    head[key] = torch.zeros(1, 1, 1, 1)
    tc.save(replace(addon_for(teach_checkpoints, "mushroom"), head=head))
    engine = Engine.load(teach_checkpoints, device="cpu")
    assert engine.classes == CLASSES and engine.class_heads == {}
    assert "class head does not fit" in engine.skipped_classes[0]


def test_without_taught_classes(data_home, teach_checkpoints):
    tc.save(addon_for(teach_checkpoints))
    assert Engine.load(teach_checkpoints, device="cpu", taught=False).classes == CLASSES


def test_corrupt_addon_is_skipped_by_name(data_home, teach_checkpoints):
    tc.save(addon_for(teach_checkpoints, "mushroom"))
    bad = tc.classes_folder() / f"carrot{tc.SUFFIX}"
    bad.write_bytes(b"PK\x03\x04 half a file")
    engine = Engine.load(teach_checkpoints, device="cpu")
    assert engine.classes == CLASSES + ("mushroom",)
    assert len(engine.skipped_classes) == 1 and str(bad) in engine.skipped_classes[0]


def test_addon_of_other_networks_is_refused(data_home, teach_checkpoints, tmp_path):
    from tests.teach_support import write_checkpoints
    other = write_checkpoints(tmp_path / "other", seed=5)
    tc.save(addon_for(other))
    engine = Engine.load(teach_checkpoints, device="cpu")
    assert engine.classes == CLASSES
    assert "taught on other networks" in engine.skipped_classes[0]
    assert "mushroom.class.pt" in engine.skipped_classes[0]


def test_save_replace_and_forget(data_home, teach_checkpoints):
    tc.save(addon_for(teach_checkpoints, "Mushroom"))
    with pytest.raises(tc.TaughtClassError, match="already taught"):
        tc.save(addon_for(teach_checkpoints, "mushroom", seed=3))
    path = tc.save(addon_for(teach_checkpoints, "mushroom", seed=3), replace=True)
    assert [t.name for t in tc.taught()] == ["mushroom"] and path.is_file()
    assert tc.forget("MUSHROOM").name == "mushroom"
    assert tc.taught() == []
    with pytest.raises(tc.TaughtClassError, match="no taught class named 'x'"):
        tc.forget("x")


def test_full_disk_leaves_nothing(data_home, teach_checkpoints, monkeypatch):
    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(torch, "save", no_space)
    with pytest.raises(tc.TaughtClassError, match="No space left on device"):
        tc.save(addon_for(teach_checkpoints))
    assert list(tc.classes_folder().iterdir()) == []
