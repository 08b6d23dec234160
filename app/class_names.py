"""Human-readable class names for menus and messages (resources/classes.json)."""
from __future__ import annotations

import json
from functools import lru_cache

from sketchfill.app.bundled import resource

CLASSES_FILE = "classes.json"  # under resources/


@lru_cache(maxsize=1)
def _labels() -> dict[str, str]:
    try:
        entries = json.loads(resource(CLASSES_FILE).read_text())["classes"]
    except (OSError, ValueError, KeyError):
        return {}   # a missing file only costs the pretty names
    return {e["name"]: e["label"] for e in entries}


def display_name(name: str) -> str:
    """"birthday_cake" -> "Birthday cake"; unknown names get the same treatment."""
    return _labels().get(name, name.replace("_", " ").capitalize())
