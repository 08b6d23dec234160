"""app.runtime.cores: one thread per physical core, read from the CPU topology."""
from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from sketchfill.app.runtime import cores


def fake_sysfs(root: Path, siblings: dict[int, str], name: str = "core_cpus_list") -> Path:
    """A /sys/devices/system/cpu tree: each CPU's list of the CPUs sharing its core."""
    for cpu, shared in siblings.items():
        topology = root / f"cpu{cpu}" / "topology"
        topology.mkdir(parents=True)
        (topology / name).write_text(shared + "\n")
    return root


# A 2-core laptop with hyper-threading, numbered as Linux numbers Intel's: 0,2 and 1,3 pair up.
LAPTOP = {0: "0,2", 1: "1,3", 2: "0,2", 3: "1,3"}


def test_hyper_thread_siblings_count_as_one_core(tmp_path) -> None:
    root = fake_sysfs(tmp_path, LAPTOP)
    assert cores.linux_cores({0, 1, 2, 3}, root) == 2
    assert cores.linux_cores({0, 2}, root) == 1        # an affinity mask of one core's threads
    assert cores.linux_cores({0, 1}, root) == 2


def test_older_kernels_name_the_siblings_list_otherwise(tmp_path) -> None:
    root = fake_sysfs(tmp_path, {0: "0-1", 1: "0-1", 2: "2-3", 3: "2-3"}, "thread_siblings_list")
    assert cores.linux_cores({0, 1, 2, 3}, root) == 2


def test_an_unreadable_topology_is_not_guessed(tmp_path) -> None:
    root = fake_sysfs(tmp_path, {0: "0", 1: "1"})
    assert cores.linux_cores({0, 1, 2}, root) is None  # cpu2 hidden (some containers)
    assert cores.linux_cores(set(), root) is None


def test_without_a_topology_the_machines_ratio_scales_the_usable_cpus(monkeypatch) -> None:
    # psutil on a machine with hyper-threading, which this test machine may not be.
    counts = {False: 4, True: 8}
    fake = types.SimpleNamespace(cpu_count=lambda logical=True: counts[logical])
    monkeypatch.setitem(sys.modules, "psutil", fake)
    assert cores.ratio_cores(8) == 4 and cores.ratio_cores(6) == 3 and cores.ratio_cores(1) == 1
    counts[False] = None  # psutil could not tell
    assert cores.ratio_cores(6) == 6
    monkeypatch.setitem(sys.modules, "psutil", None)  # not installed: import fails
    assert cores.ratio_cores(6) == 6


def test_this_machines_count_is_within_its_usable_cpus() -> None:
    found = cores.physical_cores()
    assert 1 <= found <= len(cores.usable_cpus())
    if sys.platform.startswith("linux"):
        assert found == cores.linux_cores(cores.usable_cpus())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux topology")
def test_the_real_topology_agrees_with_psutil_where_every_cpu_is_usable() -> None:
    psutil = pytest.importorskip("psutil")
    if len(cores.usable_cpus()) != psutil.cpu_count():
        pytest.skip("this process is held to some of the CPUs")
    assert cores.linux_cores(cores.usable_cpus()) == psutil.cpu_count(logical=False)
