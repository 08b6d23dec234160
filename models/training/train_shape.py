"""Train stage 1 (shape completion): `python -m models.training.train_shape --run runs/shape`.

Losses (paper Sec. 3.1, plus a reconstruction term that this small data set needs):
  D: WGAN critic conditioned on the sketch, with a zero-centred gradient penalty on real
     outlines (gamma/2 * E||grad D(real)||^2, applied lazily every `penalty_every` steps).
  G: -D(completion) for each of K completions + rec_weight * min over the K completions of a
     distance to the true outline, so one completion is pulled to the truth and the others
     stay free to differ (diversity of the gray shadow). The default distance ("soft") is the
     squared error to the soft outline (losses.best_of_k_soft_l2); the critic then judges
     soft outlines too, and the engine thins the generator's ridges into lines.
Resumable (`--resume`), seeded, data-parallel under torchrun (see models.training.distributed).
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
from torch import nn
from torch.utils.data import Dataset

from models.nets.shape import FAST_SHAPE, PAPER_SHAPE, TINY_SHAPE, ShapeConfig, ShapeDiscriminator, \
    ShapeGenerator
from models.nets import outline_code
from models.training import losses
from models.training.batches import endless_batches, fixed_items
from models.training.cli import classes_match, run_meta, set_up_process, training_parser
from models.training.distributed import DistContext, average_gradients, broadcast_weights, \
    init_distributed, shutdown
from models.training.ema import ema_decay_at, make_ema, update_ema
from models.training.loop import Schedule, autocast, run_steps
from models.training.quick_metrics import completion_metrics
from models.training.run_log import save_grid
from models.training.run_state import RunStateError, continue_run, load_run_state, net_states, \
    save_run_state

PRESETS = {"paper": PAPER_SHAPE, "fast": FAST_SHAPE, "tiny": TINY_SHAPE}
KIND = "shape"


@dataclass(frozen=True)
class ShapeTrainConfig:
    model: ShapeConfig = FAST_SHAPE
    batch_size: int = 8             # sketches per rank per step
    k_best: int = 4                 # completions per sketch for the best-of-K loss
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.0, 0.99)   # GAN-stability ResNet setting
    gamma: float = 10.0             # zero-centred penalty weight
    penalty_every: int = 2          # lazy penalty (StyleGAN2): every n steps, scaled by n
    adv_weight: float = 0.2         # small: the critic sharpens, the reconstruction teaches
    rec_weight: float = 20.0        # best-of-K reconstruction weight
    ink_weight: float = 3.0         # extra weight on true-ink pixels in the reconstruction
    rec_radius: int = 0             # stroke position tolerance (px); >0 lets a dot grid cheat
    rec_kind: str = "soft"          # "ink": per-pixel ink distance; "chamfer": graded
                                    # chamfer (rec_radius = its range); "soft": squared error
                                    # to the soft outline (the engine thins its ridge)
    rec_pixel_weight: float = 0.5   # chamfer only: weight of the exact per-pixel term
    rec_pixel_ink_weight: float = 2.0   # its extra weight on true-ink pixels
    rec_target_radius: int = 1      # thicken true strokes by this (px) before the distance
    rec_mean_share: float = 0.2     # share of the mean-over-K in the reconstruction term
    miss_weight: float = 0.0        # soft only: extra weight near the strokes the partial lacks
    ema_decay: float = 0.999
    ema_warmup: int = 500           # steps before the EMA reaches ema_decay
    seed: int = 0
    cpu_bf16: bool = False          # bf16 autocast on CPU (AMP is always on for CUDA)
    critic_warmup: int = 0          # first steps of this command in which only the critic
                                    # trains, against the generator as it is (a fork from a
                                    # released checkpoint may bring no critic); the generator
                                    # stays put: trained on the reconstruction alone it drifts
                                    # to blurrier lines (-0.03 recovery in 400 steps)
    adv_ramp: int = 0               # then the generator's adversarial weight grows linearly
                                    # to adv_weight over this many steps (a critic trained
                                    # alone is far ahead; its full weight would jolt G)
    train_only: str = ""            # "refiner": only the full-size refiner learns, the trunk's
                                    # weights stay as forked (it decides where lines go; the
                                    # refiner only places them finely, so what it knows is kept)


@dataclass
class ShapeNets:
    g: ShapeGenerator
    d: ShapeDiscriminator
    g_ema: nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer


def build_nets(cfg: ShapeTrainConfig, device: torch.device) -> ShapeNets:
    torch.manual_seed(cfg.seed)     # identical initial weights on every rank and every rerun
    g, d = ShapeGenerator(cfg.model).to(device), ShapeDiscriminator(cfg.model).to(device)
    return ShapeNets(g, d, make_ema(g),
                     torch.optim.Adam(g.parameters(), cfg.lr_g, betas=cfg.betas),
                     torch.optim.Adam(d.parameters(), cfg.lr_d, betas=cfg.betas))


TRAINABLE_PARTS = ("refiner",)


def freeze_all_but(g: ShapeGenerator, part: str) -> None:
    """Freeze every generator weight outside `part` ("" = train everything). Frozen weights
    get no gradient, so Adam leaves them exactly as they are (their spectral-norm estimates
    still refine by power iteration, as in any training forward pass)."""
    if not part:
        return
    if part not in TRAINABLE_PARTS or getattr(g, part, None) is None:
        raise ValueError(f"--train-only {part!r}: this generator has no such part "
                         f"(choices: {', '.join(TRAINABLE_PARTS)}; the refiner needs "
                         "--refine-width)")
    g.requires_grad_(False)
    getattr(g, part).requires_grad_(True)


def critic_target(cfg: ShapeTrainConfig, full: torch.Tensor) -> torch.Tensor:
    """What the critic takes as real: the outline itself, or, when G learns soft outlines,
    the soft outline (else the critic would fight the reconstruction term)."""
    if cfg.rec_kind != "soft":
        return full
    return outline_code.encode(full, cfg.model.outline_sigma, cfg.model.outline_reach)


def d_step(nets: ShapeNets, cfg: ShapeTrainConfig, batch: list[torch.Tensor], step: int,
           ctx: DistContext) -> dict[str, float]:
    partial, full, label = batch
    full = critic_target(cfg, full)
    with torch.no_grad(), autocast(ctx.device, cfg.cpu_bf16):
        fake = nets.g(partial, label, torch.randn(len(label), cfg.model.nz, device=ctx.device))
    nets.d.requires_grad_(True)
    with autocast(ctx.device, cfg.cpu_bf16):
        scores = nets.d(torch.cat([full, fake.float()]), partial.repeat(2, 1, 1, 1),
                        label.repeat(2)).float()
    real_score, fake_score = scores.chunk(2)
    loss = losses.wgan_d_loss(real_score, fake_score)
    out = {"d_wgan": loss.item(), "w_dist": (real_score - fake_score).mean().item()}
    if step % cfg.penalty_every == 0:
        # fp32 and its own pass: the penalty differentiates twice.
        real = full.detach().requires_grad_(True)
        penalty = losses.zero_centred_penalty(nets.d(real, partial, label), real)
        loss = loss + 0.5 * cfg.gamma * cfg.penalty_every * penalty
        out["d_penalty"] = penalty.item()
    nets.opt_d.zero_grad(set_to_none=True)
    loss.backward()
    average_gradients(nets.d, ctx)
    nets.opt_d.step()
    return out


def g_step(nets: ShapeNets, cfg: ShapeTrainConfig, batch: list[torch.Tensor],
           ctx: DistContext, adv_weight: float) -> dict[str, float]:
    partial, full, label = batch
    k, b = cfg.k_best, len(label)
    nets.d.requires_grad_(False)    # no critic weight gradients in the generator step
    sketch_k, label_k = partial.repeat(k, 1, 1, 1), label.repeat(k)     # row k*B + b
    with autocast(ctx.device, cfg.cpu_bf16):
        fakes = nets.g(sketch_k, label_k, torch.randn(k * b, cfg.model.nz, device=ctx.device))
        adv = (losses.wgan_g_loss(nets.d(fakes, sketch_k, label_k).float())
               if adv_weight > 0 else fakes.new_zeros(()))
    if cfg.rec_kind == "soft":
        rec = losses.best_of_k_soft_l2(fakes.float(), full, k, cfg.model.outline_sigma,
                                       cfg.model.outline_reach,
                                       cfg.ink_weight, cfg.rec_mean_share, partial,
                                       cfg.miss_weight)
    elif cfg.rec_kind == "chamfer":
        rec = losses.best_of_k_chamfer(fakes.float(), full, k, cfg.ink_weight, cfg.rec_radius,
                                       cfg.rec_mean_share, cfg.rec_pixel_weight,
                                       cfg.rec_pixel_ink_weight)
    else:
        rec = losses.best_of_k_ink_distance(fakes.float(), full, k, cfg.ink_weight,
                                            cfg.rec_radius, cfg.rec_mean_share,
                                            cfg.rec_target_radius)
    loss = adv_weight * adv + cfg.rec_weight * rec
    nets.opt_g.zero_grad(set_to_none=True)
    loss.backward()
    average_gradients(nets.g, ctx)
    nets.opt_g.step()
    return {"g_adv": adv.item(), "g_rec": rec.item()}


def generator_adv_weight(cfg: ShapeTrainConfig, step: int, start: int) -> float:
    """The adversarial weight of the generator at `step` of a command that began at `start`:
    after the critic warm-up, a linear ramp to cfg.adv_weight."""
    since = step - start - cfg.critic_warmup
    if since <= 0:
        return 0.0
    return cfg.adv_weight * min(1.0, since / cfg.adv_ramp) if cfg.adv_ramp else cfg.adv_weight


def train_step(nets: ShapeNets, cfg: ShapeTrainConfig, batch: list[torch.Tensor], step: int,
               ctx: DistContext, start: int = 0) -> dict[str, float]:
    """One critic and one generator update (`start`: the step this command began at); during
    the critic warm-up, the critic's update only."""
    batch = [t.to(ctx.device) for t in batch]
    # adv_weight 0 = reconstruction-only phase (a warm-up): the critic is not trained or run.
    out = d_step(nets, cfg, batch, step, ctx) if cfg.adv_weight > 0 else {}
    if step <= start + cfg.critic_warmup:
        return out
    out.update(g_step(nets, cfg, batch, ctx, generator_adv_weight(cfg, step, start)))
    update_ema(nets.g_ema, nets.g, ema_decay_at(step, cfg.ema_decay, cfg.ema_warmup))
    return out


@torch.no_grad()
def sample_rows(g: nn.Module, fixed: list[torch.Tensor], nz: int, k: int = 6) -> list[list]:
    """Per fixed item: partial, truth, k completions (seeds 0..k-1), their mean (the shadow)."""
    partial, full, label = fixed
    z = torch.stack([torch.randn(nz, generator=torch.Generator().manual_seed(s))
                     for s in range(k)]).to(partial.device)
    rows = []
    for i in range(len(label)):
        outs = g(partial[i:i + 1].expand(k, -1, -1, -1), label[i:i + 1].expand(k), z)
        rows.append([partial[i], full[i], *outs, outs.mean(0)])
    return rows


def run_payload(nets: ShapeNets, cfg: ShapeTrainConfig, step: int, classes: Sequence[str],
                meta: dict) -> dict:
    return {"kind": KIND, "step": step,
            "nets": net_states({"g": nets.g, "d": nets.d, "g_ema": nets.g_ema}),
            "optimizers": {"g": nets.opt_g.state_dict(), "d": nets.opt_d.state_dict()},
            "train_config": dataclasses.asdict(cfg), "model_config": dataclasses.asdict(cfg.model),
            "classes": list(classes), **meta}


def train(cfg: ShapeTrainConfig, sched: Schedule, run_dir: Path, dataset: Dataset,
          classes: Sequence[str], *, resume: bool = False, fork: Path | None = None,
          meta: dict | None = None, grow: bool = False,
          sample_set: Dataset | None = None, ctx: DistContext | None = None) -> int:
    """Train until `sched.steps`; returns the final step. Rank 0 writes into `run_dir`."""
    ctx = ctx or init_distributed()
    meta = dict(meta or {})
    nets = build_nets(cfg, ctx.device)
    start = 0
    if resume or fork:
        # A fork starts from another run's state and continues in run_dir (source untouched).
        start = continue_run(fork or run_dir, KIND,
                             {"g": nets.g, "d": nets.d, "g_ema": nets.g_ema},
                             {"g": nets.opt_g, "d": nets.opt_d},
                             {"g": cfg.lr_g, "d": cfg.lr_d}, meta, grow=grow and not resume)
    freeze_all_but(nets.g, cfg.train_only)
    broadcast_weights(nets.g, ctx)
    broadcast_weights(nets.d, ctx)
    torch.manual_seed(cfg.seed * 1_000_003 + ctx.rank * 7919 + start)   # noise stream
    batches = endless_batches(dataset, cfg.batch_size, ctx, cfg.seed, start)
    fixed = [t.to(ctx.device) for t in fixed_items(sample_set or dataset, 8)]

    def on_samples(step: int) -> None:
        rows = sample_rows(nets.g_ema, fixed, cfg.model.nz)
        save_grid(run_dir / "samples" / f"step_{step:06d}.png", rows, cfg.model.size)

    def on_save(step: int) -> None:
        save_run_state(run_dir, run_payload(nets, cfg, step, classes, meta))

    return run_steps(start, sched, batches, ctx, run_dir,
                     lambda batch, step: train_step(nets, cfg, batch, step, ctx, start),
                     on_samples, on_save)


def evaluate_run(run_dir: Path, test_set: Dataset, n_completions: int = 8) -> dict:
    """Completion metrics of the run's EMA generator on a test split -> metrics.json."""
    state = load_run_state(run_dir, KIND)
    cfg = ShapeConfig(**{k: tuple(v) if isinstance(v, list) else v
                         for k, v in state["model_config"].items()})
    g = ShapeGenerator(cfg)
    g.load_state_dict(state["nets"]["g_ema"])
    metrics = completion_metrics(g.eval(), test_set, n_completions)
    metrics["step"] = int(state["step"])
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=1))
    return metrics


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = training_parser(__doc__.splitlines()[0], "runs/shape", PRESETS, steps=6000, every=250)
    d = ShapeTrainConfig()
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--k-best", type=int, default=d.k_best)
    p.add_argument("--lr", type=float, default=d.lr_g, help="both networks")
    p.add_argument("--lr-d", type=float, default=None,
                   help="the critic's own rate (default: --lr); e.g. a fast critic beside a "
                        "slow generator while a fresh critic catches up")
    p.add_argument("--gamma", type=float, default=d.gamma)
    p.add_argument("--penalty-every", type=int, default=d.penalty_every)
    p.add_argument("--rec-weight", type=float, default=d.rec_weight)
    p.add_argument("--adv-weight", type=float, default=d.adv_weight)
    p.add_argument("--rec-radius", type=int, default=d.rec_radius,
                   help="px of stroke position tolerance; 0 = per-pixel (no dot-grid exploit)")
    p.add_argument("--rec-mean-share", type=float, default=d.rec_mean_share)
    p.add_argument("--rec-target-radius", type=int, default=d.rec_target_radius)
    p.add_argument("--rec-kind", choices=("ink", "chamfer", "soft"), default=d.rec_kind,
                   help="reconstruction: per-pixel ink, graded chamfer, or soft outline")
    p.add_argument("--rec-pixel-weight", type=float, default=d.rec_pixel_weight)
    p.add_argument("--ink-weight", type=float, default=d.ink_weight)
    p.add_argument("--miss-weight", type=float, default=d.miss_weight,
                   help="soft reconstruction: extra weight near the strokes the partial lacks")
    p.add_argument("--context-width", type=int, default=None,
                   help="sketch pyramid width (ShapeConfig.context_width); default: the preset's")
    p.add_argument("--refine-width", type=int, default=None,
                   help="full-size refiner width (ShapeConfig.refine_width); default: the preset's")
    p.add_argument("--refine-blocks", type=int, default=None,
                   help="residual blocks in the full-size refiner (ShapeConfig.refine_blocks); "
                        "with --grow the new ones start as the identity")
    p.add_argument("--ngf", type=int, default=None,
                   help="generator base width (ShapeConfig.ngf); default: the preset's")
    p.add_argument("--ndf", type=int, default=None,
                   help="critic base width (ShapeConfig.ndf); default: the preset's")
    p.add_argument("--size", type=int, default=None,
                   help="output side in px; above the preset's, the trunk and the critic stay "
                        "at the preset's side and the refiner (--refine-width) works at this "
                        "one (ShapeConfig.trunk_size): grows a trained run to a finer output")
    p.add_argument("--grow", action="store_true",
                   help="with --fork: the new model may add modules (e.g. --context-width) or "
                        "channels (--ngf) to the forked one; see models/training/widen.py")
    p.add_argument("--critic-warmup", type=int, default=d.critic_warmup,
                   help="steps at the start of this command in which only the critic trains, "
                        "against the generator as it is (after --fork from a released "
                        "checkpoint without a critic)")
    p.add_argument("--adv-ramp", type=int, default=d.adv_ramp,
                   help="steps after --critic-warmup over which the generator's adversarial "
                        "weight grows linearly from 0 to --adv-weight")
    p.add_argument("--train-only", choices=TRAINABLE_PARTS, default=None,
                   help="train only this part of the generator (with --fork: the rest stays "
                        "as forked, e.g. a deeper --refine-blocks refiner over a kept trunk)")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--no-quickdraw", action="store_true", help="outlines only, no Quick Draw")
    p.add_argument("--agnostic-share", type=float, default=0.0,
                   help="share of training items drawn from Quick Draw's other classes under "
                        "the 'no listed class' label (ShapeConfig.agnostic); with --grow a "
                        "trained run forks into it (its classes keep their rows)")
    args = p.parse_args(argv)
    if not 0.0 <= args.agnostic_share < 1.0:
        p.error(f"--agnostic-share {args.agnostic_share}: must be at least 0 and below 1")
    return args


def model_config(args: argparse.Namespace) -> ShapeConfig:
    """The preset with the command line's architecture flags; flags left unset keep the
    preset's value. A soft-outline generator is told so: the engine thins its output."""
    model = dataclasses.replace(PRESETS[args.preset], soft_output=args.rec_kind == "soft")
    chosen = {"context_width": args.context_width, "refine_width": args.refine_width,
              "refine_blocks": args.refine_blocks,
              "ngf": args.ngf, "ndf": args.ndf, "agnostic": args.agnostic_share > 0 or None}
    model = dataclasses.replace(model, **{k: v for k, v in chosen.items() if v is not None})
    if args.size is None or args.size == model.size:
        return model
    if args.size < model.size or args.size % model.size:
        raise SystemExit(f"--size {args.size}: must be a multiple of the preset's {model.size} px")
    # Trunk and critic stay at the preset's side, so a --grow fork keeps all their weights.
    return dataclasses.replace(model, size=args.size, trunk_size=model.size,
                               critic_size=model.size)


def train_config(args: argparse.Namespace, model: ShapeConfig) -> ShapeTrainConfig:
    """The command line's training settings."""
    if args.train_only == "refiner" and not model.refine_width:
        raise SystemExit("--train-only refiner: this model has no full-size refiner "
                         "(give --refine-width, or fork a run that has one)")
    return ShapeTrainConfig(model=model, batch_size=args.batch_size, k_best=args.k_best,
                            lr_g=args.lr, lr_d=args.lr if args.lr_d is None else args.lr_d,
                            gamma=args.gamma,
                            penalty_every=args.penalty_every,
                            rec_weight=args.rec_weight, adv_weight=args.adv_weight,
                            rec_mean_share=args.rec_mean_share, rec_radius=args.rec_radius,
                            rec_target_radius=args.rec_target_radius,
                            rec_kind=args.rec_kind,
                            rec_pixel_weight=args.rec_pixel_weight,
                            ink_weight=args.ink_weight, miss_weight=args.miss_weight,
                            seed=args.seed, cpu_bf16=args.cpu_bf16,
                            critic_warmup=args.critic_warmup, adv_ramp=args.adv_ramp,
                            train_only=args.train_only or "")


def training_set(args: argparse.Namespace, root: Path, size: int) -> Dataset:
    """The class data (outlines and the classes' Quick Draw drawings), with Quick Draw's
    other classes mixed in at --agnostic-share."""
    from models.data.datasets import AgnosticMix, QuickDrawPretrainDataset, ShapeDataset

    classed = ShapeDataset(root, size=size, split="train", seed=args.seed,
                           quickdraw=not args.no_quickdraw)
    if args.agnostic_share <= 0:
        return classed
    others = QuickDrawPretrainDataset(root, size=size, split="train", seed=args.seed)
    return AgnosticMix(classed, others, args.agnostic_share)


def main(argv: Sequence[str] | None = None) -> int:
    from models.data.datasets import ShapeDataset
    from models.data.sources import default_data_root

    args = parse_args(argv)
    set_up_process(args)
    model = model_config(args)
    cfg = train_config(args, model)
    root = args.data or default_data_root()
    train_set = training_set(args, root, model.size)
    test_set = ShapeDataset(root, classes=train_set.classes, size=model.size, split="test",
                            seed=args.seed, quickdraw=False)
    if not classes_match(len(train_set.classes), args.preset, model.n_classes):
        return 2
    meta = run_meta("models.training.train_shape", argv, root)
    if args.eval_only:
        print(json.dumps(evaluate_run(args.run, test_set)))
        return 0
    ctx = init_distributed()
    sched = Schedule(args.steps, args.log_every, args.sample_every, args.save_every)
    try:
        train(cfg, sched, args.run, train_set, train_set.classes, resume=args.resume,
              fork=args.fork, meta=meta, grow=args.grow, sample_set=test_set, ctx=ctx)
        if args.eval and ctx.is_main:
            print(json.dumps(evaluate_run(args.run, test_set)))
    except RunStateError as err:    # a run to resume or fork that cannot be used
        print(f"error: {err}", file=sys.stderr)
        return 2
    finally:
        shutdown(ctx)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
