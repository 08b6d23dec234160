"""Stage 1, shape completion: partial sketch + class + z -> complete outline (paper Sec. 3.1).

The generator is a GAN-stability ResNet whose trunk starts from [z, class embedding] at a small
square and doubles in size per stage. At every scale but the last, a "sparse processor" maps the
sketch (subsampled to that scale) into the trunk's width and adds it, and the sketch itself is
added to the output before the tanh, so the user's strokes cannot be ignored.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn

from sketchfill.models.nets.layers import resample_sketch
from sketchfill.models.options import option
from sketchfill.models.nets.shape_blocks import (FoldedRefiner, FullSizeRefiner, PreActResBlock,
                                                 SketchContext, context_injector,
                                                 sketch_injector)


@dataclass(frozen=True)
class ShapeConfig:
    size: int = 128                 # output side in px (square); the trunk (trunk_size or
                                    # size) must be s0 * 2**(stages-1)
    n_classes: int = 10             # number of object classes
    nz: int = 256                   # noise vector length
    embed_dim: int = 256            # class embedding width (fixed at 256 in the release)
    ngf: int = option(32, "generator base width: stage k has ngf * mults[k] channels")
    ndf: int = option(32, "critic base width")
    mults: tuple[int, ...] = (16, 16, 8, 4, 2, 1)  # generator width per stage, coarse to fine
    sketch_channels: int = 1        # input sketch channels
    out_channels: int = 1           # output outline channels
    residual_scale: float = 0.1     # trunk blocks add 0.1 * branch (GAN-stability)
    sketch_resample: str = "subsample"  # how the sketch is shrunk for the sparse processors:
                                    # "subsample" (the release) or "ink_max" (keeps thin strokes)
    soft_output: bool = False       # trained against soft outlines: the output is a ridge map
                                    # that the engine thins into lines (app.ridges)
    outline_sigma: float = 1.0      # soft output only: fall-off (px) of the soft outline the
                                    # network draws (nets.outline_code.encode)
    outline_reach: int = 3          # soft output only: px past which that outline is zero
    context_width: int = option(0, "width of a learned sketch pyramid that also feeds every "
                                   "injection (shape_blocks.SketchContext); 0: none, as released")
    refine_width: int = option(0, "width of a full-size refiner that sees the sketch at the "
                                  "output size (shape_blocks.FullSizeRefiner), the output head "
                                  "of a generator whose trunk is coarser; 0: none")
    refine_folded: bool = option(False, "the refiner works at the trunk's side on the sketch "
                                        "folded into channels and unfolds its correction "
                                        "(shape_blocks.FoldedRefiner): the same job for a "
                                        "fraction of the arithmetic")
    one_block_stages: int = option(0, "the last n stages of the generator's trunk have one "
                                      "residual block instead of two: the finest stages, which "
                                      "draw what the coarse ones decided, at half the cost")
    trunk_size: int = 0             # >0: the trunk (stages, sketch processors, pyramid) runs at
                                    # this side on the sketch shrunk to it, and its output is
                                    # upsampled to `size`; 0 = size. Grows a trained trunk to a
                                    # finer output (train_shape --size); see ShapeGenerator
    critic_size: int = 0            # >0: the critic judges outline and sketch shrunk to this
                                    # side; 0 = size. Lets a grown generator keep its critic
    agnostic: bool = False          # one more label, "no listed class" (label -1, index
                                    # n_classes), for class-agnostic training on drawings of
                                    # other classes (train_shape --agnostic-share)

    @property
    def n_labels(self) -> int:
        """Rows of the class embedding and of the critic's output: the classes, plus one for
        "no listed class" in an agnostic network."""
        return self.n_classes + int(self.agnostic)

    @property
    def trunk(self) -> int:
        """Side of the trunk's last feature map (the output side unless trunk_size is set)."""
        return self.trunk_size or self.size

    @property
    def start_size(self) -> int:
        """Side of the first feature map: trunk / 2**(stages - 1); 4 for the paper's 128 px."""
        return self.trunk // 2 ** (len(self.mults) - 1)

    @property
    def critic_config(self) -> "ShapeConfig":
        """The config the critic is built from: its own side, no separate trunk."""
        return replace(self, size=self.critic_size or self.size, trunk_size=0, critic_size=0)

    @property
    def injection_sizes(self) -> tuple[int, ...]:
        """Resolutions where the sketch enters the generator trunk (all stages but the last)."""
        return tuple(self.start_size * 2 ** k for k in range(len(self.mults) - 1))


# The release: 128 px, ngf 32, nz 256, 10 classes, 27.2 M parameters.
PAPER_SHAPE = ShapeConfig()
# Live use on a 2-core CPU: 64 px (the shadow is a soft blur anyway), narrow trunk; the
# sketch reaches the coarse stages by ink-max pooling, and the net is trained against soft
# outlines whose ridges the engine thins into lines.
FAST_SHAPE = ShapeConfig(size=64, n_classes=21, nz=32, embed_dim=64, ngf=12, ndf=12,
                         mults=(16, 16, 8, 4, 2, 1), sketch_resample="ink_max", soft_output=True)
# The shipped network: FAST widened to ngf 16, with the sketch pyramid, grown to a 128 px
# output over the 64 px trunk (the critic judges at 64 px), and a "no listed class" label;
# trained with a full-size refiner, then distilled into one at the trunk's side (folded:
# a quarter less arithmetic for the same outlines; docs/training.md gives the commands).
SHIPPED_SHAPE = replace(FAST_SHAPE, ngf=16, context_width=16, size=128, trunk_size=64,
                        critic_size=64, refine_width=8, refine_folded=True, agnostic=True)
# Unit tests: a few channels, 32 px.
TINY_SHAPE = ShapeConfig(size=32, n_classes=3, nz=8, embed_dim=8, ngf=2, ndf=2,
                         mults=(4, 4, 2, 1))


class ShapeGenerator(nn.Module):
    """net(sketch [B,C,S,S] in [-1,1], label int64 [B], z [B,nz])
    -> outline [B,C',S,S] in (-1,1)."""

    def __init__(self, cfg: ShapeConfig) -> None:
        super().__init__()
        self.cfg = cfg
        widths = [cfg.ngf * m for m in cfg.mults]
        s0 = cfg.start_size
        self.embedding = nn.Embedding(cfg.n_labels, cfg.embed_dim)
        self.fc = nn.Linear(cfg.nz + cfg.embed_dim, widths[0] * s0 * s0)
        n_full = len(widths) - cfg.one_block_stages     # stages of two blocks, coarse first
        self.stages = nn.ModuleList(
            trunk_stage(w_in, w_out, 2 if k < n_full else 1, cfg.residual_scale)
            for k, (w_in, w_out) in enumerate(zip([widths[0]] + widths[:-1], widths)))
        self.injectors = nn.ModuleList(sketch_injector(cfg.sketch_channels, w) for w in widths[:-1])
        self.context = None
        if cfg.context_width:
            self.context = SketchContext(cfg.sketch_channels, cfg.context_width, cfg.trunk,
                                         cfg.injection_sizes)
            self.context_injectors = nn.ModuleList(
                context_injector(c, w) for c, w in zip(self.context.widths, widths[:-1]))
        self.conv_img = nn.Conv2d(widths[-1], cfg.out_channels, 3, padding=1)
        self.refiner = refiner(cfg, widths[-1])

    def embed(self, label: torch.Tensor) -> torch.Tensor:
        """Unit-length class embedding [B,E]. A float [B,E] label is taken as an embedding
        already (lets callers blend classes)."""
        e = (label if label.is_floating_point()
             else self.embedding(label_rows(label.reshape(-1), self.cfg)))
        return e / e.norm(dim=1, keepdim=True)  # no epsilon, as released

    def forward(self, sketch: torch.Tensor, label: torch.Tensor, z: torch.Tensor,
                taps: list[torch.Tensor] | None = None) -> torch.Tensor:
        """`taps`, if given, receives the trunk's features after each stage (distillation)."""
        return self.decode(sketch, self.sketch_features(sketch), label, z, taps)

    def forward_views(self, views: torch.Tensor, view_of: torch.Tensor, label: torch.Tensor,
                      z: torch.Tensor) -> torch.Tensor:
        """forward() of completions that share sketches: `views` [V,C,S,S], completion b
        seeing views[view_of[b]] (int64 [B]). What depends on the sketch alone (about a tenth
        of the network) is computed once per view, not once per completion: same numbers."""
        features = [tuple(None if f is None else f.index_select(0, view_of) for f in pair)
                    for pair in self.sketch_features(views)]
        return self.decode(views.index_select(0, view_of), features, label, z)

    def sketch_features(self, sketch: torch.Tensor,
                        ) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
        """What the sketch [B,C,S,S] adds to the trunk at each injection size: its injector's
        output and its context pyramid's (None without one), from the sketch alone."""
        cfg = self.cfg
        trunk_sketch = shrink(sketch, cfg.trunk)                         # [B, 1, T, T]
        context = self.context(trunk_sketch) if self.context is not None else None
        features = []
        for k, (injector, res) in enumerate(zip(self.injectors, cfg.injection_sizes)):
            small = resample_sketch(trunk_sketch, res, cfg.sketch_resample)  # [B,1,res,res]
            extra = self.context_injectors[k](context[k]) if context is not None else None
            features.append((injector(small), extra))
        return features

    def decode(self, sketch: torch.Tensor, features: list, label: torch.Tensor,
               z: torch.Tensor, taps: list[torch.Tensor] | None = None) -> torch.Tensor:
        """The trunk from class and z, with the sketch's `features` (sketch_features) added
        at each injection size, and the sketch itself at full size; see forward for `taps`."""
        taps = [] if taps is None else taps
        cfg = self.cfg
        h = self.fc(torch.cat([z, self.embed(label)], dim=1))
        h = h.view(h.shape[0], -1, cfg.start_size, cfg.start_size)      # [B, 16ngf, s0, s0]
        for stage, (injected, extra) in zip(self.stages, features):
            h = stage(h) + injected                                      # [B, w_k, res, res]
            if extra is not None:
                h = h + extra
            taps.append(h)
            h = F.interpolate(h, scale_factor=2, mode="nearest")
        h = self.stages[-1](h)                                           # [B, ngf, T, T]
        taps.append(h)
        trunk_out = self.conv_img(F.leaky_relu(h, 0.2))
        if cfg.trunk != cfg.size:
            # A trunk coarser than the output: its logits and features are upsampled, the
            # user's strokes are added at full size (they stay exact), and the refiner places
            # lines between the trunk's cells.
            trunk_out = F.interpolate(trunk_out, size=cfg.size, mode="bilinear")
        logits = sketch + trunk_out
        if self.refiner is not None:
            if h.shape[-1] != cfg.size and not cfg.refine_folded:
                h = F.interpolate(h, size=cfg.size, mode="bilinear")
            logits = logits + self.refiner(h, sketch)
        return torch.tanh(logits)


def trunk_stage(w_in: int, w_out: int, blocks: int, scale: float) -> nn.Sequential:
    """One stage of the generator's trunk: `blocks` residual blocks, the first changing the
    width (a one-block stage keeps the first block's names, so it can start from them)."""
    return nn.Sequential(PreActResBlock(w_in, w_out, scale),
                         *[PreActResBlock(w_out, w_out, scale) for _ in range(blocks - 1)])


def refiner(cfg: ShapeConfig, trunk_ch: int) -> nn.Module | None:
    """The generator's output head at full size (cfg.refine_width; None without one)."""
    if not cfg.refine_width:
        return None
    if cfg.refine_folded:
        return FoldedRefiner(trunk_ch, cfg.sketch_channels, cfg.refine_width,
                             cfg.out_channels, cfg.size // cfg.trunk)
    return FullSizeRefiner(trunk_ch, cfg.sketch_channels, cfg.refine_width, cfg.out_channels)


def label_rows(label: torch.Tensor, cfg: ShapeConfig) -> torch.Tensor:
    """Class labels -> rows of the embedding / critic output: "no listed class" (-1, the
    data sets' NO_LABEL) is the extra last row of an agnostic network."""
    if not cfg.agnostic:
        return label
    return torch.where(label < 0, torch.full_like(label, cfg.n_classes), label)


def shrink(x: torch.Tensor, size: int) -> torch.Tensor:
    """``x`` area-averaged to ``size`` px, as if drawn there anti-aliased (no-op at its size)."""
    if x.shape[-1] == size:
        return x
    return F.interpolate(x, size=(size, size), mode="area")


class ShapeDiscriminator(nn.Module):
    """WGAN critic conditioned on the sketch: D(outline, sketch, label) -> score [B].

    Mirrors the generator: stages halve the size (avg-pool) while widening, and the
    concatenated [outline, sketch] is injected again after every pooling. The output is the
    score of each sample's own class (projection-free multi-class critic, as released).
    """

    def __init__(self, cfg: ShapeConfig) -> None:
        super().__init__()
        self.cfg = cfg = cfg.critic_config
        n = len(cfg.mults)
        top = cfg.ndf * max(cfg.mults)
        widths = [min(cfg.ndf * 2 ** (k + 1), top) for k in range(n)]   # width after stage k
        in_ch = cfg.out_channels + cfg.sketch_channels
        self.conv_img = nn.Conv2d(in_ch, cfg.ndf, 3, padding=1)
        self.stages = nn.ModuleList(
            nn.Sequential(PreActResBlock(w_in, w_in, cfg.residual_scale),
                          PreActResBlock(w_in, w_out, cfg.residual_scale))
            for w_in, w_out in zip([cfg.ndf] + widths[:-1], widths))
        self.injectors = nn.ModuleList(sketch_injector(in_ch, w) for w in widths[:-1])
        self.fc = nn.Linear(widths[-1] * cfg.start_size ** 2, cfg.n_labels)

    def forward(self, outline: torch.Tensor, sketch: torch.Tensor,
                label: torch.Tensor) -> torch.Tensor:
        size = self.cfg.size            # a finer generator's output is shrunk to the critic's
        x = torch.cat([shrink(outline, size), shrink(sketch, size)], dim=1)  # [B, 2, S, S]
        h = self.conv_img(x)
        for stage, injector in zip(self.stages, self.injectors):
            h = F.avg_pool2d(stage(h), 3, stride=2, padding=1)
            h = h + injector(resample_sketch(x, h.shape[-1], self.cfg.sketch_resample))
        h = self.stages[-1](h)                                           # [B, 16ndf, s0, s0]
        logits = self.fc(F.leaky_relu(h, 0.2).flatten(1))                # [B, n_labels]
        return logits.gather(1, label_rows(label.reshape(-1, 1), self.cfg)).squeeze(1)
