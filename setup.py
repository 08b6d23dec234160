"""Packaging for Sketch & Fill: `pipx install .` for users, `pip install -e .` in a clone.

The installed program has one top-level name, `sketchfill`: the repository's folders are mapped
under it (app/ -> sketchfill.app, models/ -> sketchfill.models, ...), so no `app` or `models` of
this project can clash with another installed project's. The shipped networks and resources go
in as package data, found at run time with importlib.resources (app/bundled.py).
"""
import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent
# The repository's top folders, each installed as the subpackage of `sketchfill` of its name.
FOLDERS = ("app", "gui", "models", "checkpoints", "resources")


def version() -> str:
    """sketchfill/version.py read as text: importing the package here would need its deps."""
    text = (HERE / "sketchfill" / "version.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def packages() -> list[str]:
    """`sketchfill` and every folder's package and subpackages under it."""
    names = ["sketchfill"]
    for folder in FOLDERS:
        names += [f"sketchfill.{folder}"]
        names += [f"sketchfill.{folder}.{p}" for p in find_packages(str(HERE / folder))]
    return names


setup(
    name="sketchfill",
    version=version(),
    description="Interactive Sketch & Fill (ICCV 2019): complete a partial sketch, then colour it",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=packages(),
    package_dir={"sketchfill": "sketchfill",
                 **{f"sketchfill.{folder}": folder for folder in FOLDERS}},
    package_data={
        "sketchfill.checkpoints": ["*.pt", "*.json", "*.md", "*.npz"],
        "sketchfill.resources": ["*.json", "*.png", "samples/*.png", "samples/*.json"],
    },
    # torch is pinned by the installer, not here: CI installs the local CPU build first and this
    # range is already satisfied, so pip never fetches a CUDA build.
    install_requires=[
        "torch>=2.1",
        "numpy>=1.24",
        "opencv-python-headless>=4.8",   # headless: the full wheel's Qt plugins clash with PyQt5
        "Pillow>=10",
        "scipy>=1.10",
        "tqdm>=4.60",
        "PyQt5>=5.15",
        # the physical core count where no Linux CPU topology can be read (app/runtime/cores.py)
        "psutil>=5.9; sys_platform != 'linux'",
    ],
    extras_require={
        # Faster CPU inference runtimes; the plain install runs the networks in torch. Both run
        # the networks exported with torch's ONNX exporter, which needs `onnx`.
        "onnx": ["onnx>=1.15", "onnxruntime>=1.17"],
        "openvino": ["onnx>=1.15", "openvino>=2024.0"],
        "fast": ["onnx>=1.15", "onnxruntime>=1.17", "openvino>=2024.0"],
        "test": ["pytest>=7", "pytest-qt>=4.2", "psutil>=5.9"],
    },
    entry_points={"console_scripts": ["sketchfill = sketchfill.main:main"]},
)
