"""Preferences kept between runs in QSettings (organisation "SketchFill")."""

from __future__ import annotations

from PyQt5.QtCore import QByteArray, QSettings

from sketchfill.app.document import DEFAULT_K
from sketchfill.app.overlay import OverlayMode
from sketchfill.app.smoothing import MAX_STRENGTH

ORGANISATION = "SketchFill"
APPLICATION = "Sketch & Fill"


class Preferences:
    """Typed access to QSettings; tests pass a QSettings on an .ini file in a tmp dir."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._s = settings if settings is not None else QSettings(ORGANISATION, APPLICATION)

    def _get(self, key: str, default, kind):
        value = self._s.value(key, default)
        try:
            return kind(value)
        except (TypeError, ValueError):
            return default

    @property
    def class_name(self) -> str:
        return self._get("class", "", str)

    @class_name.setter
    def class_name(self, value: str) -> None:
        self._s.setValue("class", value)

    @property
    def brush(self) -> float:
        return min(max(self._get("brush", 6.0, float), 1.0), 64.0)

    @brush.setter
    def brush(self, value: float) -> None:
        self._s.setValue("brush", float(value))

    @property
    def opacity(self) -> float:
        return min(max(self._get("opacity", 0.6, float), 0.0), 1.0)

    @opacity.setter
    def opacity(self, value: float) -> None:
        self._s.setValue("opacity", float(value))

    @property
    def mode(self) -> OverlayMode:
        return self._get("overlay_mode", OverlayMode.BLEND, OverlayMode)

    @mode.setter
    def mode(self, value: OverlayMode) -> None:
        self._s.setValue("overlay_mode", value.value)

    @property
    def device(self) -> str:
        return self._get("device", "auto", str)

    @device.setter
    def device(self, value: str) -> None:
        self._s.setValue("device", value)

    @property
    def smoothing(self) -> bool:
        """Curves through the pen's samples (on unless turned off); QSettings' ini files give
        booleans back as text."""
        return str(self._s.value("smoothing", True)).lower() not in ("false", "0")

    @smoothing.setter
    def smoothing(self, value: bool) -> None:
        self._s.setValue("smoothing", bool(value))

    @property
    def last_folder(self) -> str:
        """The folder of the last file opened or saved: where the next file dialog starts."""
        return self._get("last_folder", "", str)

    @last_folder.setter
    def last_folder(self, value: str) -> None:
        self._s.setValue("last_folder", value)

    @property
    def recent_files(self) -> list[str]:
        """Sessions and images opened or saved, newest first. (An ini file gives a one-item
        list back as a plain string.)"""
        value = self._s.value("recent_files", [])
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        return [str(v) for v in items if v]

    @recent_files.setter
    def recent_files(self, value: list[str]) -> None:
        self._s.setValue("recent_files", list(value))

    @property
    def stabiliser(self) -> int:
        """Strength of the stabiliser while drawing, 0 (off) to MAX_STRENGTH."""
        return min(max(self._get("stabiliser", 0, int), 0), MAX_STRENGTH)

    @stabiliser.setter
    def stabiliser(self, value: int) -> None:
        self._s.setValue("stabiliser", int(value))

    @property
    def completions(self) -> int:
        return min(max(self._get("completions", DEFAULT_K, int), 1), 32)

    @property
    def geometry(self) -> QByteArray:
        value = self._s.value("geometry", QByteArray())
        return value if isinstance(value, QByteArray) else QByteArray()

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self._s.setValue("geometry", value)

    def sync(self) -> None:
        self._s.sync()
