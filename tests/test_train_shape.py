"""Stage 1 training: two real steps, resume, and two-rank data parallel under torchrun."""
from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path

import pytest
import torch
from torch.utils.data import TensorDataset

from sketchfill.models.nets.checkpoint import save_checkpoint
from sketchfill.models.training.provenance import sha256_file
from sketchfill.models.nets.shape import TINY_SHAPE, ShapeGenerator
from sketchfill.models.training.train_shape import ShapeTrainConfig, build_nets, critic_target, \
    empty_sketch_loss, train
from sketchfill.models.training.distributed import DistContext
from sketchfill.models.training.loop import Schedule
from sketchfill.models.training.run_log import read_log
from sketchfill.models.training.run_state import RunStateError, continue_run, load_run_state
from tests.tiny_data import CLASSES, run_torchrun, shape_tensors, write_data_root

CFG = ShapeTrainConfig(model=TINY_SHAPE, batch_size=2, k_best=2, penalty_every=1,
                       cpu_bf16=False)
CPU = DistContext(0, 1, 0, torch.device("cpu"))
# Tiny nets: extra threads only contend with whatever else runs on the 2 shared cores.
pytestmark = pytest.mark.usefixtures("one_thread")
REPO = Path(__file__).resolve().parent.parent



def _train(run: Path, steps: int, resume: bool = False) -> int:
    return train(CFG, Schedule(steps, 1, steps, steps), run, shape_tensors(8, 32, 3),
                 CLASSES, resume=resume, meta={"commands": [f"to {steps}"]}, ctx=CPU)


def test_two_steps_finite_losses_and_generator_moves(tmp_path):
    assert _train(tmp_path, 2) == 2
    log = read_log(tmp_path)
    assert [r["step"] for r in log] == [1, 2]
    assert all(math.isfinite(v) for r in log for v in r.values())
    state = load_run_state(tmp_path, "shape")
    init = build_nets(CFG, torch.device("cpu")).g.state_dict()
    moved = [not torch.equal(init[k], v) for k, v in state["nets"]["g"].items()]
    assert state["step"] == 2 and any(moved)
    assert (tmp_path / "samples" / "step_000002.png").is_file()


def test_both_losses_train_generator_and_critic(tmp_path):
    train(CFG, Schedule(2, 1, 2, 2), tmp_path, shape_tensors(8, 32, 3), CLASSES,
          meta={"commands": ["soft"]}, ctx=CPU)
    log = read_log(tmp_path)
    assert all(math.isfinite(v) for r in log for v in r.values())
    assert {"g_rec", "g_adv", "d_wgan", "d_penalty"} <= set(log[-1])


def _plain_and_with(tmp_path: Path, **option) -> tuple[dict, dict]:
    """Two-step runs with the same seed, data and noise, without and with one option: the
    saved states ("plain", then the option's), so only the option can make them differ."""
    states = []
    for name, cfg in (("plain", CFG), ("with", dataclasses.replace(CFG, **option))):
        train(cfg, Schedule(2, 1, 2, 2), tmp_path / name, shape_tensors(8, 32, 3), CLASSES,
              meta={"commands": [name]}, ctx=CPU)
        states.append(load_run_state(tmp_path / name, "shape") | {
            "log": read_log(tmp_path / name)})
    return states[0], states[1]


def _differ(a: dict, b: dict) -> bool:
    return any(not torch.equal(a[k], v) for k, v in b.items())


def test_the_tolerant_match_term_is_logged_and_changes_the_generator_step(tmp_path):
    plain, match = _plain_and_with(tmp_path, match_weight=10.0)
    assert all(math.isfinite(r["g_match"]) and 0.0 <= r["g_match"] <= 1.0 for r in match["log"])
    assert "g_match" not in plain["log"][-1]
    assert _differ(plain["nets"]["g"], match["nets"]["g"])


def test_the_sketch_shown_as_a_fake_changes_the_critic_step(tmp_path):
    plain, empty = _plain_and_with(tmp_path, empty_negatives=1.0)
    assert all(math.isfinite(r["w_empty"]) for r in empty["log"])
    assert "w_empty" not in plain["log"][-1]
    assert _differ(plain["nets"]["d"], empty["nets"]["d"])


def test_a_critic_step_on_the_empty_sketch_loss_scores_the_sketch_lower():
    cfg = dataclasses.replace(CFG, empty_negatives=1.0, cpu_bf16=False)
    nets = build_nets(cfg, torch.device("cpu"))
    partial, full, label = (t[:4] for t in shape_tensors(8, 32, 3).tensors)
    real, empty = critic_target(cfg, full), critic_target(cfg, partial)

    def gap() -> float:
        with torch.no_grad():
            return (nets.d(real, partial, label) - nets.d(empty, partial, label)).mean().item()

    before = gap()
    opt = torch.optim.SGD(nets.d.parameters(), lr=1e-3)
    opt.zero_grad()
    empty_sketch_loss(nets, cfg, partial, label, nets.d(real, partial, label), {}, CPU).backward()
    opt.step()
    assert gap() > before


def test_cpu_bf16_autocast_trains_and_keeps_float32_weights(tmp_path):
    # The shipped shape network's last phase ran with --cpu-bf16: only the arithmetic is
    # bf16; the saved weights, EMA and optimizer moments stay float32.
    cfg = dataclasses.replace(CFG, cpu_bf16=True)
    train(cfg, Schedule(2, 1, 2, 2), tmp_path, shape_tensors(8, 32, 3), CLASSES,
          meta={"commands": ["bf16"]}, ctx=CPU)
    log = read_log(tmp_path)
    assert all(math.isfinite(v) for r in log for v in r.values())
    state = load_run_state(tmp_path, "shape")
    for net in ("g", "d", "g_ema"):
        assert {v.dtype for v in state["nets"][net].values()
                if v.is_floating_point()} == {torch.float32}
    for opt in state["optimizers"].values():
        assert {t.dtype for moments in opt["state"].values() for k, t in moments.items()
                if k != "step"} == {torch.float32}
    init = build_nets(cfg, torch.device("cpu")).g.state_dict()
    assert any(not torch.equal(init[k], v) for k, v in state["nets"]["g"].items())


def test_the_critic_sees_soft_outlines():
    full = torch.ones(1, 1, 8, 8)
    full[..., 4, :] = -1.0
    soft = critic_target(CFG, full)
    assert soft[0, 0, 4, 0] == -1.0 and -1.0 < soft[0, 0, 5, 0] < 1.0


def test_resume_continues_from_saved_step(tmp_path):
    _train(tmp_path, 2)
    assert _train(tmp_path, 3, resume=True) == 3
    state = load_run_state(tmp_path, "shape")
    assert state["step"] == 3 and state["commands"] == ["to 2", "to 3"]
    assert [r["step"] for r in read_log(tmp_path)] == [1, 2, 3]


def test_fork_continues_another_runs_state_in_a_new_dir(tmp_path):
    source, fork = tmp_path / "source", tmp_path / "fork"
    _train(source, 2)
    before = (source / "state.pt").read_bytes()
    done = train(CFG, Schedule(3, 1, 3, 3), fork, shape_tensors(8, 32, 3), CLASSES,
                 fork=source, meta={"commands": ["fork to 3"]}, ctx=CPU)
    assert done == 3 and (source / "state.pt").read_bytes() == before
    state = load_run_state(fork, "shape")
    assert state["step"] == 3 and state["commands"] == ["to 2", "fork to 3"]


def _ship(run: Path, out: Path, *extra: str) -> Path:
    from sketchfill.models.training.release import release
    release("shape", run, out, critic="--critic" in extra)
    return out / "shape.pt"


@pytest.mark.parametrize("with_critic", [False, True])
def test_fork_from_a_released_checkpoint(tmp_path, with_critic):
    """When the run that made a shipped network is gone, a new run forks the checkpoint: the
    generator (and the shipped critic, if any) carry over, the optimizers start afresh, the
    step count and the commands go on from the checkpoint's provenance."""
    source = tmp_path / "source"
    _train(source, 2)
    parent = load_run_state(source, "shape")["nets"]
    shipped = _ship(source, tmp_path / "ckpts", *(["--critic"] if with_critic else []))
    nets = build_nets(CFG, torch.device("cpu"))
    fresh_d = {k: v.clone() for k, v in nets.d.state_dict().items()}
    meta = {"commands": ["fork the shipped one"]}
    step = continue_run(shipped, "shape", {"g": nets.g, "d": nets.d, "g_ema": nets.g_ema},
                        {"g": nets.opt_g, "d": nets.opt_d}, {"g": 1e-4, "d": 1e-4}, meta)
    # A release records each command as an argument list.
    assert step == 2 and meta["commands"] == [["to", "2"], "fork the shipped one"]
    for net in (nets.g, nets.g_ema):     # both start as the shipped (EMA) generator
        assert all(torch.equal(v, parent["g_ema"][k]) for k, v in net.state_dict().items())
    def same(a: dict, b: dict) -> bool:     # up to the half precision of a shipped critic
        return all(torch.allclose(v.float(), b[k].float(), atol=1e-5, rtol=1e-3)
                   for k, v in a.items())

    assert not same(parent["d"], fresh_d)
    assert same(nets.d.state_dict(), parent["d"] if with_critic else fresh_d)
    assert not nets.opt_g.state and not nets.opt_d.state
    done = train(dataclasses.replace(CFG, critic_warmup=1), Schedule(3, 1, 3, 3),
                 tmp_path / "fork", shape_tensors(8, 32, 3), CLASSES, fork=shipped,
                 meta={"commands": []}, ctx=CPU)
    assert done == 3


def test_critic_warmup_trains_the_critic_alone_then_both(tmp_path):
    _train(tmp_path / "source", 2)
    cfg = dataclasses.replace(CFG, critic_warmup=2)
    warm = tmp_path / "warm"
    train(cfg, Schedule(4, 1, 4, 4), warm, shape_tensors(8, 32, 3), CLASSES,
          fork=tmp_path / "source", meta={"commands": ["warm up to 4"]}, ctx=CPU)
    parent = load_run_state(tmp_path / "source", "shape")["nets"]
    weights = [k for k in parent["g"] if not k.endswith(("._u", "._v"))]  # not power iteration
    assert all(torch.equal(load_run_state(warm, "shape")["nets"]["g"][k], parent["g"][k])
               for k in weights)                       # the generator stayed put ...
    assert not all(torch.equal(v, parent["d"][k])     # ... while the critic learned
                   for k, v in load_run_state(warm, "shape")["nets"]["d"].items())
    train(cfg, Schedule(5, 1, 5, 5), tmp_path / "after", shape_tensors(8, 32, 3), CLASSES,
          fork=warm, meta={"commands": []}, ctx=CPU)
    log = read_log(tmp_path / "after")
    # A fork's warm-up counts from where it starts: 4 and 5 are warm-up steps again here.
    assert all("d_wgan" in r and "g_rec" not in r for r in log)


def test_a_critic_of_another_generator_is_refused(tmp_path):
    source = tmp_path / "source"
    _train(source, 2)
    shipped = _ship(source, tmp_path / "ckpts", "--critic")
    other = tmp_path / "other"
    _train(other, 1)
    _ship(other, tmp_path / "ckpts2")
    (tmp_path / "ckpts2" / "shape.critic.pt").write_bytes((shipped.parent / "shape.critic.pt")
                                                          .read_bytes())
    with pytest.raises(RunStateError, match="another"):
        train(CFG, Schedule(3, 1, 3, 3), tmp_path / "fork", shape_tensors(8, 32, 3), CLASSES,
              fork=tmp_path / "ckpts2" / "shape.pt", meta={"commands": []}, ctx=CPU)


def test_grow_adds_a_context_pyramid_to_a_forked_run(tmp_path):
    """--grow: the forked weights load into the wider model, the new modules start at their
    initial weights, and the grown generator gets a fresh optimizer."""
    source, fork = tmp_path / "source", tmp_path / "fork"
    _train(source, 2)
    wide = dataclasses.replace(CFG, model=dataclasses.replace(TINY_SHAPE, context_width=4))
    with pytest.raises(RunStateError):
        train(wide, Schedule(3, 1, 3, 3), fork, shape_tensors(8, 32, 3), CLASSES,
              fork=source, meta={"commands": []}, ctx=CPU)
    done = train(wide, Schedule(4, 1, 4, 4), fork, shape_tensors(8, 32, 3), CLASSES,
                 fork=source, grow=True, meta={"commands": ["grow to 4"]}, ctx=CPU)
    state, parent = load_run_state(fork, "shape"), load_run_state(source, "shape")
    assert done == 4 and state["model_config"]["context_width"] == 4
    assert set(parent["nets"]["g"]) < set(state["nets"]["g"])
    assert any(not torch.equal(state["nets"]["g"][k], v) for k, v in parent["nets"]["g"].items())
    assert _resume_wide(wide, fork) == 5


def test_grow_widens_a_forked_generator(tmp_path):
    """--grow with a larger ngf: a run forks into a generator with more channels while the
    critic keeps its width, and the widened run then resumes at its own width."""
    source, fork = tmp_path / "source", tmp_path / "fork"
    _train(source, 2)
    wide = dataclasses.replace(CFG, model=dataclasses.replace(TINY_SHAPE, ngf=3))
    assert train(wide, Schedule(3, 1, 3, 3), fork, shape_tensors(8, 32, 3), CLASSES,
                 fork=source, grow=True, meta={"commands": ["widen to 3"]}, ctx=CPU) == 3
    state, parent = load_run_state(fork, "shape"), load_run_state(source, "shape")
    assert state["model_config"]["ngf"] == 3
    assert state["nets"]["g"]["fc.weight"].shape[0] > parent["nets"]["g"]["fc.weight"].shape[0]
    assert state["nets"]["d"]["fc.weight"].shape == parent["nets"]["d"]["fc.weight"].shape
    assert _resume_wide(wide, fork) == 5


def test_grow_to_a_finer_output_keeps_the_trunk_and_the_critic(tmp_path):
    """--grow --size 2x: the fork trains at twice the side on its parent's trunk and critic
    (their tensors keep their shapes), with a new full-size refiner, and resumes as such."""
    source, fork = tmp_path / "source", tmp_path / "fork"
    _train(source, 2)
    m = TINY_SHAPE
    fine = dataclasses.replace(CFG, model=dataclasses.replace(
        m, size=2 * m.size, trunk_size=m.size, critic_size=m.size, refine_width=2))
    assert train(fine, Schedule(3, 1, 3, 3), fork, shape_tensors(8, 2 * m.size, 3), CLASSES,
                 fork=source, grow=True, meta={"commands": ["finer to 3"]}, ctx=CPU) == 3
    state, parent = load_run_state(fork, "shape"), load_run_state(source, "shape")
    assert state["model_config"]["size"] == 2 * m.size
    assert set(state["nets"]["g"]) - set(parent["nets"]["g"]) == {
        k for k in state["nets"]["g"] if k.startswith("refiner.")}
    assert {k: v.shape for k, v in state["nets"]["d"].items()} == {
        k: v.shape for k, v in parent["nets"]["d"].items()}
    assert train(fine, Schedule(5, 1, 5, 5), fork, shape_tensors(8, 2 * m.size, 3), CLASSES,
                 resume=True, meta={"commands": ["to 5"]}, ctx=CPU) == 5


def test_distillation_teaches_a_cheaper_network_from_a_released_one(tmp_path):
    """--teacher: a network of another layout (finer stages of one block, a folded refiner) starts
    from the teacher's weights where they fit, learns the teacher's completions for the same
    sketch, class and z, and records the teacher's commands before its own."""
    m = TINY_SHAPE
    fine = dataclasses.replace(m, size=2 * m.size, trunk_size=m.size, refine_width=2)
    student_run, data = tmp_path / "student", shape_tensors(8, fine.size, 3)
    torch.manual_seed(1)
    net = ShapeGenerator(fine)
    for p in net.parameters():      # a teacher whose second blocks and refiner matter
        torch.nn.init.normal_(p, std=0.2)
    teacher = save_checkpoint(tmp_path / "teacher.pt", "shape", fine, CLASSES,
                              net.state_dict(), {"commands": [["teacher", "to", "2"]]})
    light = dataclasses.replace(fine, one_block_stages=2, refine_folded=True)
    cfg = dataclasses.replace(CFG, model=light, teacher=str(teacher), adv_weight=0.0,
                              rec_weight=0.0, hint_weight=1.0)
    assert train(cfg, Schedule(3, 1, 3, 3), student_run, data, CLASSES,
                 meta={"commands": ["distil to 3"]}, ctx=CPU) == 3
    state = load_run_state(student_run, "shape")
    log = read_log(student_run)
    assert all(math.isfinite(r[k]) and r[k] > 0 for r in log for k in ("g_distil", "g_hint"))
    assert state["commands"] == [["teacher", "to", "2"], "distil to 3"]
    assert state["teacher"]["sha256"] == sha256_file(teacher)
    assert state["model_config"]["one_block_stages"] == 2
    from sketchfill.models.training.release import release
    assert release("shape", student_run, tmp_path / "out")["teacher"] == state["teacher"]
    taught = net.state_dict()
    moved = [not torch.equal(v, taught[k]) for k, v in state["nets"]["g"].items()]
    assert any(moved)
    fresh = build_nets(cfg, torch.device("cpu")).g.state_dict()
    for key in ("fc.weight", "stages.1.0.conv_0.weight"):   # started from the teacher's
        assert (state["nets"]["g"][key] - taught[key]).abs().max() < 0.01
        assert (fresh[key] - taught[key]).abs().max() > 0.1
    assert "stages.1.1.conv_0.weight" in state["nets"]["g"]     # two blocks, as taught
    assert "stages.3.1.conv_0.weight" not in state["nets"]["g"]
    other = dataclasses.replace(cfg, model=dataclasses.replace(light, nz=m.nz + 1))
    with pytest.raises(RunStateError, match="cannot teach"):
        train(other, Schedule(1, 1, 1, 1), tmp_path / "bad", data, CLASSES,
              meta={"commands": []}, ctx=CPU)


def test_grow_into_an_agnostic_network_keeps_every_class(tmp_path):
    """--grow --agnostic-share: a trained run forks into a network with a "no listed class"
    row; each class still draws exactly what it drew, and label -1 items train it."""
    source, fork = tmp_path / "source", tmp_path / "fork"
    _train(source, 2)
    agnostic = dataclasses.replace(CFG, model=dataclasses.replace(TINY_SHAPE, agnostic=True))
    nets = build_nets(agnostic, torch.device("cpu"))
    continue_run(source, "shape", {"g": nets.g, "d": nets.d, "g_ema": nets.g_ema},
                 {"g": nets.opt_g, "d": nets.opt_d}, {"g": 1e-4, "d": 1e-4}, {}, grow=True)
    parent = build_nets(CFG, torch.device("cpu")).g_ema
    parent.load_state_dict(load_run_state(source, "shape")["nets"]["g_ema"])
    x, z = shape_tensors(3, 32, 3)[:3][0], torch.randn(3, TINY_SHAPE.nz)
    classes = torch.tensor([0, 1, 2])
    with torch.no_grad():
        assert torch.equal(nets.g_ema(x, classes, z), parent(x, classes, z))
    data = shape_tensors(8, 32, 3)
    mixed = TensorDataset(data.tensors[0], data.tensors[1],
                          torch.tensor([-1, 0, -1, 1, -1, 2, -1, 0]))
    assert train(agnostic, Schedule(3, 1, 3, 3), fork, mixed, CLASSES, fork=source, grow=True,
                 meta={"commands": ["agnostic to 3"]}, ctx=CPU) == 3
    grown = load_run_state(fork, "shape")["nets"]["g"]["embedding.weight"]
    assert grown.shape[0] == 4 and all(math.isfinite(v) for r in read_log(fork)
                                       for v in r.values())


def _resume_wide(cfg: ShapeTrainConfig, run: Path) -> int:
    return train(cfg, Schedule(5, 1, 5, 5), run, shape_tensors(8, 32, 3), CLASSES,
                 resume=True, meta={"commands": ["to 5"]}, ctx=CPU)


def test_two_ranks_with_gloo_under_torchrun(tmp_path):
    data = write_data_root(tmp_path / "data")
    env = {**os.environ, "SKETCHFILL_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1",
           "PYTHONPATH": str(REPO)}
    args = ["-m", "models.training.train_shape", "--preset", "tiny",
            "--data", str(data), "--run-dir", str(tmp_path / "run"), "--steps", "2",
            "--batch-size", "2", "--k-best", "2", "--no-quickdraw", "--threads", "1",
            "--agnostic-share", "0"]
    done = run_torchrun(args, env, REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    state = load_run_state(tmp_path / "run", "shape")
    assert state["step"] == 2 and state["classes"] == list(CLASSES)
    assert state["model_config"]["soft_output"] is True     # the engine will thin its output


def test_a_fork_from_an_unusable_file_ends_with_a_message_not_a_traceback(tmp_path, capsys,
                                                                           monkeypatch):
    from sketchfill.models.training.train_shape import main
    monkeypatch.setenv("SKETCHFILL_CACHE", str(tmp_path / "cache"))
    data = write_data_root(tmp_path / "data")
    broken = tmp_path / "shape.pt"
    broken.write_bytes(b"not a checkpoint at all")
    code = main(["--preset", "tiny", "--data", str(data), "--run", str(tmp_path / "run"),
                 "--fork", str(broken), "--steps", "1", "--no-quickdraw", "--threads", "1",
                 "--agnostic-share", "0"])
    err = capsys.readouterr().err
    assert code == 2 and "error:" in err and "not readable" in err and "Traceback" not in err
