"""Near-duplicates in a case: the same picture re-encoded, resized, cropped a little or marked.

Two items are near-duplicates when their perceptual hashes (`desk.core.perceptual_hash`)
differ in at most `THRESHOLD` of 64 bits. The threshold comes from measurement
(tests/core/test_near_duplicates.py): a re-encode at JPEG quality 40 or a 90 % resize moves a
hash by about 2 bits, a 3 % crop or a corner watermark by up to 8, both together by up to 10;
unrelated street scenes of the same kind stay 14 bits or more apart (30 on average).

The case's groups join near-duplicates transitively (union-find), so a chain of re-posts forms
one group. The group's earliest copy is the one captured first (by the capture time its
metadata gives), else the one published first (its provenance), else the first imported; the
rule that decided is said with it. Grouping a case of 10,000 items uses a multi-index: the
hash is split into 4 blocks of 16 bits, and two hashes within 10 bits must agree within a
small radius on at least one block (pigeonhole), so only items that do are compared
(bench/near_duplicates.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from itertools import combinations
from typing import TYPE_CHECKING

from desk.core.perceptual_hash import KIND, distance, from_text

if TYPE_CHECKING:  # intake's worker and writer import this module; the case is only a type
    from desk.core.casefile import CaseFile
    from desk.core.model import Evidence

#: Most bits in which two near-duplicates' hashes may differ (of 64).
THRESHOLD = 10


@dataclass(frozen=True)
class Similar:
    """One near-duplicate of an item: which, and how many bits its hash differs by."""

    evidence_id: int
    distance: int


@dataclass(frozen=True)
class Group:
    """Items that are near-duplicates of each other (directly or through a chain)."""

    members: tuple[int, ...]
    earliest: int
    #: Which rule chose `earliest`: "capture time", "publication time" or "import order".
    earliest_by: str
    #: The time that decided it ("" for import order).
    earliest_at: str = ""


# ----------------------------------------------------------------------------- the case


def store_hash(conn: sqlite3.Connection, evidence_id: int, value: str) -> None:
    """Write an item's perceptual hash (inside intake's transaction)."""
    conn.execute("INSERT INTO perceptual_hash (evidence_id, kind, value) VALUES (?, ?, ?)",
                 (evidence_id, KIND, value))


def case_hashes(case: CaseFile) -> dict[int, int]:
    """Every item's hash by evidence id; rows of another kind or unreadable are left out."""
    rows = case.conn.execute("SELECT evidence_id, kind, value FROM perceptual_hash")
    hashes: dict[int, int] = {}
    for eid, kind, text in rows:
        value = from_text(str(text)) if kind == KIND else None
        if value is not None and isinstance(eid, int):
            hashes[eid] = value
    return hashes


def hash_of(case: CaseFile, evidence_id: int) -> int | None:
    """The item's hash; None when it has none (imported before desk 1.5: not read)."""
    row = case.conn.execute("SELECT kind, value FROM perceptual_hash WHERE evidence_id = ?",
                            (evidence_id,)).fetchone()
    return from_text(str(row[1])) if row is not None and row[0] == KIND else None


def near_duplicates_of(case: CaseFile, evidence_id: int, threshold: int = THRESHOLD,
                       hashes: dict[int, int] | None = None) -> list[Similar] | None:
    """The item's near-duplicates, closest first; None when the item has no hash.
    `hashes` is `case_hashes(case)` when the caller has read it already."""
    hashes = case_hashes(case) if hashes is None else hashes
    own = hashes.get(evidence_id)
    if own is None:
        return None
    return similar_to(own, hashes, threshold, exclude=evidence_id)


def similar_to(value: int, hashes: dict[int, int], threshold: int = THRESHOLD,
               exclude: int | None = None) -> list[Similar]:
    """The hashes within `threshold` bits of `value`, closest first (then by id)."""
    found = [Similar(eid, d) for eid, other in hashes.items()
             if eid != exclude and (d := (value ^ other).bit_count()) <= threshold]
    found.sort(key=lambda s: (s.distance, s.evidence_id))
    return found


def case_groups(case: CaseFile, threshold: int = THRESHOLD) -> list[Group]:
    """Every group of near-duplicates in the case, with its earliest item, largest first."""
    hashes = case_hashes(case)
    groups = group_ids(hashes, threshold)
    if not groups:
        return []
    wanted = {eid for members in groups for eid in members}
    items = {e.id: e for e in case.list_evidence() if e.id in wanted}
    result = [_with_earliest(members, items) for members in groups]
    result.sort(key=lambda g: (-len(g.members), g.members[0]))
    return result


def group_of(case: CaseFile, evidence_id: int, threshold: int = THRESHOLD,
             hashes: dict[int, int] | None = None) -> Group | None:
    """The item's group with its earliest copy (None when it has no near-duplicates),
    found by walking out from the item, without grouping the whole case."""
    hashes = case_hashes(case) if hashes is None else hashes
    if evidence_id not in hashes:
        return None
    members = {evidence_id}
    todo = [evidence_id]
    while todo:
        current = todo.pop()
        for near in similar_to(hashes[current], hashes, threshold, exclude=current):
            if near.evidence_id not in members:
                members.add(near.evidence_id)
                todo.append(near.evidence_id)
    if len(members) < 2:
        return None
    items = {}
    for eid in members:
        try:
            items[eid] = case.get_evidence(eid)
        except KeyError:
            continue
    return _with_earliest(tuple(sorted(members)), items)


# ----------------------------------------------------------------------------- grouping


def group_ids(hashes: dict[int, int], threshold: int = THRESHOLD) -> list[tuple[int, ...]]:
    """Groups (two or more ids, sorted) of hashes linked by distances within `threshold`."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])  # path halving
            x = parent[x]
        return x

    def join(a: int, b: int) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    linked: set[int] = set()
    for a, b in _close_pairs(hashes, threshold):
        join(a, b)
        linked.update((a, b))
    members: dict[int, list[int]] = {}
    for eid in linked:
        members.setdefault(root(eid), []).append(eid)
    return sorted(tuple(sorted(m)) for m in members.values())


def _close_pairs(hashes: dict[int, int], threshold: int) -> Iterable[tuple[int, int]]:
    """Pairs of ids within `threshold` bits, each once, found through the block index."""
    if threshold >= 3 * len(_WIDTHS):  # the index would not prune much: compare every pair
        ids = list(hashes)
        for a, b in combinations(ids, 2):
            if distance(hashes[a], hashes[b]) <= threshold:
                yield a, b
        return
    blocks = _plan(threshold)
    tables: list[dict[int, list[int]]] = [{} for _ in blocks]
    for eid, value in hashes.items():
        for table, (shift, mask, _) in zip(tables, blocks, strict=True):
            table.setdefault((value >> shift) & mask, []).append(eid)
    present = [set(table) for table in tables]
    for eid, value in hashes.items():
        candidates: set[int] = set()
        for table, keys, (shift, mask, flips) in zip(tables, present, blocks, strict=True):
            key = (value >> shift) & mask
            # The keys within the block's radius that are present, found without a Python loop.
            for near in keys.intersection(map(key.__xor__, flips)):
                candidates.update(table[near])
        for other in candidates:
            if other > eid and (value ^ hashes[other]).bit_count() <= threshold:
                yield eid, other


#: The 64 bits in 4 blocks of 16 from the low end (5 blocks of 13 measured no faster).
_WIDTHS = (16, 16, 16, 16)


@cache
def _plan(threshold: int) -> tuple[tuple[int, int, tuple[int, ...]], ...]:
    """(shift, mask, masks within the block's radius) of each block searched.

    Radii r_b with sum(r_b + 1) = threshold + 1 make the search exact: two hashes within
    `threshold` bits that differed by more than r_b in every block b would differ by at least
    sum(r_b + 1) bits. For 10 bits: radius 1 in the first block and 2 in the other three
    (428 lookups an item). A block with radius -1 is not searched.
    """
    count = len(_WIDTHS)
    plan = []
    shift = 0
    for index, width in enumerate(_WIDTHS):
        radius = (threshold + 1) // count - 1 + (1 if count - 1 - index < (threshold + 1) % count
                                                 else 0)
        if radius >= 0:
            plan.append((shift, (1 << width) - 1, _masks(width, radius)))
        shift += width
    return tuple(plan)


@cache
def _masks(width: int, radius: int) -> tuple[int, ...]:
    """Every `width`-bit mask with at most `radius` bits set."""
    found = {0}
    for _ in range(radius):
        found |= {m | (1 << bit) for m in found for bit in range(width)}
    return tuple(sorted(found))


# ----------------------------------------------------------------------------- earliest


def _with_earliest(members: tuple[int, ...], items: dict[int, Evidence]) -> Group:
    present = [items[i] for i in members if i in items]
    for rule, moment in (("capture time", _captured), ("publication time", _published)):
        dated = [(when, e.id, text) for e in present if (found := moment(e)) is not None
                 for when, text in [found]]
        if dated:
            _, eid, text = min(dated)
            return Group(members, eid, rule, text)
    return Group(members, min(members), "import order")


def _captured(item: Evidence) -> tuple[datetime, str] | None:
    meta = item.metadata
    return _moment(meta.captured_at, meta.utc_offset)


def _published(item: Evidence) -> tuple[datetime, str] | None:
    return _moment(item.provenance.published_at, None)


def _moment(text: str | None, offset: str | None) -> tuple[datetime, str] | None:
    """A stored time as a comparable UTC instant (times without an offset read as UTC, the
    only reading open to a comparison across items), with the text it came from."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace(" ", "T", 1).replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=_zone(offset))
    return when.astimezone(UTC), text


def _zone(offset: str | None) -> timezone:
    """'+03:00' as a zone; UTC for none or anything unreadable."""
    if offset and len(offset) == 6 and offset[0] in "+-" and offset[3] == ":":
        try:
            hours, minutes = int(offset[1:3]), int(offset[4:6])
        except ValueError:
            return UTC
        if hours < 24 and minutes < 60:
            sign = 1 if offset[0] == "+" else -1
            return timezone(sign * timedelta(hours=hours, minutes=minutes))
    return UTC
