"""A case's custody history on the server and in a working copy: branches and what each knows.

On the server a history may fork: two reviewers who edited copies of the same state each push
their own entries after it, every entry following one the server holds. A working copy keeps
one linear chain (so `desk verify` checks it as before); a *merge entry* in it joins another
branch by carrying that branch's entries whole, each with its author's signature, and the row
changes that bring the copy to the merged state (`desk.team.merge`). What a copy *knows* is its
chain and the entries its merge entries carry; what it lacks is every other edit on the server.
Merge entries themselves are bookkeeping: no copy needs another's merge to hold every edit.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Generic, TypeVar

from desk.core import audit, tracking
from desk.core.replay import AUDIT_COLUMNS, LogEntry

if TYPE_CHECKING:  # psycopg loads with a connection, not with the window's conflict list
    import psycopg

    Pg = psycopg.Connection[tuple[object, ...]]

_T = TypeVar("_T")

#: The custody-log name of a merge entry (`desk.core.commands.MERGE_TEAM_EDITS`).
MERGE_ACTION = "merge team edits"
_FIELDS = [c.strip() for c in AUDIT_COLUMNS.split(",")]
_FIELD_SET = frozenset(_FIELDS)
_TEXT_FIELDS = tuple(f for f in _FIELDS if f != "seq")


def is_merge(entry: LogEntry) -> bool:
    """A merge entry (an undo or redo of one is an ordinary edit: it carries nothing)."""
    return entry.action == MERGE_ACTION and _carried(entry.detail) is not None


def entry_json(entry: LogEntry) -> dict[str, object]:
    """An entry as a merge entry carries it: every column, so its signature can be checked."""
    return dict(zip(_FIELDS, entry.values(), strict=True))


def entry_from_json(value: object) -> LogEntry | None:
    if not isinstance(value, dict) or value.keys() != _FIELD_SET:
        return None
    if not isinstance(value["seq"], int) or not all(
            isinstance(value[f], str) for f in _TEXT_FIELDS):
        return None
    return LogEntry(*(value[f] for f in _FIELDS))


Change = tuple[str, str, "str | None", "str | None"]


def changes(entry: LogEntry) -> tuple[Change, ...]:
    """The row changes an entry recorded (none when it recorded none, or they cannot be read:
    `sync.check_lacking` refuses the latter before any merge)."""
    global _changes_chars
    if not entry.rows:
        return ()
    found = _changes_of.get(entry.rows)
    if found is None:
        found = _read_changes(entry.rows)
        if _changes_chars > KEPT_CHARS:
            _changes_of.clear()
            _changes_chars = 0
        _changes_of[entry.rows] = found
        _changes_chars += len(entry.rows)
    return found


def _read_changes(text: str) -> tuple[Change, ...]:
    return tuple((str(c[0]), str(c[1]), c[2], c[3]) for c in tracking.decode(text) or ())


def merge_detail(entry: LogEntry) -> Mapping[str, object]:
    """An entry's detail as read (empty when it is not an object); shared, so not to be
    changed."""
    return _detail(entry.detail)


#: Characters of merge details whose reading is kept, per kind of reading. A merge carries
#: the entries it brought in, so on a busy case one detail runs to megabytes: kept by count
#: (4,096, then 256), a reviewer's process in a 50-reviewer bench run grew past 550 MB and the
#: machine ran out of memory. Kept by size, the oldest readings go first.
KEPT_CHARS = 8 << 20


class _Kept(Generic[_T]):
    """Readings of texts, the most recent kept up to `budget` characters of text (a text
    larger than a quarter of it is read each time, never kept); safe across threads (the
    window's background sync and its conflict list)."""

    def __init__(self, read: Callable[[str], _T], budget: int = KEPT_CHARS) -> None:
        self._read = read
        self._budget = budget
        self._kept: OrderedDict[str, _T] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def __call__(self, text: str) -> _T:
        with self._lock:
            if text in self._kept:
                self._kept.move_to_end(text)
                return self._kept[text]
        value = self._read(text)
        if len(text) <= self._budget // 4:
            with self._lock:
                if text not in self._kept:
                    self._kept[text] = value
                    self._chars += len(text)
                    while self._chars > self._budget:
                        old, _ = self._kept.popitem(last=False)
                        self._chars -= len(old)
        return value

    @property
    def chars(self) -> int:
        return self._chars


def _read_detail(text: str) -> Mapping[str, object]:
    try:
        detail = json.loads(text)
    except ValueError:
        return MappingProxyType({})
    return MappingProxyType(detail if isinstance(detail, dict) else {})


#: Every sync and every look at the conflicts reads every merge of the chain; a detail text
#: always reads the same, so a long-lived process (the window, a bench reviewer) parses the
#: recent ones once.
_detail: _Kept[Mapping[str, object]] = _Kept(_read_detail)


def carried(entry: LogEntry) -> list[LogEntry]:
    """The entries a merge entry carries (none for any other entry)."""
    if entry.action != MERGE_ACTION:
        return []
    return list(_carried(entry.detail) or ())


def _read_carried(detail: str) -> tuple[LogEntry, ...] | None:
    merged = _detail(detail).get("merged")
    if not isinstance(merged, list):
        return None
    return tuple(e for e in (entry_from_json(v) for v in merged) if e is not None)


def _carried_hashes(detail: str) -> frozenset[str] | None:
    """The hashes of what `_read_carried` would read (None: not a merge's detail), without
    making the entries (others' merges are read once, for their place in the history)."""
    try:
        merged = json.loads(detail).get("merged")
    except (ValueError, AttributeError):
        return None
    if not isinstance(merged, list):
        return None
    return frozenset(str(v["hash"]) for v in merged
                     if isinstance(v, dict) and v.keys() == _FIELD_SET
                     and isinstance(v["seq"], int)
                     and all(isinstance(v[f], str) for f in _TEXT_FIELDS))


#: A merge detail's carried entries (None: not a merge's detail), made once per text.
_carried: _Kept[tuple[LogEntry, ...] | None] = _Kept(_read_carried)
#: The row changes of entries, read once per text: a merge reads those of every edit the
#: copy holds (which edit stands for each row's value), each sync, some hundred thousand
#: lookups on a busy case, so a plain dict (its operations are atomic), emptied when full,
#: not `_Kept`, whose bookkeeping per lookup cost more than the lookup.
_changes_of: dict[str, tuple[Change, ...]] = {}
_changes_chars = 0


def known(chain: Sequence[LogEntry]) -> Mapping[str, LogEntry]:
    """Every entry a working copy holds, by hash: its chain and what its merges carry. The
    last answer is kept for the same chain (the same list, not grown since): a sync asks it
    of one reading several times, and each walk reads every merge's carried entries."""
    global _known_last
    if _known_last is not None and _known_last[0] is chain and _known_last[1] == len(chain):
        return _known_last[2]
    found: dict[str, LogEntry] = {}
    for entry in chain:
        found[entry.hash] = entry
        for inner in carried(entry):
            found.setdefault(inner.hash, inner)
    _known_last = (chain, len(chain), found)
    return found


_known_last: tuple[Sequence[LogEntry], int, Mapping[str, LogEntry]] | None = None


def known_edits(chain: Sequence[LogEntry]) -> list[LogEntry]:
    """The edits a copy holds (its own, and those its merges carry), merges left out."""
    found: list[LogEntry] = []
    for entry in chain:
        inner = carried(entry)
        found += inner if inner else ([] if is_merge(entry) else [entry])
    return found


def entry_problem(entry: LogEntry) -> str | None:
    """Why an entry cannot be accepted as its author wrote it (hash, seal, signature)."""
    rows_sha = hashlib.sha256(entry.rows.encode("utf-8")).hexdigest() if entry.rows else ""
    digest = audit.entry_hash(entry.seq, entry.at, entry.actor, entry.action, entry.items,
                              entry.detail, entry.version, entry.prev_hash, rows_sha,
                              entry.signer)
    if digest != entry.hash:
        return f"custody entry {entry.seq} ({entry.action}) was altered"
    if not entry.signature or not audit.signature_ok(entry.signer, entry.signature, entry.hash):
        return (f"custody entry {entry.seq} ({entry.action}) does not carry a valid signature"
                " of the key it names (the entry or its hash was rewritten)")
    return None


@dataclass
class ServerHistory:
    """Every entry the server holds of one case, in the order it received them."""

    entries: list[LogEntry]
    #: Entries a working copy holds that were not read again (`read_history(known=...)`):
    #: looked up as the server's own, since the server holds them too or is about to.
    also: Mapping[str, LogEntry] = field(default_factory=dict)
    #: What merge entries among `entries` carry, by the merge's hash, read before (such an
    #: entry may hold no detail: `read_history` keeps merges it read without it).
    merges: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: The last `lacking` answer, for the mapping it was asked with (`known`'s answers are
    #: not changed once made): a sync asks it several times of one reading.
    _lacking_last: tuple[object, int, list[LogEntry]] | None = field(
        default=None, init=False, repr=False, compare=False)

    def by_hash(self) -> dict[str, LogEntry]:
        return self._index

    @cached_property
    def _index(self) -> dict[str, LogEntry]:
        return {**self.also, **{e.hash: e for e in self.entries}}

    def heads(self) -> list[LogEntry]:
        parents = {e.prev_hash for e in self.entries}
        return [e for e in self.entries if e.hash not in parents]

    def chain_to(self, head: LogEntry) -> list[LogEntry]:
        """The linear chain that ends at `head` (genesis first)."""
        index = self.by_hash()
        chain = [head]
        while chain[-1].seq > 1:
            parent = index.get(chain[-1].prev_hash)
            if parent is None or parent.seq != chain[-1].seq - 1:
                raise ValueError(f"custody entry {chain[-1].seq} follows no entry the server"
                                 " holds")
            chain.append(parent)
        chain.reverse()
        return chain

    def best_chain(self) -> list[LogEntry]:
        """The chain a new working copy starts from: the one that knows the most edits (then
        the one received last), so every reader picks the same."""
        order = {e.hash: n for n, e in enumerate(self.entries)}
        best: tuple[int, int] | None = None
        chosen: list[LogEntry] = []
        for head in self.heads():
            chain = self.chain_to(head)
            score = (len(known(chain)), order[head.hash])
            if best is None or score > best:
                best, chosen = score, chain
        return chosen

    def follows(self, later: LogEntry, earlier: LogEntry) -> bool:
        """Whether `later` was made on top of `earlier`: `earlier` is on its chain, or carried
        by a merge on its chain."""
        return earlier.hash in self._beneath(later)

    def _beneath(self, later: LogEntry) -> frozenset[str]:
        """What `later` was made on top of, by hash: the entries of its chain before it and
        what their merges carry. Made once per entry and history: a merge asks `follows` of
        every pair of edits of a row, and walking the chain for each question took most of a
        sync's time with 20 reviewers at work. A walk ends early at an entry already done."""
        found = self._beneath_of.get(later.hash)
        if found is not None:
            return found
        index = self.by_hash()
        seen: set[str] = set()
        walked: set[str] = set()  # a loop of hashes (a broken server) ends the walk
        step = index.get(later.prev_hash) if later.seq > 1 else None
        while step is not None and step.hash not in walked:
            walked.add(step.hash)
            seen.add(step.hash)
            seen |= self._carried_by(step)
            below = self._beneath_of.get(step.hash)
            if below is not None:
                seen |= below
                break
            if step.seq <= 1:
                break
            step = index.get(step.prev_hash)
        found = self._beneath_of[later.hash] = frozenset(seen)
        return found

    @cached_property
    def _beneath_of(self) -> dict[str, frozenset[str]]:
        return {}

    def lacking(self, have: Iterable[str]) -> list[LogEntry]:
        """The server's edits (not merge entries) a copy knowing `have` lacks, in an order
        every copy agrees on that puts each after the entry it follows."""
        last = self._lacking_last
        if last is not None and last[0] is have and last[1] == len(self.entries):
            return list(last[2])
        held = have if isinstance(have, Mapping) else set(have)
        missing = [e for e in self.entries
                   if e.hash not in held and (e.action != MERGE_ACTION or not self._merges(e))]
        found = sorted(missing, key=lambda e: (e.seq, e.at, e.hash))
        if isinstance(have, Mapping):  # `known`'s answers: the same object, the same content
            self._lacking_last = (have, len(self.entries), found)
        return list(found)

    def _carried_by(self, entry: LogEntry) -> frozenset[str]:
        """The hashes a merge entry carries (none for any other), read once per history: a
        sync asks of each lacking edit whether it follows each other edit of the same row,
        and the merges on their chains carry megabytes of entries, more than the readings
        kept across syncs (`KEPT_CHARS`) hold on a busy case (a 50-reviewer run spent 60 of
        a sync's 80 s reading the same merges again)."""
        if entry.action != MERGE_ACTION:
            return frozenset()
        found = self.merges.get(entry.hash)
        if found is not None:
            self._merge_hashes.add(entry.hash)
            return found
        found = self._carried_hashes.get(entry.hash)
        if found is None:
            inner = _carried(entry.detail)
            found = self._carried_hashes[entry.hash] = (
                frozenset(e.hash for e in inner) if inner is not None else frozenset())
            if inner is not None:
                self._merge_hashes.add(entry.hash)
        return found

    def _merges(self, entry: LogEntry) -> bool:
        """`is_merge`, from the reading `_carried_by` keeps."""
        self._carried_by(entry)
        return entry.hash in self._merge_hashes

    @cached_property
    def _carried_hashes(self) -> dict[str, frozenset[str]]:
        return {}

    @cached_property
    def _merge_hashes(self) -> set[str]:
        return set()


_COLUMNS = ("seq, at, actor, action, items, detail, version, prev_hash, hash, rows_text, signer,"
            " signature")


def read_history(pg: Pg, case_id: str,
                 known_here: Mapping[str, LogEntry] | None = None) -> ServerHistory:
    """The server's entries of a case; with `known_here` (a copy's `known`), only those the
    copy does not hold, and of those only what arrived since this process last asked (an
    incremental sync reads what is new, not the history: `_Seen`)."""
    if not known_here:
        rows = pg.execute(f"SELECT {_COLUMNS} FROM desk.entries WHERE case_id = %s ORDER BY n",
                          (case_id,)).fetchall()
        return ServerHistory([LogEntry(int(str(r[0])), *(str(v) for v in r[1:])) for r in rows])
    seen = _seen_entries(pg, case_id)
    return ServerHistory([e for e in seen.entries if e.hash not in known_here],
                         dict(known_here), seen.merges)


@dataclass
class _Seen:
    """A case's entries on one server as this process read them, in the order received (`n`).

    A sync used to read every entry its copy does not hold, and a copy never holds the other
    reviewers' merge entries, which carry whole the edits they bring in: with 20 reviewers
    each sync moved some hundreds of kilobytes the process had read the time before, most of
    a sync's time on the server. Entries of a case arrive one push at a time (`push` holds the
    case's advisory lock from reading what the server lacks to its commit), so what a reader
    sees of a case is a prefix in that order, and reading on from the last one seen misses
    nothing. Merges are kept without their detail, only what they carry by hash (a copy's
    sync needs their place in the history, never their rows), so a long-lived process keeps
    little more than the edits."""

    last: tuple[int, str] = (0, "")  # (n, hash) of the last entry read
    entries: list[LogEntry] = field(default_factory=list)
    merges: dict[str, frozenset[str]] = field(default_factory=dict)


#: Cases whose entries are kept per process (by server, login and case), the most recent.
SEEN_CASES = 8
_seen: OrderedDict[tuple[str, str], _Seen] = OrderedDict()
_seen_lock = threading.Lock()


def _seen_entries(pg: Pg, case_id: str) -> _Seen:
    key = (pg.info.dsn, case_id)
    with _seen_lock:
        seen = _seen.pop(key, None) or _Seen()
    n, last_hash = seen.last
    rows = pg.execute(f"SELECT n, {_COLUMNS} FROM desk.entries WHERE case_id = %s AND n >= %s"
                      " ORDER BY n", (case_id, n)).fetchall()
    if n and (not rows or int(str(rows[0][0])) != n or str(rows[0][9]) != last_hash):
        # The entry last read is gone (another server at this address, a case removed and
        # pushed again): read the whole case.
        seen = _Seen()
        rows = pg.execute(f"SELECT n, {_COLUMNS} FROM desk.entries WHERE case_id = %s"
                          " ORDER BY n", (case_id,)).fetchall()
    elif n:
        rows = rows[1:]
    if rows:
        # Built aside and swapped in: a sync on another thread may be reading the old list.
        entries, merges = list(seen.entries), dict(seen.merges)
        for r in rows:
            entry = LogEntry(int(str(r[1])), *(str(v) for v in r[2:]))
            inner = _carried_hashes(entry.detail) if entry.action == MERGE_ACTION else None
            if inner is not None:
                merges[entry.hash] = inner
                entry = replace(entry, detail="")
            entries.append(entry)
        seen = _Seen((int(str(rows[-1][0])), str(rows[-1][9])), entries, merges)
    with _seen_lock:
        _seen[key] = seen
        while len(_seen) > SEEN_CASES:
            _seen.popitem(last=False)
    return seen


def held_on_server(pg: Pg, case_id: str, hashes: Sequence[str]) -> set[str]:
    """Which of these entries the server holds."""
    return {str(r[0]) for r in pg.execute(
        "SELECT hash FROM desk.entries WHERE case_id = %s AND hash = ANY(%s)",
        (case_id, list(hashes)))}
