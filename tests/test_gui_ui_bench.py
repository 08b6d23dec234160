"""The UI latency benchmark (gui/ui_bench.py) runs end to end on tiny random networks."""

import json

import pytest

from sketchfill.gui import ui_bench


def test_stroke_to_shadow_pairs_events_with_the_first_later_request():
    events = [0.0, 0.1, 0.2, 0.9]
    sent = {1: 0.05, 2: 0.25}
    shown = [(1, 0.3), (2, 0.5)]
    assert ui_bench.stroke_to_shadow(events, sent, shown) == [
        300.0,  # event at 0.0 first seen in request 1 (built at 0.05), shown at 0.3
        400.0,  # events at 0.1 and 0.2 missed request 1: request 2, shown at 0.5
        300.0,
    ]  # the event at 0.9 was never shown: not counted


def test_pen_up_to_final_waits_for_a_full_result_requested_after_the_lift():
    lifts = [1.0, 2.0]
    sent = {1: 0.9, 2: 1.05, 3: 2.01}
    finals = [(1, 1.1), (2, 1.3), (3, 2.2)]
    assert ui_bench.pen_up_to_final(lifts, sent, finals) == pytest.approx([300.0, 200.0])


def test_synthetic_drawing_stays_on_the_canvas():
    drawing = ui_bench.synthetic_drawing(5, 30)
    points = [p for stroke in drawing for p in stroke]
    assert len(drawing) == 5 and len(points) == 150
    assert all(0 <= x <= 512 and 0 <= y <= 512 and 0 < p <= 1 for x, y, p in points)


def test_bench_runs_and_reports_json(qtbot, capsys, tiny_checkpoint_dir):
    code = ui_bench.main(
        [
            "--checkpoints",
            str(tiny_checkpoint_dir),
            "--device",
            "cpu",
            "--strokes",
            "2",
            "--points",
            "12",
            "--json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert "capability" in out["cpu"] and "native bf16" in out["cpu"]
    report = out["auto"]
    assert "torch eager float32" in report["runtime"]  # the suite runs torch (conftest)
    assert report["events"] == 24 and report["results"] >= 1
    assert report["max_stall_ms"] >= 0 and report["latency_median_ms"] > 0
    assert report["pen_up_median_ms"] > 0  # each lift is followed by a full result
