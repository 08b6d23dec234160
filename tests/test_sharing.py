"""app.sharing: the image coloured beside the outline work gets every other core."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sketchfill.app.runtime import cores as cores_module
from sketchfill.app.runtime.threads import current_threads
from sketchfill.app.sharing import OUTLINE_THREADS, beside_outlines, colour_threads


def test_the_image_beside_the_outlines_has_every_core_but_theirs(monkeypatch) -> None:
    for cores, expected in ((4, 4 - OUTLINE_THREADS), (2, 2 - OUTLINE_THREADS), (1, 1)):
        monkeypatch.setattr(cores_module, "physical_cores", lambda: cores)
        assert colour_threads() == max(1, expected)
    monkeypatch.setattr(cores_module, "physical_cores", lambda: 3)
    with ThreadPoolExecutor(1) as colour:
        made = colour.submit(beside_outlines, lambda x: (x, current_threads()), 7).result()
        assert made == (7, 3 - OUTLINE_THREADS)
        assert colour.submit(current_threads).result() == 3 - OUTLINE_THREADS  # it stays set
