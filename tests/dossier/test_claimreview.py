"""ClaimReview as fact-check aggregators read it, and the http(s)-only link rule."""

from __future__ import annotations

import pytest

from desk.core.model import Claim, Confidence, Rating, Verdict
from desk.dossier.claimreview import claim_review, is_http_url, rating_value


def test_scale_runs_from_false_to_confirmed() -> None:
    assert [rating_value(r) for r in Rating] == [1, 2, 3, 4, 5]
    assert rating_value(Rating.FALSE) == 1 and rating_value(Rating.CONFIRMED) == 5


@pytest.mark.parametrize("url", ["https://example.org/a", "http://example.org"])
def test_http_urls_are_links(url: str) -> None:
    assert is_http_url(url)


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd",
    "ftp://example.org", "http://", "//example.org/x", " https://example.org", "https://a b.org",
    'https://example.org/"onmouseover=x', "", None, 42,
])
def test_everything_else_is_text(url: object) -> None:
    assert not is_http_url(url)


def test_review_carries_the_required_fields_and_only_http_appearances() -> None:
    claim = Claim(1, "The claim", claimant="Ministry", first_appearance_url="https://e.org/1",
                  first_appearance_date="2025-12-29",
                  appearances=["https://e.org/3", "javascript:x", "https://e.org/2"])
    verdict = Verdict(1, Rating.UNPROVEN, Confidence.LOW, summary="No evidence.",
                      rationale="Why.")
    review = claim_review(claim, verdict, author="A. Reviewer", date_published="2026-01-02",
                          url="https://desk.example/review/1")
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == "The claim"
    assert review["url"] == "https://desk.example/review/1"
    assert review["author"] == {"@type": "Person", "name": "A. Reviewer"}
    assert review["datePublished"] == "2026-01-02"
    assert review["reviewRating"] == {
        "@type": "Rating", "ratingValue": 3, "bestRating": 5, "worstRating": 1,
        "alternateName": "Unproven", "ratingExplanation": "No evidence.",
    }
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item["author"]["name"] == "Ministry"
    assert item["datePublished"] == "2025-12-29"
    assert item["firstAppearance"] == {"@type": "CreativeWork", "url": "https://e.org/1"}
    assert [a["url"] for a in item["appearance"]] == ["https://e.org/2", "https://e.org/3"]
    assert "low" not in str(review["reviewRating"])  # confidence never in the rating


def test_a_non_http_review_url_is_left_out() -> None:
    claim = Claim(1, "c")
    verdict = Verdict(1, Rating.FALSE, Confidence.HIGH)
    assert "url" not in claim_review(claim, verdict, author="a", date_published="d",
                                     url="javascript:x")
