"""Sketch & Fill. `python main.py` opens the GUI; `python main.py --help` lists the headless
commands (complete, render, fill, classes). The logic lives in app/cli.py."""
from app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
