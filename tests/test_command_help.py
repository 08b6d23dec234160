"""Every option of the models' commands has a help text that shows its default."""
from __future__ import annotations

import argparse
from typing import Callable

import pytest

from sketchfill.models.data import bench, preview
from sketchfill.models.nets import isf_compat
from sketchfill.models.options import help_with_default
from sketchfill.models.training import release, train_appearance, train_shape


class _Parsed(Exception):
    """Raised instead of parsing, to hand the built parser to the test."""


def built_parser(monkeypatch, build: Callable[[list[str]], object]) -> argparse.ArgumentParser:
    seen: list[argparse.ArgumentParser] = []

    def capture(self, *args, **kwargs):
        seen.append(self)
        raise _Parsed

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", capture)
    with pytest.raises(_Parsed):
        build([])
    return seen[0]


def options(parser: argparse.ArgumentParser):
    """(parser, action) for every option, subcommands' options included."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from options(sub)
        elif not isinstance(action, argparse._HelpAction):
            yield parser, action


@pytest.mark.parametrize("build", [train_shape.parse_args, train_appearance.parse_args,
                                   release.parse_args, isf_compat.main, preview.main,
                                   bench.main],
                         ids=["train_shape", "train_appearance", "release", "isf_compat",
                              "preview", "bench"])
def test_every_option_has_help_and_shows_its_default(monkeypatch, build):
    parser = built_parser(monkeypatch, build)
    checked = 0
    for owner, action in options(parser):
        name = "/".join(action.option_strings) or action.dest
        assert action.help, f"{name} has no help"
        assert "default" in help_with_default(owner, action), f"{name} shows no default"
        checked += 1
    assert checked >= 2


def test_no_help_prints_an_absolute_path(capsys):
    for build in (train_shape.parse_args, train_appearance.parse_args, release.parse_args):
        with pytest.raises(SystemExit):
            build(["--help"])
        out = capsys.readouterr().out
        assert "/shared/datasets" not in out.replace("../shared/datasets", "")
        assert "default: /" not in out
