"""Where a run came from: git commit, data manifest hash, exact command line."""
from __future__ import annotations

import hashlib
import shlex
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


def command_line(module: str, argv: Sequence[str] | None) -> str:
    """The command as a person would type it again: `python -m <module> <args>`."""
    args = list(sys.argv[1:] if argv is None else argv)
    return " ".join(["python", "-m", module, *map(shlex.quote, args)])
