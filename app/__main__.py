"""`python -m app` runs the same entry point as the `mt5desk` command."""

import sys

from app.cli import main

# Guarded: a terminal host process started with multiprocessing's spawn method imports this module again
# (as __mp_main__), and must not start a second desk.
if __name__ == "__main__":
    sys.exit(main())
