"""Shipped data: the class list, the icon and `samples/` (sketches and sessions): data only.

A package so that an installed program finds them with importlib.resources as
`sketchfill.resources` (see app/bundled.py)."""
