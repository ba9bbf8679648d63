"""The HTML dossier: self-contained, inert, and everything a stranger wrote stays text."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from desk.core.casefile import CaseFile
from desk.dossier import export_dossier, render_preview
from desk.dossier.html import CSP
from tests.dossier.conftest import XSS, XSS_URL, Built

REQUIRED_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


class _Page(HTMLParser):
    """Every tag with its attributes, and the text of script blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def _export(case_path: Path, out: Path, url: str | None = None) -> tuple[str, _Page]:
    with CaseFile.open(case_path) as case:
        export_dossier(case, 1, out, {"html", "json"}, url=url)
    html = (out / "dossier.html").read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    return html, page


def _claim_review(page: _Page) -> dict[str, object]:
    blocks = [s for (t, a), s in zip([x for x in page.tags if x[0] == "script"], page.scripts,
                                     strict=True) if a.get("type") == "application/ld+json"]
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_claimreview_json_ld_parses_with_required_fields(built: Built, tmp_path: Path) -> None:
    _, page = _export(built.path, tmp_path / "d", url="https://desk.example/r/1")
    review = _claim_review(page)
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == "Forces captured the town"
    assert review["url"] == "https://desk.example/r/1"
    rating = review["reviewRating"]
    assert rating["alternateName"] == "Misleading"
    assert (rating["ratingValue"], rating["bestRating"], rating["worstRating"]) == (2, 5, 1)
    assert rating["ratingExplanation"] == "Real footage, wrong story"
    item = review["itemReviewed"]
    assert item["@type"] == "Claim" and item["author"]["name"] == "State TV"
    assert item["datePublished"] == "2025-11-20"
    assert item["firstAppearance"]["url"] == "https://example.org/claim"
    assert [a["url"] for a in item["appearance"]] == ["https://example.org/again"]
    assert review["author"]["name"] == "Test Reviewer"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", review["datePublished"])


def test_csp_forbids_scripts_and_remote_loads(built: Built, tmp_path: Path) -> None:
    html, page = _export(built.path, tmp_path / "d")
    metas = [a for t, a in page.tags if t == "meta" and a.get("http-equiv")]
    assert metas == [{"http-equiv": "Content-Security-Policy", "content": CSP}]
    assert CSP.startswith(REQUIRED_CSP)
    assert html.index("Content-Security-Policy") < html.index("<style>")


def test_no_external_references(built: Built, tmp_path: Path) -> None:
    html, page = _export(built.path, tmp_path / "d")
    allowed_links = {"https://example.org/claim", "https://example.org/again",
                     "https://example.org/minister", "https://example.org/post/0",
                     "https://example.org/post/1"}
    for tag, attrs in page.tags:
        assert tag not in ("link", "iframe", "object", "embed", "base", "form", "frame", "audio",
                           "video", "source", "track")
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("src", "srcset", "poster", "data", "action", "formaction", "background"):
                assert value and value.startswith("data:image/"), (tag, name, value[:40])
            if name in ("href", "xlink:href"):
                assert value in allowed_links, value
    assert [a.get("type") for t, a in page.tags if t == "script"] == ["application/ld+json"]
    style = html[html.index("<style>"):html.index("</style>")]
    assert "url(" not in style and "@import" not in style
    assert "ftp://example.org/x" in html  # shown as text...
    assert 'href="ftp:' not in html  # ...never as a link


def test_payloads_in_every_field_stay_text(hostile: Built, tmp_path: Path) -> None:
    html, page = _export(hostile.path, tmp_path / "d")
    assert "<script>window.__desk_xss" not in html
    body = html[html.index("<body>"):]
    assert "onerror=" not in body.replace("onerror=&#34;", "")
    assert "&lt;script&gt;window.__desk_xss=1&lt;/script&gt;" in html
    tags = {t for t, _ in page.tags}
    assert "img" in tags
    for tag, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "img":
            assert attrs["src"].startswith("data:image/")
    assert [a.get("type") for t, a in page.tags if t == "script"] == ["application/ld+json"]
    for attrs in (a for t, a in page.tags if t == "a"):
        assert not attrs["href"].lower().startswith("javascript")
    assert XSS_URL in html  # the javascript: URL is shown as text, never linked
    review = _claim_review(page)
    assert review["claimReviewed"] == "Forces captured the town" + XSS  # exact round trip
    raw = html[html.index('application/ld+json">'):html.index("</script>")]
    assert "<" not in raw.split(">", 1)[1]
    assert "firstAppearance" not in json.dumps(review)


def test_hostile_case_text_is_shown_to_the_reader(hostile: Built, tmp_path: Path) -> None:
    html, _ = _export(hostile.path, tmp_path / "d")
    for text in ("frame_0", "Canon", "Minister", "Governor", "EXIF UserComment",
                 "Matched the mast"):
        assert text in html


def test_the_preview_matches_the_export_but_is_unsigned(built: Built, tmp_path: Path) -> None:
    with CaseFile.open(built.path) as case:
        preview = render_preview(case, 1)
    assert "has not been signed" in preview
    assert "Forces captured the town" in preview


def test_a_map_renderer_is_used_when_it_gives_png(built: Built, tmp_path: Path) -> None:
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buf, "PNG")
    png = buf.getvalue()
    with CaseFile.open(built.path) as case:
        rendered = render_preview(case, 1, map_image=lambda eid: png)
        hostile = render_preview(case, 1, map_image=lambda eid: b"<svg onload=alert(1)>")
        broken = render_preview(case, 1, map_image=lambda eid: 1 / 0)  # type: ignore[return-value]
    assert base64.b64encode(png).decode() in rendered
    assert "Map rendered from the recorded coordinates" in rendered
    assert "data:image/svg+xml;base64," in hostile and "onload" not in hostile
    assert "Sketch from the recorded coordinates" in broken
