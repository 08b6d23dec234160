"""Ship a trained run: `python -m models.training.release --kind shape --run runs/shape_fast`.

Copies the run's EMA generator into `<out>/<kind>.pt` (a self-describing checkpoint, see
models.nets.checkpoint), writes its entry in `<out>/manifest.json` (the training commands as
argument lists, data manifest hash, steps, metrics, sha256, date, git commit, classes) and
regenerates `<out>/ATTRIBUTION.md` from the data set manifests, crediting every source as its
licence asks. Provenance names no absolute path: paths are relative to the working folder
(`--rewrite-provenance` converts an older record, weights untouched).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import sys
from collections import defaultdict
from pathlib import Path
from typing import Sequence

from sketchfill.models.nets.appearance import AppearanceConfig
from sketchfill.models.nets.checkpoint import CheckpointError, config_from_dict, load_checkpoint, \
    save_checkpoint
from sketchfill.models.nets.shape import ShapeConfig
from sketchfill.models.options import DefaultsHelpFormatter
from sketchfill.models.training.legacy_commands import is_legacy, translate
from sketchfill.models.training.provenance import (
    REPO_ROOT, git_commit, portable_args, portable_path, sha256_file)
from sketchfill.models.training.run_state import (
    RunStateError, critic_path, load_run_state, save_critic)
from sketchfill.models.files import atomic_write, write_text

CONFIGS = {"shape": ShapeConfig, "appearance": AppearanceConfig}
DEFAULT_OUT = REPO_ROOT / "checkpoints"
WEIGHT_NAMES = {"g_ema": "EMA of generator weights", "g": "raw generator weights"}
QUICKDRAW_CREDIT = ('"Quick, Draw!" dataset, Copyright Google LLC '
                    "(quickdraw.withgoogle.com/data), CC BY 4.0 "
                    "(https://creativecommons.org/licenses/by/4.0/). Raw drawings of a few classes "
                    "(via github.com/borismus/exupery), rasterised, split into stroke prefixes and "
                    "warped for training; no drawing is shipped.")


def model_config(kind: str, data: dict, run_dir: Path) -> ShapeConfig | AppearanceConfig:
    return config_from_dict(CONFIGS[kind], data, run_dir)


def write_json_atomic(path: Path, data: dict) -> None:
    write_text(path, json_text(data) + "\n")


def json_text(data: dict) -> str:
    """JSON indented by one, with each list of plain values on one line (a command, a class
    list), so that the manifest reads one command per line."""
    flat: dict[str, str] = {}

    def mark(value: object) -> object:
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if not isinstance(value, list):
            return value
        if all(v is None or isinstance(v, (str, int, float, bool)) for v in value):
            key = f"<list {len(flat)}>"
            flat[json.dumps(key)] = json.dumps(value)
            return key
        return [mark(v) for v in value]

    text = json.dumps(mark(data), indent=1)
    for key, line in flat.items():
        text = text.replace(key, line, 1)
    return text


def read_metrics(run_dir: Path, step: int) -> dict:
    """<run>/metrics.json if it describes this step, else {} (never stale numbers)."""
    path = run_dir / "metrics.json"
    if not path.is_file():
        return {}
    metrics = json.loads(path.read_text())
    return metrics if metrics.get("step") == step else {}


def evaluation_summary(kind: str, path: Path, base: Path | None = None) -> dict:
    """The part of a `app.evaluate` metrics.json about this kind: its bars and headline."""
    data = json.loads(path.read_text())
    prefix = "completion." if kind == "shape" else "appearance."
    section = data.get("completion" if kind == "shape" else "appearance", {})
    summary = ({"square": section.get("square"), "by_recipe": section.get("by_recipe")}
               if kind == "shape" else
               {"headline_judge": section.get("headline_judge"),
                "headline": section.get("headline"), "judges": section.get("judges")})
    return {"source": "python -m app.evaluate",
            "file": portable_path(str(path.absolute()), base or Path.cwd()),
            "bars": [b for b in data.get("bars", []) if b["metric"].startswith(prefix)],
            **summary}


def portable_command(command: str | list[str], base: Path) -> list[str]:
    """A recorded command as an argument list with paths relative to `base`."""
    if is_legacy(command):
        return translate(command, base)
    return portable_args(shlex.split(command) if isinstance(command, str) else command, base)


def portable_record(value: object, base: Path) -> object:
    """A provenance record (dicts, lists, strings) with every command an argument list and
    every absolute path relative to `base`; everything else as it is."""
    if isinstance(value, dict):
        return {k: (portable_commands(v, base) if k == "commands" else portable_record(v, base))
                for k, v in value.items()}
    if isinstance(value, list):
        return [portable_record(v, base) for v in value]
    if is_legacy(value):        # e.g. "python -m models.evaluate" as a metrics source
        return shlex.join(translate(value, base))
    if isinstance(value, str):
        return portable_path(value, base)
    return value


def portable_commands(commands: list, base: Path) -> list[list[str]]:
    return [portable_command(c, base) for c in commands]


def manifest_entry(kind: str, state: dict, ckpt: Path, metrics: dict, note: str) -> dict:
    entry = {"file": ckpt.name, "sha256": sha256_file(ckpt),
             "commands": portable_commands(state.get("commands", []), Path.cwd()),
             "data_manifest_sha256": state.get("data_manifest_sha256", "unknown"),
             "steps": int(state["step"]), "metrics": metrics,
             "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
             "git_commit": git_commit(), "training_git_commit": state.get("git_commit", "unknown"),
             "classes": list(state["classes"])}
    if state.get("teacher"):    # a distilled network: the one it learned from
        entry["teacher"] = state["teacher"]
    if note:
        entry["note"] = note
    return entry


def release(kind: str, run_dir: Path, out_dir: Path, note: str = "",
            eval_metrics: Path | None = None, weights: str = "g_ema",
            critic: bool = False) -> dict:
    """Write <out>/<kind>.pt and its manifest entry; returns the entry.

    Metrics: the run's own estimates (<run>/metrics.json, if of this step) under "in_run", and
    the evaluator's bars for this kind under "evaluate" when `eval_metrics` is given.
    `weights` picks the generator: "g_ema" (the average, usually better) or "g" (the raw
    weights, for a run stopped while it still moved fast, when the average lags behind).
    `critic`: also write the run's critic beside the generator (<kind>.critic.pt), so that a
    later run can `--fork` the shipped checkpoint without training a critic from scratch;
    without it, a critic left from an earlier release is removed (it would not match).
    """
    state = load_run_state(run_dir, kind)
    cfg = model_config(kind, state["model_config"], run_dir)
    metrics = {"in_run": read_metrics(run_dir, int(state["step"]))}
    if eval_metrics is not None:
        metrics["evaluate"] = evaluation_summary(kind, eval_metrics)
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt = save_checkpoint(out_dir / f"{kind}.pt", kind, cfg, state["classes"],
                           state["nets"][weights],
                           {"steps": int(state["step"]),
                            "commands": portable_commands(state.get("commands", []), Path.cwd()),
                            "data_manifest_sha256": state.get("data_manifest_sha256"),
                            "metrics": metrics, "weights": WEIGHT_NAMES[weights]})
    load_checkpoint(ckpt, kind=kind).build()    # refuse to ship a file the app cannot load
    entry = manifest_entry(kind, state, ckpt, metrics, note)
    entry["weights"] = WEIGHT_NAMES[weights]
    critic_path(ckpt).unlink(missing_ok=True)
    if critic:
        saved = save_critic(ckpt, kind, state["nets"]["d"], entry["sha256"])
        entry["critic"] = {"file": saved.name, "sha256": sha256_file(saved),
                           "use": "training only: --fork from this checkpoint keeps it"}
    manifest_path = out_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    manifest[kind] = entry
    write_json_atomic(manifest_path, manifest)
    return entry


def rescore(kind: str, out_dir: Path, eval_metrics: Path, note: str = "") -> dict:
    """Replace the "evaluate" metrics (and the note, if one is given) of an already shipped
    checkpoint, e.g. after a change to the engine's post-processing that the evaluation goes
    through. The evaluation must have scored this very file (same sha256). Returns the
    updated entry."""
    manifest_path = out_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    entry = manifest[kind]
    scored = json.loads(eval_metrics.read_text())["engine"]["provenance"][kind]["sha256"]
    if scored != entry["sha256"]:
        raise ValueError(f"{eval_metrics} scored another {kind} network ({scored[:12]}...), "
                         f"not the shipped {entry['file']} ({entry['sha256'][:12]}...)")
    entry["metrics"]["evaluate"] = evaluation_summary(kind, eval_metrics)
    entry["rescored"] = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                         "git_commit": git_commit()}
    if note:
        entry["note"] = note
    write_json_atomic(manifest_path, manifest)
    return entry


def rewrite_provenance(kind: str, out_dir: Path, runs_root: Path, note: str = "") -> dict:
    """Rewrite the provenance of the shipped <out>/<kind>.pt and of its manifest entry without
    absolute paths: commands become argument lists (older command strings in today's terms,
    legacy_commands), paths relative to the folder `runs_root` sits in (so a run is
    runs/<name>, as a command run from there names it). The weights stay bit for bit; the
    manifest's sha256 follows the rewritten file. `note` replaces the entry's note."""
    base = runs_root.absolute().parent
    ckpt = out_dir / f"{kind}.pt"
    payload = read_checkpoint_payload(ckpt, kind)
    payload["provenance"] = portable_record(payload.get("provenance", {}), base)
    write_checkpoint_payload(ckpt, payload)
    load_checkpoint(ckpt, kind=kind).build()    # still what the app loads
    manifest_path = out_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    # Older entries hold one string, the commands joined by " && ", under "command".
    entry = {("commands" if k == "command" else k): (v.split(" && ") if k == "command" else v)
             for k, v in manifest[kind].items()}
    entry = portable_record(entry, base)
    entry["sha256"] = sha256_file(ckpt)
    if note:
        entry["note"] = note
    manifest[kind] = entry
    write_json_atomic(manifest_path, manifest)
    return entry


def read_checkpoint_payload(path: Path, kind: str) -> dict:
    """The raw dict of a checkpoint (validated by load_checkpoint first)."""
    import torch
    load_checkpoint(path, kind=kind)
    return torch.load(path, map_location="cpu", weights_only=True)


def write_checkpoint_payload(path: Path, payload: dict) -> None:
    import torch
    with atomic_write(path) as f:
        torch.save(payload, f)


def attribution_text(data_root: Path) -> str:
    """ATTRIBUTION.md: every image source of objects-v1 (grouped, OpenClipart per artist) and
    Quick Draw, with licence and the credit line each licence asks for."""
    manifest = json.loads((data_root / "objects-v1" / "manifest.json").read_text())
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for f in manifest["files"]:
        groups[(f["source"], f["license"], f["attribution"])].append(f"{f['class']}/{f['name']}")
    lines = ["# Attribution of the data behind the shipped checkpoints", "",
             "`shape.pt` and `appearance.pt` were trained on the data below. No image or drawing "
             "is shipped; the weights are a derived work of it. The colour images were rendered, "
             "cropped, scaled, outlined and augmented for training.", "",
             "## Colour object images (objects-v1)", "",
             "| source | licence | attribution | images |", "|---|---|---|---|"]
    for (source, licence, credit), names in sorted(groups.items()):
        shown = ", ".join(sorted(names)[:4]) + (", ..." if len(names) > 4 else "")
        lines.append(f"| `{source}` | {licence} | {credit} | {len(names)} ({shown}) |")
    lines += ["", "Licence texts: Apache-2.0 <https://www.apache.org/licenses/LICENSE-2.0>, "
              "CC BY 4.0 <https://creativecommons.org/licenses/by/4.0/>, MIT "
              "<https://github.com/microsoft/fluentui-emoji/blob/main/LICENSE>. OpenClipart: "
              "Creative Commons Public Domain Dedication.", "",
              "## Sketches", "", f"- {QUICKDRAW_CREDIT}", ""]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=DefaultsHelpFormatter)
    p.add_argument("--kind", choices=sorted(CONFIGS), required=True,
                   help="which network (required, no default)")
    p.add_argument("--run", type=Path,
                   help="run directory holding state.pt (default: none; needed unless "
                        "--rescore or --rewrite-provenance)")
    p.add_argument("--rescore", action="store_true",
                   help="no --run: only replace the shipped checkpoint's --eval-metrics")
    p.add_argument("--rewrite-provenance", action="store_true",
                   help="no --run: rewrite the shipped checkpoint's provenance and manifest "
                        "entry without absolute paths (paths relative to the folder "
                        "--runs-root is in); the weights stay as they are")
    p.add_argument("--runs-root", type=Path, default=Path("runs"),
                   help="the folder the runs are in, for --rewrite-provenance")
    p.add_argument("--out", type=Path, default=Path(os.path.relpath(DEFAULT_OUT)),
                   help="checkpoint directory")
    p.add_argument("--data", type=Path, default=None, metavar="DIR",
                   help="data root, for ATTRIBUTION.md (default: $SKETCHFILL_DATA, else "
                        "../shared/datasets beside the clone)")
    p.add_argument("--note", default="",
                   help="free text stored in the manifest entry: what the network is, in a "
                        "few lines")
    p.add_argument("--eval-metrics", type=Path, default=None,
                   help="metrics.json of `python -m app.evaluate` on these weights "
                        "(default: none)")
    p.add_argument("--weights", choices=sorted(WEIGHT_NAMES), default="g_ema",
                   help="ship the EMA generator (g_ema) or the raw one (g)")
    p.add_argument("--critic", action="store_true",
                   help="also ship the run's critic (half precision) as <kind>.critic.pt, for "
                        "later runs that --fork the shipped checkpoint")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from sketchfill.models.data.sources import default_data_root

    args = parse_args(argv)
    if sum([args.run is not None, args.rescore, args.rewrite_provenance]) != 1 or (
            args.rescore and args.eval_metrics is None):
        print("error: give --run, or --rescore with --eval-metrics, or --rewrite-provenance",
              file=sys.stderr)
        return 2
    try:
        if args.rescore:
            entry = rescore(args.kind, args.out, args.eval_metrics, args.note)
            print(json.dumps({args.kind: entry}, indent=1))
            return 0
        if args.rewrite_provenance:
            entry = rewrite_provenance(args.kind, args.out, args.runs_root, args.note)
            print(json.dumps({args.kind: entry}, indent=1))
            return 0
        entry = release(args.kind, args.run, args.out, args.note, args.eval_metrics,
                        args.weights, args.critic)
    except (RunStateError, CheckpointError, OSError, KeyError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    root = args.data or default_data_root()
    write_text(args.out / "ATTRIBUTION.md", attribution_text(root))
    print(json.dumps({args.kind: entry}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
