"""How fast desk writes the verdict dossier of a claim with many stills.

    python bench/dossier.py [N]      (default 50 stills)

Builds a case with one claim linked to N distinct 1920×1080 footage stills (camera-like JPEGs
of ~0.5-1 MB), every still geolocated with a movement track, then times:

- the HTML export: `export_dossier(formats={"html"})`, everything a reader gets except the PDF
  (collect, downscale and embed N stills, N map sketches, dossier.json, copy and re-hash the
  originals, manifest, Ed25519 signature, custody-log entry); target < 1 s;
- the PDF export: the same with `formats={"pdf"}` through Qt WebEngine, the first one in the
  process (so it includes starting Chromium, as `desk export` does); target < 2 s;
- the floor of the PDF export: Chromium alone loading and printing the very HTML the export
  printed (its print copy, stills at print size), in a page set up as the export's (a fresh
  off-the-record page, already started on its blank page), without footers. PDF exports after
  the first and floors alternate, three of each; the ratio of their medians is what desk adds
  to Chromium's own work; target ≤ 1.3.

Ends with `RESULT dossier_html_s <seconds> s`, `RESULT dossier_pdf_s <seconds> s` and
`RESULT dossier_pdf_ratio <ratio> ratio`.
"""

from __future__ import annotations

import hashlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DESK_REVIEWER", "Bench Reviewer")

from PIL import Image, ImageDraw

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.model import (
    Claim,
    Confidence,
    Geolocation,
    Gps,
    Landmark,
    Metadata,
    Movement,
    Provenance,
    Rating,
    Statement,
    Verdict,
)

WIDTH, HEIGHT = 1920, 1080
ROUNDS = 3


def _still(seed: int) -> bytes:
    """A footage-like frame with enough detail to weigh what real frames weigh."""
    base = Image.linear_gradient("L").resize((WIDTH, HEIGHT)).convert("RGB")
    noise = Image.effect_noise((WIDTH // 3, HEIGHT // 3), 30 + seed % 20).resize((WIDTH, HEIGHT))
    image = Image.blend(base, Image.merge("RGB", (noise, noise, noise)), 0.4)
    draw = ImageDraw.Draw(image)
    for k in range(40):
        x = (k * 997 + seed * 131) % WIDTH
        y = (k * 613 + seed * 71) % HEIGHT
        draw.rectangle([x, y, x + 140, y + 90], fill=((k * 40 + seed) % 255, 90, (seed * 50) % 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def build(path: Path, count: int) -> None:
    with CaseFile.create(path, f"Bench: one claim, {count} stills") as case:
        commands.add_landmark(case, Landmark(0, "TV mast", 49.7165, 37.5882)).apply(case)
        commands.add_landmark(case, Landmark(0, "Centre", 49.7097, 37.6156,
                                             is_reference=True)).apply(case)
        commands.add_claim(case, Claim(0, "Forces captured the town.", claimant="State TV",
                                       first_appearance_url="https://example.org/c",
                                       first_appearance_date="2025-11-20")).apply(case)
        commands.add_statement(case, Statement(0, 1, "Presenter", "6 soldiers in the centre",
                                               said_at="2025-11-20")).apply(case)
        for n in range(count):
            data = _still(n)
            sha = hashlib.sha256(data).hexdigest()
            thumb = Image.open(io.BytesIO(data))
            thumb.thumbnail((320, 320))
            buf = io.BytesIO()
            thumb.save(buf, "JPEG", quality=82)
            meta = Metadata(captured_at="2025-11-20T14:03:00+03:00", gps=Gps(49.716, 37.593),
                            make="Canon", model="EOS R6",
                            raw={"Image Make": "Canon", "Image Model": "EOS R6"})
            with case.edit("import", [f"sha256:{sha}"], {"files": 1}) as conn:
                eid = case.insert_evidence(
                    conn, sha256=sha, data=data, fmt="jpeg", width=WIDTH, height=HEIGHT,
                    metadata=meta, provenance=Provenance(original_name=f"frame_{n:04d}.jpg",
                                                         source_url="https://example.org/v"),
                    thumbnail=buf.getvalue(), thumb_size=thumb.size)
            commands.set_geolocation(Geolocation(eid, 49.7159, 37.5928 + n * 1e-5,
                                                 precision_m=40, heading=262, fov=62,
                                                 confidence=Confidence.MODERATE)).apply(case)
            commands.add_movement(case, Movement(0, eid, x1=0.4, y1=0.8, x2=0.5, y2=0.6,
                                                 start_lat=49.71585, start_lon=37.5924,
                                                 end_lat=49.7156, end_lon=37.5899, bearing=260,
                                                 reference_id=2)).apply(case)
            commands.link_evidence(1, eid, "contradicts").apply(case)
        commands.set_verdict(Verdict(1, Rating.MISLEADING, Confidence.MODERATE,
                                     summary="Walking out of town.",
                                     checklist={"source_identified": True})).apply(case)


class KeepingPrinter:
    """print_pdf, keeping a hard link to each HTML file it prints: the floor prints the same."""

    def __init__(self, keep: Path) -> None:
        from desk.ui.export.pdf_printer import print_pdf

        self._printer = print_pdf
        self.keep = keep

    def __call__(self, html_path: Path, pdf_path: Path, footer_text: str) -> None:
        self._link(html_path)
        self._printer(html_path, pdf_path, footer_text)

    def session(self) -> KeepingSession:
        return KeepingSession(self, self._printer.session())

    def _link(self, html_path: Path) -> None:
        self.keep.unlink(missing_ok=True)
        os.link(html_path, self.keep)


class KeepingSession:
    def __init__(self, printer: KeepingPrinter, session: Any) -> None:
        self._printer = printer
        self._session = session

    def idle(self) -> None:
        self._session.idle()

    def start(self, html_path: Path, pdf_path: Path, footer_text: str) -> None:
        self._printer._link(html_path)
        self._session.start(html_path, pdf_path, footer_text)

    def finish(self) -> None:
        self._session.finish()

    def close(self) -> None:
        self._session.close()


def floor(html: Path) -> float:
    """Seconds Chromium takes to load and print `html` in a started page, nothing else."""
    from desk.ui.export.pdf_printer import PrintSession

    with PrintSession() as page:
        page.ready()
        started = time.perf_counter()
        page.render(html)
        return time.perf_counter() - started


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ.setdefault("DESK_CONFIG_DIR", str(tmp / "config"))
        from desk.dossier import export_dossier

        started = time.perf_counter()
        build(tmp / "bench.deskcase", count)
        print(f"built a case with {count} stills of {WIDTH}x{HEIGHT} in"
              f" {time.perf_counter() - started:.1f} s")
        html_times = []
        with CaseFile.open(tmp / "bench.deskcase") as case:
            export_dossier(case, 1, tmp / "warmup", {"json"})  # makes the signing key
            for run in range(3):
                started = time.perf_counter()
                export_dossier(case, 1, tmp / f"html{run}", {"html"})
                html_times.append(time.perf_counter() - started)
            html_size = (tmp / "html0" / "dossier.html").stat().st_size
            print(f"HTML export: {', '.join(f'{t:.3f}' for t in html_times)} s"
                  f" ({html_size / 1e6:.1f} MB of HTML)")

            printer = KeepingPrinter(tmp / "printed.html")
            started = time.perf_counter()
            export_dossier(case, 1, tmp / "pdf0", {"pdf"}, pdf_printer=printer)
            first = time.perf_counter() - started
            pdf_times, floor_times = [], []
            for run in range(1, ROUNDS + 1):
                started = time.perf_counter()
                export_dossier(case, 1, tmp / f"pdf{run}", {"pdf"}, pdf_printer=printer)
                pdf_times.append(time.perf_counter() - started)
                floor_times.append(floor(printer.keep))
            from pypdf import PdfReader

            pdf = tmp / "pdf0" / "dossier.pdf"
            pages = len(PdfReader(pdf).pages)
            print(f"PDF export: first (starts Chromium) {first:.3f} s, then"
                  f" {', '.join(f'{t:.3f}' for t in pdf_times)} s; {pages} pages,"
                  f" {pdf.stat().st_size / 1e6:.1f} MB (printed from"
                  f" {printer.keep.stat().st_size / 1e6:.1f} MB of HTML)")
            print(f"floor (Chromium loads and prints that HTML, nothing else):"
                  f" {', '.join(f'{t:.3f}' for t in floor_times)} s")
    ratio = statistics.median(pdf_times) / statistics.median(floor_times)
    print(f"RESULT dossier_html_s {statistics.median(html_times):.3f} s")
    print(f"RESULT dossier_pdf_s {first:.3f} s")
    print(f"RESULT dossier_pdf_ratio {ratio:.2f} ratio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
