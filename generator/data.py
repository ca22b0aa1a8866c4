"""Render /entries.json: every published entry with its metadata, and the taxonomy.

It is the data behind the explore page and a plain export for anyone else. Paths are
relative to the site root (so the explore page works under any base URL); `url` is
absolute, from site_url. Text is as written: whoever shows it must insert it as text.
"""

from __future__ import annotations

import json
from typing import Any

from .config import Project
from .feeds import absolute
from .incremental import Keys, Store
from .model import Digest, Entry


def _entry(project: Project, digest: Digest, entry: Entry) -> dict[str, Any]:
    data: dict[str, Any] = {
        "path": entry.url,
        "url": absolute(project, entry.url),
        "title": entry.title,
        "date": entry.date.isoformat(),
        "published": entry.published.isoformat().replace("+00:00", "Z"),
    }
    if entry.updated:
        data["updated"] = entry.updated.isoformat()
    data["summary"] = entry.summary
    for facet in digest.facets:
        data[facet.key] = list(entry.terms_of(facet.key))
    data["sources"] = [
        {k: v for k, v in (("publisher", s.publisher), ("title", s.title), ("url", s.url), ("date", s.date.isoformat() if s.date else None)) if v}
        for s in entry.sources
    ]
    if entry.corrections:
        data["corrections"] = [{"date": c.date.isoformat(), "text": c.text} for c in entry.corrections]
    return data


def entries_json(project: Project, digest: Digest, keys: Keys | None = None, store: Store | None = None) -> str:
    """The document. With `keys` and `store`, each entry's JSON is kept between runs
    under the entry's key, and the document is joined from those pieces."""
    terms: dict[str, list[dict[str, Any]]] = {}
    for facet in digest.facets:
        terms[facet.key] = [
            {
                k: v
                for k, v in (
                    ("key", t.key),
                    ("name", t.name),
                    ("path", t.url),
                    ("aliases", list(t.aliases)),
                    ("kind", t.kind),
                    ("country", t.country),
                )
                if v is not None
            }
            for t in digest.terms_of(facet.key)
        ]
    document = {
        "version": 1,
        "site": {"name": project.site_name, "url": absolute(project, "")},
        "facets": [{"key": f.key, "title": f.title, "singular": f.singular} for f in digest.facets],
        "terms": terms,
    }
    pieces = []
    for entry in digest.entries:
        key = keys.entries[entry.url] if keys is not None else ""
        piece = store.get(key) if store is not None and key else None
        if piece is None:
            piece = _dumps(_entry(project, digest, entry))
            if store is not None and key:
                store.put(key, piece)
        pieces.append(piece)
    # The same bytes as dumping the whole document with its entries last.
    return _dumps(document)[:-1] + ',"entries":[' + ",".join(pieces) + "]}\n"


def _dumps(value: Any) -> str:
    # Compact: at 10,000 entries every byte of indentation is paid by every reader.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
