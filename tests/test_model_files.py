"""The one atomic writer (models/files.py): whole files or none, ordinary permissions."""
from __future__ import annotations

import os
import stat

import pytest

from sketchfill.models import files


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_file_follows_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        files.write_bytes(tmp_path / "a.png", b"x")
        assert mode(tmp_path / "a.png") == 0o644
        os.umask(0o077)
        files.write_text(tmp_path / "b.json", "{}")
        assert mode(tmp_path / "b.json") == 0o600
    finally:
        os.umask(old)


def test_an_overwritten_file_keeps_its_mode(tmp_path):
    path = tmp_path / "keep.txt"
    path.write_text("old")
    os.chmod(path, 0o640)
    files.write_text(path, "new")
    assert path.read_text() == "new" and mode(path) == 0o640


def test_the_umask_is_read_without_changing_it():
    old = os.umask(0o027)
    try:
        assert files.current_umask() == 0o027
        assert os.umask(0o027) == 0o027
    finally:
        os.umask(old)


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "s.json"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with files.atomic_write(path) as f:
            f.write(b"half")
            raise RuntimeError("encoder failed")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_an_os_error_names_the_target_not_the_temporary(tmp_path):
    target = tmp_path / "dir"
    target.mkdir()                      # renaming a file over a directory fails
    with pytest.raises(OSError) as caught:
        files.write_bytes(target, b"x")
    assert caught.value.filename == str(target)
    assert ".tmp" not in str(caught.value)
    assert list(target.iterdir()) == [] and len(list(tmp_path.iterdir())) == 1
