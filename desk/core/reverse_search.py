"""Reverse image search, only on the reviewer's request, and always on the record.

desk itself sends nothing: it builds the address an engine is opened at and hands it to the
reviewer's browser. With a public http(s) source URL only that address leaves the machine, as
a query parameter; otherwise desk writes the still (or a region of it) as a JPEG without any
of the original's metadata into a folder of its own, and the reviewer uploads that file. Each
send is a custody entry that changes no data: the engine, and what was sent (the URL, or the
file's SHA-256, size and region in pixels).
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode, urlsplit

from desk.core.identity import user_config_dir

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile

#: The custody-log name of a send (an event that changes no data, like an export).
SEND_ACTION = "reverse image search"
#: JPEG quality of the file written for upload.
UPLOAD_QUALITY = 92

#: Host names that never reach the public web.
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".onion")


@dataclass(frozen=True)
class Engine:
    """One reverse-search engine: who receives what is sent, and where it is opened."""

    key: str
    name: str
    operator: str  # who receives the query or the upload
    search_page: str  # address searched by URL; "{url}" in `params` is the still's address
    params: tuple[tuple[str, str], ...]
    upload_page: str  # where the reviewer drops or pastes a file

    def url_for(self, source_url: str) -> str:
        """The engine's search for `source_url`, every parameter percent-encoded."""
        query = urlencode([(key, value.replace("{url}", source_url))
                           for key, value in self.params], quote_via=quote, safe="")
        return f"{self.search_page}?{query}"


ENGINES: tuple[Engine, ...] = (
    Engine("google", "Google Lens", "Google", "https://lens.google.com/uploadbyurl",
           (("url", "{url}"),), "https://lens.google.com/"),
    Engine("bing", "Bing Visual Search", "Microsoft", "https://www.bing.com/images/search",
           (("view", "detailv2"), ("iss", "sbi"), ("q", "imgurl:{url}")),
           "https://www.bing.com/visualsearch"),
    Engine("yandex", "Yandex Images", "Yandex", "https://yandex.com/images/search",
           (("rpt", "imageview"), ("url", "{url}")), "https://yandex.com/images/"),
    Engine("tineye", "TinEye", "Idée Inc.", "https://tineye.com/search",
           (("url", "{url}"),), "https://tineye.com/"),
)
ENGINES_BY_KEY = {engine.key: engine for engine in ENGINES}


def engine(key: str) -> Engine:
    try:
        return ENGINES_BY_KEY[key]
    except KeyError:
        raise ValueError(f"desk knows no reverse-search engine called {key!r}.") from None


# --------------------------------------------------------------------------- by URL


def public_url(url: str) -> str | None:
    """`url` when it may be handed to an engine: http(s), a public host, no login in it.

    A private or local address would tell the engine about the reviewer's network and find
    nothing; a user name or password in the address must never leave the machine.
    """
    text = url.strip()
    if not text or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        host = host.lower().rstrip(".")
        if host == "localhost" or "." not in host or host.endswith(_LOCAL_SUFFIXES):
            return None
        return text
    return text if address.is_global else None


def why_not_public(url: str) -> str:
    """Why a source URL cannot be used, in one sentence (empty when it can)."""
    if public_url(url) is not None:
        return ""
    if not url.strip():
        return "This item has no source URL in its provenance."
    return ("Its source URL is not a public web address (only http or https, a public host,"
            " no user name or password in it), so it is not sent.")


# --------------------------------------------------------------------------- by file


@dataclass(frozen=True)
class Region:
    """A rectangle of the upright still, in pixels."""

    x: int
    y: int
    width: int
    height: int

    def clipped(self, width: int, height: int) -> Region:
        left, top = max(0, min(self.x, width)), max(0, min(self.y, height))
        right = max(left, min(self.x + self.width, width))
        bottom = max(top, min(self.y + self.height, height))
        return Region(left, top, right - left, bottom - top)

    def text(self) -> str:
        return f"{self.width} × {self.height} px at x {self.x}, y {self.y}"


@dataclass(frozen=True)
class Upload:
    """The file written for the reviewer to upload, as the custody log records it."""

    path: Path
    sha256: str
    size: int
    region: Region
    whole: bool  # the whole still, not a region of it


@dataclass(frozen=True)
class Still:
    """The pixels to upload: a JPEG of the still or a region, and where it came from."""

    jpeg: bytes
    region: Region
    whole: bool


def still_jpeg(data: bytes, region: Region | None,
               step: Callable[[str], None] = lambda _text: None) -> Still:
    """The upright still (or `region` of it) as a JPEG with none of the original's metadata.

    `data` is the untrusted original: decoded with intake's limits (run it through
    `desk.core.forensics.run_isolated` in the window).
    """
    from desk.core.forensics import open_still

    step("Decoding the original…")
    image, _fmt = open_still(data)
    whole = Region(0, 0, image.width, image.height)
    area = whole if region is None else region.clipped(image.width, image.height)
    if area.width < 1 or area.height < 1:
        raise ValueError("The chosen region lies outside the picture.")
    if area != whole:
        image = image.crop((area.x, area.y, area.x + area.width, area.y + area.height))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=UPLOAD_QUALITY)  # no exif= given: no metadata written
    return Still(out.getvalue(), area, area == whole)


def upload_folder() -> Path:
    """desk's own folder for files written for upload (in the user's cache folder)."""
    if os.environ.get("DESK_CONFIG_DIR"):
        return user_config_dir() / "cache" / "reverse-search"
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "desk" / "Cache" / "reverse-search"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "desk" / "reverse-search"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "desk" / "reverse-search"


def upload_name(evidence_id: int, still: Still) -> str:
    """A file name made of numbers only: the original's name is untrusted text."""
    area = still.region
    part = "" if still.whole else f"-region-{area.x}-{area.y}-{area.width}x{area.height}"
    return f"desk-item-{evidence_id}{part}-{hashlib.sha256(still.jpeg).hexdigest()[:12]}.jpg"


def write_upload(still: Still, evidence_id: int, folder: Path | None = None) -> Upload:
    """Write the JPEG into desk's folder (atomically) and describe it for the custody log."""
    target_folder = folder if folder is not None else upload_folder()
    target_folder.mkdir(parents=True, exist_ok=True)
    target = target_folder / upload_name(evidence_id, still)
    fd, tmp = tempfile.mkstemp(prefix=".desk-upload-", suffix=".jpg", dir=target_folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(still.jpeg)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Upload(target, hashlib.sha256(still.jpeg).hexdigest(), len(still.jpeg),
                  still.region, still.whole)


# --------------------------------------------------------------------------- the record


def record_sent(case: CaseFile, evidence_id: int, chosen: Engine, *, url: str | None = None,
                upload: Upload | None = None) -> None:
    """Enter a send in the custody log: to whom, and exactly what (the URL, or the file).

    Raises `CaseFileError` (a read-only case, say): the caller then sends nothing.
    """
    from desk.core.casefile import CaseFileError

    if (url is None) == (upload is None):
        raise ValueError("A send is either a source URL or a file, not both or neither.")
    detail: dict[str, object] = {"engine": chosen.name, "recipient": chosen.operator}
    if url is not None:
        if public_url(url) is None:
            raise CaseFileError("Only a public http or https address is sent to an engine.")
        detail.update(sent="source url", url=url, opened=chosen.url_for(url))
    else:
        assert upload is not None
        area = upload.region
        detail.update(sent="file for upload", file=upload.path.name, sha256=upload.sha256,
                      bytes=upload.size, whole_still=upload.whole,
                      region={"x": area.x, "y": area.y, "width": area.width,
                              "height": area.height},
                      opened=chosen.upload_page)
    case.log(SEND_ACTION, [f"evidence:{evidence_id}"], detail)


def describe_send(chosen: Engine, *, url: str | None = None, still_text: str = "",
                  file_name: str = "") -> str:
    """What will leave the machine and to whom, said before anything is sent."""
    if url is not None:
        return (f"desk will open {chosen.name} in your browser with this address as the"
                f" search: {url}\n\nOnly that address leaves this machine: your browser sends"
                f" it to {chosen.operator}, and no picture or case data goes with it. The send"
                " is recorded in the case's custody log.")
    return (f"desk will save {still_text} as a JPEG, without the original's metadata (no"
            f" EXIF, no GPS), to {file_name}, copy it to the clipboard and open"
            f" {chosen.name}'s upload page in your browser.\n\nNothing is sent until you paste"
            f" or drag that file into the page, which hands it to {chosen.operator} as the"
            " recipient. The send is recorded in the case's custody log.")
