"""Reverse image search: engine addresses percent-encode the source URL, only public http(s)
addresses are sent, the upload file holds only pixels, and each send is on the record."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from desk.core import reverse_search as rs
from desk.core.casefile import CaseFile, CaseFileError
from desk.core.intake import import_files
from tests.core import imaging

TRICKY = "https://example.org/a b/photo.jpg?x=1&y=ü#frag"


@pytest.mark.parametrize("engine", rs.ENGINES, ids=lambda e: e.key)
def test_every_engine_gets_the_source_url_encoded_as_one_parameter(engine: rs.Engine) -> None:
    url = engine.url_for(TRICKY)
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.fragment == ""  # '#frag' did not escape
    assert " " not in url and "ü" not in url
    values = [v for vs in parse_qs(parts.query).values() for v in vs]
    assert TRICKY in values or f"imgurl:{TRICKY}" in values


def test_engine_addresses_are_the_known_search_pages() -> None:
    assert rs.engine("google").url_for("https://e.org/p.jpg") == \
        "https://lens.google.com/uploadbyurl?url=https%3A%2F%2Fe.org%2Fp.jpg"
    assert rs.engine("tineye").url_for("https://e.org/p.jpg") == \
        "https://tineye.com/search?url=https%3A%2F%2Fe.org%2Fp.jpg"
    assert "q=imgurl%3Ahttps%3A%2F%2Fe.org" in rs.engine("bing").url_for("https://e.org/p.jpg")
    assert "rpt=imageview" in rs.engine("yandex").url_for("https://e.org/p.jpg")
    with pytest.raises(ValueError, match="no reverse-search engine"):
        rs.engine("altavista")


@pytest.mark.parametrize("url", ["https://t.me/channel/123", "http://example.com/x.jpg",
                                 "https://8.8.8.8/a.png"])
def test_public_addresses_are_usable(url: str) -> None:
    assert rs.public_url(url) == url
    assert rs.why_not_public(url) == ""


@pytest.mark.parametrize("url", ["", "file:///home/me/x.jpg", "ftp://example.com/x.jpg",
                                 "https://user:secret@example.com/x.jpg",
                                 "http://localhost:8000/x.jpg", "http://192.168.1.4/x.jpg",
                                 "http://10.0.0.1/x", "http://[::1]/x", "http://intranet/x",
                                 "http://nas.local/x", "https://exa mple.com/x",
                                 "https://example.com:99999/x", "javascript:alert(1)"])
def test_other_addresses_are_never_sent(url: str) -> None:
    assert rs.public_url(url) is None
    assert rs.why_not_public(url)


def test_the_upload_is_a_jpeg_of_the_region_without_the_originals_metadata(
        tmp_path: Path) -> None:
    gps = {"GPSLatitudeRef": "N", "GPSLatitude": imaging.dms(imaging.LONDON_LAT)}
    original = imaging.make_jpeg(640, 480, {"Make": "SpyCam"}, gps)
    still = rs.still_jpeg(original, rs.Region(10, 20, 100, 50))
    upload = rs.write_upload(still, 7, tmp_path)
    assert upload.path.parent == tmp_path and upload.path.name.startswith("desk-item-7-region")
    data = upload.path.read_bytes()
    assert upload.sha256 == hashlib.sha256(data).hexdigest() and upload.size == len(data)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (100, 50)
        assert not image.getexif() and "exif" not in image.info
        # The red block of the test picture is the top left quarter: the region is in it.
        red, green, blue = image.convert("RGB").getpixel((50, 25))
        assert red > 200 and green < 60 and blue < 60
    assert b"SpyCam" not in data
    assert not upload.whole and upload.region == rs.Region(10, 20, 100, 50)


def test_a_region_is_clipped_to_the_picture_and_one_outside_is_refused() -> None:
    original = imaging.make_jpeg(64, 48)
    assert rs.still_jpeg(original, rs.Region(40, 40, 100, 100)).region == rs.Region(40, 40, 24,
                                                                                     8)
    assert rs.still_jpeg(original, None).whole
    with pytest.raises(ValueError, match="outside the picture"):
        rs.still_jpeg(original, rs.Region(100, 100, 10, 10))


@pytest.fixture
def case(tmp_path: Path) -> CaseFile:
    source = tmp_path / "still.jpg"
    source.write_bytes(imaging.make_jpeg(64, 48))
    case = CaseFile.create(tmp_path / "case.deskcase", "Searches")
    import_files(case, [source])
    return case


def test_a_url_send_is_recorded_with_engine_and_address(case: CaseFile) -> None:
    evidence_id = case.list_evidence()[0].id
    rs.record_sent(case, evidence_id, rs.engine("tineye"), url="https://example.org/p.jpg")
    entry = case.audit_entries()[-1]
    detail = json.loads(entry.detail)
    assert entry.action == rs.SEND_ACTION and entry.items == (f"evidence:{evidence_id}",)
    assert detail["engine"] == "TinEye" and detail["sent"] == "source url"
    assert detail["url"] == "https://example.org/p.jpg"
    assert detail["opened"] == rs.engine("tineye").url_for("https://example.org/p.jpg")
    assert case.verify().ok


def test_a_file_send_is_recorded_with_hash_size_and_region(case: CaseFile,
                                                           tmp_path: Path) -> None:
    evidence_id = case.list_evidence()[0].id
    still = rs.still_jpeg(case.original(evidence_id), rs.Region(1, 2, 30, 20))
    upload = rs.write_upload(still, evidence_id, tmp_path / "out")
    rs.record_sent(case, evidence_id, rs.engine("yandex"), upload=upload)
    detail = json.loads(case.audit_entries()[-1].detail)
    assert detail["sha256"] == upload.sha256 and detail["bytes"] == upload.size
    assert detail["region"] == {"x": 1, "y": 2, "width": 30, "height": 20}
    assert detail["file"] == upload.path.name and detail["recipient"] == "Yandex"


def test_a_private_url_or_a_read_only_case_records_nothing(case: CaseFile,
                                                           tmp_path: Path) -> None:
    evidence_id = case.list_evidence()[0].id
    before = len(case.audit_entries())
    with pytest.raises(CaseFileError):
        rs.record_sent(case, evidence_id, rs.engine("bing"), url="http://192.168.0.2/x.jpg")
    path = case.path
    case.close()
    with CaseFile.open(path, read_only=True) as read_only, pytest.raises(CaseFileError):
        rs.record_sent(read_only, evidence_id, rs.engine("bing"), url="https://e.org/x.jpg")
    with CaseFile.open(path) as again:
        assert len(again.audit_entries()) == before


def test_the_upload_folder_is_desks_own(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_CONFIG_DIR", str(tmp_path))
    assert rs.upload_folder() == tmp_path / "cache" / "reverse-search"
