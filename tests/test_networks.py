"""Shapes, ranges, gating and conditioning of the real networks in TINY configurations."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
import torch.nn.functional as F

from sketchfill.models.nets.appearance import (
    FAST_APPEARANCE,
    PAPER_APPEARANCE,
    TINY_APPEARANCE,
    TINY_FULL_SIZE_APPEARANCE,
    AppearanceDiscriminator,
    AppearanceGenerator,
)
from sketchfill.models.nets.shape import (
    FAST_SHAPE,
    PAPER_SHAPE,
    TINY_SHAPE,
    ShapeDiscriminator,
    ShapeGenerator,
)
from sketchfill.models.training.widen import WidenError, load_widened


def _sketch(batch: int, size: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    x = torch.ones(batch, 1, size, size)
    x[torch.rand(batch, 1, size, size, generator=g) < 0.1] = -1.0  # sparse ink
    return x


@pytest.fixture
def shape_net() -> ShapeGenerator:
    torch.manual_seed(0)
    return ShapeGenerator(TINY_SHAPE).eval()


def test_paper_presets_have_release_sizes():
    assert (PAPER_SHAPE.size, PAPER_SHAPE.nz, PAPER_SHAPE.ngf) == (128, 256, 32)
    assert PAPER_SHAPE.injection_sizes == (4, 8, 16, 32, 64)
    assert (
        PAPER_APPEARANCE.size,
        PAPER_APPEARANCE.ngf,
        PAPER_APPEARANCE.n_blocks,
        PAPER_APPEARANCE.nz,
    ) == (256, 64, 16, 8)
    assert FAST_SHAPE.mults[0] == PAPER_SHAPE.mults[0] and FAST_APPEARANCE.spectral


def test_shape_generator_shape_and_range(shape_net):
    c = TINY_SHAPE
    out = shape_net(_sketch(4, c.size), torch.tensor([0, 1, 2, 0]), torch.randn(4, c.nz))
    assert out.shape == (4, 1, c.size, c.size)
    assert out.min() > -1 and out.max() < 1


def test_shape_discriminator_scores_each_sample(shape_net):
    d = ShapeDiscriminator(TINY_SHAPE)
    x = _sketch(3, TINY_SHAPE.size)
    score = d(x, x, torch.tensor([0, 1, 2]))
    assert score.shape == (3,) and torch.isfinite(score).all()


@pytest.mark.parametrize("scale", range(len(TINY_SHAPE.injection_sizes)))
def test_sketch_changes_output_at_every_injection_scale(shape_net, scale):
    """Silencing one injector must change the output: the sketch enters at every scale."""
    c = TINY_SHAPE
    x, y, z = _sketch(1, c.size), torch.tensor([1]), torch.randn(1, c.nz)
    with torch.no_grad():
        before = shape_net(x, y, z)
        shape_net.injectors[scale].register_forward_hook(lambda m, i, o: torch.zeros_like(o))
        after = shape_net(x, y, z)
    assert (before - after).abs().max() > 1e-4


def _grown(prefix: str, **added):
    """A TINY_SHAPE generator and the same one grown by `added` modules (names starting with
    `prefix`), loaded from its weights; plus a batch of two inputs."""
    torch.manual_seed(0)
    plain = ShapeGenerator(TINY_SHAPE).eval()
    grown = ShapeGenerator(replace(TINY_SHAPE, **added)).eval()
    missing = grown.load_state_dict(plain.state_dict(), strict=False).missing_keys
    assert missing and all(k.startswith(prefix) for k in missing)
    c = TINY_SHAPE
    return plain, grown, (_sketch(2, c.size), torch.tensor([0, 1]), torch.randn(2, c.nz))


def test_context_pyramid_starts_silent_then_carries_the_sketch():
    """A grown network (context_width > 0) first computes what its parent did, since the
    context injectors start at zero; once they have weights, the pyramid reaches every scale."""
    plain, grown, (x, y, z) = _grown("context", context_width=4)
    c = TINY_SHAPE
    feats = grown.context(x)
    assert [f.shape[-1] for f in feats] == list(c.injection_sizes)
    assert [f.shape[1] for f in feats] == list(grown.context.widths)
    with torch.no_grad():
        assert torch.equal(grown(x, y, z), plain(x, y, z))
        for inj in grown.context_injectors:
            torch.nn.init.normal_(inj[1].weight, std=0.1)
        assert (grown(x, y, z) - plain(x, y, z)).abs().max() > 1e-4


def test_widened_network_first_computes_what_its_parent_did():
    """load_widened: a generator with more channels (ngf 2 -> 3), loaded from a trained one,
    gives the same outlines; once its new channels are used, they change the output."""
    torch.manual_seed(0)
    plain = ShapeGenerator(replace(TINY_SHAPE, context_width=2)).eval()
    wide = ShapeGenerator(replace(TINY_SHAPE, context_width=2, ngf=3)).eval()
    changed = load_widened(wide, plain.state_dict())
    assert "fc.weight" in changed and "conv_img.weight" in changed
    c = TINY_SHAPE
    x, y, z = _sketch(2, c.size), torch.tensor([0, 1]), torch.randn(2, c.nz)
    with torch.no_grad():
        assert torch.allclose(wide(x, y, z), plain(x, y, z), atol=1e-6)
        torch.nn.init.normal_(wide.conv_img.weight, std=0.5)
        assert (wide(x, y, z) - plain(x, y, z)).abs().max() > 1e-3


def test_finer_output_over_a_trained_trunk_starts_as_its_upsampled_output():
    """trunk_size: a generator grown to twice its parent's output side keeps the parent's
    trunk (fed the sketch shrunk to it) and adds the user's strokes at full size, so until
    its refiner learns, it draws the parent's logits upsampled under the full-size sketch."""
    torch.manual_seed(0)
    c = replace(TINY_SHAPE, context_width=2)
    parent = ShapeGenerator(c).eval()
    fine_cfg = replace(c, size=2 * c.size, trunk_size=c.size, critic_size=c.size, refine_width=3)
    fine = ShapeGenerator(fine_cfg).eval()
    assert all(k.startswith("refiner.") for k in load_widened(fine, parent.state_dict()))
    x, y, z = _sketch(2, fine_cfg.size), torch.tensor([0, 1]), torch.randn(2, c.nz)
    small = F.interpolate(x, size=c.size, mode="area")
    with torch.no_grad():
        trunk = torch.atanh(parent(small, y, z).double()) - small.double()  # conv_img's logits
        expect = torch.tanh(x.double() + F.interpolate(trunk, size=fine_cfg.size, mode="bilinear"))
        out = fine(x, y, z)
        assert out.shape == (2, 1, fine_cfg.size, fine_cfg.size)
        assert torch.allclose(out.double(), expect, atol=1e-4)
        torch.nn.init.normal_(fine.refiner.out.weight, std=0.5)
        assert (fine(x, y, z).double() - expect).abs().max() > 1e-3


def test_folded_refiner_gives_each_output_pixel_its_own_correction_from_the_sketch():
    """refine_folded: the refiner runs at the trunk's side on the sketch folded into channels.
    It starts silent (a fork first draws its trunk's output); with weights, a one-pixel change
    of the full-size sketch changes the correction at that pixel and near it only, and the
    four output pixels of a trunk cell get different corrections."""
    c = replace(TINY_SHAPE, context_width=2)
    cfg = replace(c, size=2 * c.size, trunk_size=c.size, refine_width=3)
    torch.manual_seed(0)
    full, folded = ShapeGenerator(cfg).eval(), ShapeGenerator(replace(cfg, refine_folded=True))
    folded.eval().load_state_dict({k: v for k, v in full.state_dict().items()
                                   if not k.startswith("refiner.")}, strict=False)
    x, y, z = _sketch(2, cfg.size), torch.tensor([0, 1]), torch.randn(2, c.nz)
    with torch.no_grad():
        full.refiner.out.weight.zero_()
        assert torch.allclose(folded(x, y, z), full(x, y, z), atol=1e-6)
        torch.nn.init.normal_(folded.refiner.out.weight, std=0.1)
        features = torch.randn(2, c.ngf * c.mults[-1], c.size, c.size)
        moved = x.clone()
        moved[:, :, 10, 10] = -moved[:, :, 10, 10]
        base = folded.refiner(features, x)
        delta = (folded.refiner(features, moved) - base).abs()[:, 0]
    assert base.shape == (2, 1, cfg.size, cfg.size)
    assert delta[:, 10, 10].min() > 0 and delta[:, 20:, 20:].max() == 0
    cell = base[:, 0, 0::2, 0::2] - base[:, 0, 1::2, 1::2]
    assert cell.abs().max() > 1e-4


def test_one_block_stages_keep_the_first_blocks_names():
    """one_block_stages n: the last n trunk stages are their first residual block alone,
    under the same names, so a shorter network can start from a trained one's blocks."""
    n = 2
    two = ShapeGenerator(TINY_SHAPE)
    one = ShapeGenerator(replace(TINY_SHAPE, one_block_stages=n))
    lost = set(two.state_dict()) - set(one.state_dict())
    stages = len(TINY_SHAPE.mults)
    assert {k.split(".")[1] for k in lost} == {str(k) for k in range(stages - n, stages)}
    assert all(k.split(".")[0] == "stages" and k.split(".")[2] == "1" for k in lost)
    assert set(one.state_dict()) <= set(two.state_dict())
    x, y, z = _sketch(2, TINY_SHAPE.size), torch.tensor([0, 1]), torch.randn(2, TINY_SHAPE.nz)
    with torch.no_grad():
        assert one.eval()(x, y, z).shape == (2, 1, TINY_SHAPE.size, TINY_SHAPE.size)


def test_critic_of_a_finer_generator_is_its_parents_critic_on_shrunk_inputs():
    """critic_size: the critic keeps the parent's layers (they load as they are) and scores a
    finer outline as the parent scores it shrunk to the parent's side."""
    torch.manual_seed(0)
    parent = ShapeDiscriminator(TINY_SHAPE)
    c = replace(
        TINY_SHAPE,
        size=2 * TINY_SHAPE.size,
        trunk_size=TINY_SHAPE.size,
        critic_size=TINY_SHAPE.size,
    )
    critic = ShapeDiscriminator(c)
    critic.load_state_dict(parent.state_dict())
    x, s, y = _sketch(2, c.size, seed=1), _sketch(2, c.size, seed=2), torch.tensor([0, 2])
    small = [F.interpolate(t, size=TINY_SHAPE.size, mode="area") for t in (x, s)]
    with torch.no_grad():
        assert torch.allclose(critic(x, s, y), parent(*small, y), atol=1e-5)


def test_widened_critic_keeps_its_scores_and_spectral_norm():
    """The critic's sketch injectors are spectrally normalised: their new rows start at zero,
    so the largest singular value, and with it every old score, is unchanged."""
    torch.manual_seed(0)
    plain, wide = ShapeDiscriminator(TINY_SHAPE), ShapeDiscriminator(replace(TINY_SHAPE, ndf=3))
    load_widened(wide, plain.state_dict())
    c = TINY_SHAPE
    x, y = _sketch(2, c.size), torch.tensor([0, 1])
    with torch.no_grad():
        assert torch.allclose(wide(x, x, y), plain(x, x, y), atol=1e-5)


def test_widening_refuses_a_larger_or_foreign_state():
    small = ShapeGenerator(TINY_SHAPE)
    with pytest.raises(WidenError):
        load_widened(small, ShapeGenerator(replace(TINY_SHAPE, ngf=3)).state_dict())
    with pytest.raises(WidenError):
        load_widened(small, {**small.state_dict(), "extra.weight": torch.zeros(1)})


def test_sketch_survives_through_output_skip(shape_net):
    """Ink pixels stay darker than paper: the sketch is added before the tanh."""
    c = TINY_SHAPE
    x = torch.ones(1, 1, c.size, c.size)
    x[..., c.size // 2, :] = -1.0
    with torch.no_grad():
        out = shape_net(x, torch.tensor([0]), torch.randn(1, c.nz))
    assert out[..., c.size // 2, :].mean() < out[..., 0, :].mean() - 0.5


def test_different_seeds_give_different_completions(shape_net):
    c = TINY_SHAPE
    x = _sketch(1, c.size).expand(2, -1, -1, -1)
    with torch.no_grad():
        out = shape_net(x, torch.tensor([0, 0]), torch.randn(2, c.nz))
    assert (out[0] - out[1]).abs().max() > 1e-4


def test_class_changes_completion(shape_net):
    c = TINY_SHAPE
    x, z = _sketch(1, c.size), torch.randn(1, c.nz)
    with torch.no_grad():
        a = shape_net(x, torch.tensor([0]), z)
        b = shape_net(x, torch.tensor([2]), z)
    assert (a - b).abs().max() > 1e-4


def test_agnostic_network_has_a_row_for_no_listed_class():
    """An agnostic generator and critic take label -1 ("no listed class") as their own extra
    row; the classes keep theirs, and a plain network has no such row."""
    c = replace(TINY_SHAPE, agnostic=True)
    torch.manual_seed(0)
    g, d = ShapeGenerator(c).eval(), ShapeDiscriminator(c).eval()  # eval: no power steps
    assert g.embedding.num_embeddings == c.n_classes + 1 and d.fc.out_features == c.n_classes + 1
    x, z = _sketch(1, c.size), torch.randn(1, c.nz)
    with torch.no_grad():
        outs = [g(x, torch.tensor([label]), z) for label in (-1, c.n_classes, 0)]
        scores = [d(x, x, torch.tensor([label])) for label in (-1, c.n_classes, 0)]
    assert torch.equal(outs[0], outs[1]) and (outs[0] - outs[2]).abs().max() > 1e-4
    assert torch.equal(scores[0], scores[1]) and not torch.equal(scores[0], scores[2])
    assert ShapeGenerator(TINY_SHAPE).embedding.num_embeddings == TINY_SHAPE.n_classes


@pytest.mark.parametrize("source", ["noise", "class", "class+noise"])
def test_appearance_gates_in_range_and_output_shape(source):
    cfg = replace(TINY_APPEARANCE, alpha_source=source)
    torch.manual_seed(0)
    net = AppearanceGenerator(cfg).eval()
    y, z = torch.tensor([0, 2]), torch.randn(2, cfg.nz)
    alpha, beta = net.gate(y, z)
    assert alpha.shape == beta.shape == (2, cfg.n_blocks, cfg.ngf)
    assert alpha.min() > 0 and alpha.max() < 1
    assert beta.min() >= -1 and beta.max() <= 1
    out = net(_sketch(2, cfg.size), y, z)
    assert out.shape == (2, 3, cfg.size, cfg.size) and out.abs().max() < 1


def test_appearance_class_drives_the_image():
    torch.manual_seed(0)
    net = AppearanceGenerator(TINY_APPEARANCE).eval()
    x, z = _sketch(1, TINY_APPEARANCE.size), torch.randn(1, TINY_APPEARANCE.nz)
    with torch.no_grad():
        diff = (net(x, torch.tensor([0]), z) - net(x, torch.tensor([1]), z)).abs().max()
    assert diff > 1e-4


def test_alpha_source_class_ignores_noise():
    cfg = replace(TINY_APPEARANCE, alpha_source="class")
    net = AppearanceGenerator(cfg).eval()
    x, y = _sketch(1, cfg.size), torch.tensor([1])
    with torch.no_grad():
        a = net(x, y, torch.randn(1, cfg.nz))
        b = net(x, y, torch.randn(1, cfg.nz))
    assert torch.equal(a, b)


def test_pixel_noise_starts_silent_then_varies_the_image_as_seeded():
    """A generator grown with pixel noise first draws its parent's image; once its noise
    weights are trained, another noise seed gives another image and the same seed the same."""
    torch.manual_seed(0)
    parent = AppearanceGenerator(TINY_APPEARANCE).eval()
    net = AppearanceGenerator(replace(TINY_APPEARANCE, pixel_noise=True)).eval()
    assert load_widened(net, parent.state_dict()) == ["noise.weight"]
    x, y, z = _sketch(1, TINY_APPEARANCE.size), torch.tensor([1]), torch.randn(1, 4)

    def seeded(seed: int) -> torch.Generator:
        return torch.Generator().manual_seed(seed)

    with torch.no_grad():
        assert torch.equal(net(x, y, z, seeded(0)), parent(x, y, z))
        net.noise.weight.fill_(0.5)
        a, b, c = (net(x, y, z, seeded(s)) for s in (0, 0, 1))
    assert torch.equal(a, b) and (a - c).abs().max() > 1e-3


def test_noise_alpha_requires_z():
    net = AppearanceGenerator(replace(TINY_APPEARANCE, alpha_source="noise"))
    with pytest.raises(ValueError, match="needs a noise"):
        net(_sketch(1, TINY_APPEARANCE.size), torch.tensor([0]))


def test_gated_block_applies_alpha_and_beta():
    """x + alpha * F(x) + beta: alpha = 0 leaves shortcut + beta exactly."""
    from sketchfill.models.nets.gated_blocks import GatedResBlock

    block = GatedResBlock("plain", 4, spectral=False)
    x = torch.randn(2, 4, 8, 8)
    beta = torch.full((2, 4), 0.5)
    out = block(x, torch.zeros(2, 4), beta)
    assert torch.allclose(out, x + 0.5)


def test_appearance_discriminator_patch_map():
    d = AppearanceDiscriminator(TINY_APPEARANCE)
    s = TINY_APPEARANCE.size
    (out,) = d(_sketch(2, s), torch.rand(2, 3, s, s) * 2 - 1, torch.tensor([0, 1]))
    assert out.dim() == 4 and out.shape[:2] == (2, 1) and torch.isfinite(out).all()


def test_full_size_refiner_starts_silent_then_sees_the_full_size_sketch():
    """A network grown with a refiner (refine_width > 0) first computes what its parent did;
    once the refiner's last layer has weights, a one-pixel change of the sketch at full size
    changes its correction there."""
    plain, grown, (x, y, z) = _grown("refiner", refine_width=4)
    c = TINY_SHAPE
    with torch.no_grad():
        assert torch.equal(grown(x, y, z), plain(x, y, z))
        torch.nn.init.normal_(grown.refiner.out.weight, std=0.1)
        features = torch.randn(2, c.ngf * c.mults[-1], c.size, c.size)
        moved = x.clone()
        moved[:, :, 5, 5] = -moved[:, :, 5, 5]
        delta = (grown.refiner(features, moved) - grown.refiner(features, x)).abs()[:, 0]
    assert delta[:, 5, 5].min() > 0 and delta[:, 12:, 12:].max() == 0


def test_full_size_appearance_starts_as_its_parent_upscaled_then_sees_the_outline():
    """Grown from a half-size network, the full-size stage first draws the parent's image
    (its colour logits upsampled); once its last layer has weights, an outline change that the
    half-size trunk cannot see (inside a 2x2 cell that keeps some ink) changes the image."""
    torch.manual_seed(0)
    parent = AppearanceGenerator(TINY_APPEARANCE).eval()
    grown = AppearanceGenerator(TINY_FULL_SIZE_APPEARANCE).eval()
    missing = load_widened(grown, parent.state_dict())
    assert missing and all(k.startswith("full") for k in missing)
    s = TINY_FULL_SIZE_APPEARANCE.size
    x, y, z = _sketch(2, s), torch.tensor([0, 1]), torch.randn(2, TINY_APPEARANCE.nz)
    logits = []
    parent.to_rgb.register_forward_hook(lambda _m, _i, out: logits.append(out))
    with torch.no_grad():
        parent(-F.max_pool2d(-x, 2), y, z)
        expected = torch.tanh(F.interpolate(logits[0], scale_factor=2, mode="bilinear"))
        assert torch.allclose(grown(x, y, z), expected, atol=1e-6)
        torch.nn.init.normal_(grown.full.out.weight, std=0.1)
        x[:, :, 8:10, 8:10] = -1.0
        moved = x.clone()
        moved[:, :, 9, 9] = 1.0
        assert torch.equal(-F.max_pool2d(-moved, 2), -F.max_pool2d(-x, 2))
        assert (grown(moved, y, z) - grown(x, y, z)).abs().max() > 1e-4


def test_full_size_discriminator_scores_at_both_sizes():
    d = AppearanceDiscriminator(TINY_FULL_SIZE_APPEARANCE)
    s = TINY_FULL_SIZE_APPEARANCE.size
    coarse, fine = d(_sketch(2, s), torch.rand(2, 3, s, s) * 2 - 1, torch.tensor([0, 1]))
    assert fine.shape == (2, 1, s // 4, s // 4) and coarse.shape[:2] == (2, 1)
