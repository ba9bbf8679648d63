"""One id given by two copies: the item made first keeps it, the later one moves to a new id.

Each working copy numbers new items (evidence, claims, landmarks, arrows...) as its highest id
plus one, offline, so two reviewers who each import a file both make "evidence 3". These are two
items, not two versions of one: merging them would lose one (and put one file's bytes under the
other's SHA-256). So the rule every copy applies the same way:

- the item whose creation came first (custody entry time, then entry hash) keeps the id;
- its maker's copy keeps it, and every other copy that merges both keeps it too
  (`desk.team.merge` decides a row made anew on both sides by the creation of the item it
  belongs to);
- the maker of the later item, at their next sync, moves it (`commands.Renumber`, one signed
  entry) to an id no copy it knows has used, with every row that points at it; the other copies
  merge that move like any edit.

Until the later item's maker syncs, the other copies hold only the first item under that id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from desk.core import tracking
from desk.core.replay import LogEntry, Values
from desk.team import history

#: An item by table and id ("evidence", 3).
Item = tuple[str, int]
Follows = Callable[[LogEntry, LogEntry], bool]
Row = tuple[str, str]


def is_renumber(entry: LogEntry) -> bool:
    return history.merge_detail(entry).get("command") == "renumber items"


def made(entry: LogEntry) -> Iterator[Item]:
    """The items an edit made anew (an import, an added claim, a renumber's new ids)."""
    entities = tracking.entity_tables()
    for table, key, before, after in history.changes(entry):
        if before is None and after is not None and table in entities:
            parts = json.loads(str(key))
            if isinstance(parts, list) and len(parts) == 1 and isinstance(parts[0], int):
                yield str(table), parts[0]


def items_of(table: str, key: str) -> list[Item]:
    """The items a row belongs to: itself for an item, else those its key columns point at
    (a geolocation belongs to its evidence, a link to its claim and its evidence)."""
    if table in tracking.entity_tables():
        parts = json.loads(key)
        return [(table, int(parts[0]))]
    spec = next((t for t in tracking.tables() if t.name == table), None)
    if spec is None:
        return []
    values = dict(zip(spec.keys, json.loads(key), strict=False))
    found: list[Item] = []
    for parent, children in tracking.references().items():
        if parent not in tracking.entity_tables():
            continue
        for child, column in children:
            if child == table and column in values and isinstance(values[column], int):
                found.append((parent, values[column]))
    return sorted(found)


def creations(edits: Sequence[LogEntry]) -> dict[Item, list[LogEntry]]:
    """Every edit that made each item."""
    every: dict[Item, list[LogEntry]] = {}
    for entry in edits:
        for item in made(entry):
            every.setdefault(item, []).append(entry)
    return every


def branch_creations(lacking: Sequence[LogEntry], follows: Follows | None
                     ) -> dict[Item, list[LogEntry]]:
    """For each item the lacking edits make, the last creation on each branch (a creation no
    other lacking creation of it was made on top of)."""
    result: dict[Item, list[LogEntry]] = {}
    for item, entries in creations(lacking).items():
        if follows is None:
            result[item] = [max(entries, key=lambda e: (e.at, e.hash))]
        else:
            result[item] = [e for e in entries
                            if not any(o is not e and follows(o, e) for o in entries)]
    return result


def creation_on(item: Item, head: LogEntry, lacking_made: Mapping[Item, Sequence[LogEntry]],
                follows: Follows | None) -> LogEntry | None:
    """The creation of `item` that the lacking edit `head` was made on (itself, or one it was
    made on top of); None when the item was not made by the lacking edits of its branch.
    `lacking_made` is `creations(lacking)`."""
    best: LogEntry | None = None
    for entry in lacking_made.get(item, ()):
        on_it = entry.hash == head.hash or (follows is not None and follows(head, entry))
        if on_it and (best is None or (entry.at, entry.hash) > (best.at, best.hash)):
            best = entry
    return best


def same_file(table: str, ours: Values | None, theirs: Values | None) -> bool:
    """Two evidence rows of one file (one SHA-256): one item that both copies imported, whose
    provenance fields may differ (a conflict), not two items."""
    if table != "evidence" or ours is None or theirs is None:
        return False
    column = next(t for t in tracking.tables() if t.name == "evidence").columns.index("sha256")
    return ours[column] == theirs[column]


def moves(chain: Sequence[LogEntry], rows: Mapping[tuple[str, str], tuple[str, Values]],
          lacking: Sequence[LogEntry], follows: Follows | None, signer: str,
          values: Callable[[Iterable[str]], Mapping[str, Values]]
          ) -> list[tuple[str, int, int]]:
    """The items this copy's reviewer made that another copy made first under the same id,
    each with the id it moves to: above every id this copy holds or the lacking edits use.
    `values` gives row values by digest (to tell one file imported twice from two files)."""
    theirs = branch_creations(lacking, follows)
    makers = Makers(chain, lacking, follows, rows)
    # Every creation the lacking edits hold (not only each branch's last): an id one of them
    # used and then gave up may still be held on the branch that made it.
    used: dict[str, int] = {}
    for table, key in rows:
        if table in tracking.entity_tables():
            used[table] = max(used.get(table, 0), int(json.loads(key)[0]))
    for entry in lacking:
        for name, changed, _, _ in history.changes(entry):
            if name in tracking.entity_tables():
                parts = json.loads(str(changed))
                if isinstance(parts, list) and parts and isinstance(parts[0], int):
                    used[str(name)] = max(used.get(str(name), 0), parts[0])
    planned: list[tuple[str, int, int]] = []
    for item in sorted(theirs):
        table, number = item
        row = (table, json.dumps([number]))
        if row not in rows:
            continue
        here = rows[row][0]
        mine = makers.creation(row, here)  # the edit that made the item held here
        if mine is None or mine.signer != signer:
            continue
        first = [c for c in theirs.get(item, ())
                 if (c.at, c.hash) < (mine.at, mine.hash) and c.hash != mine.hash
                 and not (follows is not None and follows(c, mine))
                 and _digest_made(c, row) != here]
        if first and table == "evidence":
            digests = [d for d in (_digest_made(c, row) for c in first) if d is not None]
            found = values(digests)
            first = [c for c in first
                     if not same_file(table, rows[row][1], found.get(_digest_made(c, row) or ""))]
        if first:
            used[table] = used.get(table, 0) + 1
            planned.append((table, number, used[table]))
    return planned


def _digest_made(entry: LogEntry, row: tuple[str, str]) -> str | None:
    for table, key, _, after in history.changes(entry):
        if (table, key) == row:
            return after
    return None


Producers = dict[Row, dict[str, list[tuple[LogEntry, str | None]]]]


def _producers_of(entries: Iterable[LogEntry], into: Producers) -> Producers:
    """`into` with the item rows `entries` gave a value (by row, then digest made): the
    edits producing a value, each with the digest it began from. A row of `into` that an
    entry touches is copied before it grows, so an index handed out earlier stays as it was."""
    items = tracking.entity_tables()
    grown: set[Row] = set()
    for entry in entries:
        for table, key, before, after in history.changes(entry):
            if after is None or table not in items:
                continue
            row = (table, key)
            if row not in grown:
                grown.add(row)
                into[row] = {d: list(made) for d, made in into.get(row, {}).items()}
            into[row].setdefault(after, []).append((entry, before))
    return into


#: `_chain_producers` kept per case (by its first entry's hash): the chain's length, its
#: last entry's hash, and the index. A sync extends it by what the chain gained since.
_chain_index: dict[str, tuple[int, str, Producers]] = {}
_CHAIN_INDEX_CASES = 8


def _chain_producers(chain: Sequence[LogEntry]) -> Producers:
    """The producers of item rows among a copy's chain and what its merges carry, extended
    from the last one made for a prefix of the same chain (each entry's hash covers the one
    before it, so equal hashes at its end mean the same prefix): reading a busy case's whole
    history for it took a sizeable share of each sync."""
    if not chain:
        return {}
    kept = _chain_index.get(chain[0].hash)
    start, index = 0, {}
    if kept is not None and kept[0] <= len(chain) and chain[kept[0] - 1].hash == kept[1]:
        start, index = kept[0], kept[2]
    if start == len(chain):
        return index
    added = chain[start:]
    index = _producers_of([*added, *history.known_edits(added)], dict(index))
    _chain_index.pop(chain[0].hash, None)
    while len(_chain_index) >= _CHAIN_INDEX_CASES:
        _chain_index.pop(next(iter(_chain_index)))
    _chain_index[chain[0].hash] = (len(chain), chain[-1].hash, index)
    return index


class Makers:
    """Which edit made the item a row's value belongs to, on each side, looked up only when a
    row was made anew on both sides (rare: reading this copy's whole history is not free).

    An item is known by the digest its row was made with: walking a value back through the
    edits that produced it (each edit's digest before) ends at the edit that made it, whatever
    other items were given the same id meanwhile."""

    def __init__(self, chain: Sequence[LogEntry], lacking: Sequence[LogEntry],
                 follows: Callable[[LogEntry, LogEntry], bool] | None,
                 ours: Mapping[Row, tuple[str, Values]]) -> None:
        self._chain, self._lacking, self._follows, self._rows = chain, lacking, follows, ours
        self._made: Producers | None = None

    def _producers(self, row: Row) -> dict[str, list[tuple[LogEntry, str | None]]]:
        if self._made is None:
            self._made = _producers_of(self._lacking, {})
        held = _chain_producers(self._chain).get(row, {})
        lacking = self._made.get(row, {})
        if not lacking:
            return held
        return {d: [*held.get(d, ()), *lacking.get(d, ())] for d in {*held, *lacking}}

    def creation(self, row: Row, digest: str | None) -> LogEntry | None:
        """The edit that made the item whose row has `digest` now."""
        producers, seen = self._producers(row), set()
        while digest is not None and digest not in seen:
            seen.add(digest)
            found = producers.get(digest)
            if not found:
                return None
            entry, before = max(found, key=lambda f: (f[1] is None, not history.is_merge(f[0]),
                                                      f[0].at, f[0].hash))
            if before is None:
                return entry
            digest = before
        return None

    def _value_on(self, item_row: Row, edit: LogEntry | None) -> str | None:
        """The item row's digest on the side of `edit` (None: this copy)."""
        here = self._rows[item_row][0] if item_row in self._rows else None
        if edit is None:
            return here
        best: tuple[str, str, str | None] | None = None
        for entry in self._lacking:
            if entry.hash != edit.hash and not (self._follows is not None
                                                and self._follows(edit, entry)):
                continue
            for table, key, _, after in history.changes(entry):
                if (str(table), str(key)) == item_row and (
                        best is None or (entry.at, entry.hash) > best[:2]):
                    best = (entry.at, entry.hash, after)
        return best[2] if best is not None else here

    def first_stands(self, row: Row, digest: str | None, holder: LogEntry | None,
                     after: str | None, entry: LogEntry, shared: set[Item]
                     ) -> bool | None:
        """For a row made anew on both sides: True when the value held (`digest`, ours or
        the lacking edit `holder`'s) belongs to the item made first, False when `entry`'s
        (`after`) does; None when both belong to one shared item (a true conflict; `shared`
        names evidence both sides imported from one file)."""
        for item in items_of(*row):
            if item in shared:
                continue
            item_row = (item[0], json.dumps([item[1]]))
            if item_row == row:
                mine, theirs = digest, after
            else:
                mine, theirs = self._value_on(item_row, holder), self._value_on(item_row, entry)
            held, other = self.creation(item_row, mine), self.creation(item_row, theirs)
            if held is None or other is None or held.hash == other.hash:
                continue
            if self._follows is not None and (self._follows(other, held)
                                              or self._follows(held, other)):
                continue  # made again on top of the other: one item's history
            return (held.at, held.hash) < (other.at, other.hash)
        return None
