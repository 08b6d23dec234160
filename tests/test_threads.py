"""app.runtime.threads: a thread count per calling thread, known without torch and handed to
torch where torch is loaded."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch

from sketchfill.app.runtime import threads
from sketchfill.app.runtime.cores import physical_cores

REPO = Path(__file__).resolve().parent.parent


def run_python(code: str) -> list[str]:
    """The lines `code` prints in a fresh interpreter (no torch unless it imports it)."""
    done = subprocess.run([sys.executable, "-c", code], env=dict(os.environ), cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.fixture
def torch_threads():
    """torch's thread count on this thread, put back afterwards."""
    before = torch.get_num_threads()
    yield before
    torch.set_num_threads(before)


TORCH_FREE = """
import sys, threading
from sketchfill.app.runtime import threads as t
seen = {}
def other():
    seen["other before"] = t.current_threads()
    seen["other set"] = t.set_threads(5)
main_default = t.current_threads()
main_set = t.set_threads(7)
worker = threading.Thread(target=other)
worker.start()
worker.join()
print(main_default, t.default_threads(), main_set, t.current_threads(), t.set_threads(None),
      seen["other before"], seen["other set"], 'torch' in sys.modules)
"""


def test_a_count_set_on_one_thread_stays_on_that_thread_without_torch() -> None:
    (main_default, default, main_set, main_after, kept, other_before, other_set,
     torch_loaded) = run_python(TORCH_FREE)
    assert main_default == default == other_before   # nothing set: the default everywhere
    assert int(default) == physical_cores()  # torch's default: one per physical core
    assert main_set == main_after == kept == "7"      # the other thread's 5 is its own
    assert other_set == "5"
    assert torch_loaded == "False"


def test_torch_imported_later_is_told_the_count_set_before() -> None:
    code = ("from sketchfill.app.runtime import threads as t\n"
            "t.set_threads(5)\n"
            "import torch\n"
            "before = torch.get_num_threads()\n"
            "t.sync_torch()\n"
            "print(before, torch.get_num_threads(), t.current_threads())\n")
    before, after, current = run_python(code)
    if before == "5":
        pytest.skip("torch's own default here is the count set")
    assert (after, current) == ("5", "5")


def test_with_torch_loaded_the_count_is_torchs(torch_threads: int) -> None:
    assert threads.current_threads() == torch.get_num_threads()
    assert threads.set_threads(1) == 1
    assert torch.get_num_threads() == 1 and threads.current_threads() == 1
    assert threads.set_threads(None) == 1                # None keeps the count in force
    assert threads.set_threads(torch_threads) == torch_threads
    assert torch.get_num_threads() == torch_threads


def test_a_count_torch_was_told_is_not_told_again_over_a_later_one(torch_threads: int) -> None:
    """sync_torch (a checkpoint's load) tells torch only a count set before torch was loaded:
    one set since, even straight through torch, stands."""
    threads.set_threads(1)
    torch.set_num_threads(2)
    threads.sync_torch()
    assert torch.get_num_threads() == 2


def test_a_count_set_on_another_thread_leaves_this_threads_torch_count(
        torch_threads: int) -> None:
    threads.set_threads(1)
    seen = []
    worker = threading.Thread(target=lambda: seen.append(threads.set_threads(2)))
    worker.start()
    worker.join()
    assert seen == [2]
    assert threads.current_threads() == 1 and torch.get_num_threads() == 1


@pytest.mark.parametrize("bad", [0, -1])
def test_a_count_below_one_is_refused(bad: int, torch_threads: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        threads.set_threads(bad)
    assert torch.get_num_threads() == torch_threads     # the count in force stays


HALF_IMPORTED = """
import importlib.machinery, sys, types
from sketchfill.app.runtime import threads as t
half = types.ModuleType("torch")  # what another thread's import of torch leaves meanwhile
half.__spec__ = importlib.machinery.ModuleSpec("torch", None)
half.__spec__._initializing = True
sys.modules["torch"] = half
print(t.set_threads(1), t.current_threads())
half.__spec__._initializing = False
half.get_num_threads, half.set_num_threads = (lambda: 2), (lambda n: None)
print(t.current_threads())
"""


def test_a_torch_still_importing_on_another_thread_is_left_alone() -> None:
    """While the models' load imports torch, the worker's count is kept for it; once torch is
    imported its own count is the one in force."""
    assert run_python(HALF_IMPORTED) == ["1", "1", "2"]
