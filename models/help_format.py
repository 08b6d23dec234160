"""The help formatter of every `python -m models...` command: each option shows its default.

argparse's ArgumentDefaultsHelpFormatter appends "(default: ...)" to every option; an option
whose help already says what its default is (e.g. a data root looked up at run time, which
must not print this computer's absolute path) keeps its own wording instead of "None".
"""
from __future__ import annotations

import argparse


class DefaultsHelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """ArgumentDefaultsHelpFormatter that leaves a help text already naming its default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text:
            return text
        return super()._get_help_string(action)


def help_with_default(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """The help line `parser` prints for `action` (for tests: every option shows a default)."""
    return parser.formatter_class(prog=parser.prog)._get_help_string(action)
