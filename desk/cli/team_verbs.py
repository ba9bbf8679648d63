"""Team-desk verbs: a case shared through a PostgreSQL database (desk.team).

`desk team init URL` sets a server up (or upgrades it), `desk team add-member URL` puts a login
in a team, `desk team push CASE URL` sends what the server lacks of a case, `desk team pull URL
--case ID --out FILE` makes a working copy, `desk team list URL` lists the cases a login may see.
URL is a PostgreSQL connection string (postgresql://NAME@HOST:5432/DATABASE); libpq's own ways
of giving the password work (PGPASSWORD, ~/.pgpass), and desk never prints it.

Exit codes: 0 done; 2 usage errors, an unusable case, or what the server refused (the message
says why; nothing beyond the last whole step was written).
"""

from __future__ import annotations

import argparse
import sys

from desk.cli._common import (
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_json_flag,
    json_text,
    note,
    open_for_reading,
    open_for_writing,
    print_json,
    term,
)

_URL_HELP = "the team server: a PostgreSQL connection string, postgresql://NAME@HOST:5432/DB"


def register(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    team = verbs.add_parser(
        "team", help="share cases through a PostgreSQL team server",
        description="The team desk: cases shared through a PostgreSQL database, which enforces"
                    " who may see and add what. The case file stays your working copy.")
    actions = team.add_subparsers(dest="team_verb", metavar="ACTION", required=True,
                                  parser_class=type(team))
    init = actions.add_parser(
        "init", help="create or upgrade desk's schema, roles and policies in a database",
        description="Create desk's schema in the database (or upgrade it to this desk's"
                    " version; a newer one is refused): the group roles desk_reviewer,"
                    " desk_editor and desk_admin, teams, members, cases, custody entries and"
                    " originals, with grants, row-level security and append-only triggers."
                    " Run it as a superuser (or a role that may create roles). Running it"
                    " again changes nothing.")
    init.add_argument("url", metavar="URL", help=_URL_HELP)
    add_json_flag(init, 'print {"server", "before", "after", "applied": [{"version", "what"}]}')
    init.set_defaults(func=cmd_team_init)

    member = actions.add_parser(
        "add-member", help="put a login in a team as reviewer or editor (made when missing)",
        description="Put a PostgreSQL login in a team as a reviewer (sees and adds to the"
                    " team's cases) or an editor (a reviewer who may also sign off). The team"
                    " and the login are made when missing; again with another --role changes"
                    " the role. Run it with an administrator's login.")
    member.add_argument("url", metavar="URL", help=_URL_HELP)
    member.add_argument("--team", required=True, metavar="TEAM", help="the team's name")
    member.add_argument("--role", required=True, choices=("reviewer", "editor"))
    member.add_argument("--login", required=True, metavar="NAME",
                        help="the member's PostgreSQL login")
    member.add_argument("--password-stdin", action="store_true",
                        help="read the login's password from the first line of stdin (it is"
                             " sent to the server as a SCRAM verifier, never in clear)")
    add_json_flag(member, 'print {"team", "login", "role", "team_created", "login_created",'
                          ' "password_set", "server"}')
    member.set_defaults(func=cmd_team_add_member)

    push = actions.add_parser(
        "push", help="send the server what it lacks of a case (resumable, idempotent)",
        description="Check the case as desk verify does, then send the server the originals,"
                    " row values and custody entries it lacks. Entries go last, in one"
                    " transaction: a push cut off at any moment leaves whole entries only,"
                    " and pushing again finishes the job. The case is only read.")
    push.add_argument("case", metavar="CASE")
    push.add_argument("url", metavar="URL", help=_URL_HELP)
    push.add_argument("--team", metavar="TEAM",
                      help="the team that shares a case new to the server (needed when you"
                           " are in more than one)")
    add_json_flag(push, 'print {"case", "title", "team", "server", "created", "entries_sent",'
                        ' "entries_on_server", "server_ahead", "originals_sent",'
                        ' "originals_already_stored", "bytes_sent", "rows_sent", "notes"}')
    push.set_defaults(func=cmd_team_push)

    pull = actions.add_parser(
        "pull", help="make a working copy of a server's case",
        description="Rebuild the case from the server's custody entries into a new case"
                    " file: every entry's chain and signature, every row value and every"
                    " original's SHA-256 is checked, and a copy that fails is not written."
                    " FILE is never overwritten.")
    pull.add_argument("url", metavar="URL", help=_URL_HELP)
    pull.add_argument("--case", required=True, metavar="ID",
                      help="the case's id as `desk team list` prints it (or its first 6+"
                           " characters)")
    pull.add_argument("--out", required=True, metavar="FILE", help="the new case file")
    add_json_flag(pull, 'print {"case", "title", "team", "server", "path", "entries",'
                        ' "originals", "bytes"}')
    pull.set_defaults(func=cmd_team_pull)

    sync = actions.add_parser(
        "sync", help="exchange a case with the server both ways, merging others' edits",
        description="Send the server this copy's new entries, then merge in the edits others"
                    " pushed: one merge entry, signed with your key, carries their entries"
                    " whole (their signatures checked) and the rows the merge changed. Edits"
                    " of different things are all kept; two edits of the same field are a"
                    " conflict (both values kept in the log, the later one stands) listed by"
                    " `desk team conflicts` until a further edit of the field. Append-only,"
                    " resumable: a sync cut off at any moment is finished by running it"
                    " again.")
    sync.add_argument("case", metavar="CASE")
    sync.add_argument("url", metavar="URL", nargs="?", default=None,
                      help=_URL_HELP + " (default: the server this machine last pushed the"
                           " case to, pulled it from or synced it with, remembered without"
                           " its password)")
    add_json_flag(sync, 'print {"case", "title", "team", "server", "entries_sent",'
                        ' "entries_received", "merged", "conflicts", "originals_sent",'
                        ' "originals_received", "entries_on_server", "notes"}')
    sync.set_defaults(func=cmd_team_sync)

    conflicts = actions.add_parser(
        "conflicts", help="the same-field edits a sync met that no later edit has settled",
        description="List the conflicts the case's merges recorded (both values, who set"
                    " them and when; the later value stands) that no later edit of the field"
                    " has settled. Reads the case file only.")
    conflicts.add_argument("case", metavar="CASE")
    add_json_flag(conflicts, 'print {"conflicts": [{"entity", "field", "values": [{"value",'
                             ' "reviewer", "at"}], "table", "key", "what", "merge_seq"}]}')
    conflicts.set_defaults(func=cmd_team_conflicts)

    resolve = actions.add_parser(
        "resolve", help="settle a conflict by keeping one of its values",
        description="Settle an open conflict (as `desk team conflicts` lists it) by keeping"
                    " its value number N: one named edit of the field (resolve conflict in"
                    " the custody log), which settles the conflict on every copy once"
                    " synced. A row one side deleted is restored or deleted as an item"
                    " instead; a file's bytes cannot be chosen here.")
    resolve.add_argument("case", metavar="CASE")
    resolve.add_argument("--entity", required=True, metavar="ENTITY",
                         help='the item as listed in --json, e.g. "claim:1"')
    resolve.add_argument("--field", required=True, metavar="FIELD",
                         help='the field in conflict, e.g. "text"')
    resolve.add_argument("--keep", required=True, type=int, metavar="N",
                         help="the value to keep, numbered from 1 as desk team conflicts"
                              " lists them")
    add_json_flag(resolve, 'print {"resolved": {"entity", "field", "value"},'
                           ' "open_conflicts"}')
    resolve.set_defaults(func=cmd_team_resolve)

    listing = actions.add_parser(
        "list", help="the server's cases you may see",
        description="List the cases of your teams on the server (an administrator sees all):"
                    " id, title, team, custody entries, and who pushed last and when.")
    listing.add_argument("url", metavar="URL", help=_URL_HELP)
    add_json_flag(listing, 'print {"cases": [{"id", "title", "team", "entries", "head",'
                           ' "originals", "created_by", "created_at", "last_pushed_by",'
                           ' "last_pushed_at"}]}')
    listing.set_defaults(func=cmd_team_list)


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}" if n == 1 else f"{n:,} {what}s"


def _refused(exc: Exception) -> int:
    print(f"desk team: {term(exc)}", file=sys.stderr)
    return EXIT_USAGE


def cmd_team_init(args: argparse.Namespace) -> int:
    from desk.team.migrations import init
    from desk.team.server import TeamError

    try:
        report = init(args.url, progress=None if args.json else note)
    except TeamError as exc:
        return _refused(exc)
    if args.json:
        print_json({"server": report.url_where, "before": report.before, "after": report.after,
                    "applied": [{"version": m.version, "what": m.what}
                                for m in report.applied]})
    elif report.applied:
        print(f"{term(report.url_where)}: desk's schema is at version {report.after}"
              f" (was {report.before or 'absent'})")
    else:
        print(f"{term(report.url_where)}: desk's schema is already at version {report.after};"
              " nothing to do")
    return EXIT_OK


def cmd_team_add_member(args: argparse.Namespace) -> int:
    from desk.team.members import add_member
    from desk.team.server import TeamError

    password = None
    if args.password_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin read no password from stdin")
    try:
        report = add_member(args.url, args.team, args.role, args.login, password)
    except TeamError as exc:
        return _refused(exc)
    if args.json:
        print_json(report.to_json())
        return EXIT_OK
    made = [what for what, done in (("team", report.team_created),
                                    ("login", report.login_created)) if done]
    print(f"{term(report.login)} is {'an' if report.role == 'editor' else 'a'} {report.role}"
          f" of team {term(report.team)}"
          + (f" ({' and '.join(made)} created)" if made else ""))
    if report.login_created and not report.password_set:
        note("the login has no password: give it one (--password-stdin) unless the server"
             " authenticates it another way")
    return EXIT_OK


def _remember(case_id: str, url: str) -> None:
    """The server a case was pushed to, pulled from or synced with, for the next `desk team
    sync CASE` and the window (without its password); a folder that cannot be written only
    means the URL is asked for again."""
    from desk.team import servers

    try:
        servers.remember(case_id, url)
    except OSError as exc:
        note(f"the server was not remembered for next time ({exc.strerror or exc})")


def _remembered_for(path: str) -> str | None:
    from desk.team import servers, status

    with open_for_reading(path) as case:
        return servers.remembered(status.case_id(case))


def cmd_team_push(args: argparse.Namespace) -> int:
    from desk.team.push import push
    from desk.team.server import TeamError

    with open_for_reading(args.case) as case:
        try:
            report = push(case, args.url, team=args.team, progress=None if args.json else note)
        except TeamError as exc:
            return _refused(exc)
    _remember(report.case, args.url)
    if args.json:
        print_json(report.to_json())
        return EXIT_OK
    if report.entries_sent:
        entries = ("1 custody entry" if report.entries_sent == 1
                   else f"{report.entries_sent:,} custody entries")
        print(f"pushed {entries} of {term(report.title)} to {term(report.server)}"
              f" (team {term(report.team)};"
              f" the server now has {report.entries_on_server});"
              f" {_count(report.originals_sent, 'original')} ({report.bytes_sent:,} bytes)"
              f" sent, {report.originals_already_stored} already stored")
    else:
        print(f"nothing to push: {term(report.server)} has all"
              f" {report.entries_on_server} entries of this copy")
    print(f"case id {report.case}")
    for line in report.notes:
        note(line)
    return EXIT_OK


def cmd_team_pull(args: argparse.Namespace) -> int:
    from desk.team.pull import pull
    from desk.team.server import TeamError

    try:
        report = pull(args.url, args.case, args.out, progress=None if args.json else note)
    except TeamError as exc:
        return _refused(exc)
    _remember(report.case, args.url)
    if args.json:
        print_json(report.to_json())
        return EXIT_OK
    print(f"pulled {term(report.title)} ({report.entries} custody entries,"
          f" {_count(report.originals, 'original')}, {report.bytes:,} bytes) into"
          f" {term(report.path)}")
    return EXIT_OK


def cmd_team_list(args: argparse.Namespace) -> int:
    from desk.team.listing import list_cases
    from desk.team.server import TeamError

    try:
        cases = list_cases(args.url)
    except TeamError as exc:
        return _refused(exc)
    if args.json:
        print_json({"cases": [c.to_json() for c in cases]})
        return EXIT_OK
    if not cases:
        print("no cases you may see on this server")
    for c in cases:
        print(f"{c.id[:12]}  {term(c.title) or '(untitled)'}  team {term(c.team)}"
              f"  {c.entries} entries"
              + (f", last pushed by {term(c.last_pushed_by)} at {c.last_pushed_at}"
                 if c.last_pushed_by else ""))
    return EXIT_OK


def cmd_team_sync(args: argparse.Namespace) -> int:
    from desk.team.server import TeamError
    from desk.team.sync import sync

    url = args.url or _remembered_for(args.case)
    if url is None:
        raise UsageError(f"no team server is remembered for {args.case} on this machine: give"
                         " its URL once (desk team sync CASE URL)")
    try:
        report = sync(args.case, url, progress=None if args.json else note)
    except TeamError as exc:
        return _refused(exc)
    _remember(report.case, url)
    if args.json:
        print_json(report.to_json())
        return EXIT_OK
    if not report.entries_sent and not report.entries_received:
        print(f"in sync: {term(report.server)} and this copy hold the same edits of"
              f" {term(report.title)}")
    else:
        print(f"synced {term(report.title)} with {term(report.server)}: sent"
              f" {'1 entry' if report.entries_sent == 1 else f'{report.entries_sent:,} entries'},"
              f" merged"
              f" {_count(report.entries_received, 'edit')} from others"
              f" ({_count(report.conflicts, 'conflict')})")
    for line in report.notes:
        note(line)
    return EXIT_OK


def cmd_team_conflicts(args: argparse.Namespace) -> int:
    from desk.team.conflicts import case_conflicts

    with open_for_reading(args.case) as case:
        found = case_conflicts(case)
    if args.json:
        print_json({"conflicts": found})
        return EXIT_OK
    if not found:
        print("no open conflicts")
    for c in found:
        listed = c["values"] if isinstance(c["values"], list) else []
        values = "; ".join(f"{n}) {term(v.get('value'))!s} by {term(v.get('reviewer'))} at"
                           f" {term(v.get('at'))}" for n, v in enumerate(listed, 1)
                           if isinstance(v, dict))
        print(f"{term(c['what'])}, {term(c['field'])}: {values}")
    return EXIT_OK


def cmd_team_resolve(args: argparse.Namespace) -> int:
    from desk.core.commands import CommandError
    from desk.team import conflicts

    with open_for_writing(args.case) as case:
        try:
            conflict = conflicts.find(case, args.entity, args.field)
            command = conflicts.keep(case, conflict, args.keep - 1)
            command.apply(case)
        except CommandError as exc:
            raise UsageError(f"{exc} Nothing was changed.") from None
        still_open = len(conflicts.case_conflicts(case))
    values = conflict["values"]
    kept = values[args.keep - 1] if isinstance(values, list) else None
    assert isinstance(kept, dict)  # keep() has read it
    if args.json:
        print_json({"resolved": {"entity": conflict["entity"], "field": conflict["field"],
                                 "value": kept.get("value")}, "open_conflicts": still_open})
        return EXIT_OK
    print(f"kept {json_text(kept.get('value'))} ({term(kept.get('reviewer'))},"
          f" {term(kept.get('at'))}) for {term(conflict['what'])}, {term(conflict['field'])}"
          + (f"; {_count(still_open, 'conflict')} still open" if still_open else ""))
    return EXIT_OK
