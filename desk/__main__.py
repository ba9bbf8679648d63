"""`python -m desk` and the frozen executable start here."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from desk.cli import main

    sys.exit(main())
