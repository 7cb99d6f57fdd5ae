"""``python -m settings``: the command line (see :mod:`settings.cli`)."""

import sys

from settings.cli import main

if __name__ == "__main__":
    sys.exit(main())
