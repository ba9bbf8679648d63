"""Footage in the dossier: what a video item is, and where a frame taken from one comes from.

A frame is a still of the case like any other, so the dossier shows it as one; what it adds
is its provenance (video, frame index, time and the SHA-256 of the decoded pixels), so a
reader can take the video's original and re-derive the frame with FFmpeg alone.
"""

from __future__ import annotations

from desk.core.casefile import CaseFile
from desk.core.model import Evidence
from desk.core.report import video_summary

#: Dossier formats that name a video original's extension (anything else is `.bin`).
VIDEO_EXTENSIONS = {"mp4": ".mp4", "mov": ".mov", "m4v": ".m4v", "3gp": ".3gp",
                    "webm": ".webm", "mkv": ".mkv", "avi": ".avi", "mpegts": ".ts"}

#: What a reader runs on a video's original to list every frame with its pixels' SHA-256.
FRAMEHASH_COMMAND = ("ffmpeg -noautorotate -i ORIGINAL -map 0:v:0 -fps_mode passthrough"
                     " -f framehash -hash sha256 -")


def footage_json(case: CaseFile, evidence: Evidence, linked: dict[int, str | None]
                 ) -> dict[str, object]:
    """The entry's `kind`, its `video` (a video's container facts, else None) and its
    `frame_of` (a frame's provenance, else None). `linked` maps the claim's evidence ids to
    their path under originals/ (None when originals are left out), so a frame says whether
    its video's original is in this dossier."""
    frame_of: dict[str, object] | None = None
    frame = evidence.frame_of
    if frame is not None:
        try:
            video_name: str | None = case.get_evidence(frame.video_id).name
        except KeyError:
            video_name = None
        frame_of = {
            "video_id": frame.video_id,
            "video_sha256": frame.video_sha256,
            "frame_index": frame.frame_index,
            "pts_s": frame.pts_s,
            "timecode": frame.timecode,
            "pixels_sha256": frame.pixels_sha256,
            "pts": frame.pts,
            "time_base": frame.time_base,
            "video_name": video_name,
            "video_linked": frame.video_id in linked,
            "video_original_path": linked.get(frame.video_id),
        }
    return {"kind": evidence.kind, "video": video_summary(case, evidence),
            "frame_of": frame_of}
