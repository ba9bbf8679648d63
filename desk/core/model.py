"""Plain value types of a case; the case file stores them and every view renders them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal


class Stance(StrEnum):
    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"
    CONTEXT = "context"


class Rating(StrEnum):
    """One fixed scale, worst first, so a rating maps to a number for ClaimReview."""

    FALSE = "False"
    MISLEADING = "Misleading"
    UNPROVEN = "Unproven"
    PARTLY_CONFIRMED = "Partly confirmed"
    CONFIRMED = "Confirmed"


class Confidence(StrEnum):
    HIGH = "high"
    MODERATE = "moderate"
    LOW = "low"


@dataclass(frozen=True)
class Flag:
    """Something a reviewer must notice about an item's metadata."""

    code: str
    message: str


@dataclass(frozen=True)
class Gps:
    """A position as claimed by the file's metadata (not a reviewer's finding)."""

    lat: float
    lon: float
    altitude: float | None = None
    direction: float | None = None
    time_utc: str | None = None


@dataclass(frozen=True)
class Reading:
    """One value a file states about itself (a time, a place, a camera, an editing step) and
    where in the file it was read ("EXIF DateTimeOriginal", "XMP CreateDate"...). `used` marks
    the reading desk shows for its field; the others stay for the reviewer to compare."""

    field: str
    value: str
    source: str
    used: bool = False


@dataclass(frozen=True)
class Metadata:
    """Normalized metadata of one original, with the raw EXIF table kept beside it.

    `saved_at` is when the file was last written (IFD0 DateTime, XMP ModifyDate), never a
    capture time. `sources_read` is False for items whose XMP, IPTC and maker notes were never
    read (imported before case format 1.5): their sources are unknown, not absent.
    """

    captured_at: str | None = None
    utc_offset: str | None = None
    gps: Gps | None = None
    make: str | None = None
    model: str | None = None
    software: str | None = None
    flags: tuple[Flag, ...] = ()
    raw: dict[str, str] = field(default_factory=dict)
    captured_at_source: str | None = None
    saved_at: str | None = None
    saved_at_source: str | None = None
    readings: tuple[Reading, ...] = ()
    sources_read: bool = False


@dataclass
class Provenance:
    """Where and when a file was obtained: the chain of custody starts here."""

    original_name: str = ""
    source_url: str = ""
    platform: str = ""
    uploader: str = ""
    published_at: str = ""
    acquired_at: str = ""
    acquired_by: str = ""
    notes: str = ""


PROVENANCE_FIELDS: tuple[str, ...] = (
    "original_name",
    "source_url",
    "platform",
    "uploader",
    "published_at",
    "acquired_at",
    "acquired_by",
    "notes",
)


@dataclass(frozen=True)
class FrameOf:
    """Where a still taken from a video comes from: the video (id and SHA-256 of its
    original), the frame's index from 0, its presentation time (seconds and HH:MM:SS.mmm)
    and the SHA-256 of its decoded pixels, which a reader re-derives with FFmpeg."""

    video_id: int
    video_sha256: str
    frame_index: int
    pts_s: float
    timecode: str
    pixels_sha256: str
    #: The presentation time in the stream's own units and the time base ("1/12800").
    pts: int = 0
    time_base: str = ""


#: What an evidence item is: a still (a photo, a screenshot, a frame taken from a video) or
#: a video.
EvidenceKind = Literal["still", "video"]


@dataclass
class Evidence:
    id: int
    sha256: str
    size: int
    format: str
    width: int
    height: int
    metadata: Metadata
    provenance: Provenance
    imported_at: str
    kind: EvidenceKind = "still"
    #: Set for a still taken from a video of the case.
    frame_of: FrameOf | None = None

    @property
    def name(self) -> str:
        return self.provenance.original_name or f"evidence-{self.id}"


@dataclass
class Claim:
    id: int
    text: str
    claimant: str = ""
    first_appearance_url: str = ""
    first_appearance_date: str = ""
    appearances: list[str] = field(default_factory=list)
    created_at: str = ""


@dataclass
class Statement:
    """Who said what about a claim, when and where: contradictions show side by side."""

    id: int
    claim_id: int
    speaker: str
    text: str
    said_at: str = ""
    source_url: str = ""
    venue: str = ""


@dataclass
class ClaimEvidence:
    claim_id: int
    evidence_id: int
    stance: Stance = Stance.CONTEXT
    note: str = ""


@dataclass
class Geolocation:
    """A reviewer's finding of where the camera stood and where it looked."""

    evidence_id: int
    lat: float
    lon: float
    precision_m: float = 50.0
    heading: float | None = None
    fov: float | None = None
    camera_height_m: float = 1.7
    confidence: Confidence = Confidence.MODERATE
    method: str = ""


@dataclass
class Horizon:
    """The horizon line on a frame, as normalized heights (0 top, 1 bottom) at both edges."""

    evidence_id: int
    y_left: float
    y_right: float

    def y_at(self, x: float) -> float:
        """Height of the horizon at normalized image position x (0 left, 1 right)."""
        return self.y_left + (self.y_right - self.y_left) * x


@dataclass
class Landmark:
    id: int
    name: str
    lat: float
    lon: float
    kind: str = ""
    notes: str = ""
    is_reference: bool = False


@dataclass(frozen=True)
class Track:
    """A movement on the ground: from where it starts to where it goes (lat, lon each)."""

    start: tuple[float, float]
    end: tuple[float, float]


@dataclass
class Movement:
    """An arrow drawn on a frame (normalized image coordinates) and its track on the ground."""

    id: int
    evidence_id: int
    label: str = ""
    color: str = "#e4572e"
    x1: float = 0.0
    y1: float = 0.0
    x2: float = 0.0
    y2: float = 0.0
    start_lat: float | None = None
    start_lon: float | None = None
    end_lat: float | None = None
    end_lon: float | None = None
    bearing: float | None = None
    reference_id: int | None = None

    @property
    def track(self) -> Track | None:
        """The ground track, when both ends are placed on the map."""
        a, b, c, d = self.start_lat, self.start_lon, self.end_lat, self.end_lon
        if a is None or b is None or c is None or d is None:
            return None
        return Track((float(a), float(b)), (float(c), float(d)))


@dataclass
class Shadow:
    """A shadow seen on a frame: the bearing it points on the ground, base to tip (degrees
    clockwise from true north) within ± `tolerance`, and optionally the object's height and
    the shadow's length (each good to ± `size_tolerance`, a fraction), which give the sun's
    elevation. `x1, y1, x2, y2` place it on the frame (normalized, base to tip) when drawn."""

    id: int
    evidence_id: int
    bearing: float
    tolerance: float = 5.0
    label: str = ""
    object_height_m: float | None = None
    shadow_length_m: float | None = None
    size_tolerance: float = 0.1
    x1: float | None = None
    y1: float | None = None
    x2: float | None = None
    y2: float | None = None

    @property
    def drawn(self) -> bool:
        return None not in (self.x1, self.y1, self.x2, self.y2)

    @property
    def measured(self) -> bool:
        """Whether the object's height and the shadow's length are both known."""
        return self.object_height_m is not None and self.shadow_length_m is not None


@dataclass(frozen=True)
class TimeQuestion:
    """When a frame is asked to have been filmed: the local days `first`..`last` at the camera
    to solve for, and the time a claim gives (ISO 8601 as typed, '' for none; without an
    offset it is read in the zone of the frame's geolocation)."""

    evidence_id: int
    first: date
    last: date
    claimed_at: str = ""


@dataclass
class Verdict:
    """A rating on the fixed scale, the reviewer's confidence in it, and the checks behind it.

    Checklist values: True done, False open, None not applicable (a movement check for a
    claim without footage): N/A items are neither done nor open, so they raise no warning.
    """

    claim_id: int
    rating: Rating
    confidence: Confidence
    summary: str = ""
    rationale: str = ""
    checklist: dict[str, bool | None] = field(default_factory=dict)
    reviewer: str = ""
    decided_at: str = ""


@dataclass(frozen=True)
class VerdictDraft:
    """A verdict the reviewer has begun but not yet given both a rating and a confidence.

    It is kept in the case as it is edited, and becomes the verdict (in the same transaction)
    once both are chosen; dossiers never show it.
    """

    claim_id: int
    rating: Rating | None = None
    confidence: Confidence | None = None
    summary: str = ""
    rationale: str = ""
    checklist: dict[str, bool | None] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self == VerdictDraft(self.claim_id)

    @property
    def complete(self) -> bool:
        return self.rating is not None and self.confidence is not None


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    items: tuple[str, ...]
    detail: str
    version: str
    prev_hash: str
    hash: str
    #: Since format 1.3: the SHA-256 of the entry's record of changed rows, and the public key
    #: (raw, hex) that signed the entry with its signature (hex); '' in older entries.
    rows_sha256: str = ""
    signer: str = ""
    signature: str = ""

    @property
    def sealed(self) -> bool:
        return bool(self.rows_sha256)
