"""Footage verbs: frames (take frames from a video of the case as stills with provenance)."""

from __future__ import annotations

import argparse
import sys

from desk.cli._common import (
    EXIT_OK,
    EXIT_PARTIAL,
    UsageError,
    add_json_flag,
    note,
    number,
    open_for_writing,
    print_json,
    term,
)


def register(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    frames = verbs.add_parser(
        "frames", help="take frames from a video of a case as stills with their provenance",
        description="Take frames from a video item of the case: at given times, every N"
                    " seconds, at keyframes or at scene changes. Each frame becomes a still"
                    " of the case recording its video, frame index, time and the SHA-256 of"
                    " its decoded pixels; a frame taken before is reported as a duplicate,"
                    " not stored twice.")
    frames.add_argument("case", metavar="CASE")
    frames.add_argument("--video", required=True, metavar="ID", type=int,
                        help="the evidence id of the video (desk info CASE lists it)")
    which = frames.add_mutually_exclusive_group(required=True)
    which.add_argument("--at", nargs="+", metavar="SECONDS",
                       help="the frames shown at these times (seconds from the start)")
    which.add_argument("--every", metavar="SECONDS", help="a frame every N seconds")
    which.add_argument("--keyframes", action="store_true", help="every keyframe")
    which.add_argument("--scenes", action="store_true", help="the first frame of each scene")
    add_json_flag(frames, 'print {"frames": [{"id", "frame_index", "pts_s", "sha256",'
                          ' "pixels_sha256", "duplicate", "timecode"}, ...]}')
    frames.set_defaults(func=cmd_frames)


def _request(args: argparse.Namespace) -> object:
    from desk.core.video_frames import FrameRequest

    if args.at:
        times = tuple(_seconds(v, "--at") for v in args.at)
        return FrameRequest("at", times=times)
    if args.every is not None:
        every = _seconds(args.every, "--every")
        if every <= 0:
            raise UsageError(f"--every takes a number of seconds above 0 (got {args.every!r})")
        return FrameRequest("every", every=every)
    return FrameRequest("keyframes" if args.keyframes else "scenes")


def _seconds(value: str, option: str) -> float:
    seconds = number(value, option, "seconds")
    assert seconds is not None
    if seconds < 0:
        raise UsageError(f"{option} takes seconds from the start, 0 or more (got {value!r})")
    return seconds


def cmd_frames(args: argparse.Namespace) -> int:
    from desk.core.video_frames import FrameRequest
    from desk.core.video_intake import FramesStopped, take_frames

    request = _request(args)
    assert isinstance(request, FrameRequest)
    with open_for_writing(args.case) as case:
        try:
            item = case.get_evidence(args.video)
        except KeyError:
            raise UsageError(f"there is no evidence {args.video} in {case.path.name}"
                             " (desk info CASE lists the evidence)") from None
        if item.kind != "video":
            raise UsageError(f"evidence {args.video} is a still, not a video"
                             " (desk info CASE shows each item's kind)")

        def progress(done: int, expected: int) -> None:
            if not args.json:
                of = f"/{expected}" if expected else ""
                end = "" if sys.stderr.isatty() else "\n"
                print(f"\rframe {done}{of}", end=end, file=sys.stderr, flush=True)

        failed = ""
        try:
            results = take_frames(case, args.video, request, progress=progress)
        except FramesStopped as exc:
            results, failed = exc.taken, exc.reason
    if not args.json and sys.stderr.isatty():
        print(file=sys.stderr)
    if failed:
        note(f"taking frames stopped: {failed}; the {len(results)} frames listed"
             " before it are in the case")
    if args.json:
        data: dict[str, object] = {"frames": [r.to_json() for r in results]}
        if failed:
            data["error"] = failed
        print_json(data)
        return EXIT_PARTIAL if failed else EXIT_OK
    for r in results:
        state = "duplicate" if r.duplicate else "taken    "
        print(f"{state}  frame {r.frame_index}  {r.timecode}  (id {r.id}, sha256"
              f" {r.sha256[:16]}…, pixels {r.pixels_sha256[:16]}…)")
    new = sum(not r.duplicate for r in results)
    print(f"{new} frames taken, {len(results) - new} duplicates, from video"
          f" {term(args.video)}")
    return EXIT_PARTIAL if failed else EXIT_OK
