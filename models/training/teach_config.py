"""The settings of teaching a class (models/training/teach.py) and its progress reports: plain
data, so the command line and the dialog read them without importing torch."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TeachConfig:
    minutes: float = 8.0            # wall-clock budget of both stages (picture reading and
                                    # the start-row search come on top: some seconds)
    look_share: float = 0.6         # share of the budget for the appearance rows
    max_steps: int = 0              # >0: at most this many steps per stage (tests, fixed runs)
    look_batch: int = 4             # pictures per appearance step
    shape_batch: int = 6            # partials per shape step
    k_best: int = 4                 # completions per partial in the best-of-K terms
    lr: float = 0.03                # Adam step, relative to the row's RMS value
    head_lr: float = 2e-3           # Adam step of the class head's output layers (0: no
                                    # class head: the rows alone)
    shift_lr: float = 0.02          # ... and of its beta shifts (beta lies in [-1, 1])
    lr_decay: bool = False          # the step falls to 0 over each stage's time (cosine)
    edge_weight: float = 1.0        # weight of the neighbour-difference L1 in the look loss
    palette_weight: float = 1.0     # weight of the colour-distribution distance in it
    palette_directions: int = 16    # random colour directions of that (sliced) distance
    rec_weight: float = 20.0        # best-of-K soft-outline squared error (train_shape's)
    match_weight: float = 1.0       # best-of-K tolerant match of the added strokes
    match_tolerance: int = 2        # px at the shape output size (4 px at 256)
    search_items: int = 3           # pictures / partials scored per candidate start row
    look_starts: int = 4            # the best this many shipped classes' gate rows each train
                                    # for a share of the race; the one that fits the pictures
                                    # best continues (1: the best start alone, no race)
    race_share: float = 0.5         # share of the appearance time the race takes
    half_share: float = 0.5         # share of each shape batch with a half erased, the rest
                                    # as training makes partials
    check_pictures: int = 2         # pictures the shape stage keeps aside to choose its row
                                    # (only with at least check_pictures + 3 pictures)
    check_every: int = 20           # shape steps between two checks of the row on them
    seed: int = 0                   # augmentation, noise and partials


DEFAULT_TEACH = TeachConfig()


@dataclass(frozen=True)
class TeachProgress:
    stage: str                      # "start rows", "appearance" or "shape"
    fraction: float                 # of the whole run, 0..1
    seconds_left: float             # expected, from the budget
