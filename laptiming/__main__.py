"""``python -m laptiming`` runs the command line."""

import sys

from laptiming.cli import main

sys.exit(main())
