"""`desk signoff CASE --claim ID [--reject NOTE]`: a second reviewer approves a verdict, or sends it
back with a note.

A verdict is "ready for review" until someone other than its author (another key and another
reviewer name) decides on it. The decision is a named command in the custody log, signed over
the verdict and what its dossier would publish (`desk.team.signoff`); it syncs like any entry,
and the team server files it only for an editor of the case's team.
"""

from __future__ import annotations

import argparse

from desk.cli._common import (
    EXIT_OK,
    UsageError,
    add_json_flag,
    open_for_writing,
    print_json,
    require_claim,
    term,
)


def register(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    signoff = verbs.add_parser(
        "signoff", help="approve another reviewer's verdict, or send it back with a note",
        description="Sign off the verdict of a claim as its second reviewer, or send it back"
                    " with --reject NOTE. Refused for the verdict's author (the same key or"
                    " the same reviewer name). The decision is signed with your key over the"
                    " verdict and the originals its dossier would publish; the dossier then"
                    " names the author and the approver with both key fingerprints.")
    signoff.add_argument("case", metavar="CASE")
    signoff.add_argument("--claim", type=int, required=True, metavar="ID", help="claim id")
    signoff.add_argument("--reject", metavar="NOTE", default=None,
                         help="send the verdict back to its author with this note")
    add_json_flag(signoff, 'print {"claim_id", "state", "author": {"reviewer", "fingerprint",'
                           ' ...}, "approver": {"reviewer", "fingerprint", "decision", "note",'
                           ' ...}, "note", "entry_seq"}')
    signoff.set_defaults(func=cmd_signoff)


def cmd_signoff(args: argparse.Namespace) -> int:
    from desk.core.replay import log_entries
    from desk.team import signoff

    with open_for_writing(args.case) as case:
        require_claim(case, args.claim)
        try:
            command = signoff.build(case, args.claim, reject=args.reject)
        except signoff.SignOffRefused as exc:
            raise UsageError(f"{exc}; nothing was recorded") from None
        command.apply(case)
        log = log_entries(case.conn)
        found = signoff.status(log, args.claim)
    if args.json:
        print_json({**found.to_json(), "entry_seq": log[-1].seq})
        return EXIT_OK
    author, approver = found.author, found.approver
    verb = "signed off" if found.state == signoff.APPROVED else "sent back"
    print(f"{verb} the verdict of claim {args.claim} by {term(author.get('reviewer'))}"
          f" (key {str(author.get('fingerprint'))[:16]}…) as {term(approver.get('reviewer'))}"
          f" (key {str(approver.get('fingerprint'))[:16]}…)"
          + (f": {term(found.note)}" if found.note else ""))
    return EXIT_OK
