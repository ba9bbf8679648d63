"""C2PA content credentials at intake, with manifests signed in the test by a self-made chain.

Valid (trusted root), tampered pixels, tampered manifest, untrusted signer, absent, a sidecar
.c2pa beside the picture, and hostile stores; the end-to-end cases go through the isolated
parser worker and the case file, as a reviewer's import does.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import pytest

from desk.core.c2pa_reading import has_manifest, read_credential
from desk.core.c2pa_sidecar import NOT_EVIDENCE
from desk.core.casefile import CaseFile
from desk.core.credentials import ABSENT, INVALID, STATE_TEXT, VALID, credential_of
from desk.core.intake import import_files
from desk.core.parse import parse_image
from desk.core.report import case_summary
from tests.core import c2pa_signing as signing
from tests.core.scenes import jpeg, street_scene
from tests.old_formats import downgrade


@pytest.fixture(scope="module")
def chain() -> signing.Chain:
    return signing.make_chain()


@pytest.fixture
def config_dir() -> Path:
    return Path(os.environ["DESK_CONFIG_DIR"])


@pytest.fixture
def picture() -> bytes:
    return jpeg(street_scene(7))


def _import_one(case_path: Path, folder: Path, name: str, data: bytes):  # type: ignore[no-untyped-def]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    case = CaseFile.create(case_path, "credentials")
    report = import_files(case, [folder / name])
    assert [i.status for i in report.items] == ["imported"], report.items
    return case, report.imported[0].evidence_id


def _jpeg_scan_offset(data: bytes) -> int:
    return data.rfind(b"\xff\xda") + 400


def test_a_signed_still_from_a_trusted_signer_is_valid_with_who_what_and_how(
        case_path: Path, tmp_path: Path, chain: signing.Chain, config_dir: Path,
        picture: bytes) -> None:
    signing.trust(chain, config_dir)
    definition = signing.manifest("Field Camera", "2.1", [
        {"action": "c2pa.created", "digitalSourceType": signing.AI_GENERATED,
         "softwareAgent": {"name": "Imagine", "version": "3.0"}},
        {"action": "c2pa.edited"},
    ])
    signed, _ = signing.sign(picture, chain, definition)
    case, eid = _import_one(case_path, tmp_path / "in", "signed.jpg", signed)
    with case:
        credential = credential_of(case, eid)
        assert credential is not None
        assert credential.state == VALID
        assert credential.signer == "Field Camera Signer (Example News Agency)"
        assert credential.generator == "Field Camera 2.1"
        assert [a.text for a in credential.actions] == [
            "created — AI generated (with Imagine 3.0)", "edited"]
        assert credential.ai_generated
        assert credential.problems == ()
        assert credential.found_in == "embedded"
        assert json.loads(credential.manifest)["validation_state"] == "Trusted"
        entry = case_summary(case)["evidence"][0]  # type: ignore[index]
        assert entry["c2pa"]["state"] == "valid"
        assert entry["c2pa"]["signer"] == "Field Camera Signer (Example News Agency)"
        assert entry["c2pa"]["generator"] == "Field Camera 2.1"
        assert [a["label"] for a in entry["c2pa"]["actions"]] == ["created", "edited"]
        assert entry["c2pa"]["actions"][0]["ai_generated"] is True
        assert entry["c2pa"]["problems"] == []
        assert case.verify().ok  # the credential row is in the custody record


def test_pixels_changed_after_signing_make_it_invalid(
        chain: signing.Chain, config_dir: Path, picture: bytes) -> None:
    signing.trust(chain, config_dir)
    signed, _ = signing.sign(picture, chain)
    tampered = bytearray(signed)
    tampered[_jpeg_scan_offset(signed)] ^= 0x5A
    credential = parse_image(bytes(tampered)).credential
    assert credential is not None and credential.state == INVALID
    assert any("picture was changed after it was signed" in p for p in credential.problems)
    assert credential.signer  # who signed is still said: the reviewer may ask them


def test_a_manifest_changed_after_signing_is_invalid(
        chain: signing.Chain, config_dir: Path, picture: bytes) -> None:
    signing.trust(chain, config_dir)
    signed, _ = signing.sign(picture, chain, signing.manifest("Field Camera"))
    at = signed.index(b"Field Camera")
    tampered = signed[:at] + b"Fake  Camera" + signed[at + len(b"Field Camera"):]
    credential = parse_image(tampered).credential
    assert credential is not None and credential.state == INVALID
    assert any("manifest was altered after it was signed" in p for p in credential.problems)


def test_an_intact_signature_from_an_untrusted_signer_is_invalid_and_says_why(
        chain: signing.Chain, config_dir: Path, picture: bytes) -> None:
    signing.trust(signing.make_chain("Other", "Some Other Org"), config_dir)
    signed, _ = signing.sign(picture, chain)
    credential = parse_image(signed).credential
    assert credential is not None and credential.state == INVALID
    assert credential.problems == (
        "The signature is intact, but the signer's certificate is not from an issuer desk"
        " trusts (not on its trust list).",)


def test_no_trust_anchors_at_all_trusts_no_signer(chain: signing.Chain, picture: bytes) -> None:
    signed, _ = signing.sign(picture, chain)
    credential = parse_image(signed).credential
    assert credential is not None and credential.state == INVALID
    assert "not on its trust list" in credential.problems[0]


def test_a_still_without_credentials_is_absent_and_that_is_neutral(
        case_path: Path, tmp_path: Path, picture: bytes) -> None:
    assert not has_manifest(picture, "jpeg")
    case, eid = _import_one(case_path, tmp_path / "in", "plain.jpg", picture)
    with case:
        credential = credential_of(case, eid)
        assert credential is not None and credential.state == ABSENT
        assert credential.problems == ()
        assert "common, neutral" in credential.summary
        entry = case_summary(case)["evidence"][0]  # type: ignore[index]
        assert entry["c2pa"] == {"state": "absent", "signer": None, "generator": None,
                                 "actions": [], "problems": [], "found_in": None,
                                 "signed_at": None, "ai_generated": False}
    assert STATE_TEXT[ABSENT].startswith("No content credentials — common, neutral")


def test_a_sidecar_beside_the_picture_is_read_and_not_imported_itself(
        case_path: Path, tmp_path: Path, chain: signing.Chain, config_dir: Path,
        picture: bytes) -> None:
    signing.trust(chain, config_dir)
    same, manifest_bytes = signing.sign(picture, chain, sidecar=True)
    assert same == picture and not has_manifest(picture, "jpeg")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "still.jpg").write_bytes(picture)
    (folder / "still.c2pa").write_bytes(manifest_bytes)
    with CaseFile.create(case_path, "sidecar") as case:
        report = import_files(case, [folder])
        assert [Path(i.path).name for i in report.imported] == ["still.jpg"]
        assert [(Path(i.path).name, i.reason) for i in report.rejected] == [
            ("still.c2pa", NOT_EVIDENCE)]
        eid = report.imported[0].evidence_id
        assert eid is not None
        credential = credential_of(case, eid)
        assert credential is not None
        assert (credential.state, credential.found_in) == (VALID, "sidecar")


def test_a_sidecar_for_another_picture_does_not_validate(
        chain: signing.Chain, config_dir: Path, picture: bytes) -> None:
    signing.trust(chain, config_dir)
    _, manifest_bytes = signing.sign(picture, chain, sidecar=True)
    other = jpeg(street_scene(8))
    credential = read_credential(other, "jpeg", manifest_bytes)
    assert credential.state == INVALID
    assert any("picture was changed" in p for p in credential.problems)


@pytest.mark.parametrize("fmt", ["png", "webp"])
def test_other_formats_carry_credentials_too(
        fmt: str, chain: signing.Chain, config_dir: Path) -> None:
    import io

    signing.trust(chain, config_dir)
    out = io.BytesIO()
    street_scene(9, (480, 320)).save(out, fmt.upper())
    signed, _ = signing.sign(out.getvalue(), chain, fmt=fmt)
    assert has_manifest(signed, fmt) and not has_manifest(out.getvalue(), fmt)
    credential = parse_image(signed).credential
    assert credential is not None and credential.state == VALID


def _app11(body: bytes) -> bytes:
    return b"\xff\xeb" + struct.pack(">H", len(body) + 2) + body


def _hostile_stores() -> dict[str, bytes]:
    noise = bytes(range(256)) * 200
    huge_box = b"JP\x00\x01\x00\x00\x00\x01" + struct.pack(">I", 0xFFFFFFFF) + b"jumb" + \
        struct.pack(">I", 0x7FFFFFFF) + b"jumdc2pa" + bytes(64)
    return {
        "garbage JUMBF": _app11(b"JP\x00\x01\x00\x00\x00\x01c2pa" + noise[:60000]),
        "a box claiming 4 GB": _app11(huge_box),
        "300 segments of noise": _app11(b"JP\x00\x01\x00\x00\x00\x01jumbc2pa" + noise[:64000])
        * 300,
        "a truncated real store": b"",  # filled in by the test from a signed file
    }


@pytest.mark.parametrize("kind", sorted(_hostile_stores()))
def test_a_hostile_store_is_reported_and_the_picture_still_imported(
        kind: str, case_path: Path, tmp_path: Path, chain: signing.Chain,
        picture: bytes) -> None:
    store = _hostile_stores()[kind]
    if not store:  # the first 3000 bytes of a real store, then the picture goes on
        signed, _ = signing.sign(picture, chain)
        start = signed.index(b"\xff\xeb")
        (length,) = struct.unpack_from(">H", signed, start + 2)
        segment = signed[start:start + 2 + length]
        store = segment[:2] + struct.pack(">H", 3000) + segment[4:3002]
    hostile = picture[:2] + store + picture[2:]
    case, eid = _import_one(case_path, tmp_path / "in", "hostile.jpg", hostile)
    with case:
        credential = credential_of(case, eid)
        assert credential is not None
        assert credential.state in (INVALID, ABSENT)
        if credential.state == INVALID:
            assert credential.problems[0].startswith("The content credentials could not be")
        assert case.original(eid) == hostile


def test_garbage_sidecar_bytes_are_an_unreadable_credential(picture: bytes) -> None:
    credential = read_credential(picture, "jpeg", b"\x00\x00\x00\x10jumb" + bytes(5000))
    assert credential.state == INVALID
    assert credential.found_in == "sidecar"
    assert "could not be read" in credential.problems[0]


def test_items_imported_before_format_1_5_are_not_read_never_absent(
        case_path: Path, tmp_path: Path, picture: bytes) -> None:
    case, eid = _import_one(case_path, tmp_path / "in", "old.jpg", picture)
    case.close()
    downgrade(case_path, 1004)
    with CaseFile.open(case_path) as upgraded:
        assert credential_of(upgraded, eid) is None
        entry = case_summary(upgraded)["evidence"][0]  # type: ignore[index]
        assert entry["c2pa"] is None
        assert entry["near_duplicates"] is None


def test_the_header_walk_finds_stores_where_each_format_keeps_them() -> None:
    # TIFF: tag 0xCD41 in the first directory.
    entry = struct.pack("<HHII", 0xCD41, 7, 4, 0)
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) + entry + bytes(4)
    assert has_manifest(tiff, "tiff")
    assert not has_manifest(tiff.replace(b"\x41\xcd", b"\x0f\x01"), "tiff")
    # HEIF: a top-level 'uuid' box with C2PA's UUID, after ftyp.
    ftyp = struct.pack(">I4s", 16, b"ftyp") + b"heic\x00\x00\x00\x00"
    uuid = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")
    box = struct.pack(">I4s", 8 + 16 + 8, b"uuid") + uuid + bytes(8)
    assert has_manifest(ftyp + box, "heic")
    assert not has_manifest(ftyp + box.replace(uuid, bytes(16)), "heic")
    # Truncated or looping headers end the walk without an error.
    for fmt in ("jpeg", "png", "webp", "tiff", "heic"):
        assert not has_manifest(b"", fmt)
        assert not has_manifest(b"\xff\xd8\xff\xe0\x00\x00" + bytes(20), fmt)


def test_a_manifest_whose_first_action_is_not_created_is_invalid(
        chain: signing.Chain, config_dir: Path, picture: bytes) -> None:
    signing.trust(chain, config_dir)
    signed, _ = signing.sign(picture, chain, signing.manifest(
        actions=[{"action": "c2pa.edited"}, {"action": "c2pa.created"}]))
    credential = parse_image(signed).credential
    assert credential is not None and credential.state == INVALID
    assert "An action of the manifest is malformed." in credential.problems


def test_reading_fetches_nothing_and_trusts_only_desks_list() -> None:
    from desk.core.c2pa_reading import reader_settings

    settings = reader_settings("")
    assert settings["verify"]["remote_manifest_fetch"] is False
    assert settings["verify"]["ocsp_fetch"] is False
    assert settings["core"]["allowed_network_hosts"] == []
    assert settings["trust"] == {"trust_anchors": None}  # not even the library's own
    assert reader_settings("PEM")["trust"] == {"trust_anchors": "PEM"}


def test_the_native_library_is_loaded_from_the_package_never_the_current_folder(
        tmp_path: Path) -> None:
    """A copy of the library planted in the folder desk starts from is never the one loaded
    (left to itself, c2pa-python would load it: the second run shows the check can fail)."""
    import shutil
    import subprocess
    import sys

    from desk.core.c2pa_reading import pin_library

    real = Path(pin_library())
    shutil.copyfile(real, tmp_path / real.name)
    probe = ("import c2pa, c2pa.c2pa;"
             " print(sorted({l.split()[-1] for l in open('/proc/self/maps')"
             " if 'libc2pa_c' in l}))")
    loaded = {}
    env = {k: v for k, v in os.environ.items() if k != "C2PA_LIBRARY_NAME"}
    env["PYTHONPATH"] = str(Path(__file__).parents[2])
    for pinned in (True, False):
        script = ("from desk.core.c2pa_reading import pin_library; pin_library();"
                  if pinned else "") + probe
        done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, text=True,
                              capture_output=True, timeout=120, env=env)
        assert done.returncode == 0, done.stderr
        loaded[pinned] = done.stdout.strip()
    assert loaded[True] == repr([str(real)])
    assert loaded[False] == repr([str(tmp_path / real.name)])
