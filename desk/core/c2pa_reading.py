"""Reading a file's C2PA manifest inside the isolated parser, offline, against desk's trust list.

The common case costs almost nothing: a walk over the container's segment headers (JPEG
markers, PNG chunks, RIFF chunks, TIFF tags, ISO boxes) looks for the one place C2PA puts its
JUMBF store, and only a file that has one (or a sidecar `.c2pa` beside it) loads the native
c2pa library at all. The library is native code reading untrusted bytes, which is why it runs
here, in the worker with the parser's time and memory limits, and why every failure of it
becomes a plain problem of an "invalid" credential instead of an error.

Nothing is fetched: remote manifests, OCSP and every network host are off. Trust is desk's
own list (`trust_anchors`): the PEM file shipped in resources/c2pa plus the reviewer's
`c2pa-trust-anchors.pem` in desk's config folder. A signature that checks out from a signer
not on that list is reported as invalid with the reason "signer not trusted", because a
self-made certificate signs just as well as a camera maker's.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import struct
import sys
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from desk.bundled import resources_dir
from desk.core.credentials import (
    ABSENT_CREDENTIAL,
    INVALID,
    MAX_ACTIONS,
    MAX_MANIFEST_CHARS,
    MAX_PROBLEMS,
    VALID,
    Action,
    Credential,
    action_label,
)
from desk.core.identity import user_config_dir
from desk.core.jpeg_segments import header_segments
from desk.core.sanitize import clean_text

#: The reviewer's own trust anchors (PEM), in desk's config folder.
USER_ANCHORS = "c2pa-trust-anchors.pem"
#: Largest sidecar manifest read; real ones are tens of kilobytes (a thumbnail included).
MAX_SIDECAR_BYTES = 16 * 1024 * 1024
#: Largest embedded store handed to the library (the sum of its segments).
MAX_STORE_BYTES = 64 * 1024 * 1024

#: Reads `n` bytes at an offset of a file or of bytes in memory (fewer at its end).
ReadAt = Callable[[int, int], bytes]

_MIME = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "tiff": "image/tiff",
         "heic": "image/heic"}
#: Video containers C2PA writes a manifest into (desk's container names), and the walk that
#: finds it there. Matroska and MPEG-TS have no C2PA binding: only a sidecar is read for them.
_VIDEO_MIME = {"mp4": "video/mp4", "m4v": "video/x-m4v", "mov": "video/quicktime",
               "3gp": "video/mp4", "avi": "video/avi"}
_UNKNOWN_MIME = "application/octet-stream"
#: The ISO BMFF 'uuid' box C2PA stores its manifest in (HEIC, AVIF, MP4).
_C2PA_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")
#: The TIFF tag C2PA stores its manifest in.
_TIFF_C2PA_TAG = 0xCD41
_MAX_STEPS = 65536

#: Validation codes in a reviewer's words (C2PA 2.x specification, section 15).
PROBLEM_TEXT = {
    "signingCredential.untrusted": "The signature is intact, but the signer's certificate is"
    " not from an issuer desk trusts (not on its trust list).",
    "signingCredential.invalid": "The signer's certificate is not valid for signing content"
    " credentials.",
    "signingCredential.revoked": "The signer's certificate has been revoked.",
    "signingCredential.expired": "The signer's certificate had expired when it signed.",
    "signingCredential.ocsp.revoked": "The signer's certificate has been revoked.",
    "claimSignature.mismatch": "The manifest was altered after it was signed: its signature"
    " no longer matches.",
    "claimSignature.missing": "The manifest has no signature.",
    "claimSignature.outsideValidity": "It was signed outside its certificate's period of"
    " validity (expired or not yet valid).",
    "assertion.dataHash.mismatch": "The picture was changed after it was signed: its bytes no"
    " longer match the signed hash.",
    "assertion.bmffHash.mismatch": "The picture was changed after it was signed: its bytes no"
    " longer match the signed hash.",
    "assertion.boxesHash.mismatch": "The picture was changed after it was signed: its bytes no"
    " longer match the signed hash.",
    "assertion.collectionHash.mismatch": "The content was changed after it was signed.",
    "assertion.hashedURI.mismatch": "A statement in the manifest was altered after signing.",
    "assertion.missing": "A statement the manifest names is missing from it.",
    "assertion.multipleHardBindings": "The manifest binds itself to the picture more than"
    " once, which is not allowed.",
    "assertion.undeclared": "The manifest holds a statement its signature does not cover.",
    "assertion.notRedacted": "A statement marked as removed is still there.",
    "assertion.selfRedacted": "The manifest removes a statement of its own, which is not"
    " allowed.",
    "assertion.cbor.invalid": "A statement in the manifest is malformed.",
    "assertion.json.invalid": "A statement in the manifest is malformed.",
    "assertion.action.ingredientMismatch": "An action names an ingredient the manifest does"
    " not hold.",
    "assertion.action.malformed": "An action of the manifest is malformed.",
    "assertion.action.redacted": "An action of the manifest was removed.",
    "claim.missing": "The manifest holds no claim.",
    "claim.multiple": "The manifest holds more than one claim.",
    "claim.hardBindings.missing": "The manifest is not bound to the picture's bytes.",
    "claim.cbor.invalid": "The manifest's claim is malformed.",
    "manifest.inaccessible": "A manifest it refers to could not be read.",
    "manifest.multipleParents": "The manifest names more than one parent.",
    "manifest.compressed.invalid": "The manifest is compressed in a way that cannot be read.",
    "manifest.timestamp.invalid": "The manifest's time stamp is not valid.",
    "timeStamp.mismatch": "The time stamp does not match the signature.",
    "timeStamp.untrusted": "The time stamp is from an authority desk does not trust.",
    "timeStamp.outsideValidity": "The time stamp falls outside its authority's validity.",
    "algorithm.unsupported": "It was signed with an algorithm that cannot be checked.",
    "algorithm.deprecated": "It was signed with a deprecated algorithm.",
    "general.error": "The manifest could not be checked.",
}


# ----------------------------------------------------------------------------- the cheap check


def has_manifest(data: bytes, fmt: str) -> bool:
    """Whether the file holds a C2PA store where its format puts one (headers only)."""
    try:
        if fmt == "jpeg":
            return _jpeg_has_store(data)
        if fmt == "png":
            return _png_has_store(data)
        if fmt == "webp":
            return _riff_has_store(data)
        if fmt == "tiff":
            return _tiff_has_store(data)
        if fmt == "heic":
            return _bmff_has_store(data)
    except (struct.error, IndexError, ValueError):
        return False
    return False


def _jpeg_has_store(data: bytes) -> bool:
    # C2PA's APP11 comes before the image data: APP11 holding JPEG XT "JP" boxes whose JUMBF
    # description is the C2PA store.
    return any(marker == 0xEB and data[pos + 4:pos + 6] == b"JP"
               and b"c2pa" in data[pos + 4:pos + 2 + length]
               for marker, pos, length in header_segments(data, _MAX_STEPS))


def _png_has_store(data: bytes) -> bool:
    pos = 8
    for _ in range(_MAX_STEPS):
        if pos + 8 > len(data):
            return False
        length, kind = struct.unpack_from(">I4s", data, pos)
        if kind == b"caBX":
            return True
        if kind == b"IEND":
            return False
        pos += 12 + length
    return False


def _riff_has_store(data: bytes) -> bool:
    return _riff_walk(lambda at, n: data[at:at + n], len(data))


def _riff_walk(read_at: ReadAt, size: int) -> bool:
    """A top-level RIFF chunk named C2PA (WebP, AVI)."""
    pos = 12
    for _ in range(_MAX_STEPS):
        if pos + 8 > size:
            return False
        kind, length = struct.unpack("<4sI", read_at(pos, 8))
        if kind == b"C2PA":
            return True
        pos += 8 + length + (length & 1)
    return False


def _tiff_has_store(data: bytes) -> bool:
    order = "<" if data[:2] == b"II" else ">"
    (ifd,) = struct.unpack_from(order + "I", data, 4)
    (count,) = struct.unpack_from(order + "H", data, ifd)
    for index in range(min(count, 4096)):
        (tag,) = struct.unpack_from(order + "H", data, ifd + 2 + 12 * index)
        if tag == _TIFF_C2PA_TAG:
            return True
    return False


def _bmff_has_store(data: bytes) -> bool:
    return _bmff_walk(lambda at, n: data[at:at + n], len(data))


def _bmff_walk(read_at: ReadAt, size: int) -> bool:
    """A top-level ISO BMFF 'uuid' box with C2PA's id (HEIC, AVIF, MP4, MOV)."""
    pos = 0
    for _ in range(_MAX_STEPS):
        if pos + 8 > size:
            return False
        box_size, kind = struct.unpack(">I4s", read_at(pos, 8))
        header = 8
        if box_size == 1:
            if pos + 16 > size:
                return False
            (box_size,) = struct.unpack(">Q", read_at(pos + 8, 8))
            header = 16
        elif box_size == 0:
            box_size = size - pos
        if kind == b"uuid" and read_at(pos + header, 16) == _C2PA_UUID:
            return True
        if box_size < header:
            return False
        pos += box_size
    return False


# ----------------------------------------------------------------------------- trust


def trust_anchors() -> str:
    """The PEM certificates desk trusts as C2PA signing roots (shipped plus the reviewer's)."""
    return _anchors_from(str(resources_dir("c2pa", "trust_anchors.pem")),
                         str(user_config_dir() / USER_ANCHORS))


@cache
def _anchors_from(*paths: str) -> str:
    """Read once per worker: the certificate blocks of each file, comments dropped."""
    blocks: list[str] = []
    for path in paths:
        try:
            with open(path, encoding="ascii", errors="replace") as handle:
                text = handle.read(4 * 1024 * 1024)
        except OSError:
            continue
        inside: list[str] = []
        for line in text.splitlines():
            line = line.strip()
            if line == "-----BEGIN CERTIFICATE-----":
                inside = [line]
            elif inside:
                inside.append(line)
                if line == "-----END CERTIFICATE-----":
                    blocks.append("\n".join(inside))
                    inside = []
    return "\n".join(blocks) + ("\n" if blocks else "")


def reader_settings(anchors: str) -> dict[str, Any]:
    """The library's settings: verify everything, fetch nothing, trust only `anchors`."""
    settings: dict[str, Any] = {
        "version": 1,
        "verify": {
            "verify_after_reading": True,
            "verify_trust": True,
            "verify_timestamp_trust": True,
            "remote_manifest_fetch": False,
            "ocsp_fetch": False,
        },
        "core": {"allowed_network_hosts": []},
        "builder": {"thumbnail": {"enabled": False}},
    }
    # trust_anchors replaces whatever the library would trust otherwise (null, not "", when
    # desk trusts no one: an empty text is a certificate parse error): desk's list only.
    settings["trust"] = {"trust_anchors": anchors or None}
    return settings


# ----------------------------------------------------------------------------- reading


def read_credential(data: bytes, fmt: str, sidecar: bytes | None = None) -> Credential:
    """The file's content credentials; never raises (a bad manifest is an invalid one)."""
    return _credential(has_manifest(data, fmt), sidecar,
                       lambda side: _report(_MIME.get(fmt, _UNKNOWN_MIME), io.BytesIO(data),
                                            side))


def read_video_credential(stream: BinaryIO, kind: str, size: int,
                          sidecar: bytes | None = None) -> Credential:
    """A video's content credentials, read from the open file (`kind` is desk's container
    name; the file is walked and streamed, never loaded whole); never raises."""
    def read_at(at: int, count: int) -> bytes:
        stream.seek(at)
        return stream.read(count)

    walk = _riff_walk if kind == "avi" else _bmff_walk if kind in _VIDEO_MIME else None
    try:
        embedded = walk is not None and walk(read_at, size)
    except (struct.error, OSError, ValueError):
        embedded = False

    def report(side: bytes | None) -> tuple[dict[str, Any], str] | None:
        stream.seek(0)
        return _report(_VIDEO_MIME.get(kind, _UNKNOWN_MIME), stream, side)

    return _credential(embedded, sidecar, report, "video")


def _credential(embedded: bool, sidecar: bytes | None,
                report_of: Callable[[bytes | None], tuple[dict[str, Any], str] | None],
                media: str = "picture") -> Credential:
    """The credential of a file with an embedded store or a sidecar beside it (or neither);
    `report_of(sidecar or None)` asks the library."""
    if not embedded and not sidecar:
        return ABSENT_CREDENTIAL
    found_in = "embedded" if embedded else "sidecar"
    if sidecar is not None and len(sidecar) > MAX_SIDECAR_BYTES:
        return unreadable(found_in, f"the sidecar manifest is too large to read"
                                    f" ({len(sidecar) / 1e6:.0f} MB)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the library's notices are not the reviewer's
            report = report_of(None if embedded else sidecar)
    except MemoryError:
        return unreadable(found_in, "reading it needed more memory than allowed")
    except ReaderMissing as exc:  # the installation's fault, not the file's: say so
        return unreadable(found_in, f"{exc}; reinstall desk to check them")
    except Exception as exc:  # noqa: BLE001 - the native reader's every failure is a problem
        return _from_error(exc, found_in)
    if report is None:
        return ABSENT_CREDENTIAL
    return credential_from_report(report, found_in, media)


#: The native library's file name in c2pa-python's package, by platform.
_LIBRARY = {"win32": "c2pa_c.dll", "darwin": "libc2pa_c.dylib"}.get(sys.platform,
                                                                    "libc2pa_c.so")


class ReaderMissing(RuntimeError):
    """c2pa-python's native library is not where its package keeps it."""


@cache
def pin_library() -> str:
    """Make c2pa-python load its native library from its own package and nowhere else.

    Left to itself it looks in the current folder first, so starting desk from a folder that
    holds a planted library of that name would run it. Given an absolute name in
    C2PA_LIBRARY_NAME it joins that name onto every folder it searches, which yields the one
    absolute path; if that file is missing it would fall back to the search, so a missing
    file is refused here instead.
    """
    spec = importlib.util.find_spec("c2pa")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        candidate = Path(folder) / "libs" / _LIBRARY
        if candidate.is_file():
            os.environ["C2PA_LIBRARY_NAME"] = str(candidate.resolve())
            return os.environ["C2PA_LIBRARY_NAME"]
    raise ReaderMissing(f"the content-credentials reader ({_LIBRARY}) is missing from this"
                        " installation")


def _report(mime: str, stream: BinaryIO, sidecar: bytes | None
            ) -> tuple[dict[str, Any], str] | None:
    """The library's report on the store (parsed, and as text); None when it finds none."""
    pin_library()
    import c2pa  # type: ignore[import-untyped]  # native; loads only for files with a store

    context = c2pa.Context.from_dict(reader_settings(trust_anchors()))
    try:
        reader = c2pa.Reader.try_create(mime, stream, sidecar, context)
        if reader is None:
            return None
        try:
            text = reader.json()
        finally:
            reader.close()
    finally:
        context.close()
    report = json.loads(text)
    if not isinstance(report, dict):
        raise ValueError("the manifest report is not an object")
    return report, text


def _from_error(exc: BaseException, found_in: str) -> Credential:
    """A library error as a credential that could not be read, in words."""
    kind = type(exc).__name__.lstrip("_").removeprefix("C2pa") or "error"
    message = clean_text(str(exc), 160)
    if "ManifestNotFound" in kind and found_in == "embedded":
        reason = "the file holds a C2PA segment, but no manifest could be found in it"
    else:
        reason = f"the manifest is damaged or malformed ({kind}: {message})" if message \
            else f"the manifest is damaged or malformed ({kind})"
    return unreadable(found_in, reason)


def unreadable(found_in: str, reason: str) -> Credential:
    """An invalid credential whose store could not be read, with the reason in words."""
    return Credential(INVALID, problems=(f"The content credentials could not be read: {reason}.",),
                      found_in=found_in)


def credential_from_report(parsed: tuple[dict[str, Any], str], found_in: str,
                           media: str = "picture") -> Credential:
    """The library's manifest report as a Credential: state, signer, generator, actions and
    the problems its validation found, every value cleaned and bounded."""
    report, text = parsed
    manifests = report.get("manifests")
    label = report.get("active_manifest")
    active = manifests.get(label) if isinstance(manifests, dict) and isinstance(label, str) \
        else None
    if not isinstance(active, dict):
        return unreadable(found_in, "it names no active manifest")
    state = report.get("validation_state")
    problems = _problems(report, media)
    if state == "Trusted" and not problems:
        verdict = VALID
    else:
        verdict = INVALID
        if not problems:
            problems = [f"The manifest did not validate ({clean_text(state, 40) or 'no state'})."]
    signature = active.get("signature_info")
    signature = signature if isinstance(signature, dict) else {}
    return Credential(
        state=verdict,
        signer=_signer(signature),
        generator=_generator(active),
        actions=tuple(_actions(active))[:MAX_ACTIONS],
        problems=tuple(problems[:MAX_PROBLEMS]),
        found_in=found_in,
        signed_at=clean_text(signature.get("time"), 40),
        manifest=text if len(text) <= MAX_MANIFEST_CHARS else "",
    )


def _problems(report: dict[str, Any], media: str = "picture") -> list[str]:
    """Failures of the active manifest and of its ingredients, each said once (`media` is
    what the file holds, for the sentences that name it: "picture" or "video")."""
    results = report.get("validation_results")
    failures: list[object] = []
    if isinstance(results, dict):
        active = results.get("activeManifest")
        if isinstance(active, dict) and isinstance(active.get("failure"), list):
            failures += active["failure"]
        deltas = results.get("ingredientDeltas")
        if isinstance(deltas, list):
            for delta in deltas[:MAX_PROBLEMS]:
                status = delta.get("validationDeltas") if isinstance(delta, dict) else None
                if isinstance(status, dict) and isinstance(status.get("failure"), list):
                    failures += [("ingredient", f) for f in status["failure"]]
    elif isinstance(report.get("validation_status"), list):
        failures += report["validation_status"]
    words: list[str] = []
    for failure in failures[:MAX_PROBLEMS * 4]:
        prefix = ""
        if isinstance(failure, tuple):
            prefix, failure = "An ingredient: ", failure[1]
        if not isinstance(failure, dict):
            continue
        code = clean_text(failure.get("code"), 80)
        sentence = PROBLEM_TEXT.get(code)
        if sentence is not None:
            sentence = sentence.replace("picture", media)
        else:
            explanation = clean_text(failure.get("explanation"), 200)
            sentence = f"{explanation or 'Validation failed'} ({code or 'no code'})."
        sentence = prefix + (sentence[0].lower() + sentence[1:] if prefix else sentence)
        if sentence not in words:
            words.append(sentence)
    return words


def _signer(signature: dict[str, Any]) -> str:
    name = clean_text(signature.get("common_name"), 200)
    issuer = clean_text(signature.get("issuer"), 200)
    if name and issuer and issuer != name:
        return f"{name} ({issuer})"
    return name or issuer


def _generator(manifest: dict[str, Any]) -> str:
    infos = manifest.get("claim_generator_info")
    if isinstance(infos, list) and infos and isinstance(infos[0], dict):
        name = clean_text(infos[0].get("name"), 200)
        version = clean_text(infos[0].get("version"), 60)
        if name:
            return f"{name} {version}".strip()
    return clean_text(manifest.get("claim_generator"), 200)


def _actions(manifest: dict[str, Any]) -> list[Action]:
    assertions = manifest.get("assertions")
    found: list[Action] = []
    if not isinstance(assertions, list):
        return found
    for assertion in assertions[:200]:
        if not isinstance(assertion, dict) or \
                not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        data = assertion.get("data")
        actions = data.get("actions") if isinstance(data, dict) else None
        for entry in actions if isinstance(actions, list) else []:
            if not isinstance(entry, dict) or len(found) >= MAX_ACTIONS:
                continue
            action = clean_text(entry.get("action"), 120)
            source = clean_text(str(entry.get("digitalSourceType") or "").rsplit("/", 1)[-1], 80)
            found.append(Action(action, action_label(action), source,
                                _software(entry.get("softwareAgent"))))
    return found


def _software(agent: object) -> str:
    if isinstance(agent, dict):
        return clean_text(f"{agent.get('name') or ''} {agent.get('version') or ''}".strip(), 200)
    return clean_text(agent, 200)
