"""Time dataset items on one core: ``python -m models.data.bench [--data DIR] [--items N]``.

Prints milliseconds per item for each dataset and size used in training. Derivation
(outline extraction) is done, or read from the cache, before timing starts.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Sequence

import cv2
import torch

from sketchfill.models.data import datasets, sources
from sketchfill.models.options import DefaultsHelpFormatter

CASES = (("shape", 64), ("shape", 128), ("appearance", 128), ("appearance", 256))


def ms_per_item(dataset: torch.utils.data.Dataset, items: int) -> float:
    """Mean wall time of ``dataset[i]`` over the first ``items`` indices (wrapping)."""
    dataset[0]  # warm-up: first-call allocations and lazy imports
    start = time.perf_counter()
    for i in range(items):
        dataset[i % len(dataset)]
    return (time.perf_counter() - start) / items * 1000.0


def build(kind: str, root: Path, size: int) -> torch.utils.data.Dataset:
    if kind == "shape":
        return datasets.ShapeDataset(root, size=size)
    return datasets.AppearanceDataset(root, size=size)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=DefaultsHelpFormatter)
    parser.add_argument("--data", "--root", dest="root", type=Path, default=None, metavar="DIR",
                        help=sources.DATA_HELP)
    parser.add_argument("--items", type=int, default=300, help="items timed per data set")
    args = parser.parse_args(argv)
    args.root = args.root if args.root is not None else sources.default_data_root()
    cv2.setNumThreads(1)  # the cost of an item, not OpenCV's parallelism
    torch.set_num_threads(1)
    try:
        for kind, size in CASES:
            ms = ms_per_item(build(kind, args.root, size), args.items)
            print(f"{kind:<10} {size:>4} px  {ms:6.2f} ms/item")
    except sources.DataSourceError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
