"""Review verbs: claim, statement, link, verdict, geolocate, landmark, movement.

Each applies one named core command (or one Batch of them), so the custody log records the
same actions, in the same words, as when the reviewer does it in the window. Every value is
checked before anything is written: a bad one is one line on stderr, exit 2.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from desk.cli._common import (
    CONFIDENCES,
    EXIT_OK,
    STANCES,
    UsageError,
    add_json_flag,
    add_position_options,
    coordinates,
    iso_date,
    number,
    open_for_writing,
    print_json,
    require_claim,
    require_evidence,
    require_landmark,
    required_text,
    term,
)

if TYPE_CHECKING:
    from desk.core.commands import Command

#: The frame arrow a typed bearing gets: a dot at the frame's centre. It claims no direction
#: on the picture (the dossier draws no arrow for it); draw the real one in the window.
PLACEHOLDER_ARROW = (0.5, 0.5, 0.5, 0.5)


def _rating_names() -> str:
    from desk.core.model import Rating

    return ", ".join(f'"{r}"' for r in Rating)


def register(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    claim = verbs.add_parser("claim", help="add a claim to a case and print its id")
    claim.add_argument("case", metavar="CASE")
    claim.add_argument("--text", required=True, help="the claim, as made")
    claim.add_argument("--claimant", default="", help="who made the claim")
    claim.add_argument("--first-url", default="", help="URL of the claim's first appearance")
    claim.add_argument("--first-date", default="", metavar="DATE",
                       help="date of the first appearance (YYYY-MM-DD or an ISO time)")
    claim.add_argument("--appearance", action="append", default=[], metavar="URL",
                       help="a further appearance (repeatable)")
    claim.add_argument("--evidence", nargs="+", type=int, action="extend", default=[],
                       metavar="ID", help="evidence ids to link to the claim")
    claim.add_argument("--stance", choices=STANCES, default="context",
                       help="stance of the linked evidence (default context)")
    add_json_flag(claim, 'print {"id": N}')
    claim.set_defaults(func=cmd_claim)

    statement = verbs.add_parser(
        "statement", help="record who said what about a claim, and print the statement's id")
    statement.add_argument("case", metavar="CASE")
    statement.add_argument("--claim", type=int, required=True, metavar="ID", help="claim id")
    statement.add_argument("--speaker", required=True, metavar="NAME", help="who said it")
    statement.add_argument("--text", required=True, help="what they said")
    statement.add_argument("--said-at", default="", metavar="DATE",
                           help="when: YYYY-MM-DD, or a full ISO time such as"
                                " 2025-12-29T14:05:00Z")
    statement.add_argument("--source-url", default="", metavar="URL",
                           help="where the statement can be read or heard")
    statement.add_argument("--venue", default="", metavar="TEXT",
                           help="where it was said (a briefing, a broadcast, a post)")
    add_json_flag(statement, 'print {"id": N, "claim_id": ...}')
    statement.set_defaults(func=cmd_statement)

    link = verbs.add_parser("link", help="link evidence to a claim with a stance (or change"
                                         " the stance of a link)")
    link.add_argument("case", metavar="CASE")
    link.add_argument("--claim", type=int, required=True, metavar="ID", help="claim id")
    link.add_argument("--evidence", nargs="+", type=int, action="extend", required=True,
                      metavar="ID", help="evidence ids")
    link.add_argument("--stance", choices=STANCES, required=True,
                      help="how the evidence bears on the claim")
    add_json_flag(link)
    link.set_defaults(func=cmd_link)

    verdict = verbs.add_parser(
        "verdict", help="record the verdict of a claim",
        description="Record the verdict of a claim: the rating on desk's scale, your"
                    " confidence, and the checks behind it. The reviewer is the case's"
                    " reviewer (DESK_REVIEWER, reviewer.txt, else the OS user) and the time is"
                    " now, in UTC. Checks not given keep the value they had in the claim's"
                    " verdict or draft; a check never set counts as open.")
    verdict.add_argument("case", metavar="CASE")
    verdict.add_argument("--claim", type=int, required=True, metavar="ID", help="claim id")
    verdict.add_argument("--rating", required=True, metavar="RATING",
                         help=f"one of {_rating_names()} (any letter case)")
    verdict.add_argument("--confidence", required=True, type=str.lower, choices=CONFIDENCES)
    verdict.add_argument("--summary", required=True, metavar="TEXT",
                         help="the verdict in a sentence or two, for readers")
    verdict.add_argument("--rationale", default=None, metavar="TEXT",
                         help="why: the reasoning behind the rating")
    verdict.add_argument("--check", nargs="+", action="extend", default=[],
                         metavar="KEY=yes|no|na",
                         help="checklist items: done (yes), open (no) or not applicable (na);"
                              " several after one --check, or --check repeated. KEY is one of "
                              + _check_keys())
    add_json_flag(verdict)
    verdict.set_defaults(func=cmd_verdict)

    geolocate = verbs.add_parser(
        "geolocate", help="record where the camera of a frame stood (and looked)",
        description="Record where the camera stood. A frame already geolocated keeps the"
                    " values not given here.")
    geolocate.add_argument("case", metavar="CASE")
    geolocate.add_argument("--evidence", type=int, required=True, metavar="ID",
                           help="evidence id")
    add_position_options(geolocate, "the camera")
    geolocate.add_argument("--heading", metavar="DEG",
                           help="where the camera looked, degrees clockwise from true north")
    geolocate.add_argument("--fov", metavar="DEG", help="horizontal field of view, degrees")
    geolocate.add_argument("--precision-m", metavar="M",
                           help="how far off the position may be, in metres (default 50)")
    geolocate.add_argument("--camera-height-m", metavar="M",
                           help="camera height above the ground, metres (default 1.7)")
    geolocate.add_argument("--confidence", type=str.lower, choices=CONFIDENCES,
                           help="confidence in the position (default moderate)")
    geolocate.add_argument("--method", metavar="TEXT",
                           help="how the position was found (what matches what)")
    add_json_flag(geolocate)
    geolocate.set_defaults(func=cmd_geolocate)

    landmark = verbs.add_parser("landmark", help="add a named place and print its id")
    landmark.add_argument("case", metavar="CASE")
    landmark.add_argument("--name", required=True, metavar="TEXT", help="the place's name")
    add_position_options(landmark, "the place")
    landmark.add_argument("--reference", action="store_true",
                          help="make it the case's reference point (movements are judged"
                               " toward or away from it); it takes the role from any other")
    landmark.add_argument("--kind", default="", metavar="TEXT",
                          help="what it is (mast, bridge, church)")
    landmark.add_argument("--notes", default="", metavar="TEXT")
    add_json_flag(landmark)
    landmark.set_defaults(func=cmd_landmark)

    movement = verbs.add_parser(
        "movement",
        help="record a direction of movement (a typed bearing) on a frame, print its id",
        description="Record which way something in a frame moves, as a bearing typed in"
                    " degrees; desk judges it toward, away from or across the reference point"
                    " (the frame needs a geolocation for that). The arrow on the frame is a"
                    " neutral placeholder, a dot at the centre that shows no direction: draw"
                    " the real arrow in the window if the picture should show it. Prints the"
                    " movement's id; its finding goes to stderr (with --json, into the object).")
    movement.add_argument("case", metavar="CASE")
    movement.add_argument("--evidence", type=int, required=True, metavar="ID",
                          help="evidence id of the frame")
    movement.add_argument("--bearing", required=True, metavar="DEG",
                          help="direction of movement, degrees clockwise from true north")
    movement.add_argument("--reference", type=int, default=None, metavar="LANDMARK_ID",
                          help="judge it against this landmark (default: the case's reference"
                               " point)")
    movement.add_argument("--label", default="", metavar="TEXT",
                          help="what moves (\"soldiers\", \"convoy\")")
    add_json_flag(movement)
    movement.set_defaults(func=cmd_movement)


def _check_keys() -> str:
    from desk.core.checklist import CHECKLIST_KEYS

    return ", ".join(CHECKLIST_KEYS)


# --------------------------------------------------------------------------- claims


def cmd_claim(args: argparse.Namespace) -> int:
    from desk.core import commands
    from desk.core.model import Claim

    text = required_text(args.text, "claim text")
    first_date = iso_date(args.first_date, "--first-date")
    with open_for_writing(args.case) as case:
        for evidence_id in args.evidence:
            require_evidence(case, evidence_id)
        add = commands.add_claim(case, Claim(
            0, text, claimant=args.claimant.strip(), first_appearance_url=args.first_url.strip(),
            first_appearance_date=first_date,
            appearances=[a.strip() for a in args.appearance if a.strip()],
        ))
        claim_id = commands.created_id(add)
        assert claim_id is not None
        links = [commands.link_evidence(claim_id, eid, args.stance)
                 for eid in dict.fromkeys(args.evidence)]
        command: Command = (commands.Batch((add, *links), commands.ADD_CLAIM.undo_text)
                            if links else add)
        command.apply(case)
    if args.json:
        print_json({"id": claim_id})
    else:
        print(claim_id)
    return EXIT_OK


def cmd_statement(args: argparse.Namespace) -> int:
    from desk.core import commands
    from desk.core.model import Statement

    speaker = required_text(args.speaker, "speaker")
    text = required_text(args.text, "statement text")
    said_at = iso_date(args.said_at, "--said-at")
    with open_for_writing(args.case) as case:
        require_claim(case, args.claim)
        add = commands.add_statement(case, Statement(
            0, args.claim, speaker, text, said_at=said_at, source_url=args.source_url.strip(),
            venue=args.venue.strip()))
        add.apply(case)
    statement_id = commands.created_id(add)
    if args.json:
        print_json({"id": statement_id, "claim_id": args.claim, "speaker": speaker,
                    "text": text, "said_at": said_at, "source_url": args.source_url.strip()})
    else:
        print(statement_id)
    return EXIT_OK


def cmd_link(args: argparse.Namespace) -> int:
    from desk.core import commands

    with open_for_writing(args.case) as case:
        require_claim(case, args.claim)
        for evidence_id in args.evidence:
            require_evidence(case, evidence_id)
        results: list[dict[str, object]] = []
        edits: list[Command] = []
        for evidence_id in dict.fromkeys(args.evidence):
            edit = commands.link_or_change_stance(case, args.claim, evidence_id, args.stance)
            results.append({"evidence_id": evidence_id, "stance": args.stance,
                            "changed": edit is not None})
            if edit is not None:
                edits.append(edit)
        if len(edits) == 1:
            edits[0].apply(case)
        elif edits:
            commands.Batch(tuple(edits), commands.LINK_EVIDENCE.undo_text).apply(case)
    if args.json:
        print_json({"id": args.claim, "claim_id": args.claim, "links": results})
    else:
        for result in results:
            what = "linked" if result["changed"] else "unchanged"
            print(f"{what:<9} evidence {result['evidence_id']} {args.stance} claim {args.claim}")
    return EXIT_OK


# --------------------------------------------------------------------------- verdicts


def _rating(text: str) -> str:
    from desk.core.model import Rating

    wanted = " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()
    for rating in Rating:
        if str(rating).casefold() == wanted:
            return str(rating)
    raise UsageError(f"--rating is one of {_rating_names()} (got {text!r})")


def cmd_verdict(args: argparse.Namespace) -> int:
    from desk.core import commands
    from desk.core.checklist import parse_check
    from desk.core.clock import utc_now
    from desk.core.model import Confidence, Rating, Verdict

    rating = Rating(_rating(args.rating))
    summary = required_text(args.summary, "verdict summary")
    checks: dict[str, bool | None] = {}
    for text in args.check:
        try:
            key, value = parse_check(text)
        except ValueError as exc:
            raise UsageError(f"--check: {exc}") from None
        checks[key] = value
    with open_for_writing(args.case) as case:
        require_claim(case, args.claim)
        earlier = case.verdict(args.claim) or case.verdict_draft(args.claim)
        checklist = {**(earlier.checklist if earlier else {}), **checks}
        rationale = (args.rationale if args.rationale is not None
                     else earlier.rationale if earlier else "")
        verdict = Verdict(args.claim, rating, Confidence(args.confidence), summary,
                          rationale.strip(), checklist, reviewer=case.actor,
                          decided_at=utc_now())
        commands.record_verdict(case, verdict).apply(case)
    still_open = _open_items(checklist)
    if args.json:
        print_json({"id": args.claim, "claim_id": args.claim, "rating": str(rating),
                    "confidence": args.confidence, "reviewer": verdict.reviewer,
                    "decided_at": verdict.decided_at, "checklist": checklist,
                    "open_items": still_open})
    else:
        print(f"verdict of claim {args.claim}: {rating}, {args.confidence} confidence")
        for label in still_open:
            print(f"open       {term(label)}")
    return EXIT_OK


def _open_items(checklist: dict[str, bool | None]) -> list[str]:
    """The checks still open, as the dossier's preflight names them (never set = open)."""
    from desk.core.checklist import CHECKLIST, OPEN, checklist_state

    return [label for key, label in CHECKLIST
            if checklist_state(checklist.get(key, False)) == OPEN]


# --------------------------------------------------------------------------- places


def cmd_geolocate(args: argparse.Namespace) -> int:
    from desk.core import commands
    from desk.core.model import Confidence, Geolocation

    lat, lon = coordinates(args.lat, args.lon, args.at)
    given: dict[str, object] = {"lat": lat, "lon": lon}
    for option, field, unit in (("--heading", "heading", "degrees"),
                                ("--fov", "fov", "degrees"),
                                ("--precision-m", "precision_m", "metres"),
                                ("--camera-height-m", "camera_height_m", "metres")):
        value = number(getattr(args, field), option, unit)
        if value is not None:
            given[field] = value
    if args.confidence is not None:
        given["confidence"] = Confidence(args.confidence)
    if args.method is not None:
        given["method"] = args.method.strip()
    with open_for_writing(args.case) as case:
        require_evidence(case, args.evidence)
        earlier = case.geolocation(args.evidence) or Geolocation(args.evidence, lat, lon)
        geolocation = replace(earlier, **given)  # type: ignore[arg-type]
        commands.set_geolocation(geolocation).apply(case)
        stored = case.geolocation(args.evidence)
    assert stored is not None
    if args.json:
        print_json({"id": args.evidence, "evidence_id": args.evidence, "lat": stored.lat,
                    "lon": stored.lon, "precision_m": stored.precision_m,
                    "heading": stored.heading, "fov": stored.fov,
                    "camera_height_m": stored.camera_height_m,
                    "confidence": str(stored.confidence), "method": stored.method})
    else:
        print(f"geolocated evidence {args.evidence} at {stored.lat:.6f}, {stored.lon:.6f}"
              f" (±{stored.precision_m:g} m, {term(stored.confidence)} confidence)")
    return EXIT_OK


def cmd_landmark(args: argparse.Namespace) -> int:
    from desk.core import commands
    from desk.core.model import Landmark

    name = required_text(args.name, "landmark name")
    lat, lon = coordinates(args.lat, args.lon, args.at)
    with open_for_writing(args.case) as case:
        add = commands.add_landmark(case, Landmark(0, name, lat, lon, kind=args.kind.strip(),
                                                   notes=args.notes.strip(),
                                                   is_reference=args.reference))
        add.apply(case)
    landmark_id = commands.created_id(add)
    if args.json:
        print_json({"id": landmark_id, "name": name, "lat": lat, "lon": lon,
                    "reference": args.reference})
    else:
        print(landmark_id)
    return EXIT_OK


def cmd_movement(args: argparse.Namespace) -> int:
    from desk.core import commands
    from desk.core.model import Movement
    from desk.core.movement import finding_for, why_no_finding

    bearing = number(args.bearing, "--bearing", "degrees")
    assert bearing is not None
    x1, y1, x2, y2 = PLACEHOLDER_ARROW
    with open_for_writing(args.case) as case:
        require_evidence(case, args.evidence)
        if args.reference is not None:
            require_landmark(case, args.reference)
        add = commands.add_movement(case, Movement(
            0, args.evidence, label=" ".join(args.label.split()), x1=x1, y1=y1, x2=x2, y2=y2,
            bearing=bearing, reference_id=args.reference))
        add.apply(case)
        movement_id = commands.created_id(add)
        stored = next(m for m in case.movements(args.evidence) if m.id == movement_id)
        landmarks = case.landmarks()
        camera = case.geolocation(args.evidence)
        finding = finding_for(stored, landmarks, camera)
        reason = None if finding is not None else why_no_finding(stored, landmarks, camera)
    if args.json:
        print_json({"id": movement_id, "evidence_id": args.evidence,
                    "bearing": stored.bearing, "reference_id": args.reference,
                    "label": stored.label,
                    "finding": finding.to_json() if finding is not None else None,
                    "no_finding": reason})
    else:
        print(movement_id)
        # The id alone on stdout (scripts capture it); the finding for the person watching.
        # It names landmarks, which are the case's text: escaped for the terminal.
        print(term(finding.sentence() if finding is not None else f"no finding: {reason}"),
              file=sys.stderr)
    return EXIT_OK
