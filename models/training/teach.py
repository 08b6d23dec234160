"""Teaching a new class from a few pictures: new rows of the class tables and the class's own
output layers, everything shared frozen.

A class is one row of the shape network's class embedding and one of each appearance gate's
embedding (class_addon). Teaching learns these rows through the shipped generators with every
shared weight fixed, so shipped classes stay bit-identical:

* appearance rows (gate, full_gate) and the class head (appearance.ClassHead: its own copy
  of the output layers and a shift of each gated block's beta; head_lr 0: none): the
  generator renders the picture's own derived outline (augmented, as in training: one warp
  for outline and picture) and both move to bring the render to the picture: L1, the L1 of
  neighbour differences (edges as sharp as the picture's, losses.gradient_l1) and a colour-
  distribution distance (palette_distance);
* shape row: the generator completes partials of the pictures' outlines (half of them with a
  half erased, the others as in training: a square erased or outline pieces dropped) into K
  outlines; only the closest
  of the K is pulled to the whole outline (losses.best_of_k_soft_l2), plus the best-of-K
  tolerant match of the added strokes to the missing ones, which, unlike the squared error,
  does not reward adding nothing (losses.best_of_k_tolerant_match). The row kept is the one
  that completes pictures set aside (halves erased) best, the start row included.

Each row starts from the shipped row that fits the pictures best (nearest class) and is
trained with Adam for a share of a wall-clock budget. Float32 throughout (no autocast).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from sketchfill.models.data.augment import DEFAULT_AUGMENT, NO_AUGMENT, sample_width
from sketchfill.models.data.datasets import (appearance_pair, half_pair_from_outline,
                                             ink_to_tensor, outline_ink, resized_rgba,
                                             rgb_to_tensor, shape_pair_from_outline)
from sketchfill.models.data.partial import DEFAULT_PARTIAL, HALVES, erase_half
from sketchfill.models.data.user_pictures import Picture
from sketchfill.models.nets.appearance import AppearanceGenerator, ClassHead
from sketchfill.models.nets.shape import ShapeGenerator
from sketchfill.models.training import losses
from sketchfill.models.training.teach_config import DEFAULT_TEACH, TeachConfig, TeachProgress


@dataclass(frozen=True)
class TaughtRows:
    rows: dict[str, torch.Tensor]   # "shape", "gate", "full_gate" -> float32 [width]
    head: dict[str, torch.Tensor]   # state of the class's own output layers ({}: none)
    steps: dict[str, int]           # steps run per stage; "shape_kept": the shape step
                                    # whose row was kept (0: the start row)
    start_rows: dict[str, int]      # the shipped row each started from
    seconds: float                  # wall time of teach()


class TeachCancelled(Exception):
    """Teaching was stopped by its caller; nothing was produced."""


class FixedRow(nn.Module):
    """Stands in for a class table while teaching: every label reads the one trained row."""

    def __init__(self, row: torch.Tensor) -> None:
        super().__init__()
        self.row = nn.Parameter(row.detach().clone().float())

    def forward(self, label: torch.Tensor) -> torch.Tensor:
        return self.row.expand(label.numel(), -1)                       # [B, width]


class _Clock:
    """Budget, progress reports and the cancel check of one run."""

    def __init__(self, cfg: TeachConfig, progress: Callable[[TeachProgress], None] | None,
                 cancelled: Callable[[], bool] | None) -> None:
        self.start, self.budget = time.monotonic(), cfg.minutes * 60.0
        self.progress, self.cancelled = progress, cancelled

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def tick(self, stage: str, fraction: float | None = None) -> None:
        """Raise TeachCancelled if asked to stop, else report progress (by default the share
        of the budget used)."""
        if self.cancelled is not None and self.cancelled():
            raise TeachCancelled("teaching was cancelled")
        if self.progress is not None:
            if fraction is None:
                fraction = min(self.elapsed() / max(self.budget, 1e-9), 0.999)
            fraction = min(max(fraction, 0.0), 1.0)
            left = max(self.budget - self.elapsed(), 0.0) if fraction < 1.0 else 0.0
            self.progress(TeachProgress(stage, fraction, left))


def teach(pictures: Sequence[Picture], shape: ShapeGenerator, look: AppearanceGenerator,
          cfg: TeachConfig = DEFAULT_TEACH,
          progress: Callable[[TeachProgress], None] | None = None,
          cancelled: Callable[[], bool] | None = None) -> TaughtRows:
    """The new class's rows learned from `pictures` through the frozen `shape` and `look`
    networks (theirs to give: their class tables are swapped while teaching and put back).
    Raises TeachCancelled as soon as `cancelled()` is true."""
    clock = _Clock(cfg, progress, cancelled)
    for net in (shape, look):
        net.eval().requires_grad_(False)
    rng = np.random.default_rng(cfg.seed)
    torch.manual_seed(cfg.seed)

    def searching() -> None:
        clock.tick("start rows")

    searching()
    starts = ranked_look_starts(pictures, look, cfg, searching)[:max(cfg.look_starts, 1)]
    shape_start = nearest_shape_row(pictures, shape, cfg, rng, searching)
    look_end = clock.elapsed() + cfg.look_share * (clock.budget - clock.elapsed())
    look_start, gates, head, look_steps = race_look(pictures, look, starts, cfg, clock, rng,
                                                    look_end)
    shape_row, shape_steps, kept = train_shape_row(
        pictures, shape, shape.embedding.weight[shape_start], cfg, clock, rng)
    clock.tick("shape", 1.0)
    head_state = {} if head is None else {k: v.detach().clone()
                                          for k, v in head.state_dict().items()}
    return TaughtRows({"shape": shape_row, **gates}, head_state,
                      {"appearance": look_steps, "shape": shape_steps, "shape_kept": kept},
                      {"shape": shape_start, "appearance": look_start}, clock.elapsed())


# --- appearance ---------------------------------------------------------------------------


def gate_modules(look: AppearanceGenerator) -> dict[str, nn.Module]:
    gates = {"gate": look.gate}
    if look.full_gate is not None:
        gates["full_gate"] = look.full_gate
    return gates


def look_batch(pictures: Sequence[Picture], size: int, n: int, rng: np.random.Generator,
               augment=DEFAULT_AUGMENT) -> tuple[torch.Tensor, torch.Tensor]:
    """n random (outline [n,1,S,S], picture [n,3,S,S]) pairs, both in [-1,1], one warp each."""
    pairs = []
    for i in rng.integers(len(pictures), size=n):
        d = pictures[int(i)].derived
        ink, rgb = appearance_pair(d, resized_rgba(d, size), size, rng, augment)
        pairs.append((ink_to_tensor(ink), rgb_to_tensor(rgb)))
    return torch.stack([p[0] for p in pairs]), torch.stack([p[1] for p in pairs])


def look_loss(look: AppearanceGenerator, outline: torch.Tensor, target: torch.Tensor,
              cfg: TeachConfig, seed: int, head: ClassHead | None = None) -> torch.Tensor:
    """L1 + edge_weight * neighbour-difference L1 + palette_weight * colour-distribution
    distance of the renders (through `head`, if given) to the pictures."""
    b = outline.shape[0]
    z = torch.randn(b, look.cfg.nz, generator=torch.Generator().manual_seed(seed))
    x = outline.expand(-1, look.cfg.in_channels, -1, -1)
    fake = look(x, torch.zeros(b, dtype=torch.long), z,
                torch.Generator().manual_seed(seed), head)              # [B, 3, S, S]
    loss = (fake - target).abs().mean() + cfg.edge_weight * losses.gradient_l1(fake, target)
    if cfg.palette_weight > 0:
        loss = loss + cfg.palette_weight * palette_distance(fake, target, cfg.palette_directions,
                                                            seed)
    return loss


def palette_distance(fake: torch.Tensor, real: torch.Tensor, directions: int,
                     seed: int) -> torch.Tensor:
    """Sliced Wasserstein-1 distance between the colours of each render and its picture
    ([B,3,S,S] in [-1,1]), mean over B: both images' pixels projected on random colour
    directions, sorted, compared.

    Why: under misaligned detail (spots, highlights, which part is the cap) the pixel L1 is
    least for one colour blend over the object; this distance ignores where a colour is and
    asks that the render use the picture's colours in the picture's amounts (a red cap and a
    white stem, not pink all over)."""
    g = torch.Generator().manual_seed(seed)
    axes = F.normalize(torch.randn(3, directions, generator=g), dim=0).to(fake)  # [3, P]
    f = torch.sort(fake.flatten(2).transpose(1, 2) @ axes, dim=1).values        # [B, S*S, P]
    r = torch.sort(real.flatten(2).transpose(1, 2) @ axes, dim=1).values
    return (f - r).abs().mean()


class _SwappedTables:
    """Within `with`, each module's `embedding` is the given FixedRow; the tables return."""

    def __init__(self, owners: dict[str, nn.Module], rows: dict[str, FixedRow]) -> None:
        self.owners, self.rows = owners, rows
        self.saved = {k: m.embedding for k, m in owners.items()}

    def __enter__(self) -> dict[str, FixedRow]:
        for k, m in self.owners.items():
            m.embedding = self.rows[k]
        return self.rows

    def __exit__(self, *exc: object) -> None:
        for k, m in self.owners.items():
            m.embedding = self.saved[k]


def shipped_gate_rows(look: AppearanceGenerator, c: int) -> dict[str, torch.Tensor]:
    return {k: m.embedding.weight[c].detach().clone() for k, m in gate_modules(look).items()}


def fixed_look_batch(pictures: Sequence[Picture], look: AppearanceGenerator, n: int,
                     seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The first n pictures as they are (no augmentation): where start rows are compared."""
    return look_batch(pictures, look.cfg.size, min(n, len(pictures)),
                      np.random.default_rng(seed), NO_AUGMENT)


def look_score(look: AppearanceGenerator, rows: dict[str, torch.Tensor],
               batch: tuple[torch.Tensor, torch.Tensor], cfg: TeachConfig,
               head: ClassHead | None = None) -> float:
    """look_loss of gate rows `rows` (and output layers `head`) on a fixed batch, without
    gradients."""
    with torch.no_grad(), _SwappedTables(gate_modules(look),
                                         {k: FixedRow(v) for k, v in rows.items()}):
        return float(look_loss(look, *batch, cfg, cfg.seed, head))


def ranked_look_starts(pictures: Sequence[Picture], look: AppearanceGenerator,
                       cfg: TeachConfig, tick: Callable[[], None] = lambda: None,
                       ) -> list[int]:
    """The shipped classes, those whose gates render the pictures' own outlines closest to
    them first; `tick` is called after each class tried (progress, cancel)."""
    batch = fixed_look_batch(pictures, look, cfg.search_items, cfg.seed)
    scores = []
    for c in range(look.gate.embedding.num_embeddings):
        scores.append(look_score(look, shipped_gate_rows(look, c), batch, cfg))
        tick()
    return [int(c) for c in np.argsort(scores, kind="stable")]


def race_look(pictures: Sequence[Picture], look: AppearanceGenerator, starts: Sequence[int],
              cfg: TeachConfig, clock: _Clock, rng: np.random.Generator, until: float,
              ) -> tuple[int, dict[str, torch.Tensor], ClassHead | None, int]:
    """Gate rows (and output layers) trained from the start classes `starts` (best first):
    with several, each trains for an equal share of race_share of the time, the one that then
    fits the pictures best trains on until `until`. Returns its start class, the rows, the
    output layers (None with head_lr 0) and the steps run.

    Why: from the closest class by L1, which for many objects is a one-colour class, the
    gradient finds one colour blend over the object; another start may lead to the pictures'
    regions (a red cap on a white stem)."""
    begin = clock.elapsed()
    if len(starts) == 1:
        rows, head, steps = train_look(pictures, look, shipped_gate_rows(look, starts[0]), cfg,
                                       clock, rng, until)
        return starts[0], rows, head, steps
    batch = fixed_look_batch(pictures, look, len(pictures), cfg.seed + 1)
    leg = cfg.race_share * (until - begin) / len(starts)
    raced = []
    for i, c in enumerate(starts):
        rows, head, steps = train_look(pictures, look, shipped_gate_rows(look, c), cfg, clock,
                                       rng, begin + (i + 1) * leg)
        raced.append((look_score(look, rows, batch, cfg, head), i, c, rows, head, steps))
    _, _, best, rows, head, _ = min(raced, key=lambda r: (r[0], r[1]))
    rows, head, steps = train_look(pictures, look, rows, cfg, clock, rng, until, head)
    return best, rows, head, steps + sum(r[5] for r in raced)


def train_look(pictures: Sequence[Picture], look: AppearanceGenerator,
               start: dict[str, torch.Tensor], cfg: TeachConfig, clock: _Clock,
               rng: np.random.Generator, until: float, head: ClassHead | None = None,
               ) -> tuple[dict[str, torch.Tensor], ClassHead | None, int]:
    """Adam on the gate rows and, with head_lr, on the class head (`head`, or one that starts
    as the network's own end), until `until` s of the run (or max_steps)."""
    gates = gate_modules(look)
    rows = {k: FixedRow(v) for k, v in start.items()}
    groups = [{"params": [r.row], "lr": cfg.lr * _rms(r.row)} for r in rows.values()]
    if cfg.head_lr > 0:
        head = (head or look.head_copy()).eval().requires_grad_(True)
        shifts = [p for n, p in head.named_parameters() if n.endswith("beta_shift")]
        layers = [p for n, p in head.named_parameters() if not n.endswith("beta_shift")]
        groups += [{"params": layers, "lr": cfg.head_lr},
                   {"params": shifts, "lr": cfg.shift_lr}]
    opt = torch.optim.Adam(groups)
    steps, begin = 0, clock.elapsed()
    with _SwappedTables(gates, rows):
        while clock.elapsed() < until and not (cfg.max_steps and steps >= cfg.max_steps):
            _decay(opt, cfg, (clock.elapsed() - begin) / max(until - begin, 1e-9))
            outline, target = look_batch(pictures, look.cfg.size, cfg.look_batch, rng)
            loss = look_loss(look, outline, target, cfg, int(rng.integers(2**31)), head)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            steps += 1
            clock.tick("appearance")
    return {k: r.row.detach().clone() for k, r in rows.items()}, head, steps


# --- shape --------------------------------------------------------------------------------


def shape_batch(pictures: Sequence[Picture], size: int, n: int, rng: np.random.Generator,
                half_share: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """n random (partial, full) outlines [n,1,S,S] in [-1,1] from the pictures (augmented):
    a half erased for a share half_share of them, the others as in training (a square erased
    or outline pieces dropped)."""
    halves = round(half_share * n)
    pairs = [half_pair_from_outline(pictures[int(i)].derived, size, rng, DEFAULT_AUGMENT)
             if k < halves else
             shape_pair_from_outline(pictures[int(i)].derived, size, rng, DEFAULT_AUGMENT,
                                     DEFAULT_PARTIAL)
             for k, i in enumerate(rng.integers(len(pictures), size=n))]
    return (torch.stack([ink_to_tensor(p) for p, _ in pairs]),
            torch.stack([ink_to_tensor(f) for _, f in pairs]))


def shape_loss(shape: ShapeGenerator, row: torch.Tensor, partial: torch.Tensor,
               full: torch.Tensor, cfg: TeachConfig, seed: int) -> torch.Tensor:
    """Best-of-K soft-outline error + match_weight * (1 - best-of-K tolerant match)."""
    k, b, m = cfg.k_best, partial.shape[0], shape.cfg
    sketch_k = partial.repeat(k, 1, 1, 1)                               # row k*B + b
    z = torch.randn(k * b, m.nz, generator=torch.Generator().manual_seed(seed))
    fakes = shape(sketch_k, row.expand(k * b, -1), z)                  # [K*B, 1, S, S]
    rec = losses.best_of_k_soft_l2(fakes, full, k, m.outline_sigma, m.outline_reach)
    match = losses.best_of_k_tolerant_match(fakes, full, partial, k, cfg.match_tolerance,
                                            m.outline_reach)
    return cfg.rec_weight * rec + cfg.match_weight * match


def nearest_shape_row(pictures: Sequence[Picture], shape: ShapeGenerator, cfg: TeachConfig,
                      rng: np.random.Generator, tick: Callable[[], None] = lambda: None) -> int:
    """The shipped row (a class, or "no listed class") that completes the pictures' partials
    best; `tick` is called after each row tried."""
    partial, full = shape_batch(pictures, shape.cfg.size, cfg.search_items, rng)
    table = shape.embedding.weight
    scores = []
    with torch.no_grad():
        for i in range(table.shape[0]):
            scores.append(float(shape_loss(shape, table[i], partial, full, cfg, cfg.seed)))
            tick()
    return int(np.argmin(scores))


def half_erased_batch(pictures: Sequence[Picture], size: int,
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    """Each picture's outline (no augmentation) with its left, right, top or bottom half
    erased: (partial, full) [4n,1,S,S] in [-1,1]. The gaps an artist leaves mid-drawing,
    larger than training's squares."""
    width = sample_width(np.random.default_rng(0), NO_AUGMENT, size)
    partials, fulls = [], []
    for picture in pictures:
        full = outline_ink(picture.derived.segments, size, width)
        for half in HALVES:
            partials.append(ink_to_tensor(erase_half(full, half)))
            fulls.append(ink_to_tensor(full))
    return torch.stack(partials), torch.stack(fulls)


@dataclass
class _RowCheck:
    """The best row so far on pictures the shape stage does not train on."""

    batch: tuple[torch.Tensor, torch.Tensor]
    row: torch.Tensor
    loss: float
    step: int = 0

    def offer(self, shape: ShapeGenerator, row: torch.Tensor, cfg: TeachConfig,
              step: int) -> None:
        """Keep `row` if its completions match the missing halves better than the best so far
        (the tolerant match alone: what the evaluation's recovery measures)."""
        with torch.no_grad():
            loss = float(shape_loss(shape, row, *self.batch, replace(cfg, rec_weight=0.0),
                                    cfg.seed))
        if loss < self.loss:
            self.row, self.loss, self.step = row.detach().clone(), loss, step


def split_for_check(pictures: Sequence[Picture], cfg: TeachConfig, rng: np.random.Generator,
                    ) -> tuple[list[Picture], list[Picture]]:
    """(pictures to train on, pictures to check on): check_pictures of them set aside at
    random when enough remain to train on, else none."""
    n = cfg.check_pictures if len(pictures) >= cfg.check_pictures + 3 else 0
    order = rng.permutation(len(pictures))
    return [pictures[i] for i in order[n:]], [pictures[i] for i in order[:n]]


def train_shape_row(pictures: Sequence[Picture], shape: ShapeGenerator, start: torch.Tensor,
                    cfg: TeachConfig, clock: _Clock, rng: np.random.Generator,
                    ) -> tuple[torch.Tensor, int, int]:
    """Adam on the shape row until the budget ends (or max_steps). Returns the row, the
    steps run and the step whose row is returned.

    The row returned is the one (the start row included, step 0) that completes the pictures
    kept aside best, with halves erased: trained on a few outlines the row soon fits those
    outlines more than the object, and on another style's larger gaps completes worse than
    the shipped row it started from."""
    train, check = split_for_check(pictures, cfg, rng)
    row = nn.Parameter(start.detach().clone().float())
    best = None
    if check:
        best = _RowCheck(half_erased_batch(check, shape.cfg.size), row.detach().clone(),
                         float("inf"))
        best.offer(shape, row, cfg, 0)
    opt = torch.optim.Adam([row], lr=cfg.lr * _rms(row))
    steps, begin = 0, clock.elapsed()
    while clock.elapsed() < clock.budget and not (cfg.max_steps and steps >= cfg.max_steps):
        _decay(opt, cfg, (clock.elapsed() - begin) / max(clock.budget - begin, 1e-9))
        partial, full = shape_batch(train, shape.cfg.size, cfg.shape_batch, rng,
                                    cfg.half_share)
        loss = shape_loss(shape, row, partial, full, cfg, int(rng.integers(2**31)))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        steps += 1
        if best is not None and steps % cfg.check_every == 0:
            best.offer(shape, row, cfg, steps)
        clock.tick("shape")
    if best is None:
        return row.detach().clone(), steps, steps
    if steps % cfg.check_every:
        best.offer(shape, row, cfg, steps)
    return best.row, steps, best.step


def _decay(opt: torch.optim.Optimizer, cfg: TeachConfig, done: float) -> None:
    """With lr_decay, each group's step is its initial one times a cosine from 1 to 0 over
    the share `done` of the stage's time (the last steps settle instead of jittering)."""
    for group in opt.param_groups:
        group.setdefault("initial_lr", group["lr"])
        scale = 0.5 * (1.0 + math.cos(math.pi * min(max(done, 0.0), 1.0))) if cfg.lr_decay else 1.0
        group["lr"] = group["initial_lr"] * scale


def _rms(row: torch.Tensor) -> float:
    return float(row.detach().square().mean().sqrt().clamp_min(1e-3))
