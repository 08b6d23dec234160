"""The shipped networks (`shape.pt`, `appearance.pt`) and their `manifest.json`: data only.

A package so that an installed program finds them with importlib.resources as
`sketchfill.checkpoints` (see app/bundled.py)."""
