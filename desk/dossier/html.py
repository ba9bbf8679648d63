"""The dossier as one self-contained HTML file a reader can open offline.

Jinja2 with autoescape and StrictUndefined over the templates in resources/dossier; no `|safe`
on case data anywhere. Pictures are data: URIs; links appear only for http(s) URLs; the
Content-Security-Policy forbids scripts, remote loads, forms and base changes, so even a
mistake in escaping could not run code or call out. The ClaimReview JSON-LD goes through
Jinja's `tojson`, which escapes <, >, & and ' so the data block cannot end early.
"""

from __future__ import annotations

import io
import json
import math
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from PIL import Image

from desk import bundled
from desk.core.arrow_style import ArrowStyle, arrow_styles
from desk.core.model import Movement, Rating
from desk.core.video_frames import timecode
from desk.dossier.claimreview import is_http_url
from desk.dossier.data import Dossier, data_uri
from desk.dossier.footage import FRAMEHASH_COMMAND

#: The policy every dossier carries; tests assert it verbatim.
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none';"
    " form-action 'none'"
)
SCALE: tuple[str, ...] = tuple(str(r) for r in Rating)
_SLUGS = {str(r): str(r).lower().replace(" ", "-") for r in Rating}
_DETAIL_LIMIT = 160
_UTC_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def resource_dir() -> Path:
    """resources/dossier beside the package, or inside a PyInstaller bundle when frozen."""
    return bundled.resources_dir("dossier")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(resource_dir())),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False, "indent": 2}
    env.tests["http_url"] = is_http_url
    env.filters.update(
        size=fmt_size,
        coord=fmt_coord,
        deg=fmt_deg,
        metres=fmt_metres,
        grouped=group_hex,
        detail=detail_summary,
        when=fmt_when,
        duration=fmt_duration,
        blank=lambda v, dash="—": dash if v in (None, "") else v,
    )
    return env


def warm_templates() -> threading.Thread:
    """Compile the dossier's templates on another thread, started before an export reads the
    case so that compiling (a noticeable part of a one-off export from the command line)
    overlaps the reading; join the thread before rendering."""
    env = environment()  # made here: two threads must not both make the cached environment

    def compile_all() -> None:
        try:
            for name in env.list_templates(filter_func=lambda n: n.endswith((".j2", ".css"))):
                env.get_template(name)
        except Exception:  # noqa: BLE001 - rendering compiles again and reports it properly
            pass

    thread = threading.Thread(target=compile_all, name="dossier-templates", daemon=True)
    thread.start()
    return thread


# ----------------------------------------------------------------------------- formatting


def fmt_size(size: int) -> str:
    if size < 1024:
        return f"{size:,} bytes"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024 or unit == "GiB":
            return f"{size:,} bytes ({value:.1f} {unit})"
    return f"{size:,} bytes"


def fmt_coord(lat: float | None, lon: float | None) -> str:
    if lat is None or lon is None:
        return "—"
    ns = "N" if lat >= 0 else "S"
    ew = "E" if lon >= 0 else "W"
    return f"{abs(lat):.5f}° {ns}, {abs(lon):.5f}° {ew}"


def fmt_when(value: str | None) -> str:
    """desk's UTC stamps ("2025-11-20T19:00:05Z") as "2025-11-20 19:00 UTC"; others unchanged."""
    if not value:
        return "—"
    if _UTC_STAMP.fullmatch(value):
        return f"{value[:10]} {value[11:16]} UTC"
    return value


def fmt_duration(seconds: float | None) -> str:
    """A video's length as H:MM:SS.mmm, as the window shows it."""
    if seconds is None:
        return "—"
    return timecode(seconds)


def fmt_deg(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}°"


def fmt_metres(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 10_000:
        return f"{value / 1000:,.1f} km"
    return f"{value:,.0f} m"


def group_hex(value: str | None, width: int = 4) -> str:
    """A long hex string in groups, so a reader can compare it by eye."""
    if not value:
        return "—"
    return " ".join(value[i:i + width] for i in range(0, len(value), width))


def detail_summary(detail: str) -> str:
    """A custody-log detail in one short readable line (the JSON dossier keeps it whole)."""
    try:
        value = json.loads(detail)
    except (ValueError, TypeError):
        value = detail
    if isinstance(value, dict) and "values" in value and isinstance(value["values"], dict):
        value = value["values"]
    if isinstance(value, dict):
        parts = []
        for key in sorted(value):
            item = value[key]
            if item in (None, "", [], {}):
                continue
            if isinstance(item, list):
                text = f"{len(item)} item" + ("" if len(item) == 1 else "s")
            elif isinstance(item, dict):
                text = ", ".join(f"{k}={v}" for k, v in sorted(item.items()))
            else:
                text = str(item)
            parts.append(f"{key}: {text}")
        text = "; ".join(parts)
    elif value in (None, ""):
        text = ""
    else:
        text = str(value)
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 1].rstrip() + "…"


def _still_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def _styles(evidence: list[dict[str, Any]]) -> dict[int, ArrowStyle]:
    """Each arrow's label and colour by the window's rule (desk.core.arrow_style)."""
    return arrow_styles(Movement(int(m["id"]), int(e["id"]), label=str(m["label"] or ""),
                                 color=str(m["color"] or ""))
                        for e in evidence for m in e["movements"])


def _arrow(move: dict[str, Any], width: int, height: int, style: ArrowStyle
           ) -> dict[str, str] | None:
    """A movement's frame arrow in the still's pixel space: a line, its head polygon and its
    label, in the colour and under the name the window shows."""
    arrow = move["frame_arrow"]
    coords = [arrow["x1"], arrow["y1"], arrow["x2"], arrow["y2"]]
    if not all(isinstance(c, int | float) and math.isfinite(c) for c in coords):
        return None
    x1, y1, x2, y2 = coords[0] * width, coords[1] * height, coords[2] * width, coords[3] * height
    if math.hypot(x2 - x1, y2 - y1) < 1:
        return None
    angle = math.atan2(y2 - y1, x2 - x1)
    size = max(width, height) * 0.03
    head = [(x2, y2)] + [
        (x2 - size * math.cos(angle + s * 0.45), y2 - size * math.sin(angle + s * 0.45))
        for s in (-1, 1)
    ]
    return {
        "x1": f"{x1:.1f}", "y1": f"{y1:.1f}", "x2": f"{x2:.1f}", "y2": f"{y2:.1f}",
        "head": " ".join(f"{x:.1f},{y:.1f}" for x, y in head),
        "stroke": f"{max(width, height) * 0.007:.1f}",
        "label_y": f"{y2 - size * 0.6:.1f}",
        "font": f"{max(width, height) * 0.028:.1f}",
        "casing": f"{max(width, height) * 0.012:.1f}",
        "anchor": "end" if x2 < x1 else "start",
        "label_x": f"{x2 - size * 0.6:.1f}" if x2 < x1 else f"{x2 + size * 0.6:.1f}",
        "label": style.short_label, "colour": style.colour,
    }


def render_html(dossier: Dossier, *, record_sha256: str) -> str:
    """The dossier page; `record_sha256` is the SHA-256 of dossier.json, printed in the footer."""
    record = dossier.record
    stills: dict[int, dict[str, Any]] = {}
    styles = _styles(record["evidence"])
    for evidence in record["evidence"]:
        picture = dossier.stills.get(evidence["id"])
        if picture is None:
            continue
        width, height = _still_size(picture)
        arrows = []
        for move in evidence["movements"]:
            arrow = _arrow(move, width, height, styles[move["id"]])
            if arrow is not None:
                arrows.append({"id": move["id"], **arrow})
        stills[evidence["id"]] = {"src": data_uri("image/jpeg", picture), "width": width,
                                  "height": height, "arrows": arrows}
    maps = {eid: data_uri(mime, data) for eid, (mime, data) in dossier.maps.items()}
    verdict = record["verdict"]
    figures = [s["figures"] for s in record["statements"]]
    distinct = {tuple(f) for f in figures if f}
    context = {
        **record,
        "csp": CSP,
        "scale": SCALE,
        "slug": _SLUGS[verdict["rating"]] if verdict else "draft",
        "stills": stills,
        "arrow_labels": {mid: style.label for mid, style in styles.items()},
        "maps": maps,
        "record_sha256": record_sha256,
        "framehash_command": FRAMEHASH_COMMAND,
        "figures_differ": len(record["statements"]) > 1 and len(distinct) > 1,
        "stance_counts": _stance_counts(record["evidence"]),
        "custody_rows": _custody_rows(record["custody_log"]["entries"]),
    }
    return environment().get_template("dossier.html.j2").render(context)


def _custody_rows(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The log's table rows: entries shown in full one by one, each run of withheld entries as
    one row (a case with hundreds of other edits must not fill pages with hashes)."""
    rows: list[dict[str, Any]] = []
    for entry in entries:
        if "withheld" not in entry:
            rows.append({"entry": entry})
        elif rows and "withheld" in rows[-1] and rows[-1]["reason"] == entry["withheld"]:
            rows[-1]["last"] = entry["seq"]
            rows[-1]["count"] += 1
        else:
            rows.append({"withheld": True, "first": entry["seq"], "last": entry["seq"],
                         "count": 1, "reason": entry["withheld"]})
    return rows


def _stance_counts(evidence: list[dict[str, Any]]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for item in evidence:
        counts[item["stance"]] = counts.get(item["stance"], 0) + 1
    return [(s, counts[s]) for s in ("supports", "contradicts", "context") if s in counts]
