"""app.engine on tiny real networks: validation, sizes, batching, seeds, shadow, devices."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
import torch

from sketchfill.app.engine import RESERVES, Completion, Engine, reserve_seeds, resolve_device
from sketchfill.app.raster import blend_shadow
from sketchfill.models.nets.appearance import AppearanceGenerator
from sketchfill.models.nets import outline_code
from sketchfill.models.nets.checkpoint import CheckpointError
from sketchfill.models.nets.noise import noise_from_seeds
from sketchfill.models.nets.shape import TINY_SHAPE


def sketch(h: int = 200, w: int = 300) -> np.ndarray:
    """(h,w) uint8 paper with an ink rectangle outline and a diagonal."""
    img = np.full((h, w), 255, np.uint8)
    img[h // 4, w // 4 : 3 * w // 4] = 0
    img[h // 4 : 3 * h // 4, w // 4] = 0
    idx = np.arange(min(h, w) // 2)
    img[h // 4 + idx, w // 4 + idx] = 0
    return img


@pytest.mark.parametrize(
    "bad, text",
    [
        (np.zeros((0, 10), np.uint8), "non-empty"),
        (np.zeros((10, 10), np.float32), "uint8"),
        (np.zeros((10, 10, 3), np.uint8), "2-D"),
        ([[255, 0]], "numpy array"),
    ],
)
def test_complete_and_render_reject_bad_arrays(tiny_engine: Engine, bad, text: str) -> None:
    with pytest.raises(ValueError, match=text):
        tiny_engine.complete(bad, "orange", seeds=[0])
    with pytest.raises(ValueError, match=text):
        tiny_engine.render(bad, "orange", seed=0)


def test_unknown_class_names_the_known_ones(tiny_engine: Engine) -> None:
    with pytest.raises(ValueError, match=r"unknown class 'pear'.*orange, watermelon, moon"):
        tiny_engine.complete(sketch(), "pear", seeds=[0])
    with pytest.raises(ValueError, match="unknown class 'pear'"):
        tiny_engine.render(sketch(), "pear", seed=0)


def test_no_seeds_is_an_error(tiny_engine: Engine) -> None:
    with pytest.raises(ValueError, match="at least one seed"):
        tiny_engine.complete(sketch(), "moon", seeds=[])


@pytest.mark.parametrize("h, w", [(200, 300), (300, 200), (17, 5)])
def test_outputs_have_the_input_size_and_dtype(tiny_engine: Engine, h: int, w: int) -> None:
    done = tiny_engine.complete(sketch(h, w), "moon", seeds=range(3))
    assert isinstance(done, Completion)
    assert done.outlines.shape == (3, h, w) and done.outlines.dtype == np.uint8
    assert done.shadow.shape == (h, w) and done.shadow.dtype == np.uint8
    rgb = tiny_engine.render(done.outlines[0], "moon", seed=0)
    assert rgb.shape == (h, w, 3) and rgb.dtype == np.uint8


def test_k_completions_run_as_one_batch_over_their_views(tiny_engine: Engine,
                                                         monkeypatch) -> None:
    """One call for the K; the sketch goes in once as drawn and once mirrored (odd seeds)."""
    calls: list[tuple[int, int, list[int]]] = []
    net = tiny_engine.shape
    run = net.forward_views

    def counted(views, view_of, row, z):
        calls.append((views.shape[0], z.shape[0], view_of.tolist()))
        return run(views, view_of, row, z)
    monkeypatch.setattr(net, "forward_views", counted)
    tiny_engine.complete(sketch(), "orange", seeds=range(5))
    assert calls == [(2, 5, [0, 1, 0, 1, 0])]
    calls.clear()
    tiny_engine.complete(sketch(), "orange", seeds=[1, 3])
    assert calls == [(1, 2, [0, 0])]  # only the mirrored view is needed


def test_the_views_give_the_outputs_of_the_sketches_themselves(tiny_engine: Engine) -> None:
    net = tiny_engine.shape
    cfg = net.cfg
    views = torch.rand(2, 1, cfg.size, cfg.size) * 2 - 1
    view_of = torch.tensor([1, 0, 0, 1, 1])
    row = net.embedding.weight[:1].detach().expand(5, -1)
    z = torch.randn(5, cfg.nz)
    with torch.inference_mode():
        assert torch.equal(net.forward_views(views, view_of, row, z),
                           net(views.index_select(0, view_of), row, z))


def test_the_first_outline_is_handed_over_before_the_others_are_made(tiny_engine: Engine,
                                                                     monkeypatch) -> None:
    """complete(first=i, on_first=f): f gets outline i, equal to the one returned, while no
    other outline is made yet (so a caller can colour it meanwhile)."""
    import sketchfill.app.engine as engine_module

    made: list[int] = []
    real = engine_module.outline_from_output
    monkeypatch.setattr(engine_module, "outline_from_output",
                        lambda *a, **k: made.append(1) or real(*a, **k))
    handed: list[tuple[int, np.ndarray]] = []
    done = tiny_engine.complete(sketch(), "orange", seeds=range(4), first=2,
                                on_first=lambda outline: handed.append((len(made), outline)))
    assert len(handed) == 1 and handed[0][0] == 1 and len(made) == 4
    assert np.array_equal(handed[0][1], done.outlines[2])
    plain = tiny_engine.complete(sketch(), "orange", range(4))
    assert np.array_equal(done.outlines, plain.outlines)


def test_seeds_pick_the_completions(tiny_engine: Engine) -> None:
    a = tiny_engine.complete(sketch(), "orange", seeds=[0, 1])
    again = tiny_engine.complete(sketch(), "orange", seeds=[0, 1])
    assert np.array_equal(a.outlines, again.outlines) and np.array_equal(a.shadow, again.shadow)
    assert not np.array_equal(a.outlines[0], a.outlines[1])


def test_odd_seeds_complete_the_mirrored_sketch(tiny_engine: Engine) -> None:
    drawn = sketch(64, 64)
    one_view = Engine(
        tiny_engine.shape,
        tiny_engine.appearance,
        tiny_engine.classes,
        tiny_engine.device,
        mirror_views=False,
    )
    both = tiny_engine.complete(drawn, "orange", seeds=[2, 3])
    plain = one_view.complete(drawn, "orange", seeds=[2, 3])
    mirror = one_view.complete(drawn[:, ::-1].copy(), "orange", seeds=[3])
    assert np.array_equal(both.outlines[0], plain.outlines[0])  # even seed: as drawn
    assert not np.array_equal(both.outlines[1], plain.outlines[1])
    # The odd seed's network output is the mirrored sketch's, mirrored back (compared by the
    # one-completion shadow, which has no thinning to break left-right symmetry).
    alone = tiny_engine.complete(drawn, "orange", seeds=[3])
    diff = np.abs(alone.shadow.astype(int) - mirror.shadow[:, ::-1].astype(int))
    assert diff.max() <= 1
    # A seed names one completion whatever the batch around it.
    assert np.array_equal(alone.outlines[0], both.outlines[1])


def _conv_dtypes(engine: Engine) -> set[torch.dtype]:
    """The dtypes the shape network's convolutions compute in during one complete()."""
    seen: set[torch.dtype] = set()
    convs = [m for m in engine.shape.modules() if isinstance(m, torch.nn.Conv2d)]
    hooks = [c.register_forward_hook(lambda _m, _i, out: seen.add(out.dtype)) for c in convs]
    try:
        done = engine.complete(sketch(), "orange", seeds=[0, 1])
    finally:
        for h in hooks:
            h.remove()
    assert done.outlines.dtype == np.uint8
    return seen


def test_the_networks_compute_in_float32_where_the_cpu_has_no_native_bf16(
        tiny_engine: Engine, monkeypatch) -> None:
    import sketchfill.app.runtime.choice as choice

    monkeypatch.setattr(choice, "native_bf16", lambda: False)
    monkeypatch.delenv("SKETCHFILL_RUNTIME")
    assert choice.EAGER_BF16 not in choice.candidates(tiny_engine.device)
    measured = tiny_engine.use_runtimes(measure=True)
    assert choice.EAGER_BF16 not in measured.timings["shape"]
    assert "bf16" not in tiny_engine.runtime
    tiny_engine.use_runtimes("eager")
    assert _conv_dtypes(tiny_engine) == {torch.float32}


def test_shadow_is_darkest_where_completions_agree() -> None:
    outlines = np.full((4, 6, 6), 255, np.uint8)
    outlines[:, 1, 1] = 0  # all four agree
    outlines[0, 4, 4] = 0  # only one proposes this
    shadow = blend_shadow(outlines)
    assert shadow[1, 1] == 0 and shadow[0, 0] == 255
    assert shadow[1, 1] < shadow[4, 4] < shadow[0, 0]


def test_engine_shadow_blends_what_the_outlines_add(tiny_engine: Engine) -> None:
    user = sketch()
    done = tiny_engine.complete(user, "watermelon", seeds=range(4))
    added = user == 255
    assert np.array_equal(done.shadow[added], blend_shadow(done.outlines)[added])
    assert (done.shadow[~added] == 255).all()  # no halo of the network's copy of the strokes
    agree = (done.outlines < 128).all(axis=0) & added
    lone = ((done.outlines < 128).sum(axis=0) == 1) & added
    if agree.any() and lone.any():
        assert done.shadow[agree].mean() < done.shadow[lone].mean()


def test_render_is_deterministic_per_seed(tiny_engine: Engine) -> None:
    outline = tiny_engine.complete(sketch(), "moon", seeds=[0]).outlines[0]
    first = tiny_engine.render(outline, "moon", seed=3)
    assert np.array_equal(first, tiny_engine.render(outline, "moon", seed=3))
    assert not np.array_equal(first, tiny_engine.render(outline, "moon", seed=4))


def test_a_render_with_pixel_noise_is_deterministic_per_seed(tiny_engine: Engine) -> None:
    """The pixel noise comes from the render's seed too: the image stays put until Dice."""
    cfg = dataclasses.replace(tiny_engine.appearance.cfg, pixel_noise=True)
    noisy = AppearanceGenerator(cfg).eval()
    noisy.load_state_dict(tiny_engine.appearance.state_dict(), strict=False)
    with torch.no_grad():
        noisy.noise.weight.fill_(1.0)
    engine = Engine(tiny_engine.shape, noisy, tiny_engine.classes, tiny_engine.device)
    outline = engine.complete(sketch(), "moon", seeds=[0]).outlines[0]
    first = engine.render(outline, "moon", seed=3)
    assert np.array_equal(first, engine.render(outline, "moon", seed=3))


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only fallback")
def test_devices_without_cuda() -> None:
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="no CUDA"):
        resolve_device("cuda")
    with pytest.raises(ValueError, match="unknown device"):
        resolve_device("tpu")


def test_load_names_a_corrupt_checkpoint(tiny_checkpoint_dir) -> None:
    (tiny_checkpoint_dir / "appearance.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="appearance.pt"):
        Engine.load(tiny_checkpoint_dir, device="cpu")


def test_load_reports_a_missing_directory(tmp_path) -> None:
    with pytest.raises(CheckpointError, match="no such directory"):
        Engine.load(tmp_path / "nowhere", device="cpu")


def test_completions_keep_the_users_strokes_as_drawn(tiny_engine: Engine) -> None:
    user = sketch()
    done = tiny_engine.complete(user, "orange", seeds=range(3))
    ink = user < 128
    for outline in done.outlines:
        assert np.array_equal(outline[ink], user[ink])  # not moved, not faded
    # Next to the strokes only the user's ink: the network's coarser copy is not doubled in.
    beside = (cv2.dilate(ink.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0) & ~ink
    assert (done.outlines[:, beside] == 255).all()


def test_a_soft_outline_network_gets_thinned_outlines(tmp_path) -> None:
    from sketchfill.models.nets.checkpoint import save_checkpoint
    from sketchfill.models.nets.shape import TINY_SHAPE, ShapeGenerator
    from tests.conftest import TINY_CLASSES, write_tiny_checkpoints

    directory = write_tiny_checkpoints(tmp_path / "ck")
    cfg = dataclasses.replace(TINY_SHAPE, soft_output=True)
    save_checkpoint(
        directory / "shape.pt",
        "shape",
        cfg,
        TINY_CLASSES,
        ShapeGenerator(cfg).state_dict(),
        {"note": "test"},
    )
    engine = Engine.load(directory, device="cpu")
    sketch = np.full((96, 96), 255, np.uint8)
    sketch[20:76, 30:34] = 0  # a 4 px bar
    done = engine.complete(sketch, "orange", [0, 1])
    assert done.outlines.shape == (2, 96, 96)
    # The bar survives as drawn; nothing thick (the output's blur) is added beside it.
    ink_cols = np.nonzero((done.outlines[0] < 128).any(axis=0))[0]
    assert ink_cols.size and 26 <= ink_cols.min() and ink_cols.max() <= 38
    # The shadow shows only the lines the completions add: nothing around the bar.
    beside = np.zeros_like(sketch, bool)
    beside[14:82, 24:40] = True
    untouched = beside & (done.outlines == sketch).all(axis=0)
    assert untouched.any() and (done.shadow[untouched] == 255).all()


class LineForSomeNoise(torch.nn.Module):
    """A soft-outline shape network that draws one horizontal line for noise whose first
    value is positive and nothing for the rest: which completions are idle is known."""

    def __init__(self) -> None:
        super().__init__()
        self.cfg = dataclasses.replace(TINY_SHAPE, size=64, soft_output=True)
        line = torch.ones(1, 1, 64, 64)
        line[..., 48, 8:56] = -1.0
        self.line = outline_code.encode(line, self.cfg.outline_sigma, self.cfg.outline_reach)
        self.embedding = torch.nn.Embedding(self.cfg.n_labels, self.cfg.embed_dim)  # unused

    def forward(self, x: torch.Tensor, y: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        blank = torch.ones(len(z), 1, 64, 64)
        return torch.where(z[:, :1, None, None] > 0, self.line, blank)

    def forward_views(self, views: torch.Tensor, view_of: torch.Tensor, y: torch.Tensor,
                      z: torch.Tensor) -> torch.Tensor:
        return self(views.index_select(0, view_of), y, z)


def _draws(seed: int) -> bool:
    return bool(noise_from_seeds([seed], TINY_SHAPE.nz)[0, 0] > 0)


def _line_engine(tiny_engine: Engine) -> Engine:
    return Engine(LineForSomeNoise(), tiny_engine.appearance, tiny_engine.classes,
                  tiny_engine.device, mirror_views=False)


def _stroke() -> np.ndarray:
    drawn = np.full((128, 128), 255, np.uint8)
    drawn[10:60, 20:23] = 0  # a short vertical stroke, far from the line
    return drawn


def test_reserve_seeds_are_fixed_per_seed_and_keep_its_parity() -> None:
    for seed in (0, 1, 6, 2**31 - 1):
        reserves = reserve_seeds(seed)
        assert reserves == reserve_seeds(seed) and len(reserves) == RESERVES
        assert all(r % 2 == seed % 2 and r != seed for r in reserves)
    assert reserve_seeds(0) != reserve_seeds(2)


def test_an_idle_completion_takes_its_first_reserve_that_adds_lines(tiny_engine: Engine) -> None:
    engine = _line_engine(tiny_engine)
    seeds = range(2000)
    busy = next(s for s in seeds if _draws(s))
    second = next(s for s in seeds if not _draws(s) and [_draws(r) for r in reserve_seeds(s)]
                  == [False, True])
    stuck = next(s for s in seeds if not _draws(s) and not any(map(_draws, reserve_seeds(s))))
    either = next(s for s in seeds if not _draws(s) and all(map(_draws, reserve_seeds(s))))
    handed: list[np.ndarray] = []
    drawn = _stroke()
    # K = 8: room for 4 reserves, each idle one's first, then `second`'s second (first = 1).
    seeds = [busy, second, stuck, either, busy, busy, busy, busy]
    done = engine.complete(drawn, "orange", seeds, first=1, on_first=handed.append)
    assert done.seeds[:4] == (busy, reserve_seeds(second)[1], stuck, reserve_seeds(either)[0])
    row = (done.outlines[:, 94:98] < 128).any(axis=(1, 2))  # the line, at 2x the net's size
    assert row.tolist() == [True, True, False, True, True, True, True, True]
    assert np.array_equal(done.outlines[2], drawn)  # nothing to take its place: left idle
    assert len(handed) == 1 and np.array_equal(handed[0], done.outlines[1])
    # A seed still names one completion in another batch (not one that looks finished).
    other = engine.complete(drawn, "orange", [second, busy])
    assert np.array_equal(other.outlines[0], done.outlines[1])


def test_reserves_run_only_for_idle_completions_in_one_batch(tiny_engine: Engine) -> None:
    engine = _line_engine(tiny_engine)
    batches: list[int] = []
    engine.shape.register_forward_hook(lambda module, args, out: batches.append(len(out)))
    busy = [s for s in range(50) if _draws(s)][:3]
    idle = [s for s in range(50) if not _draws(s)][:2]
    engine.complete(_stroke(), "orange", busy)
    assert batches == [3]
    engine.complete(_stroke(), "orange", busy + busy + idle)
    assert batches[1:] == [8, 2 * RESERVES]  # every reserve of the 2 idle: 4 of at most 4
    # At most half of K reserves run, each idle completion's first before any second one.
    tried: list[list[int]] = []
    outputs = engine._outputs
    engine._outputs = lambda x, label, seeds: tried.append(list(seeds)) or outputs(x, label, seeds)
    engine.complete(_stroke(), "orange", [idle[0], idle[1], busy[0], busy[1]], first=1)
    del engine._outputs
    assert batches[3:] == [4, 2]
    assert tried[1] == [reserve_seeds(idle[1])[0], reserve_seeds(idle[0])[0]]
    # More than 3/4 of the K idle: the drawing looks finished, no reserves run.
    engine.complete(_stroke(), "orange", idle)
    assert batches[5:] == [2]
    # A blank sketch has nothing to compare a completion's lines with: none is idle.
    engine.complete(np.full((64, 64), 255, np.uint8), "orange", idle)
    assert batches[6:] == [2]
