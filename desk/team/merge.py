"""Merging another branch's edits into a working copy: field by field, nothing overwritten unseen.

For every row the lacking edits touched, the row as the copy holds it ("ours") is compared with
the row before the first of those edits ("base"; on each branch, before that branch's first
edit) and after the last ("theirs"):

- only one side changed it: that side's row is taken;
- both changed it: each column is merged on its own (a column only one side changed takes that
  side's value), and a column both changed to different values is a *conflict*: both values
  are recorded with who set them and when, and the later edit's value stands (then the larger
  entry hash), so every copy that merges the same edits reaches the same state whichever side
  it merges from;
- a row one side deleted while the other changed, or both made anew for one shared item (two
  geolocations of the same evidence), is a conflict of the whole row, decided the same way;
- a row both made anew because two copies gave one id to two different items (each imported
  a file as "evidence 3") is no conflict: it belongs to the item made first, and the later
  item's maker moves theirs to a new id (`desk.team.renumber`); a renumber's removal of the
  old id removes only the rows its maker had there.

Conflicts are listed (`desk team conflicts`) until a later edit sets the field again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from desk.core import tracking
from desk.core.replay import LogEntry, Values
from desk.team import history, renumber

RowKey = tuple[str, str]
#: Values of rows by digest (the server's copies, re-hashed by the caller).
ValueSource = Callable[[Iterable[str]], Mapping[str, Values]]
#: A whole row's conflict: the field named when the row itself (not one column) differs.
WHOLE_ROW = "*"


class MergeError(ValueError):
    """The edits cannot be merged (a value the merge needs is missing); said in one sentence."""


@dataclass(frozen=True)
class Side:
    """Who last changed a row on one side, and when."""

    reviewer: str
    at: str
    hash: str

    def json(self) -> dict[str, str]:
        return {"reviewer": self.reviewer, "at": self.at}


@dataclass
class Plan:
    """What a merge writes: rows (None deletes), the conflicts found, the entries carried."""

    rows: list[tuple[str, str, Values | None]] = field(default_factory=list)
    conflicts: list[dict[str, object]] = field(default_factory=list)
    merged: list[LogEntry] = field(default_factory=list)


def _current_sides(chain: Sequence[LogEntry], ours: Mapping[RowKey, tuple[str, Values]],
                   wanted: Container[RowKey]) -> dict[RowKey, Side]:
    """For each row `wanted`, the edit its value here stands for: of the edits this copy
    holds (a merge's carried edits, not the merge, so the author is named), the latest that
    left the row as it is now, else the latest that changed it. Comparing that edit's time
    with the other side's is what makes every copy pick the same value, whatever the merges
    between."""
    best: dict[RowKey, tuple[bool, str, str, LogEntry]] = {}
    for entry in chain:
        inner = history.carried(entry)
        for source in inner if inner else [entry]:
            for table, key, _, after in history.changes(source):
                row = (table, key)
                if row not in wanted:
                    continue
                now = ours[row][0] if row in ours else None
                rank = (after == now, source.at, source.hash, source)
                if row not in best or rank[:3] > best[row][:3]:
                    best[row] = rank
    return {row: Side(e.actor, e.at, e.hash) for row, (_, _, _, e) in best.items()}


def shown(value: object) -> object:
    """A column's value as a conflict lists it (bytes by their SHA-256)."""
    if isinstance(value, bytes):
        import hashlib

        return {"sha256": hashlib.sha256(value).hexdigest()}
    return value


def entity(table: str, key: str) -> str:
    """A row as the custody log's items name it ("claim:2", "claim_evidence:1:3")."""
    try:
        parts = json.loads(key)
    except ValueError:
        parts = [key]
    return f"{table}:{':'.join(str(p) for p in parts)}" if isinstance(parts, list) else table


def plan(ours: Mapping[RowKey, tuple[str, Values]], chain: Sequence[LogEntry],
         lacking: Sequence[LogEntry], values: ValueSource,
         follows: Callable[[LogEntry, LogEntry], bool] | None = None) -> Plan:
    """The merge of `lacking` (the server's edits this copy lacks, in `ServerHistory.lacking`
    order) into the copy whose rows are `ours` and whose history is `chain`.

    `follows(later, earlier)` says whether one edit was made on top of another (the server's
    history knows): of the lacking edits of one row, only the last of each branch counts, and
    two branches' edits of the row are merged with each other as with this copy's."""
    result = Plan(merged=list(lacking))
    first_before: dict[RowKey, str | None] = {}
    touching: dict[RowKey, list[tuple[LogEntry, str | None, str | None]]] = {}
    for entry in lacking:
        for table, key, before, after in history.changes(entry):
            row = (str(table), str(key))
            first_before.setdefault(row, before)
            touching.setdefault(row, []).append((entry, before, after))
    touched_here = _current_sides(chain, ours, touching)
    heads: dict[RowKey, list[tuple[LogEntry, str | None, str | None]]] = {}
    branch_base: dict[tuple[RowKey, str], str | None] = {}
    needed: set[str] = set()
    for row, edits in touching.items():
        if follows is not None and len(edits) > 1:
            last = [(e, before, after) for e, before, after in edits
                    if not any(o is not e and follows(o, e) for o, _, _ in edits)]
        else:
            last = edits[-1:]
        last.sort(key=lambda edit: (edit[0].at, edit[0].hash))
        heads[row] = last
        if len(last) > 1:
            # Each branch's edits of the row began from the row as that branch had it (a row
            # one branch made anew began from nothing, whatever another branch began from).
            for head, _, _ in last:
                branch_base[(row, head.hash)] = next(
                    before for e, before, _ in edits
                    if e.hash == head.hash or (follows is not None and follows(head, e)))
        base = first_before[row]
        mine = ours[row][0] if row in ours else None
        if all(after == mine for _, _, after in last):
            continue
        needed.update(d for d in [base, *(after for _, _, after in last),
                                  *(branch_base.get((row, h.hash)) for h, _, _ in last)]
                      if d is not None)
    found = dict(values(sorted(needed))) if needed else {}
    every_edit: dict[RowKey, list[LogEntry]] | None = None
    makers = renumber.Makers(chain, lacking, follows, ours)
    # Evidence both sides imported from one file: one item, whatever ids its rows carry.
    shared: set[renumber.Item] = set()
    for row, last in heads.items():
        if row[0] != "evidence":
            continue
        versions = [found.get(after or "") for _, _, after in last]
        versions = [v for v in [ours[row][1] if row in ours else None, *versions] if v]
        if any(renumber.same_file("evidence", a, b) and a != b
               for n, a in enumerate(versions) for b in versions[n + 1:]):
            shared.add(("evidence", int(json.loads(row[1])[0])))
    items = tracking.entity_tables()
    #: Whether a renumber took away the item it moved, by (entry hash, item row): the rows
    #: that belong to that item go with it or stay with it (their own digests may be alike:
    #: two originals of one length, two identical thumbnails).
    taken: dict[tuple[str, RowKey], bool] = {}
    for row in sorted(heads, key=lambda r: (r[0] not in items, r)):
        mine = ours[row][0] if row in ours else None
        digest, current = mine, ours[row][1] if row in ours else None
        side = touched_here.get(row, Side("", "", ""))
        holder: LogEntry | None = None  # the lacking edit the value stands for; None: ours
        stepped = collided = False
        for entry, before, after in heads[row]:
            them = Side(entry.actor, entry.at, entry.hash)
            base = branch_base.get((row, entry.hash), first_before[row])
            if after is None and renumber.is_renumber(entry):
                # A renumber takes away only what its maker had under the old id.
                if row[0] in items:
                    taken[(entry.hash, row)] = digest == before
                    if digest != before:
                        continue
                else:
                    verdicts = [taken[(entry.hash, (t, json.dumps([n])))]
                                for t, n in renumber.items_of(*row)
                                if (entry.hash, (t, json.dumps([n]))) in taken]
                    if (not all(verdicts)) if verdicts else digest != before:
                        continue
            if after in (digest, base):
                continue  # the same already, or their edits came back to where they began
            if digest == base:
                digest, current, side, holder = after, _need(found, after, row), them, entry
                continue
            if (base is None and digest is not None and after is not None
                    and not renumber.same_file(row[0], current, found.get(after))):
                keep = makers.first_stands(row, digest, holder, after, entry, shared)
                if keep is not None:
                    # One id, two items: the row is the first-made item's, no conflict.
                    collided = True
                    if not keep:
                        digest, current, side, holder = (after, _need(found, after, row),
                                                         them, entry)
                    continue
            stepped = True
            later_is_theirs = (them.at, them.hash) > (side.at, side.hash)
            base_values = found.get(base) if base is not None else None
            current, conflicts = _three_way(row, base_values, current, _need(found, after, row),
                                            side, them, later_is_theirs)
            result.conflicts += conflicts
            digest = None if current is None else tracking.row_digest(row[0], *current)
            side, holder = (them, entry) if later_is_theirs else (side, holder)
        if stepped and not collided:
            # Edits of the row on several branches: its value is the row replayed from every
            # edit either side holds, field by field in time order, whenever those edits are
            # commands that say what they set; so it does not depend on who merged what first.
            if every_edit is None:
                every_edit = _edits_by_row([*history.known_edits(chain), *lacking])
            replayed = _replayed(row, every_edit.get(row, []))
            if replayed is not _MIXED:
                current = replayed  # type: ignore[assignment]
                digest = None if current is None else tracking.row_digest(row[0], *current)
        if digest != mine:
            result.rows.append((*row, current))
    return result


#: `_replayed`'s answer when some edit of the row does not say what it set (an import).
_MIXED = object()


def key_text(table: str, key: object) -> str | None:
    """A command's key (a mapping of key columns) in the form the row digests use."""
    if not isinstance(key, dict):
        return None
    for t in tracking.tables():
        if t.name == table:
            try:
                return json.dumps([key[k] for k in t.keys], ensure_ascii=False,
                                  separators=(",", ":"))
            except KeyError:
                return None
    return None


def _edits_by_row(edits: Sequence[LogEntry]) -> dict[RowKey, list[LogEntry]]:
    """The edits of each row (made once per merge: a row edited on several branches is
    replayed from all of them, and a long history has thousands)."""
    by_row: dict[RowKey, list[LogEntry]] = {}
    for entry in edits:
        for table, key, _, _ in history.changes(entry):
            by_row.setdefault((table, key), []).append(entry)
    return by_row


def _replayed(row: RowKey, touching: Sequence[LogEntry]) -> object:
    """The row as every edit of it (`touching`) sets it, in (time, seq, hash) order; _MIXED
    when an edit of it is not a command with its values, or the result lacks a column."""
    table, key = row
    state: dict[str, object] | None = None
    for entry in sorted({e.hash: e for e in touching}.values(),
                        key=lambda e: (e.at, e.seq, e.hash)):
        # Read once per text and shared (an empty mapping when it is not an object).
        detail = history.merge_detail(entry)
        if (detail.get("table") != table
                or key_text(table, detail.get("key")) != key):
            return _MIXED
        values = detail.get("values")
        if values is None:
            state = None
            continue
        if not isinstance(values, dict):
            return _MIXED
        if state is None:
            spec = next(t for t in tracking.tables() if t.name == table)
            state = dict(zip(spec.keys, json.loads(key), strict=True))
        state.update({k: int(v) if isinstance(v, bool) else v for k, v in values.items()})
    if state is None:
        return None
    columns = _columns(table)
    if any(c not in state for c in columns):
        return _MIXED
    return tuple(state[c] for c in columns)


def _need(found: Mapping[str, Values], digest: str | None, row: RowKey) -> Values | None:
    if digest is None:
        return None
    values = found.get(digest)
    if values is None:
        raise MergeError(f"the server lacks the values of {tracking.describe(*row)} as another"
                         " reviewer left it; whoever edited it pushes again (desk team sync)")
    return values


def _columns(table: str) -> tuple[str, ...]:
    for t in tracking.tables():
        if t.name == table:
            return t.columns
    raise MergeError(f"the edits name a table this desk does not know ({table})")


def _three_way(row: RowKey, base: Values | None, mine: Values | None, theirs: Values | None,
               us: Side, them: Side, later_is_theirs: bool
               ) -> tuple[Values | None, list[dict[str, object]]]:
    table, key = row
    winner = theirs if later_is_theirs else mine
    if mine is None or theirs is None or base is None:
        # Deleted on one side and changed on the other, or made anew on both: the row as a
        # whole is in conflict (merging columns of two different rows would make a third).
        names = _columns(table)
        if mine is not None and theirs is not None:
            differing = [n for n, a, b in zip(names, mine, theirs, strict=True) if a != b]
            conflicts = [_conflict(table, key, name, mine[i], theirs[i], us, them)
                         for i, name in enumerate(names) if name in differing]
        else:
            conflicts = [_conflict(table, key, WHOLE_ROW,
                                   None if mine is None else "kept",
                                   None if theirs is None else "kept", us, them)]
        return winner, conflicts
    names = _columns(table)
    merged: list[object] = []
    conflicts = []
    for i, name in enumerate(names):
        b, m, t = base[i], mine[i], theirs[i]
        if m == t or t == b:
            merged.append(m)
        elif m == b:
            merged.append(t)
        else:
            conflicts.append(_conflict(table, key, name, m, t, us, them))
            merged.append(t if later_is_theirs else m)
    return tuple(merged), conflicts


def _conflict(table: str, key: str, name: str, mine: object, theirs: object, us: Side,
              them: Side) -> dict[str, object]:
    values = [{"value": shown(mine), **us.json()}, {"value": shown(theirs), **them.json()}]
    values.sort(key=lambda v: (str(v["at"]), str(v["reviewer"])))
    return {"entity": entity(table, key), "field": name, "table": table, "key": key,
            "what": tracking.describe(table, key), "values": values}
