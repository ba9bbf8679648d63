"""What every verb shares: opening a case (a shipped sample as the reviewer's working copy),
reading numbers, dates and coordinates the way a script types them, and printing.

Only the standard library and the core's plain value types load here at import; the case file
and the rest of the core load when a verb runs, so `desk --help` stays quick.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from desk.core.model import Confidence, Stance

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2

#: The words the core's values use, so the command line takes exactly what the case stores.
CONFIDENCES = tuple(str(c) for c in Confidence)
STANCES = tuple(str(s) for s in Stance)


class UsageError(ValueError):
    """A value on the command line that cannot be used; said in one line, nothing written."""


def add_json_flag(parser: argparse.ArgumentParser, what: str = "print one JSON object") -> None:
    parser.add_argument("--json", action="store_true", help=what)


#: What a terminal would act on rather than show: C0 and C1 controls (escape sequences, bells,
#: carriage returns, line breaks) and the Unicode controls that reorder or hide text.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069"
                     "\ufeff\ufff9-\ufffb]")


#: The same beyond C0: json.dumps escapes C0 inside strings itself, and a raw line break in its
#: output is layout (indent=2), not text.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069"
                             "\ufeff\ufff9-\ufffb]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}.get(
        code, f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def term(value: object) -> str:
    """Untrusted text (a claim, a title, a file name, a reason) as it may reach a terminal:
    every control shown as an escape, so it stays on its line and cannot move the cursor,
    retitle the window, clear the screen or reorder what follows."""
    return _UNSAFE.sub(_escape, str(value))


def json_text(data: object, **options: object) -> str:
    """Exact JSON whose printed form holds no control a terminal acts on: JSON itself escapes
    only C0 controls, so DEL, C1 and bidi controls are written as \\u escapes too."""
    text = json.dumps(data, ensure_ascii=False, **options)  # type: ignore[arg-type]
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def print_json(data: object) -> None:
    print(json_text(data))


def note(text: str) -> None:
    """A line for the person running the script (stderr, so stdout stays parseable); it often
    names a file, so it is escaped for the terminal whole (desk's own words hold no controls)."""
    print(f"desk: {term(text)}", file=sys.stderr)


# --------------------------------------------------------------------------- opening a case


def _sample_copy(path: Path, *, create: bool) -> Path | None:
    """The reviewer's working copy when `path` is a shipped sample (made if `create`)."""
    from desk.core import samples

    if not samples.is_shipped_sample(path):
        return None
    if create:
        return samples.working_copy(path)
    copy = samples.working_copy_path(path)
    return copy if copy.exists() else None


def open_for_writing(case: str) -> CaseFile:
    """Open a case to change it; a shipped sample is never written: its working copy is (the
    window's rule), and stderr says which file that is."""
    from desk.core.casefile import CaseFile

    path = Path(case)
    copy = _sample_copy(path, create=True)
    if copy is not None:
        note(f"{path.name} is a shipped sample, so it stays as shipped; this writes to your"
             f" working copy {copy}")
        path = copy
    return CaseFile.open(path)


def open_for_reading(case: str) -> CaseFile:
    """Open a case read-only; a shipped sample reads as the working copy when there is one,
    so what a script wrote through `open_for_writing` is what it reads back."""
    from desk.core.casefile import CaseFile

    path = Path(case)
    copy = _sample_copy(path, create=False)
    if copy is not None:
        note(f"{path.name} is a shipped sample; reading your working copy {copy}")
        path = copy
    return CaseFile.open(path, read_only=True)


def is_shipped_sample(case: str) -> bool:
    from desk.core import samples

    return samples.is_shipped_sample(Path(case))


# --------------------------------------------------------------------------- values


def require_claim(case: CaseFile, claim_id: int) -> None:
    if all(c.id != claim_id for c in case.list_claims()):
        raise UsageError(f"there is no claim {claim_id} in {case.path.name}"
                         " (desk info CASE lists the claims)")


def require_evidence(case: CaseFile, evidence_id: int) -> None:
    try:
        case.get_evidence(evidence_id)
    except KeyError:
        raise UsageError(f"there is no evidence {evidence_id} in {case.path.name}"
                         " (desk info CASE lists the evidence)") from None


def require_landmark(case: CaseFile, landmark_id: int) -> None:
    if all(lm.id != landmark_id for lm in case.landmarks()):
        raise UsageError(f"there is no landmark {landmark_id} in {case.path.name}"
                         " (desk info CASE lists the landmarks)")


def required_text(value: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise UsageError(f"the {what} is empty")
    return text


def number(value: str | None, option: str, unit: str = "") -> float | None:
    """A finite number from the command line ('270', '270°', '12.5'); None when not given."""
    if value is None:
        return None
    text = value.strip().rstrip("°").strip()
    try:
        result = float(text)
    except ValueError:
        result = math.nan
    if not math.isfinite(result):
        raise UsageError(f"{option} takes a number{' of ' + unit if unit else ''}"
                         f" (got {value!r})")
    return result


def iso_date(value: str, option: str) -> str:
    """A date as YYYY-MM-DD or a full ISO time (2025-12-29T14:05:00Z); the text as typed."""
    from desk.core.dates import is_date_text

    text = value.strip()
    if not text or is_date_text(text):
        return text
    raise UsageError(f"{option} is a date as YYYY-MM-DD or a full ISO time such as"
                     f" 2025-12-29T14:05:00Z (got {value!r})")


def coordinates(lat: str | None, lon: str | None, at: str | None) -> tuple[float, float]:
    """(lat, lon) from --lat and --lon, or from --at (a pair, DMS or a map link), read as the
    window reads pasted coordinates."""
    from desk.core.coords import parse_coordinates

    if at is not None and (lat is not None or lon is not None):
        raise UsageError("give the position either as --at or as --lat and --lon, not both")
    if at is None:
        if lat is None or lon is None:
            raise UsageError("give the position as --lat LAT --lon LON, or as --at"
                             " \"LAT, LON\" (DMS and map links work too)")
        text = f"{lat.strip()}, {lon.strip()}"
    else:
        text = at
    try:
        return parse_coordinates(text)
    except ValueError as exc:
        raise UsageError(str(exc)[:1].lower() + str(exc)[1:]) from None


def add_position_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--lat", metavar="LAT", help=f"latitude of {what} (decimal or DMS)")
    parser.add_argument("--lon", metavar="LON", help=f"longitude of {what} (decimal or DMS)")
    parser.add_argument("--at", metavar="TEXT",
                        help="the position in one piece instead of --lat/--lon, in any form"
                             " the window accepts when pasted: \"49.71, 37.60\","
                             " 49°42'36\"N 37°36'54\"E, or a map link (Google, OSM, geo:)")
