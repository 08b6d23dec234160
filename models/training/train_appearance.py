"""Train stage 2 (appearance): `python -m models.training.train_appearance --run runs/appearance`.

Losses (paper Sec. 3.2; LSGAN as the released colour model):
  D: least squares on matching (outline, image, class) triples, class-gated like G.
  G: LSGAN + l1_weight * L1 to the real image (the data has ~10 styles per class, so G learns
     per-class templates) + cls_weight * cross-entropy of a colour classifier on renders,
     including renders of an outline under a *different* class (no L1 there: no ground truth).
  C: the colour classifier (models.training.colour_classifier), trained on real images only.
  T: with --texture-weight, a class-conditional patch critic on images alone
     (models.training.texture_critic): every render, whatever its outline, should show its
     class's surface (seeds, seams, crumbs); G adds texture_weight * its least-squares loss.
The mismatched renders are what make the class gate, not the outline, choose the colours.
With --focus (models.training.class_focus) the named classes weigh more in the cls and T losses
and are requested more often for the mismatched renders.
`--image-size` may be below the model's size (the network is fully convolutional): train
small first, then `--resume` at full size. The options are AppearanceTrainConfig's option()
fields; their defaults are the shipped network's recipe (docs/training.md).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from sketchfill.models.nets.appearance import (
    FAST_APPEARANCE, FULL_SIZE_APPEARANCE, PAPER_APPEARANCE, SHIPPED_APPEARANCE, TINY_APPEARANCE,
    TINY_FULL_SIZE_APPEARANCE, AppearanceConfig, AppearanceDiscriminator, AppearanceGenerator)
from sketchfill.models.options import add_options, option, option_values
from sketchfill.models.training import losses
from sketchfill.models.training.batches import endless_batches, fixed_items
from sketchfill.models.training.cli import (
    run_training, SHIPPED, classes_match, run_meta, set_up_process, training_parser)
from sketchfill.models.training import texture_critic
from sketchfill.models.training.class_focus import other_labels, parse_focus, weighted_mean
from sketchfill.models.training.colour_classifier import ColourClassifier, swap_shapes
from sketchfill.models.training.texture_critic import TextureCritic
from sketchfill.models.training.distributed import (
    DistContext, average_gradients, broadcast_weights, init_distributed)
from sketchfill.models.training.ema import ema_decay_at, make_ema, update_ema
from sketchfill.models.training.loop import Schedule, autocast, run_steps
from sketchfill.models.training.quick_metrics import class_centroids, render_metrics
from sketchfill.models.training.run_log import save_grid
from sketchfill.models.training.run_state import continue_run, load_run_state, net_states, \
    save_run_state
from sketchfill.models.files import write_text

PRESETS = {"paper": PAPER_APPEARANCE, "fast": FAST_APPEARANCE, "full": FULL_SIZE_APPEARANCE,
           SHIPPED: SHIPPED_APPEARANCE, "tiny": TINY_APPEARANCE,
           "tiny-full": TINY_FULL_SIZE_APPEARANCE}
KIND = "appearance"


@dataclass(frozen=True)
class AppearanceTrainConfig:
    """How the appearance networks learn. Each option() field is a command-line option; the
    defaults are the shipped network's recipe."""
    model: AppearanceConfig = SHIPPED_APPEARANCE
    image_size: int = option(0, "training side in px, at most the model's (the network is "
                                "fully convolutional); 0: the model's size")
    batch_size: int = option(8, "matching (outline, image) pairs per rank per step")
    mismatched: int = option(4, "extra renders per step of an outline under another class")
    lr: float = option(2e-4, "Adam learning rate of the generator and the discriminator")
    lr_c: float = 1e-3              # the colour classifier's
    betas: tuple[float, float] = (0.5, 0.999)   # pix2pix / release setting
    adv_weight: float = 1.0
    l1_weight: float = option(10.0, "weight of the L1 distance to the real image")
    cls_weight: float = option(1.0, "weight of the colour classifier's cross-entropy on renders")
    edge_weight: float = option(0.0, "weight of the L1 distance between the render's and the "
                                     "real image's neighbour differences (sharp edges)")
    classifier_size: int = option(32, "px the colour classifier looks at")
    texture_weight: float = option(0.0, "weight of the texture critic's loss on every render "
                                        "(0: no texture critic)")
    texture_lr: float = option(0.0, "the texture critic's Adam learning rate (0: --lr)")
    focus: str = option("", "classes that weigh more in the class losses and are asked for "
                            "more often on other classes' outlines, as class=weight pairs "
                            "(e.g. strawberry=3,banana=2); the others weigh 1")
    class_balanced: bool = option(False, "the classes take turns in the batches (each class "
                                         "as often, whatever its number of images)")
    classifier_shape_swap: float = option(0.0, "share of the colour classifier's real "
                                               "training images shown in another image's "
                                               "silhouette (it must then judge by colour "
                                               "and texture)")
    ema_decay: float = option(0.999, "decay of the generator's moving average (the shipped "
                                     "weights); lower follows a short phase sooner")
    ema_warmup: int = 500
    seed: int = option(0, "seed of the initial weights, the data order and the noise")
    cpu_bf16: bool | None = option(None, "bf16 autocast on CPU, float32 weights; default: "
                                         "only where the CPU has bf16 natively (AVX-512 BF16, "
                                         "AMX), where it saves about 30%% a step; emulated "
                                         "elsewhere, 15-30x slower (AMP is always on for CUDA)")
    freeze_trunk: bool = option(False, "train only the full-size stage of the generator (and "
                                       "both critics): the trunk keeps its weights")


@dataclass
class AppearanceNets:
    g: AppearanceGenerator
    d: AppearanceDiscriminator
    c: ColourClassifier
    g_ema: nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    opt_c: torch.optim.Optimizer
    t: TextureCritic | None = None
    opt_t: torch.optim.Optimizer | None = None

    def modules(self) -> dict[str, nn.Module]:
        extra = {"t": self.t} if self.t is not None else {}
        return {"g": self.g, "d": self.d, "c": self.c, "g_ema": self.g_ema, **extra}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        extra = {"t": self.opt_t} if self.opt_t is not None else {}
        return {"g": self.opt_g, "d": self.opt_d, "c": self.opt_c, **extra}


def build_nets(cfg: AppearanceTrainConfig, device: torch.device) -> AppearanceNets:
    torch.manual_seed(cfg.seed)
    m = cfg.model
    g, d = AppearanceGenerator(m).to(device), AppearanceDiscriminator(m).to(device)
    c = ColourClassifier(m.n_classes, input_size=cfg.classifier_size).to(device)
    t = TextureCritic(m.n_classes).to(device) if cfg.texture_weight > 0 else None
    return AppearanceNets(g, d, c, make_ema(g),
                          torch.optim.Adam(trained_parameters(g, cfg), cfg.lr, betas=cfg.betas),
                          torch.optim.Adam(d.parameters(), cfg.lr, betas=cfg.betas),
                          torch.optim.Adam(c.parameters(), cfg.lr_c), t,
                          torch.optim.Adam(t.parameters(), texture_lr(cfg), betas=cfg.betas)
                          if t is not None else None)


def texture_lr(cfg: AppearanceTrainConfig) -> float:
    return cfg.texture_lr or cfg.lr


def trained_parameters(g: AppearanceGenerator, cfg: AppearanceTrainConfig) -> list[nn.Parameter]:
    """The generator's parameters the optimizer moves; with freeze_trunk only the full-size
    stage's (the trunk then needs no backward pass, which roughly halves a step)."""
    return g.freeze_trunk() if cfg.freeze_trunk else list(g.parameters())


def generate(nets: AppearanceNets, cfg: AppearanceTrainConfig, outline: torch.Tensor,
             label: torch.Tensor, focus: torch.Tensor, ctx: DistContext
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """Renders of the batch under its own labels and of its first outlines under other labels
    (drawn in proportion to the `focus` weights).

    Returns (images [B+M,3,S,S], labels [B+M]); one G call so the gate's batch-norm sees both.
    """
    m = min(cfg.mismatched, len(label))
    labels = torch.cat([label, other_labels(label, m, focus)])
    outlines = torch.cat([outline, outline[:m]])
    z = torch.randn(len(labels), cfg.model.nz, device=ctx.device)
    with autocast(ctx.device, cfg.cpu_bf16):
        images = nets.g(outlines.expand(-1, cfg.model.in_channels, -1, -1), labels, z)
    return images.float(), labels


def d_and_c_step(nets: AppearanceNets, cfg: AppearanceTrainConfig, batch: list[torch.Tensor],
                 fake: torch.Tensor, ctx: DistContext) -> dict[str, float]:
    outline, image, label = batch
    o = outline.expand(-1, cfg.model.in_channels, -1, -1)
    nets.d.requires_grad_(True)
    with autocast(ctx.device, cfg.cpu_bf16):
        scores = nets.d(torch.cat([o, o]), torch.cat([image, fake.detach()]), label.repeat(2))
    d_loss = sum(losses.lsgan_d_loss(*s.float().chunk(2)) for s in scores) / len(scores)
    nets.opt_d.zero_grad(set_to_none=True)
    d_loss.backward()
    average_gradients(nets.d, ctx)
    nets.opt_d.step()
    nets.c.requires_grad_(True)
    views = swap_shapes(image, cfg.classifier_shape_swap)
    logits = nets.c(views)
    c_loss = F.cross_entropy(logits, label)
    nets.opt_c.zero_grad(set_to_none=True)
    c_loss.backward()
    average_gradients(nets.c, ctx)
    nets.opt_c.step()
    return {"d_ls": d_loss.item(), "c_ce": c_loss.item(),
            "c_acc": (logits.argmax(1) == label).float().mean().item()}


def texture_step(nets: AppearanceNets, batch: list[torch.Tensor], fake: torch.Tensor,
                 fake_label: torch.Tensor, focus: torch.Tensor, ctx: DistContext
                 ) -> dict[str, float]:
    """One step of the texture critic: real images of the batch against every render."""
    if nets.t is None:
        return {}
    _, image, label = batch
    nets.t.requires_grad_(True)
    loss = texture_critic.critic_loss(nets.t, image, label, fake.detach(), fake_label, focus)
    nets.opt_t.zero_grad(set_to_none=True)
    loss.backward()
    average_gradients(nets.t, ctx)
    nets.opt_t.step()
    return {"t_ls": loss.item()}


def g_step(nets: AppearanceNets, cfg: AppearanceTrainConfig, batch: list[torch.Tensor],
           images: torch.Tensor, labels: torch.Tensor, focus: torch.Tensor, ctx: DistContext
           ) -> dict[str, float]:
    outline, image, label = batch
    b = len(label)
    nets.d.requires_grad_(False)
    nets.c.requires_grad_(False)
    o = outline.expand(-1, cfg.model.in_channels, -1, -1)
    with autocast(ctx.device, cfg.cpu_bf16):
        scores = nets.d(o, images[:b], label)
        adv = sum(losses.lsgan_g_loss(s.float()) for s in scores) / len(scores)
    l1 = (images[:b] - image).abs().mean()
    edge = losses.gradient_l1(images[:b], image)
    logits = nets.c(images)
    cls = weighted_mean(F.cross_entropy(logits, labels, reduction="none"), labels, focus)
    tex = torch.zeros(())
    if nets.t is not None:
        nets.t.requires_grad_(False)
        tex = texture_critic.generator_loss(nets.t, images, labels, focus)
    loss = (cfg.adv_weight * adv + cfg.l1_weight * l1 + cfg.edge_weight * edge
            + cfg.cls_weight * cls + cfg.texture_weight * tex)
    nets.opt_g.zero_grad(set_to_none=True)
    loss.backward()
    average_gradients(nets.g, ctx)
    nets.opt_g.step()
    hits = (logits.argmax(1) == labels).float()
    return {"g_ls": adv.item(), "g_l1": l1.item(), "g_edge": edge.item(), "g_cls": cls.item(),
            "g_tex": tex.item(),
            "g_cls_acc_own": hits[:b].mean().item(), "g_cls_acc_other": hits[b:].mean().item()}


def train_step(nets: AppearanceNets, cfg: AppearanceTrainConfig, batch: list[torch.Tensor],
               step: int, focus: torch.Tensor, ctx: DistContext) -> dict[str, float]:
    batch = [t.to(ctx.device) for t in batch]
    images, labels = generate(nets, cfg, batch[0], batch[2], focus, ctx)
    out = d_and_c_step(nets, cfg, batch, images[:len(batch[2])], ctx)
    out.update(texture_step(nets, batch, images, labels, focus, ctx))
    out.update(g_step(nets, cfg, batch, images, labels, focus, ctx))
    update_ema(nets.g_ema, nets.g, ema_decay_at(step, cfg.ema_decay, cfg.ema_warmup))
    return out


@torch.no_grad()
def sample_rows(g: nn.Module, fixed: list[torch.Tensor], n_classes: int) -> list[list]:
    """Per fixed item: outline, real image, then the outline rendered under every class
    (seed 0), so a glance shows whether the class or the outline decides the colours."""
    outline, image, label = fixed
    z = torch.randn(1, g.cfg.nz, generator=torch.Generator().manual_seed(0)).to(outline.device)
    rows = []
    for i in range(len(label)):
        x = outline[i:i + 1].expand(n_classes, g.cfg.in_channels, -1, -1)
        renders = g(x, torch.arange(n_classes, device=x.device), z.expand(n_classes, -1))
        rows.append([outline[i], image[i], *renders])
    return rows


def run_payload(nets: AppearanceNets, cfg: AppearanceTrainConfig, step: int,
                classes: Sequence[str], meta: dict) -> dict:
    return {"kind": KIND, "step": step, "nets": net_states(nets.modules()),
            "optimizers": {k: o.state_dict() for k, o in nets.optimizers().items()},
            "train_config": dataclasses.asdict(cfg), "model_config": dataclasses.asdict(cfg.model),
            "classes": list(classes), **meta}


def train(cfg: AppearanceTrainConfig, sched: Schedule, run_dir: Path, dataset: Dataset,
          classes: Sequence[str], *, resume: bool = False, fork: Path | None = None,
          meta: dict | None = None, grow: bool = False,
          sample_set: Dataset | None = None, ctx: DistContext | None = None) -> int:
    """Train until `sched.steps`; returns the final step. Rank 0 writes into `run_dir`."""
    ctx = ctx or init_distributed()
    meta = dict(meta or {})
    nets = build_nets(cfg, ctx.device)
    focus = parse_focus(cfg.focus, classes).to(ctx.device)
    start = 0
    if resume or fork:
        # A fork starts from another run's state and continues in run_dir (source untouched).
        start = continue_run(fork or run_dir, KIND, nets.modules(), nets.optimizers(),
                             {"g": cfg.lr, "d": cfg.lr, "c": cfg.lr_c, "t": texture_lr(cfg)}, meta,
                             grow=grow and not resume, optional=frozenset({"t"}))
    for net in (nets.g, nets.d, nets.c, nets.t):
        if net is not None:
            broadcast_weights(net, ctx)
    torch.manual_seed(cfg.seed * 1_000_003 + ctx.rank * 7919 + start)
    batches = endless_batches(dataset, cfg.batch_size, ctx, cfg.seed, start)
    fixed = [t.to(ctx.device) for t in fixed_items(sample_set or dataset, 6)]

    def on_samples(step: int) -> None:
        rows = sample_rows(nets.g_ema, fixed, cfg.model.n_classes)
        save_grid(run_dir / "samples" / f"step_{step:06d}.png", rows, 64)

    def on_save(step: int) -> None:
        save_run_state(run_dir, run_payload(nets, cfg, step, classes, meta))

    return run_steps(start, sched, batches, ctx, run_dir,
                     lambda batch, step: train_step(nets, cfg, batch, step, focus, ctx),
                     on_samples, on_save)


def evaluate_run(run_dir: Path, train_set: Dataset, test_set: Dataset) -> dict:
    """Render metrics of the run's EMA generator on held-out outlines -> metrics.json."""
    state = load_run_state(run_dir, KIND)
    cfg = AppearanceConfig(**state["model_config"])
    g = AppearanceGenerator(cfg)
    g.load_state_dict(state["nets"]["g_ema"])
    metrics = render_metrics(g.eval(), test_set, class_centroids(train_set, cfg.n_classes))
    metrics["step"] = int(state["step"])
    write_text(run_dir / "metrics.json", json.dumps(metrics, indent=1))
    return metrics


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = training_parser(__doc__.splitlines()[0], "runs/appearance", PRESETS, steps=6950,
                        every=200)
    add_options(p, AppearanceTrainConfig)
    p.add_argument("--grow", action="store_true",
                   help="with --fork: the new model may add a full-size stage (--preset full) "
                        "to the forked one, which then first draws its parent's image upscaled")
    p.add_argument("--pixel-noise", action="store_true",
                   help="the generator takes per-pixel noise (AppearanceConfig.pixel_noise); "
                        "with --fork --grow a trained one gains it at zero weight")
    return p.parse_args(argv)


def train_config(args: argparse.Namespace) -> AppearanceTrainConfig:
    """The preset and the command line's training settings (image size resolved)."""
    model = PRESETS[args.preset]
    if args.pixel_noise:
        model = dataclasses.replace(model, pixel_noise=True)
    cfg = AppearanceTrainConfig(model=model, **option_values(AppearanceTrainConfig, args))
    return dataclasses.replace(cfg, image_size=cfg.image_size or model.size)


def main(argv: Sequence[str] | None = None) -> int:
    from sketchfill.models.data.datasets import AppearanceDataset
    from sketchfill.models.data.sources import default_data_root

    args = parse_args(argv)
    set_up_process(args)
    cfg = train_config(args)
    model, size = cfg.model, cfg.image_size
    root = args.data or default_data_root()
    train_set = AppearanceDataset(root, size=size, split="train", seed=cfg.seed,
                                  class_balanced=cfg.class_balanced)
    test_set = AppearanceDataset(root, classes=train_set.classes, size=size, split="test",
                                 seed=cfg.seed)
    if not classes_match(len(train_set.classes), args.preset, model.n_classes):
        return 2
    try:
        parse_focus(cfg.focus, train_set.classes)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    meta = run_meta("models.training.train_appearance", argv, root)
    if args.eval_only:
        print(json.dumps(evaluate_run(args.run, train_set, test_set)))
        return 0
    sched = Schedule(args.steps, args.log_every, args.sample_every, args.save_every)

    def body(ctx: DistContext) -> None:
        train(cfg, sched, args.run, train_set, train_set.classes, resume=args.resume,
              fork=args.fork, meta=meta, grow=args.grow, sample_set=test_set, ctx=ctx)
        if args.eval and ctx.is_main:
            print(json.dumps(evaluate_run(args.run, train_set, test_set)))

    return run_training(body)


if __name__ == "__main__":
    raise SystemExit(main())
