"""app.bench and models.nets.cpu_tuning: output shape of the benchmark, never its speed."""
from __future__ import annotations

import json

import pytest
import torch

from sketchfill.app import bench
from sketchfill.models.nets import cpu_tuning
from sketchfill.app.bench import StageStats


def test_json_has_the_documented_keys(capsys, tiny_checkpoint_dir) -> None:
    code = bench.main(["--json", "--repeats", "1", "--warmup", "0", "--configs", "shipped",
                       "--checkpoints", str(tiny_checkpoint_dir), "--device", "cpu"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["device"] == "cpu" and out["threads"] == torch.get_num_threads()
    assert set(out["shipped"]) == {"complete_ms", "render_ms", "update_ms", "idle_ms"}
    assert all(v > 0 for v in out["shipped"].values())
    assert out["ratio"] is None                       # needs both paper and fast


def test_only_the_documented_configs_are_offered() -> None:
    assert set(bench.CONFIGS) == {"paper", "fast"}
    with pytest.raises(SystemExit):
        bench.parser().parse_args(["--configs", "tiny"])


def test_table_lists_every_stage(capsys, tiny_checkpoint_dir) -> None:
    assert bench.main(["--repeats", "1", "--warmup", "0", "--configs", "shipped",
                       "--checkpoints", str(tiny_checkpoint_dir)]) == 0
    text = capsys.readouterr().out
    for stage in bench.STAGES:
        assert stage in text


def test_ratio_is_paper_over_fast_update() -> None:
    def run(update: float) -> dict[str, StageStats]:
        return {s: StageStats(update, update * 2) for s in bench.STAGES}
    out = bench.summary(torch.device("cpu"), 2, True, {"paper": run(1300.0), "fast": run(100.0)},
                        {"paper": "torch eager float32"})
    assert out["ratio"] == pytest.approx(13.0)
    assert out["paper"] == {"complete_ms": 1300.0, "render_ms": 1300.0, "update_ms": 1300.0,
                            "idle_ms": 1300.0}
    assert out["p90"]["fast"]["update_ms"] == 200.0


def test_benchmark_sketch_and_engines_are_realistic() -> None:
    sketch = bench.bench_sketch()
    assert sketch.shape == (512, 512) and sketch.dtype.name == "uint8"
    assert 0 < (sketch < 128).mean() < 0.1              # some ink, mostly paper
    engine = bench.build_engine("fast", torch.device("cpu"))
    assert engine.shape.cfg.size == 64 and engine.appearance.cfg.size == 128
    assert len(engine.classes) == engine.shape.cfg.n_classes


def test_stats_median_and_p90() -> None:
    got = bench.stats([float(v) for v in range(1, 11)])
    assert got.median_ms == 5.5 and got.p90_ms == pytest.approx(9.1)


@pytest.mark.parametrize("argv", [["--configs", "huge"], ["--repeats", "0"]])
def test_usage_errors(argv) -> None:
    with pytest.raises(SystemExit) as exit_:
        bench.main(argv)
    assert exit_.value.code == 2




def test_malloc_tuning_is_accepted_by_glibc() -> None:
    assert cpu_tuning.tune_malloc() is True


def test_threads() -> None:
    before = torch.get_num_threads()
    try:
        assert cpu_tuning.set_threads(None) == before
        assert cpu_tuning.set_threads(1) == 1
        with pytest.raises(ValueError, match="at least 1"):
            cpu_tuning.set_threads(0)
    finally:
        torch.set_num_threads(before)


def test_shipped_config_times_the_checkpoints_given(tiny_checkpoint_dir, capsys) -> None:
    assert bench.main(["--configs", "shipped", "--checkpoints", str(tiny_checkpoint_dir),
                       "--repeats", "1", "--warmup", "0", "--json", "--threads", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["shipped"]["update_ms"] > 0 and out["ratio"] is None


def test_shipped_config_without_checkpoints_is_a_clear_error(tmp_path, capsys) -> None:
    assert bench.main(["--configs", "shipped", "--checkpoints", str(tmp_path / "none"),
                       "--repeats", "1"]) == 1
    assert "error:" in capsys.readouterr().err
