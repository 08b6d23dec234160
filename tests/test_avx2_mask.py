"""app/avx2_mask.py: a program run as a CPU without AVX-512 would see it (real library, real
child process; skipped where the kernel or CPU has no CPUID faulting)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from sketchfill.app import avx2_mask

NOT_HERE = avx2_mask.unsupported()


def run_masked(probe: str, tmp_path) -> list[str]:
    """The lines a Python `probe` prints in a child process seeing the CPU masked."""
    env = avx2_mask.masked_env(avx2_mask.library(tmp_path))
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def test_the_source_clears_every_avx512_and_amx_bit_it_names() -> None:
    text = avx2_mask.source()
    assert "@CLEARED@" not in text
    for leaf, sub, reg, mask in avx2_mask._CLEARED:
        assert f"if (leaf == {leaf} && sub == {sub}) r[{reg}] &= ~({mask});" in text


@pytest.mark.skipif(NOT_HERE is not None, reason=f"cannot mask here: {NOT_HERE}")
def test_the_library_is_built_once(tmp_path) -> None:
    first = avx2_mask.library(tmp_path)
    made = first.stat().st_mtime_ns
    assert avx2_mask.library(tmp_path) == first and first.stat().st_mtime_ns == made


@pytest.mark.skipif(NOT_HERE is not None, reason=f"cannot mask here: {NOT_HERE}")
def test_a_masked_program_sees_no_avx512_in_torch_numpy_or_onednn(tmp_path) -> None:
    probe = ("import numpy._core._multiarray_umath as m, torch;"
             "print(torch.backends.cpu.get_cpu_capability(),"
             " torch.ops.mkldnn._is_mkldnn_bf16_supported(),"
             " any(v for k, v in m.__cpu_features__.items() if k.startswith('AVX512')))")
    assert run_masked(probe, tmp_path) == ["AVX2 False False"]


@pytest.mark.skipif(NOT_HERE is not None, reason=f"cannot mask here: {NOT_HERE}")
def test_the_command_runs_a_module_masked(tmp_path) -> None:
    env = {"SKETCHFILL_CACHE": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "sketchfill.app.avx2_mask", "app.runtime.cpu"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "capability AVX2, native bf16 no" in done.stdout


def test_where_it_cannot_run_it_says_why(monkeypatch, capsys) -> None:
    monkeypatch.setattr(avx2_mask, "unsupported", lambda: "needs Linux on x86-64")
    assert avx2_mask.main(["gui.speed_check"]) == 1
    assert "cannot mask AVX-512 here: needs Linux on x86-64" in capsys.readouterr().err


@pytest.mark.skipif(NOT_HERE is not None, reason=f"cannot mask here: {NOT_HERE}")
def test_on_a_cpu_without_avx512_neither_the_app_nor_the_trainers_consider_bf16(tmp_path) -> None:
    """The real decision, in a process that sees the CPU as an AVX2-only one (no mock)."""
    probe = ("import torch\n"
             "from sketchfill.app.runtime.choice import candidates\n"
             "from sketchfill.models.training.loop import autocast\n"
             "print(candidates(torch.device('cpu')))\n"
             "with autocast(torch.device('cpu'), None):\n"
             "    print(torch.is_autocast_enabled('cpu'))\n")
    runtimes, autocast_on = run_masked(probe, tmp_path)
    assert "eager" in runtimes and "eager-bf16" not in runtimes and autocast_on == "False"
