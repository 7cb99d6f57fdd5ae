"""``python -m settings``: the command line (see :mod:`settings.cli`)."""

import os
import sys

from settings.cli import main


def run() -> int:
    """``main()``, quiet when the reader goes away early (``python -m settings schema | head``)."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Python's documented recipe: point stdout at devnull so the exit flush cannot fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return code


if __name__ == "__main__":
    sys.exit(run())
