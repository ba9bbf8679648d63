"""The dossier states each item's content credentials and its near-duplicates with the earliest.

The case: an agency original signed with content credentials (its generator text hostile), a
re-post of it published earlier than the original's own publication, a re-post that is not
evidence of the claim, and an unrelated still. The claim links the original and the first
re-post.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.intake import import_files
from desk.core.model import Claim
from desk.dossier import export_dossier
from tests.core import c2pa_signing as signing
from tests.core.scenes import cropped, jpeg, reencoded, street_scene

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture
def case_path(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    image = street_scene(51)
    chain = signing.make_chain("Photo Desk", "Agency")
    signing.trust(chain, Path(os.environ["DESK_CONFIG_DIR"]))
    signed, _ = signing.sign(jpeg(image), chain, signing.manifest(f"Camera{HOSTILE}", "1"))
    (folder / "1_original.jpg").write_bytes(signed)
    (folder / "2_repost.jpg").write_bytes(jpeg(reencoded(image, 40)))
    (folder / "3_secret_source_name.jpg").write_bytes(jpeg(cropped(image, 0.03)))
    (folder / "4_other.jpg").write_bytes(jpeg(street_scene(52)))
    path = tmp_path / "case.deskcase"
    with CaseFile.create(path, "credentials") as case:
        ids = [i.evidence_id for i in import_files(case, [folder]).imported]
        assert ids == [1, 2, 3, 4]
        commands.set_provenance(1, "published_at", "2025-11-20 10:00").apply(case)
        commands.set_provenance(2, "published_at", "2025-11-20 08:30").apply(case)
        commands.set_provenance(2, "platform", "Telegram").apply(case)
        commands.add_claim(case, Claim(0, "The column entered the town")).apply(case)
        commands.link_evidence(1, 1, "supports").apply(case)
        commands.link_evidence(1, 2, "context").apply(case)
        commands.link_evidence(1, 4, "context").apply(case)
    return path


def _export(case_path: Path, out: Path) -> tuple[dict[str, object], str]:
    with CaseFile.open(case_path) as case:
        export_dossier(case, 1, out, {"html", "json"})
    record = json.loads((out / "dossier.json").read_text(encoding="utf-8"))
    return record, (out / "dossier.html").read_text(encoding="utf-8")


def test_credentials_and_near_duplicates_are_in_the_record_and_the_page(
        case_path: Path, tmp_path: Path) -> None:
    record, html = _export(case_path, tmp_path / "out")
    evidence = {e["id"]: e for e in record["evidence"]}  # type: ignore[union-attr]
    original = evidence[1]
    credentials = original["content_credentials"]
    assert credentials["state"] == "valid"
    assert credentials["signer"] == "Photo Desk (Agency)"
    assert credentials["generator"] == f"Camera{HOSTILE} 1"
    assert evidence[4]["content_credentials"]["state"] == "absent"
    assert "common, neutral" in evidence[4]["content_credentials"]["summary"]

    near = original["near_duplicates"]
    assert {d["id"] for d in near["items"]} == {2, 3}
    outside = next(d for d in near["items"] if d["id"] == 3)
    assert outside["in_dossier"] is False and outside["name"] is None
    # Earliest by publication time: the Telegram re-post went out before the agency's copy.
    assert near["earliest"] == {"id": 2, "by": "publication time", "at": "2025-11-20 08:30",
                                "is_this_item": False, "in_dossier": True, "group": [1, 2, 3]}
    assert evidence[2]["near_duplicates"]["earliest"]["is_this_item"] is True
    assert evidence[4]["near_duplicates"]["items"] == []

    assert "Content credentials present and valid" in html
    assert "Earliest copy: <b>evidence 2</b>, by publication time (2025-11-20 08:30)" in html
    assert "Earliest copy: <b>this item</b>" in html
    assert "not evidence of this claim" in html
    assert "secret_source_name" not in html and "secret_source_name" not in json.dumps(record)
    assert "<script>alert(1)" not in html
    assert "Camera&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "None: no other item of the case is this picture" in html


def test_the_same_case_gives_the_same_dossier(case_path: Path, tmp_path: Path) -> None:
    first, html_a = _export(case_path, tmp_path / "a")
    second, html_b = _export(case_path, tmp_path / "b")
    assert first["evidence"] == second["evidence"]
    assert html_a == html_b
