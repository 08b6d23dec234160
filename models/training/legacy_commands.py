"""Training commands recorded as one string (the format-1 record), in today's terms.

A format-1 record is a shell string such as `python -m models.train_shape --run RUNS/x ...`
with RUNS an absolute folder. A command is now an argument list with the current module path
and option names, its paths relative to the working folder the runs folder sits in. Where a
default has changed since, the old default is written out, so the list still means what the
command did; options whose only remaining value they give (`--rec-kind soft`) are dropped; any
other removed option is an error.
"""
from __future__ import annotations

import shlex
from pathlib import Path

from sketchfill.models.training.provenance import portable_args

MODULES = {"models.train_shape": "models.training.train_shape",
           "models.train_appearance": "models.training.train_appearance",
           "models.evaluate": "app.evaluate", "models.release": "models.training.release"}
# Defaults of the older trainers that differ from today's (True/False: a switch).
OLD_DEFAULTS: dict[str, dict[str, str | bool]] = {
    "models.training.train_shape": {"--preset": "fast", "--lr": "2e-4", "--adv-weight": "0.2",
                                    "--penalty-every": "2", "--rec-mean-share": "0.2",
                                    "--agnostic-share": "0", "--cpu-bf16": False,
                                    "--steps": "6000"},
    "models.training.train_appearance": {"--preset": "fast", "--steps": "4000"},
}
ONLY_VALUE = {"--rec-kind": "soft"}     # removed options whose one kept meaning is the default
REMOVED = ("--rec-radius", "--rec-target-radius", "--rec-pixel-weight", "--miss-weight",
           "--refine-blocks", "--train-only", "--adv-ramp", "--lr-d")


class LegacyCommandError(ValueError):
    """An old command used an option that no longer exists with another value."""


def is_legacy(command: object) -> bool:
    """True for a command string of an older version (`python -m models.train_...`)."""
    return isinstance(command, str) and any(f"-m {old} " in command + " " for old in MODULES)


def translate(command: str, base: Path) -> list[str]:
    """An old command string as today's argument list, paths relative to `base`."""
    words = shlex.split(command)
    i = words.index("-m") + 1
    words[i] = MODULES.get(words[i], words[i])
    args = drop_only_values(words[i + 1:], command)
    return [*words[:i + 1], *portable_args(args + old_defaults(words[i], args), base)]


def drop_only_values(args: list[str], command: str) -> list[str]:
    out, k = [], 0
    while k < len(args):
        arg = args[k]
        if arg in REMOVED or (arg in ONLY_VALUE and args[k + 1] != ONLY_VALUE[arg]):
            raise LegacyCommandError(f"{arg} no longer exists: {command}")
        if arg in ONLY_VALUE:
            k += 2
            continue
        out.append(arg)
        k += 1
    return out


def old_defaults(module: str, args: list[str]) -> list[str]:
    """The old defaults of the options a command left out, written out."""
    given = {a.split("=")[0] for a in args if a.startswith("--")}
    extra: list[str] = []
    for name, value in OLD_DEFAULTS.get(module, {}).items():
        negated = "--no-" + name[2:]
        if name in given or negated in given:
            continue
        if isinstance(value, bool):
            extra.append(name if value else negated)
        else:
            extra += [name, value]
    return extra
