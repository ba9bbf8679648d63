"""`desk` on the command line: headless verbs for scripts and checks, or the window.

The verb surface is a contract other tools call: verb, flag and JSON key names are only ever
added, never renamed. Errors are one plain line, never a traceback. Exit codes: 0 success,
1 some items failed (rejected files, failed verification), 2 usage errors or an unusable case.

`desk` and `desk CASE` open the window without loading the verbs' modules; a mistyped verb is
a usage error naming the nearest verb, never a window.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

#: Listed here (not imported) so that `desk CASE` tells a verb from a case without loading them.
VERBS = ("new", "import", "info", "verify", "claim", "statement", "link", "verdict",
         "geolocate", "landmark", "movement", "export", "verify-dossier", "geo-export",
         "geo-import", "sun", "shadow", "tiles", "team", "frames", "signoff")
EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2
#: As a shell reports a command ended by SIGPIPE (128 + 13): its reader went away.
EXIT_BROKEN_PIPE = 141


def build_parser() -> argparse.ArgumentParser:
    """desk's whole parser, every verb registered (loaded only when a verb runs)."""
    from desk.cli.parser import build_parser as build

    return build()


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list == ["--self-test"]:
        from desk import selftest

        return selftest.run()
    if not args_list:
        return _open_window([])
    first = args_list[0]
    if not first.startswith("-") and first not in VERBS:
        if looks_like_case(first):
            return _open_window(args_list)
        return _unknown_verb(first)
    try:
        args = build_parser().parse_args(args_list)
    except SystemExit as exc:  # --help, --version, a usage error: already said in one line
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.self_test:
        from desk import selftest

        return selftest.run()
    if args.verb is None:
        return _open_window([])
    return _run(args)


def looks_like_case(text: str) -> bool:
    """A case path rather than a verb: an existing file, a path with a folder separator, or
    a name ending in .deskcase."""
    separators = [os.sep] + ([os.altsep] if os.altsep else []) + ["/"]
    return (text.endswith(".deskcase") or any(s in text for s in separators)
            or Path(text).is_file())


def nearest_verb(word: str) -> str | None:
    import difflib

    matches = difflib.get_close_matches(word.lower(), VERBS, n=1, cutoff=0.6)
    return matches[0] if matches else None


def _unknown_verb(word: str) -> int:
    from desk.cli._common import term

    nearest = nearest_verb(word)
    if nearest:
        print(f"desk: {term(repr(word))} is not a verb; did you mean `desk {nearest}`? (desk"
              " --help lists the verbs; to open a case: desk PATH.deskcase)", file=sys.stderr)
    else:
        print(f"desk: {term(repr(word))} is neither a verb nor a case file; the verbs are"
              f" {', '.join(VERBS)}; to open a case: desk PATH.deskcase", file=sys.stderr)
    return EXIT_USAGE


def _open_window(args: list[str]) -> int:
    if len(args) > 1:
        print("desk: open one case at a time: desk [CASE]", file=sys.stderr)
        return EXIT_USAGE
    from desk.cli.display import window_problem

    problem = window_problem()
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_USAGE
    from desk.ui.shell.app import run

    code: int = run(Path(args[0]) if args else None)
    return code


def _run(args: argparse.Namespace) -> int:
    from desk.cli._common import UsageError, term

    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("desk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Whatever read our output stopped reading (`desk info --json | head`): no error of
        # ours to report. Output goes nowhere from here, so exiting does not fail again.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except UsageError as exc:
        print(f"desk {args.verb}: {term(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        from desk.core.casefile import CaseFileError

        # Either message may carry a file name or a value from the case: escaped for the terminal.
        if isinstance(exc, CaseFileError):
            print(f"desk: {term(exc)}", file=sys.stderr)
        else:
            print(f"desk: unexpected error ({type(exc).__name__}: {term(exc)}); nothing was"
                  " changed beyond the last completed step.", file=sys.stderr)
        return EXIT_USAGE
