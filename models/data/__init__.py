"""Data pipeline for both stages (no Qt, nothing runs at import).

Code map:
  sources.py    records (class, image, style, scribble) from a data root; style hold-out split
  outlines.py   colour image -> 1-px line-drawing skeleton (silhouette + interior lines)
  skeleton.py   thinning, stroke segments, spur pruning, redrawing a skeleton at a width
  partial.py    partial sketches: square erasing, stroke-segment dropping, stroke prefixes
  quickdraw.py  Quick, Draw! ndjson parsing, normalising, rasterising, hold-out split
  augment.py    one random affine + smooth warp shared by outline and image; colour jitter
  cache.py      derived outlines/colour cached in $SKETCHFILL_CACHE or ~/.cache/sketchfill
  datasets.py   ShapeDataset, QuickDrawPretrainDataset, AgnosticMix, AppearanceDataset (items)
  preview.py    `python -m models.data.preview --out sheet.png` contact sheet
  bench.py      `python -m models.data.bench` ms per item
"""
