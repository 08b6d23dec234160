"""gui.speed_check: the three benchmarks in fresh processes, one row per speed target."""
from __future__ import annotations

from sketchfill.gui import speed_check


def figures(update_ms: float) -> dict:
    return {"cpu": "CPU test", "runtime": "shape x, appearance y",
            "start": {"models_s": 0.8},
            "engine": {"update_ms": update_ms, "idle_ms": 130.0},
            "ui": {"latency_median_ms": 60.0, "latency_p90_ms": 90.0,
                   "pen_up_median_ms": 150.0, "max_stall_ms": 6.0}}


def test_each_target_is_met_or_missed_by_its_own_figure() -> None:
    text, met = speed_check.report(figures(99.0))
    assert met and text.splitlines()[0] == "CPU test" and "every target met" in text
    text, met = speed_check.report(figures(101.0))
    missed = [line for line in text.splitlines() if line.endswith("MISSED")]
    assert not met and len(missed) == 1 and missed[0].startswith("full update")
    assert len([line for line in text.splitlines() if "(target <=" in line]) == len(
        speed_check.TARGETS)


def test_the_quick_check_runs_every_benchmark(capsys, tiny_checkpoint_dir) -> None:
    assert speed_check.main(["--quick", "--checkpoints", str(tiny_checkpoint_dir)]) == 0
    out = capsys.readouterr().out
    assert "capability" in out.splitlines()[0]
    rows = [line for line in out.splitlines() if "(target <=" in line]
    assert len(rows) == len(speed_check.TARGETS)
    assert all(line.endswith(("met", "MISSED")) for line in rows)


def test_a_benchmark_that_fails_is_an_error(capsys, tmp_path) -> None:
    assert speed_check.main(["--quick", "--checkpoints", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith("error: gui.startup_bench failed")
