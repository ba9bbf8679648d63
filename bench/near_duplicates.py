"""How fast desk finds near-duplicates in a large case.

    python bench/near_duplicates.py [N]      (default 10,000 items)

The case is filled directly (evidence rows and perceptual hashes written in one audited
transaction, no pictures decoded): random hashes, with one item in ten given two to four
re-posts a few bits away. Queries then go through the code the window, `desk info` and the
dossier use: one item's near-duplicates (read every hash from the case, compare) and the
whole case's groups with their earliest item. Targets: a query under 50 ms, grouping under 2 s.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk.core.casefile import CaseFile
from desk.core.near_duplicates import case_groups, near_duplicates_of, store_hash
from desk.core.perceptual_hash import to_text


def _fill(case: CaseFile, count: int, rng: random.Random) -> list[int]:
    """`count` items; returns the ids of the originals that have re-posts."""
    originals: list[int] = []
    values: list[int] = []
    while len(values) < count:
        base = rng.getrandbits(64)
        values.append(base)
        if rng.random() < 0.1:
            originals.append(len(values))
            for _ in range(rng.randint(2, 4)):
                copy = base
                for bit in rng.sample(range(64), rng.randint(1, 8)):
                    copy ^= 1 << bit
                values.append(copy)
    values = values[:count]
    with case.edit("bench: fill", (), {"items": count}) as conn:
        for index, value in enumerate(values, start=1):
            conn.execute(
                "INSERT INTO evidence (id, sha256, size, format, width, height, captured_at,"
                " original_name, imported_at) VALUES (?, ?, 0, 'jpeg', 1, 1, ?, ?, ?)",
                (index, f"{index:064x}", f"2025-11-{1 + index % 28:02d}T10:00:00",
                 f"still-{index}.jpg", "2025-12-01T00:00:00Z"))
            store_hash(conn, index, to_text(value))
    return [i for i in originals if i <= count]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rng = random.Random(14)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.deskcase"
        with CaseFile.create(path, "near-duplicates bench") as case:
            originals = _fill(case, count, rng)
        with CaseFile.open(path) as case:
            near_duplicates_of(case, originals[0])  # warm the page cache once
            times = []
            found = 0
            for eid in rng.sample(originals, min(20, len(originals))):
                start = time.perf_counter()
                similar = near_duplicates_of(case, eid)
                times.append(time.perf_counter() - start)
                found += len(similar or [])
            start = time.perf_counter()
            groups = case_groups(case)
            group_s = time.perf_counter() - start
    query_ms = statistics.median(times) * 1000
    print(f"{count:,} items, {len(originals):,} with re-posts; {found} near-duplicates found"
          f" in {len(times)} queries; {len(groups):,} groups")
    print(f"one item's near-duplicates: median {query_ms:.1f} ms, worst"
          f" {max(times) * 1000:.1f} ms (target < 50 ms)")
    print(f"grouping the case: {group_s:.2f} s (target < 2 s)")
    print(f"RESULT near_dup_query_ms {query_ms:.1f} ms")
    print(f"RESULT near_dup_group_s {group_s:.2f} s")


if __name__ == "__main__":
    main()
