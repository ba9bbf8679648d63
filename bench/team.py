"""The team desk against a real PostgreSQL, started here as the team tests start theirs.

    python bench/team.py [--stills N] [--still-mb MB] [--reviewers K] [--sync-seconds S]
                         [--seconds T]

Defaults are small (100 stills of 1 MB, 10 reviewers, 20 s of timed syncs, 60 s of random
edits); the issue's full sizes are `--stills 1000 --still-mb 3 --reviewers 50 --seconds 600`
(20 reviewers for the timed syncs: `--sync-reviewers 20`).

1. Push a case of N stills to an empty server, against a bare binary `COPY` of the same bytes
   (read from the same case file, in the same 8 MB pieces) into a table of the same server:
   `team_push_ratio` = COPY time / push time (1.0: the push is as fast as COPY; target >= 0.6).
2. K reviewers, each in their own process with their own key and working copy of a small case,
   make one edit and `desk team sync` in a loop: the time of each sync, median and p99
   (targets < 200 ms and < 1 s).
3. K reviewers make random edits (claim text and claimant, statements, verdicts, landmarks),
   syncing at random, for T seconds; then they sync in turn until nobody receives anything.
   Every copy must hold the same rows and pass `desk verify`; `team_lost_entries` counts the
   reviewers' edits some copy lacks plus any entry a copy holds twice (target 0).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from tests.team.conftest import PASSWORD, _start, _stop, find_binaries  # noqa: E402

CHUNK = 8 << 20


def _use_reviewer(folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["DESK_CONFIG_DIR"] = str(folder)
    os.environ["DESK_REVIEWER"] = name


def _thumbnail() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 18), (80, 120, 160)).save(out, "JPEG", quality=80)
    return out.getvalue()


def _make_stills_case(path: Path, stills: int, size: int) -> None:
    from desk.core.casefile import CaseFile
    from desk.core.model import Metadata, Provenance

    thumb = _thumbnail()
    rng = random.Random(18)
    with CaseFile.create(path, "Bench: stills") as case:
        for start in range(0, stills, 20):
            batch = [rng.randbytes(size) for _ in range(min(20, stills - start))]
            with case.edit("import", [f"files:{len(batch)}"], {"files": len(batch)}) as conn:
                for n, data in enumerate(batch, start):
                    case.insert_evidence(
                        conn, sha256=hashlib.sha256(data).hexdigest(), data=data, fmt="jpeg",
                        width=32, height=18,
                        metadata=Metadata(captured_at="2025-11-20T14:03:00+03:00"),
                        provenance=Provenance(original_name=f"still_{n:04d}.jpg"),
                        thumbnail=thumb, thumb_size=(32, 18))


def _copy_baseline(url: str, path: Path) -> tuple[float, int]:
    """A bare COPY of every original's bytes, read from the case file in 8 MB pieces."""
    import sqlite3

    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    ids = [int(r[0]) for r in conn.execute("SELECT evidence_id FROM original ORDER BY 1")]
    sent = 0
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute("CREATE TABLE bench_copy (sha256 text, n integer, data bytea)")
        pg.execute("ALTER TABLE bench_copy ALTER COLUMN data SET STORAGE EXTERNAL")
        start = time.perf_counter()
        statement = "COPY bench_copy (sha256, n, data) FROM STDIN (FORMAT BINARY)"
        with pg.transaction(), pg.cursor() as cur, cur.copy(statement) as cp:
            cp.set_types(["text", "int4", "bytea"])
            for eid in ids:
                with conn.blobopen("original", "data", eid, readonly=True) as blob:
                    n = 0
                    while piece := blob.read(CHUNK):
                        cp.write_row((str(eid), n, piece))
                        sent += len(piece)
                        n += 1
        elapsed = time.perf_counter() - start
    conn.close()
    return elapsed, sent


def _make_sync_case(path: Path) -> None:
    from desk.core import commands
    from desk.core.casefile import CaseFile
    from desk.core.model import Claim, Confidence, Landmark, Rating, Verdict

    with CaseFile.create(path, "Bench: sync") as case:
        for n in range(3):
            commands.add_claim(case, Claim(0, f"Claim {n + 1}", claimant="State TV")).apply(case)
            commands.record_verdict(case, Verdict(n + 1, Rating.FALSE, Confidence.MODERATE,
                                                  "first look", "")).apply(case)
        commands.add_landmark(case, Landmark(0, "Mast", 49.7158, 37.5925)).apply(case)


# --------------------------------------------------------------------------- reviewers


def _random_edit(case: object, rng: random.Random, me: str, step: int) -> None:
    from desk.core import commands
    from desk.core.casefile import CaseFile
    from desk.core.model import Confidence, Rating, Statement, Verdict

    assert isinstance(case, CaseFile)
    claim = rng.randint(1, 3)
    kind = rng.choice(("text", "claimant", "statement", "verdict", "landmark"))
    if kind == "text":
        commands.edit_claim(claim, text=f"Claim {claim} as {me} put it ({step})").apply(case)
    elif kind == "claimant":
        commands.edit_claim(claim, claimant=f"{me}'s source {step}").apply(case)
    elif kind == "statement":
        commands.add_statement(case, Statement(0, claim, me, f"said at {step}")).apply(case)
    elif kind == "verdict":
        commands.record_verdict(case, Verdict(claim, rng.choice(list(Rating)),
                                              rng.choice(list(Confidence)),
                                              f"{me}'s look {step}", "")).apply(case)
    else:
        commands.move_landmark(case.landmarks()[0].id, 49.7 + rng.random() / 100,
                               37.59 + rng.random() / 100).apply(case)


def _reviewer(job: dict[str, object]) -> dict[str, object]:
    """One reviewer's process: edits and syncs until the deadline (or one sync, `final`)."""
    _use_reviewer(Path(str(job["config"])), str(job["name"]))
    from desk.core.casefile import CaseFile
    from desk.team.server import TeamError
    from desk.team.sync import sync

    path, url, mode = Path(str(job["case"])), str(job["url"]), str(job["mode"])
    rng = random.Random(str(job["name"]) + mode)
    times: list[float] = []
    errors: list[str] = []
    received = 0
    if mode == "final":
        report = sync(path, url)
        # A renumber (an id two copies gave) is news for the others too: one more round.
        return {"received": report.entries_received + len(report.renumbered), "times": [],
                "errors": []}
    deadline = time.time() + float(str(job["seconds"]))
    step = 0
    while time.time() < deadline:
        step += 1
        with CaseFile.open(path) as case:
            _random_edit(case, rng, str(job["name"]), step)
        if mode == "converge" and rng.random() < 0.5:
            time.sleep(rng.random() * 0.3)
            continue
        start = time.perf_counter()
        try:
            received += sync(path, url).entries_received
        except TeamError as exc:
            errors.append(str(exc))
            continue
        times.append((time.perf_counter() - start) * 1000)
        time.sleep(rng.random() * (0.5 if mode == "latency" else 0.3))
    return {"received": received, "times": times, "errors": errors}


def _run_all(jobs: list[dict[str, object]]) -> list[dict[str, object]]:
    """Every reviewer in a process of their own; a reviewer's process that dies (the machine
    out of memory) ends the bench with that said, where a multiprocessing Pool would wait
    for it forever."""
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(jobs), mp_context=ctx) as pool:
        try:
            return list(pool.map(_reviewer, jobs))
        except BrokenProcessPool as exc:
            raise SystemExit(f"a reviewer's process died ({exc}); see the kernel log (dmesg)"
                             " for an out-of-memory kill") from exc


def _reviewers(db_admin: str, url_of: object, folder: Path, k: int, case_id: str,
               tag: str) -> list[dict[str, object]]:
    """K reviewers in team geo, each with a key of their own and a pulled copy."""
    from desk.team import members
    from desk.team.pull import pull

    people: list[dict[str, object]] = []
    for n in range(k):
        login = f"{tag}{n}"
        members.add_member(db_admin, "geo", "reviewer", login, PASSWORD)
        config = folder / f"{login}-config"
        _use_reviewer(config, f"Reviewer {tag}{n}")
        copy = folder / f"{login}.deskcase"
        url = url_of(login)  # type: ignore[operator]
        pull(url, case_id, copy)
        people.append({"name": f"Reviewer {tag}{n}", "config": str(config), "case": str(copy),
                       "url": url})
    return people


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stills", type=int, default=100)
    parser.add_argument("--still-mb", type=float, default=1.0)
    parser.add_argument("--reviewers", type=int, default=10)
    parser.add_argument("--sync-reviewers", type=int, default=None,
                        help="reviewers for the timed syncs (default: --reviewers)")
    parser.add_argument("--sync-seconds", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    binaries = find_binaries()
    if binaries is None:
        print("PostgreSQL's server binaries were not found (Debian: apt-get install postgresql)",
              file=sys.stderr)
        return 2
    cluster = _start(binaries)
    work = Path(tempfile.mkdtemp(prefix="desk-bench-team-"))
    try:
        return _bench(cluster, work, args)
    finally:
        _stop(cluster)
        import shutil

        shutil.rmtree(work, ignore_errors=True)


def _bench(cluster: object, work: Path, args: argparse.Namespace) -> int:
    from desk.core.casefile import CaseFile
    from desk.core.replay import current_rows, log_entries
    from desk.team import history, members, migrations, push

    url_of_db = cluster.url  # type: ignore[attr-defined]
    with psycopg.connect(url_of_db(), autocommit=True) as conn:
        conn.execute('CREATE DATABASE "bench"')
    admin = url_of_db("bench")
    migrations.init(admin)
    members.add_member(admin, "geo", "reviewer", "pusher", PASSWORD)

    def url_of(login: str) -> str:
        return str(url_of_db("bench", login))

    # 1. push against COPY
    _use_reviewer(work / "pusher-config", "Pusher")
    size = int(args.still_mb * (1 << 20))
    stills = work / "stills.deskcase"
    t0 = time.perf_counter()
    _make_stills_case(stills, args.stills, size)
    print(f"made a case of {args.stills} stills of {size:,} bytes in"
          f" {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    copy_s, copied = _copy_baseline(admin, stills)
    with CaseFile.open(stills, read_only=True) as case:
        start = time.perf_counter()
        report = push.push(case, url_of("pusher"))
        push_s = time.perf_counter() - start
    assert report.bytes_sent == copied, (report.bytes_sent, copied)
    print(f"push {push_s:.2f} s ({copied / push_s / 1e6:.0f} MB/s), bare COPY {copy_s:.2f} s"
          f" ({copied / copy_s / 1e6:.0f} MB/s)", file=sys.stderr)

    # 2. incremental syncs of one edit, K reviewers at once
    small = work / "sync.deskcase"
    _make_sync_case(small)
    with CaseFile.open(small, read_only=True) as case:
        case_id = push.push(case, url_of("pusher")).case
    k_sync = args.sync_reviewers or args.reviewers
    people = _reviewers(admin, url_of, work, k_sync, case_id, "s")
    results = _run_all([{**p, "mode": "latency", "seconds": args.sync_seconds} for p in people])
    times = [t for r in results for t in r["times"]]  # type: ignore[attr-defined]
    errors = [e for r in results for e in r["errors"]]  # type: ignore[attr-defined]
    print(f"{len(times)} timed syncs by {k_sync} reviewers, {len(errors)} refused"
          + (f" (first: {errors[0]})" if errors else ""), file=sys.stderr)

    # 3. random edits and syncs, then everyone in turn until nothing moves
    conv = work / "converge.deskcase"
    _make_sync_case(conv)
    with CaseFile.open(conv, read_only=True) as case:
        conv_id = push.push(case, url_of("pusher")).case
    crowd = _reviewers(admin, url_of, work, args.reviewers, conv_id, "c")
    ran = _run_all([{**p, "mode": "converge", "seconds": args.seconds} for p in crowd])
    refused = [e for r in ran for e in r["errors"]]  # type: ignore[attr-defined]
    rounds = 0
    while rounds < 8:
        rounds += 1
        moved = sum(int(str(_reviewer({**person, "mode": "final"})["received"]))
                    for person in crowd)
        if not moved:
            break
    states, known, own, doubles, failed = [], [], set(), 0, 0
    for person in crowd:
        with CaseFile.open(Path(str(person["case"])), read_only=True) as case:
            chain = log_entries(case.conn)
            states.append({(t, k): d for t, k, d, _ in current_rows(case.conn)})
            failed += 0 if case.verify().ok else 1
        holds = history.known(chain)
        seen = [e.hash for e in chain] + [c.hash for e in chain for c in history.carried(e)]
        doubles += len(seen) - len(set(seen))
        known.append(set(holds))
        own |= {e.hash for e in chain if e.actor == person["name"] and not history.is_merge(e)}
    lost = sum(1 for h in own if any(h not in k for k in known))
    converged = all(s == states[0] for s in states)
    for n, state in enumerate(states[1:], 1):
        for row in sorted(set(state) | set(states[0])):
            if state.get(row) != states[0].get(row):
                print(f"copy {n} differs from copy 0 in {row}", file=sys.stderr)
    with psycopg.connect(admin, autocommit=True) as pg:
        server_doubles = pg.execute("SELECT count(*) FROM (SELECT hash FROM desk.entries"
                                    " GROUP BY case_id, hash HAVING count(*) > 1) d"
                                    ).fetchone()
    print(f"convergence: {args.reviewers} reviewers, {len(own)} edits, {len(refused)} syncs"
          f" refused, {rounds} final rounds, copies {'agree' if converged else 'DIFFER'},"
          f" {failed} fail desk verify, {doubles} entries held twice", file=sys.stderr)
    if refused:
        print(json.dumps({"refused": refused[:3]}), file=sys.stderr)
    print(f"RESULT team_push_ratio {copy_s / push_s:.2f} ratio")
    print(f"RESULT team_sync_median_ms {statistics.median(times):.0f} ms")
    print(f"RESULT team_sync_p99_ms {_p99(times):.0f} ms")
    print(f"RESULT team_lost_entries"
          f" {lost + doubles + int(str(server_doubles[0] if server_doubles else 0))} entries")
    print(f"RESULT team_converged {1 if converged and not failed else 0} copies")
    return 0 if converged and not failed and not lost and not doubles else 1


if __name__ == "__main__":
    sys.exit(main())
