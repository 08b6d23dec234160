"""`python -m sketchfill`: the same as the `sketchfill` command."""
from sketchfill.main import main

raise SystemExit(main())
