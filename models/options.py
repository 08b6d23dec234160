"""Command-line options made from config dataclasses, and the help format of every
`python -m models...` command.

A config field declared with `option(default, "help")` is also a command-line option
`--field-name` of the field's type, default and help; `add_options` adds them to a parser and
`option_values` reads them back, so a trainer's options are never mapped by hand twice.
"""
from __future__ import annotations

import argparse
import dataclasses
from typing import Any, Iterable

HELP = "help"


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default; a help text that already names its default (e.g. a data
    root looked up at run time, which must not print this computer's absolute path) keeps its
    own wording."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text:
            return text
        return super()._get_help_string(action)


def help_with_default(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """The help line `parser` prints for `action` (lets a test check every option's)."""
    return parser.formatter_class(prog=parser.prog)._get_help_string(action)


def option(default: Any, help: str) -> Any:
    """A dataclass field that is also the command-line option --<field-name>."""
    return dataclasses.field(default=default, metadata={HELP: help})


def option_fields(cls: type, names: Iterable[str] | None = None) -> list[dataclasses.Field]:
    """The fields of `cls` declared with option() (only `names`, if given)."""
    wanted = set(names) if names is not None else None
    return [f for f in dataclasses.fields(cls)
            if HELP in f.metadata and (wanted is None or f.name in wanted)]


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def add_options(parser: argparse.ArgumentParser, cls: type, names: Iterable[str] | None = None,
                unset: str = "") -> None:
    """One option per option() field of `cls`. With `unset` (e.g. "the preset's"), the options
    default to None, meaning "keep that value", and their help says so."""
    for f in option_fields(cls, names):
        help_text = f.metadata[HELP] + (f" (default: {unset})" if unset else "")
        default = None if unset else f.default
        if isinstance(f.default, bool) or f.type == "bool | None":  # None: auto
            parser.add_argument(flag(f.name), action=argparse.BooleanOptionalAction,
                                default=default, help=help_text)
        else:
            parser.add_argument(flag(f.name), type=type(f.default), default=default,
                                help=help_text)


def option_values(cls: type, args: argparse.Namespace,
                  names: Iterable[str] | None = None) -> dict[str, Any]:
    """{field: value} of the option() fields of `cls` that `args` gives (None: not given)."""
    return {f.name: getattr(args, f.name) for f in option_fields(cls, names)
            if getattr(args, f.name, None) is not None}
