"""app.runtime: the numeric path and runtime per network, chosen by measuring, stored, never
stale; every runtime gives the engine's outlines; a broken runtime falls back to torch."""
from __future__ import annotations

import logging
import time
from dataclasses import replace

import numpy as np
import pytest
import torch

import sketchfill.app.runtime.choice as choice
from sketchfill.app.document import rest_threads, worker_threads
from sketchfill.app.sharing import colour_threads
from sketchfill.app.engine import Engine
from sketchfill.app.runtime import cores, external
from sketchfill.app.runtime.cpu import cpu_facts
from sketchfill.app.runtime.onnx_files import onnx_path
from sketchfill.app.runtime.calls import EAGER, EAGER_BF16
from sketchfill.models.nets.appearance import TINY_FULL_SIZE_APPEARANCE, AppearanceGenerator
from sketchfill.models.nets.shape import TINY_SHAPE, ShapeGenerator

CLASSES = ("orange", "watermelon", "moon")
INSTALLED = [r for r in (external.ONNXRUNTIME, external.OPENVINO) if external.installed(r)]


@pytest.fixture(autouse=True)
def auto_runtime(monkeypatch, tmp_path):
    """The app's own choice (not the suite's eager), stored in a data folder of this test."""
    monkeypatch.delenv(choice.ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@pytest.fixture
def engine(one_thread) -> Engine:
    """Tiny networks with every input a runtime must take: a soft-outline shape network (its
    outlines are thinned ridges) and an appearance network with a full-size stage and pixel
    noise; weights moved off their zero init so the noise and the stage matter."""
    torch.manual_seed(0)
    shape = ShapeGenerator(replace(TINY_SHAPE, soft_output=True))
    look = AppearanceGenerator(replace(TINY_FULL_SIZE_APPEARANCE, pixel_noise=True))
    with torch.no_grad():
        for p in look.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return Engine(shape, look, CLASSES, torch.device("cpu"))


def sketch() -> np.ndarray:
    img = np.full((64, 64), 255, np.uint8)
    img[20:44, 30:33] = 0
    img[20:23, 18:46] = 0
    return img


def results(engine: Engine) -> tuple[np.ndarray, np.ndarray]:
    done = engine.complete(sketch(), "orange", seeds=range(4))
    return done.outlines, engine.render(done.outlines[0], "watermelon", seed=3)


@pytest.mark.parametrize("runtime", INSTALLED)
def test_each_runtime_gives_the_outlines_and_images_of_eager(engine: Engine, runtime) -> None:
    outlines, image = results(engine)
    engine.use_runtimes(runtime)
    assert runtime in engine.runtime and "eager" not in engine.runtime
    other_outlines, other_image = results(engine)
    assert np.array_equal(outlines, other_outlines)
    assert np.abs(image.astype(int) - other_image).max() <= choice.IMAGE_TOLERANCE


@pytest.mark.parametrize("runtime", INSTALLED)
def test_a_network_with_a_folded_refiner_and_one_block_per_stage_runs_as_in_eager(
        engine: Engine, runtime) -> None:
    """The shipped layout's parts that only it has (the sketch folded into channels and the
    correction unfolded, a trunk of one block per stage) export and run alike."""
    torch.manual_seed(1)
    cfg = replace(TINY_SHAPE, soft_output=True, size=2 * TINY_SHAPE.size,
                  trunk_size=TINY_SHAPE.size, refine_width=3, refine_folded=True,
                  one_block_stages=2)
    shape = ShapeGenerator(cfg)
    with torch.no_grad():
        torch.nn.init.normal_(shape.refiner.out.weight, std=0.3)
    light = Engine(shape, engine.appearance, CLASSES, torch.device("cpu"))
    outlines = results(light)[0]
    light.use_runtimes(runtime)
    assert runtime in light.runtime and "eager" not in light.runtime
    assert np.array_equal(outlines, results(light)[0])


@pytest.mark.parametrize("runtime", INSTALLED)
def test_a_class_with_its_own_output_layers_renders_through_torch(engine: Engine,
                                                                  runtime) -> None:
    head = engine.appearance.head_copy()
    with torch.no_grad():
        for p in head.parameters():
            p.mul_(-1.0)
    engine.class_heads[engine.look_label("moon")] = head.eval()
    own = engine.render(sketch(), "moon", seed=3)
    shipped = engine.render(sketch(), "orange", seed=3)
    engine.use_runtimes(runtime)
    assert runtime in engine.runtime
    assert np.array_equal(own, engine.render(sketch(), "moon", seed=3))  # torch, exactly
    other = engine.render(sketch(), "orange", seed=3)
    assert np.abs(shipped.astype(int) - other).max() <= choice.IMAGE_TOLERANCE


def test_without_native_bf16_nothing_runs_in_bf16(engine: Engine, monkeypatch) -> None:
    monkeypatch.setattr(choice, "native_bf16", lambda: False)
    assert EAGER_BF16 not in choice.candidates(engine.device)
    picked = engine.use_runtimes(measure=True)
    assert EAGER_BF16 not in picked.timings["shape"] and EAGER_BF16 not in picked.timings["look"]
    assert "bf16" not in engine.runtime


def test_native_bf16_is_used_only_if_measured_faster(engine: Engine, monkeypatch) -> None:
    monkeypatch.setattr(choice, "native_bf16", lambda: True)
    monkeypatch.setattr(choice, "candidates", lambda device: [EAGER, EAGER_BF16])
    slower = {EAGER: 10.0, EAGER_BF16: 20.0}
    monkeypatch.setattr(choice, "interleaved_ms",
                        lambda calls, repeats: {name: slower[name] for name in calls})
    monkeypatch.setattr(choice, "accurate", lambda *args: None)   # tiny nets: bf16 moves them
    picked = engine.use_runtimes(measure=True)
    assert (picked.shape, picked.look) == (EAGER, EAGER)


def test_a_runtime_that_moves_the_outlines_is_rejected(engine: Engine, monkeypatch) -> None:
    class Shifted:
        name = "shifted"

        def __call__(self, sketch, row, z):
            return engine.shape(sketch, row, z).roll(3, dims=-1)

    factory = choice.RunnerFactory(engine.shape, engine.appearance, engine_folder())
    monkeypatch.setattr(factory, "shape", lambda name: Shifted() if name == "shifted"
                        else choice.RunnerFactory.shape(factory, name))
    picked = choice.calibrate(factory, [EAGER, "shifted"], repeats=1)
    assert picked.shape == EAGER and "shifted" in picked.rejected["shape"]


def engine_folder():
    from sketchfill.app.taught_classes import data_folder
    return data_folder() / "runtime"


def test_the_choice_is_measured_once_then_read_and_redone_when_the_machine_changes(
        engine: Engine, monkeypatch) -> None:
    calls = []
    real = choice.calibrate
    monkeypatch.setattr(choice, "calibrate", lambda *a, **k: calls.append(1) or real(*a, **k))
    engine.use_runtimes(measure=True)
    engine.use_runtimes(measure=True)
    assert len(calls) == 1                                   # stored, read back
    monkeypatch.setattr(torch, "__version__", torch.__version__ + ".other")
    engine.use_runtimes(measure=True)
    assert len(calls) == 2                                   # another torch: measured again
    with torch.no_grad():
        engine.shape.conv_img.bias.add_(0.01)
    engine.use_runtimes(measure=True)
    assert len(calls) == 3                                   # other weights: again
    engine.use_runtimes(measure=False)
    assert len(calls) == 3                                   # stored for these weights now


def test_without_a_stored_choice_and_no_measuring_torch_runs(engine: Engine) -> None:
    engine.use_runtimes(measure=False)
    assert engine.runtime == "shape torch eager float32, appearance torch eager float32"


def test_an_unreadable_stored_choice_is_measured_again(engine: Engine) -> None:
    path = engine_folder() / "choice.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    picked = engine.use_runtimes(measure=True)
    assert picked.timings["shape"]                           # measured, stored anew
    assert choice.stored_choice(path, choice.machine_key(
        choice.RunnerFactory(engine.shape, engine.appearance, engine_folder()),
        choice.candidates(engine.device))) == picked


def test_exports_are_named_by_the_weights_but_not_by_the_class_tables(engine: Engine,
                                                                         tmp_path) -> None:
    before = onnx_path(tmp_path, "shape", engine.shape)
    with torch.no_grad():
        engine.shape.embedding.weight.add_(1.0)              # a class taught or changed
    assert onnx_path(tmp_path, "shape", engine.shape) == before
    with torch.no_grad():
        engine.shape.fc.bias.add_(1.0)
    assert onnx_path(tmp_path, "shape", engine.shape) != before


@pytest.mark.parametrize("runtime", INSTALLED)
def test_a_runtime_that_cannot_start_leaves_torch_with_one_log_line(
        engine: Engine, runtime, monkeypatch, caplog) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("no such library")
    monkeypatch.setattr(external, f"{runtime}_session", broken)
    with caplog.at_level(logging.WARNING):
        engine.use_runtimes(runtime)
    assert engine.runtime == "shape torch eager float32, appearance torch eager float32"
    assert sum("no such library" in r.getMessage() for r in caplog.records) == 2  # per network
    assert np.array_equal(results(engine)[0], results(Engine(
        engine.shape, engine.appearance, CLASSES, engine.device))[0])


def test_a_runtime_failing_mid_session_hands_over_to_torch(engine: Engine, caplog) -> None:
    outlines, image = results(engine)

    class Failing:
        name = external.ONNXRUNTIME

        def __call__(self, *inputs):
            raise RuntimeError("device lost")
    engine._shape_run, engine._look_run = Failing(), Failing()
    with caplog.at_level(logging.WARNING):
        again = results(engine)
    assert np.array_equal(again[0], outlines) and np.array_equal(again[1], image)
    assert "device lost" in caplog.text and "eager" in engine.runtime


def test_a_missing_runtime_is_not_a_candidate(monkeypatch) -> None:
    monkeypatch.setattr(choice, "installed", lambda name: False)
    monkeypatch.setattr(choice, "native_bf16", lambda: False)
    assert choice.candidates(torch.device("cpu")) == [EAGER]
    assert choice.candidates(torch.device("cuda")) == [EAGER]


def test_cpu_facts_name_the_capability_and_bf16() -> None:
    line = cpu_facts().line()
    assert torch.backends.cpu.get_cpu_capability() in line and "native bf16" in line


def test_exports_of_weights_no_longer_loaded_are_removed(engine: Engine, tmp_path) -> None:
    from sketchfill.app.runtime.onnx_files import KEEP_EXPORTS, shape_onnx

    made = []
    for _ in range(KEEP_EXPORTS + 2):
        with torch.no_grad():
            engine.shape.fc.bias.add_(1.0)                  # new weights: a new export
        made.append(shape_onnx(engine.shape, tmp_path))
    left = sorted(tmp_path.glob("shape-*.onnx"))
    assert len(left) == KEEP_EXPORTS and made[-1] in left and made[0] not in left


def _add_class(engine: Engine, name: str) -> None:
    """Append a random row to every class table, as teaching a class does."""
    def grown(table: torch.nn.Embedding) -> torch.nn.Embedding:
        bigger = torch.nn.Embedding(table.num_embeddings + 1, table.embedding_dim)
        with torch.no_grad():
            bigger.weight[:-1] = table.weight
        return bigger
    engine.shape.embedding = grown(engine.shape.embedding)
    look = engine.appearance
    look.gate.embedding = grown(look.gate.embedding)
    if look.full_gate is not None:
        look.full_gate.embedding = grown(look.full_gate.embedding)
    engine.classes = (*engine.classes, name)


@pytest.mark.parametrize("runtime", INSTALLED)
def test_a_class_added_after_the_export_runs_in_every_runtime(engine: Engine, runtime) -> None:
    engine.use_runtimes(runtime)                            # exported before the class exists
    shipped = results(engine)
    _add_class(engine, "mushroom")
    engine.use_runtimes(runtime)
    assert np.array_equal(results(engine)[0], shipped[0])   # the other classes unchanged
    done = engine.complete(sketch(), "mushroom", seeds=range(4))
    image = engine.render(done.outlines[0], "mushroom", seed=1)
    engine.use_runtimes(EAGER)
    eager = engine.complete(sketch(), "mushroom", seeds=range(4))
    assert np.array_equal(done.outlines, eager.outlines)
    eager_image = engine.render(eager.outlines[0], "mushroom", seed=1)
    assert np.abs(image.astype(int) - eager_image).max() <= choice.IMAGE_TOLERANCE


@pytest.mark.parametrize("runtime", INSTALLED)
def test_a_runtime_runs_at_the_thread_count_of_each_call(engine: Engine, runtime) -> None:
    """The app runs live_threads while the pen is down and every core after: a runtime's
    threads are fixed per session, so it keeps one per count, made at load."""
    engine.use_runtimes(runtime)
    shape = {torch.get_num_threads(), engine.live_threads, rest_threads()}
    assert set(engine._shape_run._sessions) == shape
    # Images once the pen lifts: beside the outline work, or alone.
    assert set(engine._look_run._sessions) == {rest_threads(), colour_threads()}
    torch.set_num_threads(1)                                # the one_thread fixture restores
    one = results(engine)
    torch.set_num_threads(rest_threads())
    every = results(engine)
    assert np.array_equal(one[0], every[0])
    assert np.abs(one[1].astype(int) - every[1]).max() <= choice.IMAGE_TOLERANCE


@pytest.mark.parametrize("runtime", INSTALLED)
def test_warm_up_readies_the_first_strokes_calls(engine: Engine, runtime, monkeypatch) -> None:
    calls = []
    run = Engine._run

    def recorded(self, attr, *inputs):
        batch = inputs[1].shape[0] if attr == "_shape_run" else inputs[0].shape[0]
        calls.append((attr, torch.get_num_threads(), batch))
        if attr == "_shape_run":  # as the strokes' calls: the sketch as drawn and mirrored
            assert inputs[0].shape[0] == 2 and set(inputs[1].tolist()) == {0, 1}
        return run(self, attr, *inputs)

    monkeypatch.setattr(Engine, "_run", recorded)
    monkeypatch.setattr(cores, "physical_cores", lambda: 3)
    engine.use_runtimes(runtime)
    # Sessions for the pen down (a core left to the UI on 3 cores) and after, made at load.
    assert {2, 3} <= set(engine._shape_run.thread_counts)
    assert {2, 3} <= set(engine._look_run.thread_counts)  # beside the outlines, or alone
    if not engine._shape_run.compiles_per_shape:  # nothing to compile ahead: no calls
        assert calls == []
        return
    shape = {(t, b) for a, t, b in calls if a == "_shape_run"}
    assert shape == {(2, 2), (3, 8)}  # the first stroke: pen down, then after
    # The image after the pen lifts, beside the outline work (every core but one) or alone.
    assert sorted(t for a, t, _ in calls if a == "_look_run") == [2, 3]


def test_the_locale_is_put_back_after_the_calls_that_may_change_it() -> None:
    import locale
    import threading

    from sketchfill.app.runtime.external import kept_locale

    start = locale.setlocale(locale.LC_ALL)
    inside, release = threading.Event(), threading.Event()

    def other() -> None:  # overlaps the first: the locale comes back when both have ended
        with kept_locale():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    inside.wait(5)
    with kept_locale():
        locale.setlocale(locale.LC_ALL, "C")
    assert locale.setlocale(locale.LC_ALL) != start or start == "C"  # the other is inside
    release.set()
    thread.join()
    assert locale.setlocale(locale.LC_ALL) == start


def test_the_pick_prefers_a_runtime_that_compiles_nothing_per_shape_when_close() -> None:
    assert choice.pick({EAGER: 100.0, "onnxruntime": 52.0, "openvino": 50.0}) == "onnxruntime"
    assert choice.pick({EAGER: 100.0, "onnxruntime": 60.0, "openvino": 50.0}) == "openvino"
    assert choice.pick({EAGER: 54.0, "openvino": 50.0}) == EAGER
    assert choice.pick({"openvino": 50.0}) == "openvino" and choice.pick({}) == EAGER


def test_timing_is_interleaved_and_a_lost_runtime_stops() -> None:
    order: list[str] = []
    calls = {"fast": lambda: order.append("fast"),
             "slow": lambda: order.append("slow") or time.sleep(0.05)}
    found = choice.interleaved_ms(calls, repeats=3)
    assert order == ["fast", "slow", "fast", "fast"]  # one round each, then the slow one lost
    assert found["slow"] > choice.GIVE_UP * found["fast"]


@pytest.mark.parametrize("count, spinning, sleeping", [(1, 1, 1), (2, 1, 2), (3, 2, 2), (8, 7, 7)])
def test_while_the_pen_is_down_a_core_stays_with_the_ui_unless_two_cores_have_sleeping_threads(
        monkeypatch, count, spinning, sleeping) -> None:
    monkeypatch.setattr(cores, "physical_cores", lambda: count)
    assert (worker_threads(), worker_threads(spinning=False)) == (spinning, sleeping)


@pytest.mark.parametrize("runtime", ["eager", *INSTALLED])
def test_the_engines_count_while_drawing_follows_what_runs_the_shape_network(
        engine: Engine, runtime, monkeypatch) -> None:
    monkeypatch.setattr(cores, "physical_cores", lambda: 2)
    engine.use_runtimes(runtime)
    assert engine.live_threads == (1 if runtime == "eager" else 2)  # torch's threads spin
