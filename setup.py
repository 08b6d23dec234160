"""Packaging for Sketch & Fill: `pip install -e .` (after the CPU torch; see README.md)."""
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent

# checkpoints/ and resources/ sit beside app/ and gui/ (app.engine and app.class_names look
# for them as siblings), so they are installed as data-only top-level packages. A clone made
# before the checkpoints land has no checkpoints/ (git keeps no empty folders): skip what's absent.
DATA_PACKAGES = [name for name in ("checkpoints", "resources", "resources.samples")
                 if (HERE / name.replace(".", "/")).is_dir()]

setup(
    name="sketchfill",
    version="0.1.0",
    description="Interactive Sketch & Fill (ICCV 2019): complete a partial sketch, then colour it",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["app", "app.*", "gui", "gui.*", "models", "models.*"])
    + DATA_PACKAGES,
    py_modules=["main"],
    package_data={
        "checkpoints": ["*.pt", "*.json", "*.md"],
        "resources": ["*.json", "*.png"],
        "resources.samples": ["*.png", "*.json"],
    },
    include_package_data=True,
    # torch is pinned by the installer, not here: CI installs the local CPU build 2.13.0
    # first, and this range is already satisfied, so pip never fetches a CUDA build.
    install_requires=[
        "torch>=2.1",
        "numpy>=1.24",
        "opencv-python-headless>=4.8",   # headless: the full wheel's Qt plugins clash with PyQt5
        "Pillow>=10",
        "scipy>=1.10",
        "tqdm>=4.60",
        "PyQt5>=5.15",
    ],
    extras_require={"test": ["pytest>=7", "pytest-qt>=4.2"]},
    entry_points={"console_scripts": ["sketchfill = main:main"]},
)
