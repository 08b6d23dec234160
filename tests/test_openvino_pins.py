"""runtime.external.OpenVinoModel: calls of the shapes pinned at load run in a graph compiled
with every shape fixed, with the outputs of the graph of any shape."""
from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pytest
import torch

from sketchfill.app.document import rest_threads
from sketchfill.app.engine import PINNED_BATCHES, Engine
from sketchfill.app.runtime import external
from sketchfill.models.nets.appearance import TINY_APPEARANCE, AppearanceGenerator
from sketchfill.models.nets.shape import TINY_SHAPE, ShapeGenerator

pytestmark = pytest.mark.skipif(not external.installed(external.OPENVINO),
                                reason="OpenVINO not installed")


@pytest.fixture
def engine(one_thread, monkeypatch, tmp_path) -> Engine:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    torch.manual_seed(0)
    shape = ShapeGenerator(replace(TINY_SHAPE, soft_output=True))
    built = Engine(shape, AppearanceGenerator(TINY_APPEARANCE), ("orange", "moon"),
                   torch.device("cpu"))
    built.use_runtimes(external.OPENVINO)
    return built


def sketch() -> np.ndarray:
    img = np.full((64, 64), 255, np.uint8)
    img[20:44, 30:33] = 0
    return img


def model_at(engine: Engine, threads: int) -> external.OpenVinoModel:
    return engine._shape_run._sessions[threads][0]


class Refused:
    """An infer request that must not be used."""

    def infer(self, feed) -> None:
        raise AssertionError("the graph of any shape ran a call of pinned shapes")


def test_the_update_batch_is_pinned_at_load_and_used_with_the_same_outlines(engine) -> None:
    every = model_at(engine, rest_threads())
    assert [dict(shapes)["view_of"] for shapes in every.pinned] == [(b,) for b in PINNED_BATCHES]
    seeds = range(PINNED_BATCHES[0])
    torch.set_num_threads(rest_threads())
    pinned = engine.complete(sketch(), "orange", seeds).outlines
    every._any = Refused()  # every call of these shapes must now go to the pinned graph
    engine.forget_sketch()
    assert np.array_equal(engine.complete(sketch(), "orange", seeds).outlines, pinned)
    openvino, engine._shape_run = engine._shape_run, engine._eager["_shape_run"]
    engine.forget_sketch()
    assert np.array_equal(engine.complete(sketch(), "orange", seeds).outlines, pinned)  # torch's
    engine._shape_run = openvino
    with pytest.raises(AssertionError, match="graph of any shape"):
        engine._shape_run(*engine._stroke_inputs(3))  # another batch: the graph of any shape


def test_pinned_and_any_shape_graphs_give_the_same_outputs(engine) -> None:
    every = model_at(engine, rest_threads())
    torch.set_num_threads(rest_threads())
    inputs = engine._stroke_inputs(PINNED_BATCHES[0])
    rng = np.random.default_rng(0)
    views = (rng.random(inputs[0].shape) > 0.9).astype(np.float32)
    z = rng.standard_normal(inputs[3].shape).astype(np.float32)
    feed = dict(zip(("views", "view_of", "row", "z"), (views, inputs[1], inputs[2], z)))
    fixed = engine._shape_run(*feed.values())
    fixed_requests = every._fixed
    every._fixed = {}
    try:
        anything = engine._shape_run(*feed.values())
    finally:
        every._fixed = fixed_requests
    assert np.array_equal(fixed, anything)


def test_a_pin_that_fails_leaves_those_calls_to_the_graph_of_any_shape(engine, caplog) -> None:
    model = model_at(engine, rest_threads())
    before = model.pinned
    bad = {"views": np.zeros((2, 3, 7, 7), np.float32)}  # not a shape the network takes
    with caplog.at_level(logging.WARNING, logger=external.__name__):
        model.pin(bad)
    assert model.pinned == before
    assert "could not fix the shapes" in caplog.text
    torch.set_num_threads(rest_threads())
    assert engine.complete(sketch(), "orange", range(3)).outlines.shape[0] == 3
