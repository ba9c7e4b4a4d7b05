"""`python -m app` runs the same entry point as the `mt5desk` command."""

import sys

from app.cli import main

sys.exit(main())
