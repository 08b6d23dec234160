"""Our networks reproduce the original iSketchNFill ones (golden fixtures in ../shared/compat)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from sketchfill.models.nets.checkpoint import load_checkpoint
from sketchfill.models.nets.isf_compat import build_from_isf, convert_state_dict, main
from tests.conftest import SHARED

COMPAT = SHARED / "compat"
pytestmark = pytest.mark.skipif(not COMPAT.is_dir(), reason="../shared/compat not present")

FIXTURES = {"shape": "isf_shape_G_small", "appearance": "isf_appearance_G_small"}
TOLERANCE = {"shape": 1e-5, "appearance": 1e-4}


def _fixture(kind: str) -> tuple[dict, dict]:
    name = FIXTURES[kind]
    data = torch.load(COMPAT / f"{name}.pt", map_location="cpu", weights_only=True)
    options = json.loads((COMPAT / f"{name}.json").read_text())["config"]
    return data, options


@pytest.mark.parametrize("kind", ["shape", "appearance"])
@pytest.mark.parametrize("gui_mode,expected", [(False, "output"), (True, "output_train_mode")])
def test_golden_output(kind, gui_mode, expected):
    data, options = _fixture(kind)
    net = build_from_isf(kind, data["state_dict"], options, gui_mode=gui_mode)
    assert not net.training
    with torch.no_grad():
        out = net(*data["inputs"].values())
    assert (out - data[expected]).abs().max().item() < TOLERANCE[kind]


def test_appearance_pre_tanh_intermediate():
    """A quarter of the output saturates in tanh, so check the pre-tanh map too."""
    data, options = _fixture("appearance")
    net = build_from_isf("appearance", data["state_dict"], options)
    captured = {}
    net.to_rgb.register_forward_hook(lambda m, i, o: captured.setdefault("pre", o))
    with torch.no_grad():
        net(*data["inputs"].values())
    ref = data["intermediates"]["main.16"]
    assert torch.allclose(captured["pre"], ref, rtol=1e-4, atol=1e-4)


def test_shape_intermediates_match():
    data, options = _fixture("shape")
    net = build_from_isf("shape", data["state_dict"], options)
    got = {}
    net.injectors[0].register_forward_hook(lambda m, i, o: got.setdefault("sp0", o))
    net.stages[2][0].register_forward_hook(lambda m, i, o: got.setdefault("r20", o))
    with torch.no_grad():
        net(*data["inputs"].values())
    assert torch.allclose(got["sp0"], data["intermediates"]["sparse_processor.0"], atol=1e-5)
    assert torch.allclose(got["r20"], data["intermediates"]["resnet_2_0"], atol=1e-5)


def test_module_prefix_is_stripped():
    data, options = _fixture("shape")
    prefixed = {"module." + k: v for k, v in data["state_dict"].items()}
    net = build_from_isf("shape", prefixed, options)
    with torch.no_grad():
        out = net(*data["inputs"].values())
    assert (out - data["output"]).abs().max() < 1e-5


def test_mismatched_options_are_reported():
    data, options = _fixture("shape")
    with pytest.raises((ValueError, RuntimeError)):
        build_from_isf("shape", data["state_dict"], {**options, "ngf": 8})


def test_old_spectral_format_rebuilds_v():
    """Files from before spectral-norm format 1 lack weight_v; the effective weight survives."""
    data, options = _fixture("shape")
    sd = dict(data["state_dict"])
    for key in [k for k in sd if k.endswith("weight_v")]:
        head = key[: -len("_v")]
        w, u, v = sd[head + "_orig"], sd[head + "_u"], sd.pop(key)
        sigma = torch.dot(u, w.flatten(1) @ v)
        sd[head] = w / sigma
    net = build_from_isf("shape", sd, options)
    with torch.no_grad():
        out = net(*data["inputs"].values())
    assert (out - data["output"]).abs().max() < 1e-4


def _zeros_from_key_list(path: Path) -> tuple[dict, dict]:
    listing = json.loads(path.read_text())
    dtypes = {"float32": torch.float32, "int64": torch.int64}
    sd = {
        e["key"]: torch.zeros(e["shape"], dtype=dtypes[e["dtype"]]) for e in listing["state_dict"]
    }
    return sd, listing["config"]


@pytest.mark.parametrize(
    "kind,listing",
    [
        ("shape", "isf_shape_G_full"),
        ("shape_d", "isf_shape_D_full"),
        ("appearance", "isf_appearance_G_full"),
        ("appearance_d", "isf_appearance_D_full"),
    ],
)
def test_full_size_key_lists_load_strictly(kind, listing):
    sd, options = _zeros_from_key_list(COMPAT / f"{listing}.keys.json")
    net = build_from_isf(kind, sd, options)
    ours = net.state_dict()
    converted = convert_state_dict(kind, sd)
    assert set(converted) == set(ours)
    assert all(ours[k].shape == v.shape for k, v in converted.items())


def test_import_cli_writes_a_loadable_checkpoint(tmp_path):
    data, options = _fixture("shape")
    pth = tmp_path / "latest_net_G.pth"
    torch.save(data["state_dict"], pth)
    opts = tmp_path / "opts.json"
    opts.write_text(json.dumps(options))
    out = tmp_path / "shape.pt"
    classes = ",".join(f"c{i}" for i in range(options["n_classes"]))
    assert (
        main(
            [
                "import",
                "--kind",
                "shape",
                "--pth",
                str(pth),
                "--out",
                str(out),
                "--options",
                str(opts),
                "--classes",
                classes,
            ]
        )
        == 0
    )
    net = load_checkpoint(out, kind="shape").build()
    with torch.no_grad():
        result = net(*data["inputs"].values())
    assert (result - data["output"]).abs().max() < 1e-5


def test_import_cli_reports_bad_file(tmp_path, capsys):
    bad = tmp_path / "latest_net_G.pth"
    bad.write_bytes(b"not a torch file")
    code = main(["import", "--kind", "shape", "--pth", str(bad), "--out", str(tmp_path / "o.pt")])
    assert code == 1
    assert "error:" in capsys.readouterr().err
