"""What the engine-level measures (`python -m app.evaluate_colour`, `app.evaluate_shadow`) share
on the command line: the options every one takes, and one run with its JSON and table."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

import torch

from sketchfill.app.engine import Engine
from sketchfill.models.data import sources
from sketchfill.models.files import write_text
from sketchfill.models.files import CheckpointError


def measure_parser(name: str, doc: str, checkpoints_help: str) -> argparse.ArgumentParser:
    """--checkpoints, --data, --out (default runs/<name>) and --threads; the caller adds its
    own options."""
    p = argparse.ArgumentParser(prog=f"python -m app.evaluate_{name}", description=doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoints", type=Path, default=None, help=checkpoints_help)
    p.add_argument("--data", type=Path, default=None,
                   help="data root (default: $SKETCHFILL_DATA, else ../shared/datasets)")
    p.add_argument("--out", type=Path, default=Path(f"runs/{name}"),
                   help=f"where {name}.json goes (default runs/{name})")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    return p


def run_measure(name: str, args: argparse.Namespace,
                measure: Callable[[Engine, Path], dict], table: Callable[[dict], str]) -> int:
    """Load the shipped classes' engine (a user's taught classes have no held-out data), run
    `measure` on the data root, write <out>/<name>.json and print the table; 1 with one
    line on stderr for missing checkpoints or data or an unwritable folder."""
    torch.set_num_threads(args.threads)
    root = args.data if args.data is not None else sources.default_data_root()
    try:
        engine = Engine.load(args.checkpoints, device="cpu", taught=False)
        result = measure(engine, root)
        args.out.mkdir(parents=True, exist_ok=True)
        write_text(args.out / f"{name}.json", json.dumps(result, indent=1))
    except (CheckpointError, sources.DataSourceError, ValueError, OSError) as err:
        print(f"evaluate_{name}: {err}", file=sys.stderr)
        return 1
    print(table(result))
    return 0
