"""Sketch & Fill from a clone: `python main.py` opens the GUI, `python main.py --help` lists the
headless commands. The program itself is `sketchfill.main` (installed: the `sketchfill` command)."""
from sketchfill.main import main

if __name__ == "__main__":
    raise SystemExit(main())
