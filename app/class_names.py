"""Human-readable class names for menus and messages (resources/classes.json)."""
from __future__ import annotations

import json
from functools import lru_cache

CLASSES_FILE = Path(__file__).resolve().parent.parent / "resources" / "classes.json"


@lru_cache(maxsize=1)
def _labels() -> dict[str, str]:
    try:
        entries = json.loads(CLASSES_FILE.read_text())["classes"]
    except (OSError, ValueError, KeyError):
        return {}   # a missing file only costs the pretty names
    return {e["name"]: e["label"] for e in entries}


def display_name(name: str) -> str:
    """"birthday_cake" -> "Birthday cake"; unknown names get the same treatment."""
    return _labels().get(name, name.replace("_", " ").capitalize())
