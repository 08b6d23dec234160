"""Where a run came from: git commit, data manifest hash, the command as an argument list
(paths relative to the working folder, never this computer's absolute paths)."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Sequence

REPO_ROOT = Path(__file__).resolve().parents[2]


def git_commit(repo: Path = REPO_ROOT) -> str:
    """HEAD's hash, with "-dirty" if tracked files differ; "unknown" outside a git clone."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "models"], cwd=repo,
                               capture_output=True).returncode != 0
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("-dirty" if dirty else "")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def data_manifest_sha256(data_root: Path) -> str:
    """sha256 over the data set manifests (objects-v1/manifest.json, then every Quick Draw
    ndjson in name order), so a release names exactly the data it was trained on."""
    files = [data_root / "objects-v1" / "manifest.json"]
    files += sorted((data_root / "quickdraw-v1").glob("*.ndjson"))
    h = hashlib.sha256()
    for f in files:
        if f.is_file():
            h.update(f.relative_to(data_root).as_posix().encode())
            h.update(sha256_file(f).encode())
    return h.hexdigest()


def portable_path(arg: str, base: Path) -> str:
    """An absolute path as a path relative to `base` (with ../ when outside it), so that a
    record never names where this computer keeps its files; any other text as it is."""
    if not os.path.isabs(arg):
        return arg
    return Path(os.path.relpath(arg, base)).as_posix()


def portable_args(args: Sequence[str], base: Path) -> list[str]:
    """Command-line arguments with every absolute path (also in --opt=/path) made relative."""
    out = []
    for arg in args:
        name, eq, value = arg.partition("=")
        if eq and name.startswith("--"):
            out.append(f"{name}={portable_path(value, base)}")
        else:
            out.append(portable_path(arg, base))
    return out


def command_line(module: str, argv: Sequence[str] | None, base: Path | None = None) -> list[str]:
    """The command as an argument list a person can run again from the working folder:
    ["python", "-m", module, *args], its paths relative to `base` (default: the cwd)."""
    args = list(sys.argv[1:] if argv is None else argv)
    return ["python", "-m", module, *portable_args(args, base or Path.cwd())]
