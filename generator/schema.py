"""Structured data for search engines and news aggregators: schema.org JSON-LD.

An entry is a `NewsArticle` (dates, publisher, the actors and topics it is about, its
sources as citations, its corrections as `CorrectionComment`s); a term's page is a
`CollectionPage` about the term. The JSON is printed inside a `<script>` element, so it
is made safe for that place: `<`, `>` and `&` are written as JSON escapes (no value can
close the element or open a comment), and so are the line and paragraph separators.
"""

from __future__ import annotations

import json
from typing import Any

from .config import Project
from .feeds import absolute
from .model import Digest, Entry, Facet, Term

CONTEXT = "https://schema.org"
def script_json(data: dict[str, Any]) -> str:
    """JSON to print as it is inside <script type="application/ld+json">. (Chained
    replaces: str.translate with a table was a tenth of an entry page's making.)"""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _site(project: Project) -> dict[str, Any]:
    return {"@type": "Organization", "name": project.site_name, "url": absolute(project, "")}


def _thing(project: Project, facet: Facet, term: Term) -> dict[str, Any]:
    # A state is a Country, a person a Person; every other actor is an Organization,
    # and a topic a Thing.
    kind = {"state": "Country", "person": "Person"}.get(term.kind or "", "Organization") if facet.key == "actors" else "Thing"
    thing: dict[str, Any] = {"@type": kind, "name": term.name, "url": absolute(project, term.url)}
    if term.aliases:
        thing["alternateName"] = list(term.aliases)
    return thing


def news_article(project: Project, digest: Digest, entry: Entry) -> dict[str, Any]:
    url = absolute(project, entry.url)
    terms = digest.entry_terms(entry)
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "NewsArticle",
        "headline": entry.title,
        "description": entry.summary,
        "datePublished": entry.published.isoformat(),
        "dateModified": (entry.updated or entry.date).isoformat(),
        "url": url,
        "mainEntityOfPage": url,
        "publisher": _site(project),
        "author": _site(project),
        "isPartOf": {"@type": "WebSite", "name": project.site_name, "url": absolute(project, "")},
        "about": [_thing(project, facet, term) for facet, term in terms],
        "keywords": [term.name for _, term in terms],
    }
    citations = []
    for source in entry.sources:
        work: dict[str, Any] = {"@type": "CreativeWork", "name": source.title or source.publisher}
        work["publisher"] = {"@type": "Organization", "name": source.publisher}
        if source.url:
            work["url"] = source.url
        if source.date:
            work["datePublished"] = source.date.isoformat()
        citations.append(work)
    data["citation"] = citations
    if entry.corrections:
        data["correction"] = [
            {"@type": "CorrectionComment", "datePublished": c.date.isoformat(), "text": c.text} for c in entry.corrections
        ]
    return data


def collection_page(project: Project, facet: Facet, term: Term, count: int) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "@type": "CollectionPage",
        "name": term.name,
        "description": term.description,
        "url": absolute(project, term.url),
        "about": _thing(project, facet, term),
        "isPartOf": {"@type": "WebSite", "name": project.site_name, "url": absolute(project, "")},
        "mainEntity": {"@type": "ItemList", "numberOfItems": count},
    }
