"""Near-duplicates: re-posts of one still are found, other stills of the same kind are not.

The stills are synthetic street scenes with the detail of a photo (tests/core/scenes.py); the
copies are what re-posting does: a re-encode at JPEG quality 40, a 90 % resize, a 3 % crop, a
watermark in a corner.
"""

from __future__ import annotations

import random
from itertools import combinations
from pathlib import Path

import pytest

from desk.core.casefile import CaseFile
from desk.core.commands import set_provenance
from desk.core.intake import import_files
from desk.core.near_duplicates import (
    THRESHOLD,
    case_groups,
    group_ids,
    near_duplicates_of,
    similar_to,
)
from desk.core.parse import parse_image
from desk.core.perceptual_hash import distance, from_text
from desk.core.report import case_summary
from tests.core.scenes import cropped, jpeg, reencoded, resized, street_scene, watermarked

COPIES = {
    "requality40.jpg": lambda image: jpeg(reencoded(image, 40)),
    "resized90.jpg": lambda image: jpeg(resized(image, 0.9)),
    "crop3.jpg": lambda image: jpeg(cropped(image, 0.03)),
    "watermark.jpg": lambda image: jpeg(watermarked(image)),
}


def _hash(data: bytes) -> int:
    value = from_text(parse_image(data).perceptual_hash)
    assert value is not None
    return value


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_every_kind_of_repost_is_within_the_threshold(seed: int) -> None:
    image = street_scene(seed)
    original = _hash(jpeg(image))
    for name, copy in COPIES.items():
        assert distance(original, _hash(copy(image))) <= THRESHOLD, name


def test_unrelated_stills_of_the_same_kind_are_not_near_duplicates() -> None:
    hashes = [_hash(jpeg(street_scene(seed))) for seed in range(100, 140)]
    closest = min(distance(a, b) for a, b in combinations(hashes, 2))
    assert closest > THRESHOLD


def test_a_case_finds_the_reposts_of_an_item_and_groups_them(case_path: Path,
                                                             tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    image = street_scene(21)
    (folder / "a_original.jpg").write_bytes(jpeg(image))
    for name, copy in COPIES.items():
        (folder / f"b_{name}").write_bytes(copy(image))
    for seed in (22, 23, 24):  # other streets
        (folder / f"c_other_{seed}.jpg").write_bytes(jpeg(street_scene(seed)))
    with CaseFile.create(case_path, "reposts") as case:
        report = import_files(case, [folder])
        ids = {Path(i.path).name: i.evidence_id for i in report.imported}
        assert len(ids) == 8
        original = ids["a_original.jpg"]
        found = near_duplicates_of(case, original)
        assert found is not None
        assert sorted(s.evidence_id for s in found) == sorted(
            ids[f"b_{name}"] for name in COPIES)
        assert [s.distance for s in found] == sorted(s.distance for s in found)
        for seed in (22, 23, 24):
            assert near_duplicates_of(case, ids[f"c_other_{seed}.jpg"]) == []
        groups = case_groups(case)
        assert len(groups) == 1
        assert set(groups[0].members) == {original, *(ids[f"b_{n}"] for n in COPIES)}
        # No capture or publication times: the first imported is the earliest.
        assert (groups[0].earliest, groups[0].earliest_by) == (original, "import order")
        entry = next(e for e in case_summary(case)["evidence"]  # type: ignore[attr-defined]
                     if e["id"] == original)
        assert sorted(entry["near_duplicates"]) == sorted(ids[f"b_{n}"] for n in COPIES)


def test_earliest_is_by_capture_then_publication_then_import(case_path: Path,
                                                            tmp_path: Path) -> None:
    import io

    from PIL import Image

    folder = tmp_path / "in"
    folder.mkdir()
    image = street_scene(31)
    (folder / "1_repost.jpg").write_bytes(jpeg(reencoded(image, 40)))
    (folder / "2_first.jpg").write_bytes(jpeg(resized(image)))
    with CaseFile.create(case_path, "earliest") as case:
        report = import_files(case, [folder])
        repost, first = (i.evidence_id for i in report.imported)
        assert repost is not None and first is not None
        group = case_groups(case)[0]
        assert (group.earliest, group.earliest_by) == (repost, "import order")
        set_provenance(first, "published_at", "2025-11-20 06:10").apply(case)
        set_provenance(repost, "published_at", "2025-11-20 09:45").apply(case)
        group = case_groups(case)[0]
        assert (group.earliest, group.earliest_by) == (first, "publication time")
        assert group.earliest_at == "2025-11-20 06:10"
    # A capture time outranks publication: a camera original with EXIF time joins the group.
    with CaseFile.open(case_path) as case:
        exif_copy = folder / "3_camera.jpg"
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = "2025:11:20 05:58:00"
        out = io.BytesIO()
        image.save(out, "JPEG", quality=90, exif=exif)
        exif_copy.write_bytes(out.getvalue())
        camera = import_files(case, [exif_copy]).imported[0].evidence_id
        group = case_groups(case)[0]
        assert (group.earliest, group.earliest_by) == (camera, "capture time")


@pytest.mark.parametrize("threshold", [THRESHOLD, 3, 7, 12])
def test_the_block_index_finds_exactly_what_comparing_every_pair_finds(threshold: int) -> None:
    rng = random.Random(5)
    hashes: dict[int, int] = {}
    for eid in range(1, 1501):
        hashes[eid] = rng.getrandbits(64)
    # Plant chains and clusters at every distance up to the threshold and just past it.
    for eid in range(2000, 2400, 4):
        base = rng.getrandbits(64)
        hashes[eid] = base
        for step, flips in enumerate((threshold, threshold - 3, threshold + 1), start=1):
            value = base
            for bit in rng.sample(range(64), flips):
                value ^= 1 << bit
            hashes[eid + step] = value
    brute: dict[int, set[int]] = {}
    for a, b in combinations(hashes, 2):
        if distance(hashes[a], hashes[b]) <= threshold:
            brute.setdefault(a, set()).add(b)
            brute.setdefault(b, set()).add(a)
    for eid in list(brute)[:50]:
        found = similar_to(hashes[eid], hashes, threshold, exclude=eid)
        assert {s.evidence_id for s in found} == brute[eid]
    # Groups are the connected parts of that same graph.
    seen: set[int] = set()
    expected = []
    for start in sorted(brute):
        if start in seen:
            continue
        part, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node not in part:
                part.add(node)
                todo.extend(brute[node] - part)
        seen |= part
        expected.append(tuple(sorted(part)))
    assert group_ids(hashes, threshold) == sorted(expected)
