"""desk's argument parser: the verbs' modules register their own sub-commands here.

Usage errors are one line naming the verb and its --help, exit 2, never a usage dump.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from desk import __version__
from desk.cli._common import EXIT_USAGE, term


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {term(message)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from desk.cli import (
        case_verbs,
        dossier_verbs,
        geo_verbs,
        review_verbs,
        signoff_verbs,
        sun_verbs,
        team_verbs,
        tile_verbs,
        video_verbs,
    )

    parser = _Parser(
        prog="desk",
        description="Evidence review for verification desks. Without a verb, opens the window"
                    " (desk [CASE]); every verb works headless and takes --json.",
        epilog="Exit codes: 0 success, 1 some items failed, 2 usage error or unusable case.",
    )
    parser.add_argument("--version", action="version", version=f"desk {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="check that this installation works end to end, then exit")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    case_verbs.register(verbs)
    review_verbs.register(verbs)
    dossier_verbs.register(verbs)
    geo_verbs.register(verbs)
    sun_verbs.register(verbs)
    tile_verbs.register(verbs)
    team_verbs.register(verbs)
    video_verbs.register(verbs)
    signoff_verbs.register(verbs)
    return parser
