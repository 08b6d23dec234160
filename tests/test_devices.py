"""app.devices: "auto", "cpu" and "cuda" resolved, without importing torch where its build or
the computer rules CUDA out."""
from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from sketchfill.app import devices

REPO = Path(__file__).resolve().parent.parent
CPU_BUILD = "+cpu" in importlib.metadata.version("torch")


@pytest.mark.skipif(not CPU_BUILD, reason="needs a CPU-only torch build (a '+cpu' version)")
def test_auto_is_the_cpu_on_a_cpu_build_without_importing_torch() -> None:
    code = ("import sys\n"
            "from sketchfill.app.devices import cuda_available, cuda_possible, device_name\n"
            "print(device_name('auto'), cuda_possible(), cuda_available(), "
            "'torch' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], env=dict(os.environ), cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["cpu", "False", "False", "False"], done.stderr


def test_cpu_is_the_cpu() -> None:
    assert devices.device_name("cpu") == "cpu"
    assert devices.resolve_device("cpu") == torch.device("cpu")


def test_auto_follows_torchs_answer() -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert devices.device_name("auto") == expected
    assert devices.resolve_device("auto").type == expected


@pytest.mark.parametrize("name", ["tpu", "gpu", "CPU", "", "mps"])
def test_an_unknown_device_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="unknown device"):
        devices.device_name(name)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this computer has CUDA")
@pytest.mark.parametrize("name", ["cuda", "cuda:0"])
def test_cuda_without_cuda_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="no CUDA"):
        devices.device_name(name)
    with pytest.raises(ValueError, match="no CUDA"):
        devices.resolve_device(name)


def test_with_torch_loaded_torch_is_asked() -> None:
    assert "torch" in sys.modules
    assert devices.cuda_possible() is True
    assert devices.cuda_available() == torch.cuda.is_available()


@pytest.fixture
def torch_unloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """cuda_possible() as in a process that has not imported torch, on Linux."""
    monkeypatch.delitem(sys.modules, "torch")
    monkeypatch.setattr(devices.sys, "platform", "linux")


def _cdll(found: set[str]):
    def load(name: str):
        if name not in found:
            raise OSError(f"{name}: cannot open shared object file")
        return object()
    return load


@pytest.mark.parametrize("installed, drivers, possible", [
    ("2.13.0+cpu", {"libcuda.so.1"}, False),   # a CPU build: never, driver or not
    ("2.13.0+cu121", set(), False),            # a CUDA build without the driver
    ("2.13.0+cu121", {"libcuda.so.1"}, True),
    ("2.13.0", {"libcuda.so"}, True),          # the unversioned library is tried too
    (None, {"libcuda.so.1"}, True),            # no torch metadata: the driver decides
    (None, set(), False),
])
def test_cuda_is_possible_only_with_a_cuda_build_and_a_driver(
        torch_unloaded, monkeypatch: pytest.MonkeyPatch, installed, drivers, possible) -> None:
    def version(package: str) -> str:
        if installed is None:
            raise importlib.metadata.PackageNotFoundError(package)
        return installed

    monkeypatch.setattr(devices.importlib.metadata, "version", version)
    monkeypatch.setattr(devices.ctypes, "CDLL", _cdll(drivers))
    assert devices.cuda_possible() is possible
    assert "torch" not in sys.modules


def test_on_macos_cuda_is_never_possible(torch_unloaded, monkeypatch) -> None:
    monkeypatch.setattr(devices.sys, "platform", "darwin")
    monkeypatch.setattr(devices.importlib.metadata, "version", lambda package: "2.13.0")
    monkeypatch.setattr(devices.ctypes, "CDLL", _cdll({"libcuda.so.1", "libcuda.so"}))
    assert devices.cuda_possible() is False


def test_without_cuda_auto_is_the_cpu_without_importing_torch(torch_unloaded,
                                                              monkeypatch) -> None:
    monkeypatch.setattr(devices.importlib.metadata, "version", lambda package: "2.13.0+cu121")
    monkeypatch.setattr(devices.ctypes, "CDLL", _cdll(set()))
    assert devices.device_name("auto") == "cpu"
    assert "torch" not in sys.modules
    with pytest.raises(ValueError, match="no CUDA"):
        devices.device_name("cuda")
    assert "torch" not in sys.modules
