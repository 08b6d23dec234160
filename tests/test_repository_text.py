"""The repository speaks of the product: no development diary in any tracked text, a README
short enough to read, and a code map that names every module."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ORDINALS = ("first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
            "thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|"
            r"twentieth|\d+(?:st|nd|rd|th)")
NARRATION = re.compile("|".join([
    rf"\b(?:{ORDINALS}) session\b",
    r"\bthis (?:stop|machine)\b", r"\bthese machines\b", r"\banother engineer",
    r"\bstop \d+\b", r"\bnext session\b", r"\blast session\b",
]), re.IGNORECASE)
TEXT_SUFFIXES = {".py", ".md", ".json", ".txt", ".ini", ".toml", ".cfg", ""}
README_MAX_LINES = 220


def tracked_files() -> list[str]:
    return subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                          check=True).stdout.split()


def tracked_text_files() -> list[Path]:
    files = [REPO / name for name in tracked_files() if Path(name).suffix in TEXT_SUFFIXES]
    # this file spells the phrases out to look for them
    return [p for p in files if p.is_file() and p.name != Path(__file__).name]


def narration_in(text: str) -> list[tuple[int, str]]:
    return [(n, m.group(0)) for n, line in enumerate(text.splitlines(), 1)
            for m in [NARRATION.search(line)] if m]


@pytest.mark.parametrize("line", [
    "the seventeenth session measured it", "as this machine showed", "(stop 12)",
    "another engineer's code", "In the 3rd session we", "these machines are slow",
])
def test_the_checker_finds_narration(line: str) -> None:
    assert narration_in(line)


@pytest.mark.parametrize("line", ["Open a session file", "the session is autosaved",
                                  "a machine with CUDA", "stop the worker"])
def test_the_checker_leaves_product_words_alone(line: str) -> None:
    assert not narration_in(line)


def test_no_tracked_text_narrates_development() -> None:
    found = [f"{p.relative_to(REPO)}:{n}: {phrase!r}" for p in tracked_text_files()
             for n, phrase in narration_in(p.read_text(encoding="utf-8", errors="replace"))]
    assert not found, "\n".join(found)


def test_readme_is_short() -> None:
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES


def test_code_map_names_every_module() -> None:
    """docs/code_map.md (the README points at it) has a row for every module."""
    readme = (REPO / "docs" / "code_map.md").read_text(encoding="utf-8")
    modules = [name for name in tracked_files()
               if name.split("/")[0] in ("app", "gui", "models") and name.endswith(".py")
               and not name.endswith("__init__.py") and (REPO / name).is_file()]
    missing = [m for m in modules if f"`{m}`" not in readme]
    assert not missing, f"code map lacks: {missing}"
    rows = [line for line in readme.splitlines() if line.startswith("| `")]
    assert all(len(row) <= 100 for row in rows)
    mapped = [row.split("`")[1] for row in rows]
    gone = [m for m in mapped if m.endswith(".py") and not (REPO / m).is_file()]
    assert not gone, f"code map names modules that do not exist: {gone}"
