"""Rebuild the sample cases from source, so they always match the current case format.

    python sample_cases/build_samples.py [--out DIR]

We hold no real footage of either story: the stills here are drawings made with Pillow and
every case says, in its description and in each item's notes, that they are illustrative
reconstructions with approximate positions. The statements and the structure of the
reasoning follow the public reporting of both stories.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from desk.core import commands, geo  # noqa: E402
from desk.core.casefile import CaseFile  # noqa: E402
from desk.core.clock import utc_now  # noqa: E402
from desk.core.frame_time import chronolocation_for  # noqa: E402
from desk.core.intake import import_files  # noqa: E402
from desk.core.model import (  # noqa: E402
    Claim,
    Confidence,
    Geolocation,
    Horizon,
    Landmark,
    Movement,
    Provenance,
    Rating,
    Shadow,
    Statement,
    Verdict,
)
from desk.core.movement import focal_length_px, project_arrow  # noqa: E402
from desk.core.shadow_projection import frame_point, project_shadow  # noqa: E402
from desk.core.sun import Place, sun_position  # noqa: E402
from desk.core.timezones import zone_at  # noqa: E402

ILLUSTRATIVE = (
    "Illustrative reconstruction for training and testing desk: the stills are drawings, not"
    " real footage, and all positions are approximate."
)
W, H = 1280, 720
HORIZON = 0.46


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for name in ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def _street_scene(walkers_at: float, seed: int,
                  shadow: tuple[float, float, float, float, float] | None = None) -> Image.Image:
    """A road leading out of town past a lattice TV mast, a group walking away from the camera."""
    img = Image.new("RGB", (W, H))
    draw = ImageDraw.Draw(img)
    hy = int(H * HORIZON)
    for y in range(hy):  # overcast winter sky
        t = y / hy
        draw.line([(0, y), (W, y)], fill=(int(150 + 40 * t), int(160 + 38 * t), int(172 + 30 * t)))
    for y in range(hy, H):  # muddy fields
        t = (y - hy) / (H - hy)
        draw.line([(0, y), (W, y)], fill=(int(96 + 30 * t), int(92 + 24 * t), int(74 + 18 * t)))
    # Tree line on the horizon: the open outskirts.
    for i in range(0, W, 9):
        h = 8 + ((i * 37 + seed) % 13)
        draw.ellipse([i - 8, hy - h, i + 10, hy + 4], fill=(70, 80, 66))
    # Apartment blocks on the right: the edge of town behind the camera's right shoulder.
    for k, (x0, x1, top) in enumerate([(900, 1080, 150), (1090, 1280, 110), (820, 900, 230)]):
        shade = 150 - k * 12
        draw.rectangle([x0, top, x1, hy + 60], fill=(shade, shade - 6, shade - 14))
        for wy in range(top + 14, hy + 40, 26):
            for wx in range(x0 + 12, x1 - 10, 24):
                lit = (wx * 7 + wy * 3 + seed) % 5 == 0
                draw.rectangle([wx, wy, wx + 11, wy + 14],
                               fill=(210, 190, 120) if lit else (70, 76, 84))
    # The TV mast: a tall lattice tower left of the road, the landmark used to geolocate.
    base_x, top_y = 300, 60
    draw.polygon([(base_x - 34, hy + 8), (base_x + 34, hy + 8), (base_x + 4, top_y),
                  (base_x - 4, top_y)], outline=(60, 60, 64))
    for y in range(top_y + 10, hy + 8, 18):
        half = 4 + (y - top_y) * 30 / (hy + 8 - top_y)
        draw.line([(base_x - half, y), (base_x + half, y + 18)], fill=(70, 70, 74), width=2)
        draw.line([(base_x + half, y), (base_x - half, y + 18)], fill=(70, 70, 74), width=2)
    for y in (top_y + 40, top_y + 110):
        draw.rectangle([base_x - 10, y, base_x + 10, y + 8], fill=(180, 40, 40))
    # Road from the camera to a vanishing point on the horizon.
    vx = W * 0.55
    draw.polygon([(vx - 6, hy), (vx + 6, hy), (W * 0.86, H), (W * 0.18, H)], fill=(82, 80, 78))
    draw.line([(vx, hy), (W * 0.52, H)], fill=(200, 196, 170), width=3)
    # A fence post on the verge and its long morning shadow across the road (normalized ends
    # of the shadow and the post's height in pixels, from the camera model: see _post_shadow).
    if shadow is not None:
        bx, by, tx, ty = (shadow[0] * W, shadow[1] * H, shadow[2] * W, shadow[3] * H)
        draw.polygon([(bx - 2, by - 5), (bx + 2, by + 5), (tx + 1, ty + 2), (tx - 1, ty - 2)],
                     fill=(34, 33, 31))
        draw.rectangle([bx - 5, by - shadow[4], bx + 5, by], fill=(92, 74, 52))
    # Walkers: a group of soldiers heading down the road toward the horizon (away from town).
    for n in range(6):
        depth = walkers_at + n * 0.035
        y_feet = hy + (H - hy) * (1 - depth)
        scale = max(0.18, 1 - depth)
        x = vx + (W * 0.36 - vx) * (1 - depth) * 0.8 + (n % 3 - 1) * 40 * scale
        h = 120 * scale
        draw.ellipse([x - 6 * scale, y_feet - h, x + 6 * scale, y_feet - h + 13 * scale],
                     fill=(48, 52, 40))
        draw.rectangle([x - 9 * scale, y_feet - h + 12 * scale, x + 9 * scale,
                        y_feet - h * 0.45], fill=(74, 82, 56))
        draw.line([(x - 4 * scale, y_feet - h * 0.45), (x - 7 * scale, y_feet)],
                  fill=(50, 54, 42), width=max(2, int(5 * scale)))
        draw.line([(x + 4 * scale, y_feet - h * 0.45), (x + 8 * scale, y_feet)],
                  fill=(50, 54, 42), width=max(2, int(5 * scale)))
    img = img.filter(ImageFilter.GaussianBlur(0.8))
    _label(img, "ILLUSTRATIVE RECONSTRUCTION - NOT REAL FOOTAGE")
    return img


def _reference_aerial() -> Image.Image:
    """An older top-down drone still: the same mast and blocks seen from above."""
    img = Image.new("RGB", (W, H), (104, 112, 84))
    draw = ImageDraw.Draw(img)
    for i in range(0, W, 40):
        draw.line([(i, 0), (i + 200, H)], fill=(98, 106, 80), width=14)
    draw.polygon([(560, 0), (640, 0), (900, H), (760, H)], fill=(90, 88, 84))
    for x0, y0, x1, y1 in [(820, 120, 1000, 200), (1020, 80, 1220, 170), (760, 260, 860, 330)]:
        draw.rectangle([x0, y0, x1, y1], fill=(170, 164, 150), outline=(120, 116, 106), width=4)
    cx, cy = 330, 380
    draw.polygon([(cx, cy - 40), (cx + 40, cy + 30), (cx - 40, cy + 30)], outline=(40, 40, 44),
                 width=4)
    for angle in (0, 120, 240):
        a = math.radians(angle - 90)
        draw.line([(cx, cy), (cx + 120 * math.cos(a), cy + 120 * math.sin(a))],
                  fill=(60, 60, 60), width=2)
    draw.ellipse([cx - 6, cy - 6, cx + 6, cy + 6], fill=(180, 40, 40))
    _label(img, "ILLUSTRATIVE REFERENCE (2020 DRONE VIEW) - NOT REAL FOOTAGE")
    return img


def _label(img: Image.Image, text: str) -> None:
    draw = ImageDraw.Draw(img)
    font = _font(22)
    draw.rectangle([0, H - 40, W, H], fill=(20, 20, 24))
    draw.text((16, H - 33), text, fill=(240, 200, 80), font=font)


def _drone_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "DJI"
    exif[0x0110] = "FC3170"
    exif[0x0131] = "10.01.12.04"
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2020:08:14 10:21:07"
    sub[0x9011] = "+03:00"
    gps = exif.get_ifd(0x8825)
    gps[0x0001] = "N"
    gps[0x0002] = (49.0, 42.0, 52.6)
    gps[0x0003] = "E"
    gps[0x0004] = (37.0, 35.0, 19.0)
    gps[0x0005] = b"\x00"
    gps[0x0006] = 182.0
    gps[0x0007] = (7.0, 21.0, 7.0)
    gps[0x001D] = "2020:08:14"
    return exif


TOWN_CENTRE = (49.7097, 37.6156)
TV_MAST = (49.71452, 37.58843)
CAMERA = (49.7159, 37.5928)
HEADING, FOV, CAMERA_HEIGHT = 262.0, 62.0, 1.7
#: The illustrative shadow: a 1.5 m post 12 m from the camera, 18° left of its heading, lit by
#: the sun of 2025-11-20 08:00 in Kupiansk (the clip's claimed day, a morning).
POST_HEIGHT_M = 1.5
SHADOW_TIME = "2025-11-20T08:00:00"
#: When the broadcast says the clip was filmed (illustrative): that afternoon, local time.
CLAIMED_TIME = "2025-11-20T15:00"


def _frame_point(lat: float, lon: float) -> tuple[float, float]:
    """Where a ground point shows on the frame, by the camera model desk projects with."""
    camera = Geolocation(0, *CAMERA, heading=HEADING, fov=FOV, camera_height_m=CAMERA_HEIGHT)
    point = frame_point(camera, Horizon(0, HORIZON, HORIZON), W, H, lat, lon)
    assert point is not None, (lat, lon)
    return point


def _post_shadow() -> tuple[float, float, float, float, float, float, float]:
    """(x1, y1, x2, y2) of the post's shadow on the frame, its bearing, its length (m) and the
    post's height on the frame (pixels)."""
    from datetime import datetime

    zone = zone_at(*CAMERA)
    when = datetime.fromisoformat(SHADOW_TIME).replace(tzinfo=zone.zone)
    sun = sun_position(when, Place(*CAMERA))
    length = POST_HEIGHT_M / math.tan(math.radians(sun.elevation))
    base = geo.destination(CAMERA, HEADING - 18.0, 12.0)
    tip = geo.destination(base, sun.shadow_bearing, length)
    post_px = focal_length_px(W, FOV) * POST_HEIGHT_M / 12.0
    return (*_frame_point(*base), *_frame_point(*tip), sun.shadow_bearing, length, post_px)


def build_kupiansk(out: Path, work: Path) -> Path:
    frames = work / "kupiansk"
    frames.mkdir()
    x1, y1, x2, y2, _bearing, _length, post_px = _post_shadow()
    post = (x1, y1, x2, y2, post_px)
    _street_scene(0.15, 3, post).save(frames / "state_tv_clip_frame_0012.jpg", quality=88)
    _street_scene(0.32, 5, post).save(frames / "state_tv_clip_frame_0047.jpg", quality=88)
    _reference_aerial().save(frames / "reference_drone_2020.jpg", quality=90, exif=_drone_exif())
    target = out / "kupiansk.deskcase"
    target.unlink(missing_ok=True)
    with CaseFile.create(target, "Kupiansk: state TV clip offered as proof of capture") as case:
        case.set_meta("description", ILLUSTRATIVE + " Story: state TV broadcast a clip as proof"
                      " that Kupiansk was captured; reviewers geolocated its frames near the"
                      " town's TV mast and found the soldiers walking out of town.")
        broadcast = Provenance(
            source_url="https://example.org/illustrative/state-tv-broadcast",
            platform="State TV (broadcast, re-uploaded to Telegram)",
            uploader="illustrative: state broadcaster",
            published_at="2025-11-20T19:00:00+03:00",
            notes=ILLUSTRATIVE,
        )
        clip = import_files(case, [frames / "state_tv_clip_frame_0012.jpg",
                                   frames / "state_tv_clip_frame_0047.jpg"],
                            provenance=broadcast, workers=1)
        reference = import_files(
            case, [frames / "reference_drone_2020.jpg"], workers=1,
            provenance=Provenance(source_url="https://example.org/illustrative/drone-survey-2020",
                                  platform="Archived drone survey", notes=ILLUSTRATIVE),
        )
        ids = [i.evidence_id for i in clip.imported + reference.imported]
        assert len(ids) == 3 and all(ids), (clip, reference)
        f1, f2, ref = (int(i) for i in ids)  # type: ignore[arg-type]
        tower = commands.add_landmark(case, Landmark(0, "TV mast", *TV_MAST, kind="tower",
                                                     notes="Approximate position."))
        tower.apply(case)
        centre = commands.add_landmark(case, Landmark(0, "Kupiansk centre", *TOWN_CENTRE,
                                                      kind="town centre", is_reference=True,
                                                      notes="Approximate position."))
        centre.apply(case)
        for fid in (f1, f2):
            commands.set_geolocation(Geolocation(
                fid, *CAMERA, precision_m=40.0, heading=HEADING, fov=FOV,
                camera_height_m=CAMERA_HEIGHT,
                confidence=Confidence.MODERATE,
                method="Matched the lattice TV mast and the roofline of the blocks on the right"
                       " against an older (2020) drone still of the same area.",
            )).apply(case)
        for fid in (f1, f2):
            commands.set_horizon(Horizon(fid, HORIZON, HORIZON)).apply(case)
        arrow = Movement(0, f1, label="group of 6 soldiers", x1=0.42, y1=0.86, x2=0.52,
                         y2=0.58, reference_id=2)
        camera = case.geolocation(f1)
        assert camera is not None
        track = project_arrow(camera, case.horizon(f1), W, H, arrow)
        commands.add_movement(case, replace(
            arrow, start_lat=track.start.lat, start_lon=track.start.lon, end_lat=track.end.lat,
            end_lon=track.end.lon, bearing=track.bearing)).apply(case)
        # The shadow as the shadow tool records it: the drawn line laid on the ground by the
        # camera model, its bearing and tolerance from the projection (3 px drawing), its
        # length as projected; the post's height is the reviewer's estimate.
        laid = project_shadow(camera, case.horizon(f1), W, H, x1, y1, x2, y2)
        assert laid.bearing is not None and laid.tolerance is not None and laid.reliable, laid
        assert laid.length_m is not None
        commands.add_shadow(case, Shadow(
            0, f1, round(laid.bearing, 2), round(laid.tolerance, 1),
            label="fence post by the road (illustrative reconstruction: drawn, not filmed)",
            object_height_m=POST_HEIGHT_M, shadow_length_m=round(laid.length_m, 1),
            size_tolerance=0.15, x1=x1, y1=y1, x2=x2, y2=y2)).apply(case)
        commands.set_time_question(case, f1, date(2025, 11, 20), date(2025, 11, 20),
                                   CLAIMED_TIME).apply(case)
        dated = chronolocation_for(case, f1)
        assert dated is not None and dated.claim is not None and not dated.claim.consistent
        claim = commands.add_claim(case, Claim(
            0, "Russian forces have captured Kupiansk; a state TV clip shows soldiers in the town.",
            claimant="Russian state TV",
            first_appearance_url="https://example.org/illustrative/state-tv-broadcast",
            first_appearance_date="2025-11-20"))
        claim.apply(case)
        commands.add_statement(case, Statement(
            0, 1, "State TV presenter",
            "The footage, filmed this afternoon, proves our forces control Kupiansk.",
            said_at="2025-11-20", venue="Evening news broadcast (illustrative)")).apply(case)
        for eid, stance in ((f1, "contradicts"), (f2, "contradicts"), (ref, "context")):
            commands.link_evidence(1, eid, stance).apply(case)
        commands.set_verdict(Verdict(
            1, Rating.MISLEADING, Confidence.MODERATE,
            summary="The clip is real footage from Kupiansk's outskirts, but it shows soldiers"
                    " walking out of town, not holding it.",
            rationale="Frames geolocated to the road west of the TV mast (matched against a 2020"
                      " drone still). The group moves at a bearing of about 260 degrees, away"
                      " from the town centre: the footage shows the opposite of control. A"
                      " fence post's shadow in frame 12 dates it by the sun: "
                      f"{dated.window_text()}: a morning sun, not the afternoon the broadcast"
                      " gives.",
            checklist={"source_identified": True, "original_found": False, "date_checked": True,
                       "location_checked": True, "movement_checked": True,
                       "alternatives_considered": True},
            reviewer=case.actor, decided_at=utc_now(),
        )).apply(case)
    return target


def build_valdai(out: Path) -> Path:
    target = out / "valdai.deskcase"
    target.unlink(missing_ok=True)
    title = "Valdai: claimed drone attack on a presidential residence"
    with CaseFile.create(target, title) as case:
        case.set_meta("description", "Two official statements give different drone counts; no"
                      " imagery, debris or geolocation was ever published. Dates and wording"
                      " follow public reporting; this sample holds no files because none exist.")
        commands.add_claim(case, Claim(
            0, "Ukrainian drones attacked the presidential residence in the Novgorod region.",
            claimant="Russian Ministry of Foreign Affairs",
            first_appearance_date="2025-12-29")).apply(case)
        commands.add_statement(case, Statement(
            0, 1, "Foreign minister", "91 long-range drones attacked the residence.",
            said_at="2025-12-29", venue="Public statement")).apply(case)
        commands.add_statement(case, Statement(
            0, 1, "Regional governor (Novgorod)", "41 drones were shot down over the region.",
            said_at="2025-12-30", venue="Regional statement")).apply(case)
        commands.set_verdict(Verdict(
            1, Rating.UNPROVEN, Confidence.MODERATE,
            summary="No images, debris or geolocation support the claim, and the two official"
                    " counts (91 and 41) contradict each other.",
            rationale="The claimant offered no evidence; none was found in open sources. The"
                      " statements disagree on the basic number of drones.",
            # Movement and time: not applicable (None), because no footage or imagery exists
            # in which anything could move. Location stays open (False): the residence is a
            # named place, and checking it (satellite pictures, local reports) is a real step
            # the reviewer has not done; marking it N/A would hide that gap.
            checklist={"source_identified": True, "original_found": False, "date_checked": True,
                       "location_checked": False, "movement_checked": None,
                       "alternatives_considered": True},
            reviewer=case.actor, decided_at=utc_now(),
        )).apply(case)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    os.environ.setdefault("DESK_REVIEWER", "desk sample builder")
    with tempfile.TemporaryDirectory() as tmp:
        for path in (build_kupiansk(args.out, Path(tmp)), build_valdai(args.out)):
            print(f"built {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
