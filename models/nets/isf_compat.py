"""Use the original iSketchNFill weights (`latest_net_G.pth`) with our networks.

`build_from_isf(kind, state_dict, options)` maps the release's option values to our config,
renames its state_dict keys to our module layout and loads them strictly. The facts behind the
mapping are in ../shared/compat/README.md; the golden fixtures there are checked by the tests.

CLI:  python -m models.nets.isf_compat import --kind shape --pth latest_net_G.pth --out x.pt
"""

from __future__ import annotations

import argparse
import json
import pickle
import re
import sys
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from sketchfill.models.nets.appearance import (
    AppearanceConfig, AppearanceDiscriminator, AppearanceGenerator)
from sketchfill.models.nets.shape import ShapeConfig, ShapeDiscriminator, ShapeGenerator
from sketchfill.models.options import DefaultsHelpFormatter

# Class ids of the released models (the GUI's order).
ISF_CLASSES = (
    "basketball",
    "chicken",
    "cookie",
    "cupcake",
    "moon",
    "orange",
    "pineapple",
    "soccer",
    "strawberry",
    "watermelon",
)
_SN = {
    "weight_orig": "parametrizations.weight.original",
    "weight_u": "parametrizations.weight.0._u",
    "weight_v": "parametrizations.weight.0._v",
}


# ---- configs from the release's option values -------------------------------------------


def shape_config(options: dict) -> ShapeConfig:
    return ShapeConfig(
        size=int(options.get("fineSize", 128)),
        n_classes=int(options["n_classes"]),
        nz=int(options.get("nz", 256)),
        embed_dim=int(options.get("embed_size", 256)),
        ngf=int(options.get("ngf", 32)),
        ndf=int(options.get("ndf", 32)),
        sketch_channels=int(options.get("input_nc", 1)),
        out_channels=int(options.get("output_nc", 1)),
    )


def appearance_config(options: dict) -> AppearanceConfig:
    for key, wanted in (("norm_G", "instance"), ("res_op", "add")):
        if options.get(key, wanted) != wanted:
            raise ValueError(f"option {key}={options[key]!r} is not supported (only {wanted!r})")
    n_blocks, n_res = int(options.get("ngres", 16)), int(options.get("ngres_up_down", 3))
    n_classes = int(options["n_classes"])
    n_down_d = int(options.get("ndres_down", 4))
    return AppearanceConfig(
        size=int(options.get("fineSize", 256)),
        n_classes=n_classes,
        in_channels=3,
        out_channels=int(options.get("nc", 3)),
        nz=int(options.get("nz", 8)),
        ngf=int(options.get("ngf", 64)),
        n_pre=n_res,
        n_resample=n_res,
        n_mid=n_blocks - 4 * n_res,
        n_post=n_res,
        spectral=bool(options.get("spectral_G", True)),
        n_salient=int(options.get("nsalient", max(10, n_classes))),
        gate_width=int(options.get("ngf_gate", 16)),
        gate_depth=int(options.get("ngres_gate", 16)),
        alpha_source="noise",
        ndf=int(options.get("ndf", 64)),
        d_pre=3,
        d_down=n_down_d,
        d_post=int(options.get("ndres", 16)) - 3 - n_down_d,
    )


# ---- key renaming -----------------------------------------------------------------------


def _rename_sn(key: str) -> str:
    head, _, leaf = key.rpartition(".")
    return f"{head}.{_SN[leaf]}" if leaf in _SN else key


def _shape_key(key: str) -> str:
    key = re.sub(r"^resnet_(\d+)_(\d+)\.", r"stages.\1.\2.", key)
    return _rename_sn(re.sub(r"^sparse_processor\.", "injectors.", key))


def _gate_key(key: str, head_names: dict[str, str]) -> str:
    for old, new in head_names.items():
        if key.startswith(old + "."):
            return new + key[len(old) :]
    key = re.sub(r"^label_embedding\.", "gate.embedding.", key)
    key = re.sub(r"^label_noise\.", "gate.noise_proj.", key)
    key = re.sub(r"^gate\.1\.", "gate.trunk.stem.0.", key)
    return re.sub(
        r"^gate\.(\d+)\.model\.", lambda m: f"gate.trunk.blocks.{int(m.group(1)) - 3}.model.", key
    )


def _appearance_g_key(key: str) -> str:
    key = _gate_key(key, {"gate_mult.0": "gate.alpha_head", "gate_add.20": "gate.beta_head"})
    key = re.sub(r"^main_initial\.", "stem.", key)
    key = re.sub(r"^main\.(\d+)\.model\.", r"blocks.\1.branch.", key)
    key = re.sub(r"^main\.(\d+)\.residual_block\.", r"blocks.\1.shortcut.", key)
    return _rename_sn(re.sub(r"^main\.16\.", "to_rgb.", key))


def _appearance_d_key(key: str) -> str:
    key = _gate_key(key, {"gate_mult.0": "gate.alpha_head", "main_latter.0": "head"})
    key = re.sub(r"^main\.0\.", "stem.", key)
    key = re.sub(r"^main\.(\d+)\.model\.", lambda m: f"blocks.{int(m.group(1)) - 1}.branch.", key)
    key = re.sub(
        r"^main\.(\d+)\.residual_block\.", lambda m: f"blocks.{int(m.group(1)) - 1}.shortcut.", key
    )
    return _rename_sn(key)


# ---- state_dict clean-up ----------------------------------------------------------------


def _strip_module(sd: dict) -> dict:
    """DataParallel saves may carry a leading `module.`; the release does not, but be safe."""
    return {k[7:] if k.startswith("module.") else k: v for k, v in sd.items()}


def _drop_shared_gate_copy(sd: dict) -> dict:
    """The release lists the gate trunk twice (gate.* and gate_add.0..19.*); keep one copy."""
    out = {}
    for key, value in sd.items():
        m = re.match(r"^gate_add\.(\d+)\.(.*)$", key)
        if m and f"gate.{m.group(1)}.{m.group(2)}" in sd:
            twin = sd[f"gate.{m.group(1)}.{m.group(2)}"]
            if not torch.equal(twin, value):
                raise ValueError(
                    f"{key} differs from its shared twin gate.{m.group(1)}.{m.group(2)}"
                )
            continue
        out[key] = value
    return out


def _rebuild_old_spectral_v(sd: dict) -> dict:
    """Pre-format-1 spectral-norm files hold weight_orig, weight_u and the normalised
    `weight` but no weight_v: recover v with u = normalise(W v) and u.W.v = sigma."""
    out = dict(sd)
    for key in [k for k in sd if k.endswith(".weight_orig")]:
        head = key[: -len("_orig")]
        if head + "_v" in sd or head not in sd:
            continue
        w = sd[key].flatten(1)
        u = sd[head + "_u"]
        sigma = (sd[key] / sd[head]).flatten()[0]
        v = torch.linalg.pinv(w) @ u
        v = v * sigma / torch.dot(u, w @ v)
        out[head + "_v"] = v
        del out[head]
    return out


def convert_state_dict(kind: str, sd: dict) -> dict:
    """Release key names -> our key names, for kind in shape/appearance/shape_d/appearance_d."""
    renamers: dict[str, Callable[[str], str]] = {
        "shape": _shape_key,
        "shape_d": _shape_key,
        "appearance": _appearance_g_key,
        "appearance_d": _appearance_d_key,
    }
    sd = _rebuild_old_spectral_v(_drop_shared_gate_copy(_strip_module(dict(sd))))
    return {renamers[kind](k): v for k, v in sd.items()}


# ---- public API ---------------------------------------------------------------------------

_NETS: dict[str, tuple[Callable[[dict], object], type]] = {
    "shape": (shape_config, ShapeGenerator),
    "shape_d": (shape_config, ShapeDiscriminator),
    "appearance": (appearance_config, AppearanceGenerator),
    "appearance_d": (appearance_config, AppearanceDiscriminator),
}


def build_from_isf(
    kind: str, isf_state_dict: dict, options: dict, gui_mode: bool = False
) -> nn.Module:
    """Our network with the release's weights, in eval mode, callable like the original:
    shape `net(sketch, label, z)`, appearance `net(image, label, noise)`.

    gui_mode=True reproduces the released GUI, which never called eval(): the appearance
    gate's BatchNorm then normalises with batch statistics (running stats are left alone).
    """
    if kind not in _NETS:
        raise ValueError(f"kind must be one of {sorted(_NETS)}, got {kind!r}")
    make_config, net_cls = _NETS[kind]
    net = net_cls(make_config(options))
    result = net.load_state_dict(convert_state_dict(kind, isf_state_dict), strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise ValueError(
            f"{kind} weights do not match options {options}: missing "
            f"{result.missing_keys[:8]}, unexpected {result.unexpected_keys[:8]}"
        )
    net.eval()
    if gui_mode:
        _one_power_iteration(net)
        for bn in (m for m in net.modules() if isinstance(m, nn.BatchNorm1d)):
            bn.train()
            bn.momentum = 0.0  # use batch statistics without drifting the running ones
    return net


@torch.no_grad()
def _one_power_iteration(net: nn.Module) -> None:
    """The GUI's first forward in train mode runs one power iteration of the old spectral-norm
    hook (v <- normalise(W^T u), then u <- normalise(W v)) before using the weight."""
    for module in net.modules():
        params = getattr(module, "parametrizations", None)
        if params is None or "weight" not in params:
            continue
        sn = params["weight"][0]
        w = params["weight"].original.flatten(1)
        sn._v.copy_(nn.functional.normalize(w.t() @ sn._u, dim=0, eps=1e-12))
        sn._u.copy_(nn.functional.normalize(w @ sn._v, dim=0, eps=1e-12))


def _default_options(kind: str) -> dict:
    if kind == "shape":
        return {"fineSize": 128, "n_classes": 10, "ngf": 32, "nz": 256, "embed_size": 256}
    return {
        "n_classes": 10,
        "ngf": 64,
        "nz": 8,
        "ngres": 16,
        "ngres_up_down": 3,
        "ngf_gate": 16,
        "ngres_gate": 16,
        "nc": 3,
        "fineSize": 256,
    }


def import_checkpoint(
    kind: str,
    pth: Path,
    out: Path,
    options: dict | None = None,
    classes: tuple[str, ...] = ISF_CLASSES,
) -> Path:
    # imported here to keep this module's import light
    from sketchfill.models.nets.checkpoint import save_checkpoint

    options = options or _default_options(kind)
    sd = torch.load(pth, map_location="cpu", weights_only=True)
    net = build_from_isf(kind, sd, options)
    # The file's name only: a provenance must not record where this computer keeps it.
    provenance = {
        "source": "iSketchNFill release (converted)",
        "original_file": Path(pth).name,
        "options": options,
    }
    return save_checkpoint(out, kind, net.cfg, classes, net.state_dict(), provenance)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m models.nets.isf_compat", formatter_class=DefaultsHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser(
        "import",
        help="convert a released latest_net_G.pth to our format",
        formatter_class=DefaultsHelpFormatter,
    )
    imp.add_argument(
        "--kind",
        choices=("shape", "appearance"),
        required=True,
        help="which network the file holds (required, no default)",
    )
    imp.add_argument(
        "--pth",
        type=Path,
        required=True,
        help="the original latest_net_G.pth (required, no default)",
    )
    imp.add_argument(
        "--out", type=Path, required=True, help="checkpoint to write (required, no default)"
    )
    imp.add_argument(
        "--options", type=Path, help="JSON of the original option values (default: the release's)"
    )
    imp.add_argument(
        "--classes",
        help="comma-separated class names in label order (default: the release's 10 classes)",
    )
    args = parser.parse_args(argv)
    classes = tuple(args.classes.split(",")) if args.classes else ISF_CLASSES
    try:
        options = json.loads(args.options.read_text()) if args.options else None
        if options is not None and "config" in options:  # a compat sidecar JSON
            options = options["config"]
        out = import_checkpoint(args.kind, args.pth, args.out, options, classes)
    except (OSError, ValueError, RuntimeError, EOFError, pickle.UnpicklingError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
