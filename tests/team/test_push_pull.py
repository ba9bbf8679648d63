"""Push and pull through a real PostgreSQL: the copy is the case, byte for byte where it
matters; a repeat push sends nothing; originals are stored once; forgeries and tampering are
refused with a message, and nothing half-made is left behind."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from desk.core import audit
from desk.core.casefile import CaseFile
from tests.team.builders import (
    Team,
    add_claim,
    add_original,
    as_reviewer,
    make_case,
    noise,
    originals_of,
    run_desk,
)
from tests.team.conftest import TeamDb


def _push(capsys: pytest.CaptureFixture[str], case: Path, url: str,
          *extra: str) -> dict[str, object]:
    code, out, err = run_desk(capsys, "team", "push", case, url, "--json", *extra)
    assert code == 0, err
    report = json.loads(out)
    assert isinstance(report, dict)
    return report


def _custody(path: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT * FROM audit ORDER BY seq").fetchall()
    finally:
        conn.close()


def test_round_trip_gives_identical_originals_and_a_copy_that_verifies(
        capsys: pytest.CaptureFixture[str], team: Team, tmp_path: Path) -> None:
    # 20 MB: three chunks of 8 MB, the last one short.
    big = noise(20 * 1024 * 1024 + 12345, 7)
    case = make_case(tmp_path / "mine.deskcase", originals=[noise(50_000, 1), big])
    url = team.url(team.alice)
    first = _push(capsys, case, url)
    assert first["created"] is True and first["team"] == "geo"
    assert first["entries_sent"] == len(_custody(case)) == first["entries_on_server"]
    assert first["originals_sent"] == 2 and first["bytes_sent"] == 50_000 + len(big)

    code, out, err = run_desk(capsys, "team", "list", url, "--json")
    assert code == 0, err
    listed = json.loads(out)["cases"]
    assert [(c["id"], c["title"], c["team"], c["entries"], c["originals"]) for c in listed] == [
        (first["case"], "Drone claim, Valdai", "geo", first["entries_sent"], 2)]
    assert listed[0]["last_pushed_by"] == team.alice

    copy = tmp_path / "copy.deskcase"
    code, out, err = run_desk(capsys, "team", "pull", url, "--case", str(first["case"])[:10],
                           "--out", copy, "--json")
    assert code == 0, err
    assert json.loads(out)["entries"] == first["entries_sent"]
    assert originals_of(copy) == originals_of(case)  # byte-identical originals
    assert _custody(copy) == _custody(case)  # the same entries, signatures and all
    with CaseFile.open(copy, read_only=True) as pulled, CaseFile.open(case, read_only=True) as o:
        assert pulled.title == o.title
        assert [c.text for c in pulled.list_claims()] == [c.text for c in o.list_claims()]
        assert pulled.verdict(1) == o.verdict(1)
    code, out, err = run_desk(capsys, "verify", copy)
    assert code == 0, out + err
    assert "FAILED" not in out


def test_a_repeat_push_sends_nothing_and_an_edit_sends_only_itself(
        capsys: pytest.CaptureFixture[str], team: Team, tmp_path: Path) -> None:
    case = make_case(tmp_path / "mine.deskcase")
    url = team.url(team.alice)
    first = _push(capsys, case, url)
    again = _push(capsys, case, url)
    assert (again["entries_sent"], again["originals_sent"], again["rows_sent"],
            again["bytes_sent"], again["created"]) == (0, 0, 0, 0, False)
    code, out, _ = run_desk(capsys, "team", "push", case, url)
    assert code == 0 and out.startswith("nothing to push")
    with CaseFile.open(case) as c:
        add_claim(c, "A second claim")
    after = _push(capsys, case, url)
    assert after["entries_sent"] == 1 and after["originals_sent"] == 0
    assert after["entries_on_server"] == int(str(first["entries_on_server"])) + 1
    assert 1 <= int(str(after["rows_sent"])) <= 2  # the new claim (and nothing unchanged)


def test_a_second_reviewer_pulls_edits_and_pushes_and_the_first_is_told_to_pull(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, team: Team,
        tmp_path: Path) -> None:
    case = make_case(tmp_path / "alice.deskcase")
    first = _push(capsys, case, team.url(team.alice))
    as_reviewer(monkeypatch, tmp_path / "erin-config", "Erin")
    erin_copy = tmp_path / "erin.deskcase"
    assert run_desk(capsys, "team", "pull", team.url(team.erin), "--case", first["case"],
                 "--out", erin_copy)[0] == 0
    with CaseFile.open(erin_copy) as c:
        add_claim(c, "Erin's claim")
    pushed = _push(capsys, erin_copy, team.url(team.erin))
    assert pushed["entries_sent"] == 1 and pushed["created"] is False
    # Alice's copy is behind: a push says so and sends nothing.
    as_reviewer(monkeypatch, tmp_path / "alice-config", "Alice")
    behind = _push(capsys, case, team.url(team.alice))
    assert behind["entries_sent"] == 0 and behind["server_ahead"] == 1
    # Alice edits her old copy anyway: the histories have parted, and the push is refused.
    with CaseFile.open(case) as c:
        add_claim(c, "Alice's claim")
    code, _, err = run_desk(capsys, "team", "push", case, team.url(team.alice))
    assert code == 2 and "parted" in err and "nothing was sent" in err
    assert len(err.strip().splitlines()) == 1
    # A fresh pull carries both reviewers' signatures and verifies.
    fresh = tmp_path / "fresh.deskcase"
    assert run_desk(capsys, "team", "pull", team.url(team.alice), "--case", first["case"],
                 "--out", fresh)[0] == 0
    code, out, _ = run_desk(capsys, "verify", fresh, "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and len(report["signers"]) == 2


def test_an_original_shared_by_two_cases_is_stored_once(
        capsys: pytest.CaptureFixture[str], team: Team, tmp_path: Path) -> None:
    shared = noise(300_000, 11)
    one = make_case(tmp_path / "one.deskcase", originals=[shared], title="One")
    two = make_case(tmp_path / "two.deskcase", originals=[shared, noise(1000, 12)],
                    title="Two")
    assert _push(capsys, one, team.url(team.alice))["originals_sent"] == 1
    second = _push(capsys, two, team.url(team.erin))
    assert (second["originals_sent"], second["originals_already_stored"]) == (1, 1)
    assert second["bytes_sent"] == 1000
    stored = team.db.sql("SELECT count(*), sum(octet_length(data)) FROM desk.original_chunks")
    assert stored == [(2, 301_000)]


def test_a_tampered_original_on_the_server_is_refused_on_pull(
        capsys: pytest.CaptureFixture[str], team: Team, tmp_path: Path) -> None:
    case = make_case(tmp_path / "mine.deskcase", originals=[noise(70_000, 3)])
    first = _push(capsys, case, team.url(team.alice))
    # Someone with the server's superuser rewrites the bytes, triggers switched off.
    team.db.sql("SET session_replication_role = replica;"
                " UPDATE desk.original_chunks SET data = overlay(data placing '\\x00'::bytea"
                " from 100 for 1)")
    copy = tmp_path / "copy.deskcase"
    code, out, err = run_desk(capsys, "team", "pull", team.url(team.erin), "--case",
                           first["case"], "--out", copy)
    assert code == 2, out
    assert "does not match its SHA-256" in err and "was not written" in err
    assert not copy.exists()
    assert list(tmp_path.glob(".desk-*")) == []  # no half-written file left beside it


def test_a_changed_row_value_on_the_server_is_refused_on_pull(
        capsys: pytest.CaptureFixture[str], team: Team, tmp_path: Path) -> None:
    case = make_case(tmp_path / "mine.deskcase")
    first = _push(capsys, case, team.url(team.alice))
    team.db.sql("SET session_replication_role = replica;"
                " UPDATE desk.row_versions SET doc = replace(doc, 'No attack is shown',"
                " 'The attack is shown') WHERE tbl = 'verdict'")
    copy = tmp_path / "copy.deskcase"
    code, _, err = run_desk(capsys, "team", "pull", team.url(team.alice), "--case",
                         first["case"], "--out", copy)
    assert code == 2 and "the verdict of claim 1" in err and "do not match" in err
    assert not copy.exists()


def _forge_last_entry(path: Path) -> None:
    """Rewrite the last entry's detail and recompute its hash, as a forger without the
    reviewer's key would: the chain holds, the signature does not."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        seq, at, actor, action, items, _, version, prev, _, rows, signer = conn.execute(
            "SELECT seq, at, actor, action, items, detail, version, prev_hash, hash, rows,"
            " signer FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        import hashlib

        detail = '{"forged":true}'
        digest = audit.entry_hash(seq, at, actor, action, items, detail, version, prev,
                                  hashlib.sha256(rows.encode()).hexdigest(), signer)
        conn.execute("UPDATE audit SET detail = ?, hash = ? WHERE seq = ?",
                     (detail, digest, seq))
    finally:
        conn.close()


def test_a_forged_entry_is_refused_on_push(
        capsys: pytest.CaptureFixture[str], team: Team, tmp_path: Path) -> None:
    case = make_case(tmp_path / "mine.deskcase")
    _forge_last_entry(case)
    code, _, err = run_desk(capsys, "team", "push", case, team.url(team.alice))
    assert code == 2
    assert "does not carry a valid signature" in err and "nothing was sent" in err
    assert team.db.sql("SELECT count(*) FROM desk.cases") == [(0,)]


def test_a_forged_entry_put_on_the_server_is_refused_on_pull(
        capsys: pytest.CaptureFixture[str], team: Team, tmp_path: Path) -> None:
    """A team member may insert rows with psql: an entry that follows the chain but is
    signed by no key it names is refused when read, whoever wrote it."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    case = make_case(tmp_path / "mine.deskcase")
    first = _push(capsys, case, team.url(team.alice))
    seq, head = team.db.sql("SELECT seq, hash FROM desk.entries ORDER BY seq DESC LIMIT 1")[0]
    victim = audit.raw_public_hex(Ed25519PrivateKey.generate())  # named, but not the signer
    at, rows = "2026-01-01T00:00:00Z", "[]"
    import hashlib

    digest = audit.entry_hash(int(str(seq)) + 1, at, "Alice", "record verdict", "[]",
                              '{"rating":"Confirmed"}', "0.1.0", str(head),
                              hashlib.sha256(rows.encode()).hexdigest(), victim)
    signature = Ed25519PrivateKey.generate().sign(
        audit.SIGNED_PREFIX + digest.encode()).hex()
    inserted = team.db.psql(team.alice, (
        "INSERT INTO desk.entries (case_id, seq, at, actor, action, items, detail, version,"
        " prev_hash, hash, rows_text, signer, signature) VALUES"
        f" ('{first['case']}', {int(str(seq)) + 1}, '{at}', 'Alice', 'record verdict', '[]',"
        f" '{{\"rating\":\"Confirmed\"}}', '0.1.0', '{head}', '{digest}', '{rows}',"
        f" '{victim}', '{signature}')"))
    assert inserted.returncode == 0, inserted.stderr
    copy = tmp_path / "copy.deskcase"
    code, _, err = run_desk(capsys, "team", "pull", team.url(team.erin), "--case", first["case"],
                         "--out", copy)
    assert code == 2
    assert f"entry {int(str(seq)) + 1} (record verdict) does not carry a valid signature" in err
    assert not copy.exists()


def test_a_case_edited_outside_desk_is_refused_on_push(
        capsys: pytest.CaptureFixture[str], team: Team, tmp_path: Path) -> None:
    case = make_case(tmp_path / "mine.deskcase")
    conn = sqlite3.connect(case, isolation_level=None)
    conn.execute("UPDATE verdict SET rating = 'Confirmed'")
    conn.close()
    code, _, err = run_desk(capsys, "team", "push", case, team.url(team.alice))
    assert code == 2 and "changed outside desk" in err and "nothing was sent" in err


def test_a_pull_never_overwrites_and_an_unknown_case_is_named(
        capsys: pytest.CaptureFixture[str], team: Team, tmp_path: Path) -> None:
    existing = make_case(tmp_path / "mine.deskcase")
    first = _push(capsys, existing, team.url(team.alice))
    code, _, err = run_desk(capsys, "team", "pull", team.url(team.alice), "--case",
                         first["case"], "--out", existing)
    assert code == 2 and "already exists" in err
    code, _, err = run_desk(capsys, "team", "pull", team.url(team.alice), "--case", "abcdef99",
                         "--out", tmp_path / "x.deskcase")
    assert code == 2 and "has no case abcdef99 that you may see" in err
    code, _, err = run_desk(capsys, "team", "pull", team.url(team.alice), "--case", "x;drop",
                         "--out", tmp_path / "x.deskcase")
    assert code == 2 and "is not a case id" in err


def test_another_team_neither_sees_nor_pulls_the_case(
        capsys: pytest.CaptureFixture[str], team: Team, tmp_path: Path) -> None:
    case = make_case(tmp_path / "mine.deskcase")
    first = _push(capsys, case, team.url(team.alice))
    code, out, _ = run_desk(capsys, "team", "list", team.url(team.mallory), "--json")
    assert code == 0 and json.loads(out) == {"cases": []}
    code, _, err = run_desk(capsys, "team", "pull", team.url(team.mallory), "--case",
                         first["case"], "--out", tmp_path / "theirs.deskcase")
    assert code == 2 and "that you may see" in err
    # Nor can mallory push the same case into their own team: it is the server's already.
    code, _, err = run_desk(capsys, "team", "push", case, team.url(team.mallory))
    assert code == 2 and "in a team you are not in" in err


def test_bad_urls_and_unreachable_servers_are_one_line_without_the_password(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run_desk(capsys, "team", "list", "nonsense")
    assert code == 2 and "not a PostgreSQL connection string" in err
    code, _, err = run_desk(capsys, "team", "list",
                         "postgresql://bob:hunter2@127.0.0.1:1/desk?connect_timeout=2")
    assert code == 2 and "cannot connect to the team server bob at 127.0.0.1:1/desk" in err
    assert "hunter2" not in err and len(err.strip().splitlines()) == 1


def test_a_server_without_desk_schema_says_to_init(
        capsys: pytest.CaptureFixture[str], team_db: TeamDb, tmp_path: Path) -> None:
    code, _, err = run_desk(capsys, "team", "list", team_db.admin_url)
    assert code == 2 and "desk team init URL" in err
    case = make_case(tmp_path / "mine.deskcase")
    with CaseFile.open(case) as c:
        add_original(c, noise(10, 5), "tiny.jpg")
    code, _, err = run_desk(capsys, "team", "push", case, team_db.admin_url)
    assert code == 2 and "desk team init URL" in err


def test_two_pushes_of_one_case_at_once_land_its_entries_once(
        team: Team, tmp_path: Path) -> None:
    import threading

    from desk.team import push

    case = make_case(tmp_path / "mine.deskcase",
                     originals=[noise(9 * 1024 * 1024, 61), noise(4000, 62)])
    results: list[object] = []

    def run() -> None:
        try:
            with CaseFile.open(case, read_only=True) as c:
                results.append(push.push(c, team.url(team.alice)))
        except Exception as exc:  # noqa: BLE001 - the test reports it
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    reports = [r for r in results if isinstance(r, push.PushReport)]
    assert len(reports) == 2, results
    assert sorted(r.entries_sent for r in reports)[1] == len(_custody(case))
    assert team.db.sql("SELECT count(*) FROM desk.entries") == [(len(_custody(case)),)]
    assert team.db.sql("SELECT count(*) FROM desk.original_chunks") == [(3,)]


def test_a_case_with_a_video_and_its_frame_round_trips(
        capsys: pytest.CaptureFixture[str], team: Team, tmp_path: Path) -> None:
    from desk.core.intake import import_files
    from desk.core.video_frames import FrameRequest
    from desk.core.video_intake import take_frames
    from tests.core.videos import make_clip

    clip = make_clip(tmp_path / "clip.mp4", seconds=1.0)
    case = tmp_path / "video.deskcase"
    with CaseFile.create(case, "Clip of the tower") as opened:
        assert len(import_files(opened, [clip]).imported) == 1
        video_id = opened.list_evidence()[0].id
        taken = take_frames(opened, video_id, FrameRequest("at", times=(0.4,)))
        assert len(taken) == 1
    url = team.url(team.alice)
    pushed = _push(capsys, case, url)
    assert pushed["originals_sent"] == 2  # the video (stored in parts) and the frame
    copy = tmp_path / "copy.deskcase"
    code, out, err = run_desk(capsys, "team", "pull", url, "--case", str(pushed["case"]),
                           "--out", copy, "--json")
    assert code == 0, err
    with CaseFile.open(copy, read_only=True) as pulled:
        video = pulled.get_evidence(video_id)
        assert video.kind == "video"
        with pulled.open_original(video_id) as stream:
            assert stream.read() == clip.read_bytes()
        frame = pulled.get_evidence(taken[0].id)
        assert frame.frame_of is not None and frame.frame_of.video_id == video_id
    code, out, err = run_desk(capsys, "verify", copy)
    assert code == 0, out + err
