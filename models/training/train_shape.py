"""Train stage 1 (shape completion): `python -m models.training.train_shape --run runs/shape`.

Losses (paper Sec. 3.1, plus a reconstruction term that this small data set needs):
  D: WGAN critic conditioned on the sketch, judging soft outlines (nets.outline_code.encode),
     with a zero-centred gradient penalty on real ones (gamma/2 * E||grad D(real)||^2, applied
     lazily every `penalty_every` steps). Optionally each sketch itself is shown as a fake
     too (empty_sketch_loss): adding nothing is not a completion.
  G: -D(completion) for each of K completions + rec_weight * min over the K completions of
     the squared error to the soft true outline (losses.best_of_k_soft_l2), so one completion
     is pulled to the truth and the others stay free to differ (diversity of the gray shadow);
     the engine thins the generator's ridges into lines. Optionally + match_weight * (1 - the
     best of K tolerant matches of the added strokes to the missing outline,
     losses.best_of_k_tolerant_match), which does not reward adding nothing.
     With --teacher (distillation), + distil_weight * the error of each completion to the
     teacher network's completion of the same sketch, class and z (losses.distillation): a
     cheaper architecture learns to draw what a trained one draws, seed for seed.
The options are ShapeTrainConfig's and ShapeConfig's option() fields; their defaults are the
shipped network's recipe (docs/training.md). Resumable (`--resume`), seeded, data-parallel
under torchrun (see models.training.distributed).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import torch
from torch import nn
from torch.utils.data import Dataset

from sketchfill.models.data.partial import DEFAULT_PARTIAL
from sketchfill.models.nets import outline_code
from sketchfill.models.nets.checkpoint import config_from_dict
from sketchfill.models.nets.shape import (
    FAST_SHAPE, PAPER_SHAPE, SHIPPED_SHAPE, TINY_SHAPE, ShapeConfig, ShapeDiscriminator,
    ShapeGenerator)
from sketchfill.models.options import add_options, option, option_values
from sketchfill.models.training import losses
from sketchfill.models.training.batches import endless_batches, fixed_items
from sketchfill.models.training.cli import (
    run_training, SHIPPED, classes_match, run_meta, set_up_process, training_parser)
from sketchfill.models.training.distributed import (
    DistContext, average_gradients, broadcast_weights, init_distributed)
from sketchfill.models.training.ema import ema_decay_at, make_ema, update_ema
from sketchfill.models.training.loop import Schedule, autocast, run_steps
from sketchfill.models.training.quick_metrics import completion_metrics
from sketchfill.models.training.run_log import save_grid
from sketchfill.models.training.provenance import sha256_file
from sketchfill.models.training.run_state import RunStateError, continue_run, load_run_state, \
    net_states, save_run_state
from sketchfill.models.files import write_text

PRESETS = {"paper": PAPER_SHAPE, "fast": FAST_SHAPE, SHIPPED: SHIPPED_SHAPE, "tiny": TINY_SHAPE}
KIND = "shape"


@dataclass(frozen=True)
class ShapeTrainConfig:
    """How the shape networks learn. Each option() field is a command-line option; the
    defaults are the last phase of the shipped network's recipe."""
    model: ShapeConfig = SHIPPED_SHAPE
    batch_size: int = option(8, "sketches per rank per step")
    k_best: int = option(4, "completions per sketch in the best-of-K reconstruction")
    lr: float = option(3e-4, "Adam learning rate of the generator and the critic")
    betas: tuple[float, float] = (0.0, 0.99)   # GAN-stability ResNet setting
    gamma: float = option(10.0, "weight of the critic's zero-centred gradient penalty")
    penalty_every: int = option(4, "apply that penalty every n steps, scaled by n (lazy, "
                                   "as StyleGAN2)")
    adv_weight: float = option(1.0, "the generator's adversarial weight; 0: reconstruction "
                                    "only, the critic is neither trained nor run")
    rec_weight: float = option(20.0, "weight of the best-of-K soft-outline reconstruction")
    ink_weight: float = option(3.0, "extra weight of pixels near true strokes in it")
    rec_mean_share: float = option(0.0, "share of the mean over the K in it (keeps every "
                                        "completion drawing)")
    match_weight: float = option(0.0, "weight of the best-of-K tolerant match of the added "
                                      "strokes to the missing outline (a wrong stroke costs "
                                      "no more than none)")
    match_tolerance: int = option(2, "px (at the output size) within which an added stroke "
                                     "matches a missing one in that term")
    empty_negatives: float = option(0.0, "weight of each sketch shown to the critic as its "
                                          "own completion, among the fakes: a completion that "
                                          "adds nothing is not a drawing (0: off)")
    critic_warmup: int = option(0, "first steps of this command in which only the critic "
                                   "trains, against the generator as it is (after --fork "
                                   "from a released checkpoint without a critic); the "
                                   "generator stays put")
    agnostic_share: float = option(0.4, "share of training items drawn from Quick Draw's "
                                        "other classes under the 'no listed class' label; "
                                        "above 0 the network gets that label (ShapeConfig."
                                        "agnostic; with --grow a trained run forks into it)")
    quickdraw: bool = option(True, "train on the classes' Quick Draw drawings beside the "
                                   "outlines")
    prefix_share: float = option(0.5, "share of Quick Draw items shown as their first pen "
                                      "strokes (how people start); the rest lose a square")
    teacher: str = option("", "a shape checkpoint whose completions the generator learns to "
                              "copy, seed for seed (distillation); the generator starts from "
                              "its weights where they fit")
    distil_weight: float = option(20.0, "weight of that copy's error (with --teacher)")
    hint_weight: float = option(0.0, "weight of the error of the trunk's features after each "
                                     "stage to the teacher's (with --teacher; stages of the "
                                     "same widths): a signal at every depth, so a shorter "
                                     "trunk learns faster what each stage must do")
    ema_decay: float = 0.999
    ema_warmup: int = 500           # steps before the EMA reaches ema_decay
    seed: int = option(0, "seed of the initial weights, the data order and the noise")
    cpu_bf16: bool | None = option(None, "bf16 autocast on CPU, float32 weights; default: "
                                         "only where the CPU has bf16 natively (AVX-512 BF16, "
                                         "AMX), where it saves about 30%% a step; emulated "
                                         "elsewhere, 15-30x slower (AMP is always on for CUDA)")


@dataclass
class ShapeNets:
    g: ShapeGenerator
    d: ShapeDiscriminator
    g_ema: nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    teacher: nn.Module | None = None    # distillation only: frozen, in eval mode


def build_nets(cfg: ShapeTrainConfig, device: torch.device) -> ShapeNets:
    torch.manual_seed(cfg.seed)     # identical initial weights on every rank and every rerun
    g, d = ShapeGenerator(cfg.model).to(device), ShapeDiscriminator(cfg.model).to(device)
    return ShapeNets(g, d, make_ema(g),
                     torch.optim.Adam(g.parameters(), cfg.lr, betas=cfg.betas),
                     torch.optim.Adam(d.parameters(), cfg.lr, betas=cfg.betas))


def critic_target(cfg: ShapeTrainConfig, full: torch.Tensor) -> torch.Tensor:
    """What the critic takes as real: the soft outline the generator learns to draw (a crisp
    one would make the critic fight the reconstruction term)."""
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
    if cfg.empty_negatives > 0:
        loss = loss + cfg.empty_negatives * empty_sketch_loss(nets, cfg, partial, label,
                                                              real_score, out, ctx)
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


EMPTY_MARGIN = 1.0  # how far below a real outline the critic must score the sketch alone


def empty_sketch_loss(nets: ShapeNets, cfg: ShapeTrainConfig, partial: torch.Tensor,
                      label: torch.Tensor, real_score: torch.Tensor, out: dict[str, float],
                      ctx: DistContext) -> torch.Tensor:
    """The critic's hinge loss asking it to score each sketch, as a soft outline, at least
    EMPTY_MARGIN below the real outline (negative data, Sinha et al. 2021).

    A critic conditioned on the sketch can tell a completion that adds nothing only from
    seeing one; without it, returning the sketch passes as a sparse drawing, and the generator
    learns that adding nothing to first strokes is safe. Items whose sketch is nearly the
    whole outline say little either way and count alike."""
    with autocast(ctx.device, cfg.cpu_bf16):
        empty = nets.d(critic_target(cfg, partial), partial, label).float()
    gap = real_score - empty
    out["w_empty"] = gap.mean().item()
    # A hinge: nothing bounds a critic's score of a fake, and an empty sketch is easy to tell,
    # so a plain WGAN term would drive its score down without limit (a gap of 30 within 150
    # steps, against 0.1-0.3 between real and generated outlines) and with it the gradient
    # the generator gets near an empty completion.
    return torch.relu(EMPTY_MARGIN - gap).mean()


def g_step(nets: ShapeNets, cfg: ShapeTrainConfig, batch: list[torch.Tensor],
           ctx: DistContext) -> dict[str, float]:
    partial, full, label = batch
    k, b = cfg.k_best, len(label)
    nets.d.requires_grad_(False)    # no critic weight gradients in the generator step
    sketch_k, label_k = partial.repeat(k, 1, 1, 1), label.repeat(k)     # row k*B + b
    z = torch.randn(k * b, cfg.model.nz, device=ctx.device)
    taps: list[torch.Tensor] = []
    with autocast(ctx.device, cfg.cpu_bf16):
        fakes = nets.g(sketch_k, label_k, z, taps)
        adv = (losses.wgan_g_loss(nets.d(fakes, sketch_k, label_k).float())
               if cfg.adv_weight > 0 else fakes.new_zeros(()))
    rec = losses.best_of_k_soft_l2(fakes.float(), full, k, cfg.model.outline_sigma,
                                   cfg.model.outline_reach, cfg.ink_weight, cfg.rec_mean_share)
    loss = cfg.adv_weight * adv + cfg.rec_weight * rec
    out = {"g_adv": adv.item(), "g_rec": rec.item()}
    if nets.teacher is not None:
        loss = loss + distillation_loss(nets.teacher, cfg, (sketch_k, label_k, z), fakes, taps,
                                        out)
    if cfg.match_weight > 0:
        match = losses.best_of_k_tolerant_match(fakes.float(), full, partial, k,
                                                cfg.match_tolerance, cfg.model.outline_reach)
        loss = loss + cfg.match_weight * match
        out["g_match"] = match.item()
    nets.opt_g.zero_grad(set_to_none=True)
    loss.backward()
    average_gradients(nets.g, ctx)
    nets.opt_g.step()
    return out


def distillation_loss(teacher: nn.Module, cfg: ShapeTrainConfig,
                      inputs: tuple[torch.Tensor, ...], fakes: torch.Tensor,
                      taps: list[torch.Tensor], out: dict[str, float]) -> torch.Tensor:
    """The student's error to the teacher's completions of the same inputs (sketch, label, z)
    and, with hint_weight, to the teacher's trunk features after each stage."""
    teacher_taps: list[torch.Tensor] = []
    with torch.no_grad():   # float32, as the app runs it: bf16 moves its lines
        taught = teacher(*inputs, teacher_taps)
    distil = losses.distillation(fakes.float(), taught.float(), cfg.ink_weight)
    out["g_distil"] = distil.item()
    if cfg.hint_weight <= 0:
        return cfg.distil_weight * distil
    hint = losses.feature_hints([t.float() for t in taps], teacher_taps)
    out["g_hint"] = hint.item()
    return cfg.distil_weight * distil + cfg.hint_weight * hint


def train_step(nets: ShapeNets, cfg: ShapeTrainConfig, batch: list[torch.Tensor], step: int,
               ctx: DistContext, start: int = 0) -> dict[str, float]:
    """One critic and one generator update (`start`: the step this command began at); during
    the critic warm-up, the critic's update only."""
    batch = [t.to(ctx.device) for t in batch]
    # adv_weight 0 = reconstruction-only phase (a warm-up): the critic is not trained or run.
    out = d_step(nets, cfg, batch, step, ctx) if cfg.adv_weight > 0 else {}
    if step <= start + cfg.critic_warmup:
        return out
    out.update(g_step(nets, cfg, batch, ctx))
    update_ema(nets.g_ema, nets.g, ema_decay_at(step, cfg.ema_decay, cfg.ema_warmup))
    return out


def teacher_net(path: Path, student: ShapeConfig, classes: Sequence[str],
                device: torch.device) -> tuple[nn.Module, list, dict]:
    """The frozen teacher of a distillation run, the commands that made it and what identifies
    it (sha256 of the file, its training steps). Its class list,
    noise length, labels and size must be the student's: a completion is copied for the same
    sketch, class and z."""
    from sketchfill.models.nets.checkpoint import load_checkpoint

    ckpt = load_checkpoint(path, KIND, classes)
    cfg = ckpt.config
    if (cfg.nz, cfg.n_labels, cfg.size) != (student.nz, student.n_labels, student.size):
        raise RunStateError(f"{path}: a teacher with nz {cfg.nz}, {cfg.n_labels} labels and "
                            f"{cfg.size} px cannot teach a network with nz {student.nz}, "
                            f"{student.n_labels} labels and {student.size} px")
    made_by = list(ckpt.provenance.get("commands", []))
    return (make_ema(ckpt.build().to(device)), made_by,
            {"sha256": sha256_file(path), "steps": ckpt.provenance.get("steps")})


def start_from(nets: ShapeNets, teacher: nn.Module) -> None:
    """A new distillation run's generator (and its EMA) start from the teacher's weights
    wherever a tensor of the same name and shape exists; parts the student lacks are dropped,
    parts of another shape keep their initial values."""
    own = nets.g.state_dict()
    fits = {k: v for k, v in teacher.state_dict().items() if k in own and own[k].shape == v.shape}
    nets.g.load_state_dict(fits, strict=False)
    nets.g_ema.load_state_dict(nets.g.state_dict())


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
    if cfg.teacher:
        nets.teacher, made_by, meta["teacher"] = teacher_net(Path(cfg.teacher), cfg.model,
                                                             classes, ctx.device)
        if not (resume or fork):
            start_from(nets, nets.teacher)
            # The student's record says how its teacher was made, then how it was taught.
            meta["commands"] = made_by + meta.get("commands", [])
    if resume or fork:
        # A fork starts from another run's state and continues in run_dir (source untouched).
        start = continue_run(fork or run_dir, KIND,
                             {"g": nets.g, "d": nets.d, "g_ema": nets.g_ema},
                             {"g": nets.opt_g, "d": nets.opt_d},
                             {"g": cfg.lr, "d": cfg.lr}, meta, grow=grow and not resume)
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
    cfg = config_from_dict(ShapeConfig, state["model_config"], run_dir)
    g = ShapeGenerator(cfg)
    g.load_state_dict(state["nets"]["g_ema"])
    metrics = completion_metrics(g.eval(), test_set, n_completions)
    metrics["step"] = int(state["step"])
    write_text(run_dir / "metrics.json", json.dumps(metrics, indent=1))
    return metrics


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = training_parser(__doc__.splitlines()[0], "runs/shape", PRESETS, steps=73500, every=250)
    add_options(p, ShapeTrainConfig)
    add_options(p, ShapeConfig, unset="the preset's")
    p.add_argument("--size", type=int, default=None,
                   help="output side in px (default: the preset's); above the preset's, the "
                        "trunk and the critic stay at the preset's side and the refiner "
                        "(--refine-width) works at this one (ShapeConfig.trunk_size): grows a "
                        "trained run to a finer output")
    p.add_argument("--grow", action="store_true",
                   help="with --fork: the new model may add modules (e.g. --context-width) or "
                        "channels (--ngf) to the forked one; see models/training/widen.py")
    args = p.parse_args(argv)
    if not 0.0 <= args.agnostic_share < 1.0:
        p.error(f"--agnostic-share {args.agnostic_share}: must be at least 0 and below 1")
    if not 0.0 <= args.prefix_share <= 1.0:
        p.error(f"--prefix-share {args.prefix_share}: must be between 0 and 1")
    return args


def model_config(args: argparse.Namespace) -> ShapeConfig:
    """The preset with the command line's architecture options; options left unset keep the
    preset's value. The network learns soft outlines, which the engine thins."""
    model = dataclasses.replace(PRESETS[args.preset], soft_output=True,
                                **option_values(ShapeConfig, args))
    if args.agnostic_share > 0:
        model = dataclasses.replace(model, agnostic=True)
    if args.size is None or args.size == model.size:
        return model
    if args.size < model.size or args.size % model.size:
        raise SystemExit(f"--size {args.size}: must be a multiple of the preset's {model.size} px")
    # Trunk and critic stay at the preset's side, so a --grow fork keeps all their weights.
    return dataclasses.replace(model, size=args.size, trunk_size=model.trunk,
                               critic_size=model.critic_size or model.size)


def train_config(args: argparse.Namespace, model: ShapeConfig) -> ShapeTrainConfig:
    """The command line's training settings."""
    return ShapeTrainConfig(model=model, **option_values(ShapeTrainConfig, args))


def training_set(args: argparse.Namespace, root: Path, size: int) -> Dataset:
    """The class data (outlines and the classes' Quick Draw drawings), with Quick Draw's
    other classes mixed in at --agnostic-share; Quick Draw items of either kind are stroke
    prefixes at --prefix-share."""
    from sketchfill.models.data.datasets import AgnosticMix, QuickDrawPretrainDataset, ShapeDataset

    partial = dataclasses.replace(DEFAULT_PARTIAL, drawing_square_prob=1.0 - args.prefix_share)
    classed = ShapeDataset(root, size=size, split="train", seed=args.seed,
                           quickdraw=args.quickdraw, partial=partial)
    if args.agnostic_share <= 0:
        return classed
    others = QuickDrawPretrainDataset(root, size=size, split="train", seed=args.seed,
                                      partial=partial)
    return AgnosticMix(classed, others, args.agnostic_share)


def main(argv: Sequence[str] | None = None) -> int:
    from sketchfill.models.data.datasets import ShapeDataset
    from sketchfill.models.data.sources import default_data_root

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
    sched = Schedule(args.steps, args.log_every, args.sample_every, args.save_every)

    def body(ctx: DistContext) -> None:
        train(cfg, sched, args.run, train_set, train_set.classes, resume=args.resume,
              fork=args.fork, meta=meta, grow=args.grow, sample_set=test_set, ctx=ctx)
        if args.eval and ctx.is_main:
            print(json.dumps(evaluate_run(args.run, test_set)))

    return run_training(body)


if __name__ == "__main__":
    raise SystemExit(main())
