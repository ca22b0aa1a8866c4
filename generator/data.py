"""The data exports: /entries.json (every published entry with its metadata, and the
taxonomy) and /entries.csv (one row per entry, for a spreadsheet).

In the JSON, paths are relative to the site root and `url` is absolute, from site_url.
Text is as written: whoever shows it must insert it as text. The CSV is UTF-8 with
RFC 4180 quoting (csv's default dialect, CRLF line ends); a list (terms, sources) is one
cell with an item per line; a cell that a spreadsheet would take for a formula is
prefixed with an apostrophe, as OWASP advises for CSV injection.
"""

from __future__ import annotations

import csv
import io
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
        {k: v for k, v in (("publisher", s.publisher), ("title", s.title), ("url", s.url), ("date", s.date.isoformat() if s.date else None), ("archived", s.archived)) if v}
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


CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # what starts a formula in a spreadsheet


def _cell(value: str) -> str:
    return "'" + value if value.startswith(CSV_FORMULA) else value


def csv_columns(digest: Digest) -> list[str]:
    return ["url", "date", "updated", "title", "summary", *(f.key for f in digest.facets), "source_publishers", "source_urls", "source_archived"]


def entries_csv(project: Project, digest: Digest) -> str:
    """/entries.csv: a header, then one row per published entry, newest first. Terms are
    given by name; `source_urls` and `source_archived` have a line per source (empty for
    one without a URL or an archived copy), beside its publisher's."""
    out = io.StringIO()
    writer = csv.writer(out)  # RFC 4180: commas, double quotes, CRLF
    writer.writerow(csv_columns(digest))
    for entry in digest.entries:
        terms = ["\n".join(digest.term(f.key, k).name for k in entry.terms_of(f.key)) for f in digest.facets]
        row = [
            absolute(project, entry.url),
            entry.date.isoformat(),
            entry.updated.isoformat() if entry.updated else "",
            entry.title,
            entry.summary,
            *terms,
            "\n".join(s.publisher for s in entry.sources),
            "\n".join(s.url or "" for s in entry.sources),
            "\n".join(s.archived or "" for s in entry.sources),
        ]
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()
