"""The schema.org ClaimReview object of a verdict, as fact-check aggregators read it.

ratingValue follows desk's one fixed scale, worst first: 1 = False ... 5 = Confirmed, with the
rating word as alternateName. Confidence has no ClaimReview field and is deliberately not
folded into the rating text; it travels separately in the dossier JSON.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from desk.core.model import Claim, Rating, Verdict

WORST, BEST = 1, len(Rating)


def rating_value(rating: Rating) -> int:
    return list(Rating).index(rating) + 1


def is_http_url(value: object) -> bool:
    """True only for absolute http(s) URLs with a host: the only links a dossier may carry."""
    if not isinstance(value, str) or not value or value != value.strip():
        return False
    if any(ord(c) < 0x21 or c in "\"'<>\\`" for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def claim_review(
    claim: Claim,
    verdict: Verdict,
    *,
    author: str,
    date_published: str,
    url: str | None = None,
) -> dict[str, object]:
    """ClaimReview for one claim; URL fields appear only when they are http(s) links."""
    item: dict[str, object] = {"@type": "Claim"}
    if claim.claimant:
        # A claim has no claimant type in the case; most claimants desks track are bodies.
        item["author"] = {"@type": "Organization", "name": claim.claimant}
    if claim.first_appearance_date:
        item["datePublished"] = claim.first_appearance_date
    if is_http_url(claim.first_appearance_url):
        item["firstAppearance"] = {"@type": "CreativeWork", "url": claim.first_appearance_url}
    appearances = sorted({u for u in claim.appearances if is_http_url(u)})
    if appearances:
        item["appearance"] = [{"@type": "CreativeWork", "url": u} for u in appearances]
    review: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": claim.text,
        "itemReviewed": item,
        "author": {"@type": "Person", "name": author},
        "datePublished": date_published,
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": rating_value(verdict.rating),
            "bestRating": BEST,
            "worstRating": WORST,
            "alternateName": str(verdict.rating),
            "ratingExplanation": verdict.summary,
        },
    }
    if verdict.rationale:
        review["reviewBody"] = verdict.rationale
    if url and is_http_url(url):
        review["url"] = url
    return review
