"""gui.startup_bench: a fresh process builds the window and loads the models; times printed."""
from __future__ import annotations

from sketchfill.gui import startup_bench


def test_startup_bench_starts_the_app_and_reports(capsys, tiny_checkpoint_dir):
    code = startup_bench.main(["--runs", "1", "--checkpoints", str(tiny_checkpoint_dir)])
    out = capsys.readouterr().out
    assert code == 0
    assert "capability" in out and "runtime: " in out
    start = next(line for line in out.splitlines() if line.startswith("start 1:"))
    window, models = (float(part.split()[-2]) for part in start.split(":")[1].split(","))
    assert 0 < window <= models


def test_startup_bench_reports_a_failed_start(capsys, tmp_path):
    assert startup_bench.main(["--runs", "1", "--checkpoints", str(tmp_path)]) == 1
    assert "error: the app did not start" in capsys.readouterr().err
