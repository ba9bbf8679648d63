"""The verification checklist: the checks behind a verdict, in the order a reviewer works.

Its keys are part of desk's vocabulary: the window shows them, `desk verdict --check KEY=...`
sets them, and the dossier prints them. A recorded value is True (done), False (open) or
None (not applicable, e.g. a movement check for a claim without footage).
"""

from __future__ import annotations

CHECKLIST: tuple[tuple[str, str], ...] = (
    ("source_identified", "Source identified"),
    ("original_found", "Original found"),
    ("date_checked", "Date checked"),
    ("location_checked", "Location checked"),
    ("movement_checked", "Movement and time checked (where relevant)"),
    ("alternatives_considered", "Alternative explanations considered"),
)

CHECKLIST_KEYS: tuple[str, ...] = tuple(key for key, _ in CHECKLIST)

#: A checklist item's state in a dossier record: what a recorded True, False and None mean.
DONE, OPEN, NOT_APPLICABLE = "done", "open", "not_applicable"


def checklist_state(value: object) -> str:
    """True is done, None is not applicable, anything else (False, missing) is open."""
    if value is None:
        return NOT_APPLICABLE
    return DONE if value is True else OPEN


#: How a checklist value is written on the command line and in JSON.
STATE_WORDS: dict[str, bool | None] = {"yes": True, "no": False, "na": None}


def parse_check(text: str) -> tuple[str, bool | None]:
    """`KEY=yes|no|na` as the command line takes it; ValueError says what was expected."""
    key, sep, word = text.partition("=")
    key, word = key.strip(), word.strip().lower()
    if not sep or key not in CHECKLIST_KEYS:
        raise ValueError(f"a check is KEY=yes|no|na with KEY one of {', '.join(CHECKLIST_KEYS)}"
                         f" (got {text!r})")
    if word not in STATE_WORDS:
        raise ValueError(f"the check {key} takes yes, no or na (got {word!r})")
    return key, STATE_WORDS[word]
