"""`digest new`: start an entry from the template, never overwriting one.

Options make it scriptable; missing values are asked for at a terminal, with actor
and topic names completed from the taxonomy (keys, names and aliases, any case).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import unicodedata
from collections.abc import Callable

import yaml

from .config import Project
from .load import load_taxonomy
from .read import read_entry
from .text import did_you_mean, printable
from .validate import Report, Taxonomy, validate_entry

TEMPLATE = """---
{front}---

What happened, who is involved, and why it matters, in your own words (120 to 300 words).
Plain Markdown; no raw HTML. Link sources in the front matter, not only here.
"""


def slugify(title: str) -> str:
    """Lowercase ASCII words joined by hyphens: `China's chip push` -> `chinas-chip-push`."""
    text = re.sub(r"['\u2019]", "", title.lower())
    text = re.sub(r"[^\w]+", " ", text)  # dashes and punctuation separate words
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    return "-".join(words)[:80].strip("-")


class _Dumper(yaml.SafeDumper):
    """Never write anchors: the same date twice must not become `&id001` / `*id001`,
    which `digest check` (rightly) refuses."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _completer(options: list[str]) -> Callable[[str, int], str | None]:
    def complete(text: str, state: int) -> str | None:
        matches = [o for o in options if o.casefold().startswith(text.casefold())]
        return matches[state] if state < len(matches) else None

    return complete


def _ask(prompt: str, options: list[str] | None = None) -> str:
    try:
        import readline

        readline.set_completer(_completer(options or []))
        readline.set_completer_delims(",")
        readline.parse_and_bind("tab: complete")
    except ImportError:  # pragma: no cover - readline is missing on some platforms
        pass
    try:
        return input(prompt).strip()
    except EOFError:
        return ""


def _resolve_terms(taxonomy: Taxonomy, facet: str, singular: str, refs: list[str], errors: list[str]) -> list[str]:
    keys: list[str] = []
    for ref in refs:
        key = taxonomy.resolve(facet, ref)
        if key is None:
            errors.append(f"unknown {singular} '{ref}'{did_you_mean(ref, taxonomy.references(facet))}")
        elif key not in keys:
            keys.append(key)
    return keys


def new_entry(project: Project, args: argparse.Namespace) -> int:
    report = Report()
    taxonomy = load_taxonomy(project, report)
    if report.errors:
        for problem in report.problems:
            print(problem.format(), file=sys.stderr)
        return 1
    interactive = not args.no_input and sys.stdin.isatty()
    values = {
        "title": args.title,
        "date": args.date,
        "summary": args.summary,
        "publisher": args.publisher,
        "url": args.url,
    }
    terms: dict[str, list[str]] = {"actors": list(args.actors or []), "topics": list(args.topics or [])}
    if interactive:
        values["title"] = values["title"] or _ask("Title: ")
        values["date"] = values["date"] or _ask(f"Date [{dt.date.today().isoformat()}]: ")
        for facet in taxonomy.facets:
            if facet.key in terms and not terms[facet.key]:
                answer = _ask(f"{facet.title} (comma-separated, Tab completes): ", taxonomy.references(facet.key))
                terms[facet.key] = [a.strip() for a in answer.split(",") if a.strip()]
        values["summary"] = values["summary"] or _ask("Summary (one paragraph): ")
        values["publisher"] = values["publisher"] or _ask("Source publisher: ")
        values["url"] = values["url"] or _ask("Source URL (optional): ")

    errors: list[str] = []
    title = (values["title"] or "").strip()
    if not title:
        errors.append("a title is required (--title)")
    slug = slugify(title)
    if title and not slug:
        errors.append(f"cannot make a file name from the title '{title}': use some Latin letters or digits")
    try:
        day = dt.date.fromisoformat(values["date"]) if values["date"] else dt.date.today()
    except ValueError:
        errors.append(f"'{values['date']}' is not a date (YYYY-MM-DD)")
        day = dt.date.today()
    resolved = {
        facet.key: _resolve_terms(taxonomy, facet.key, facet.singular, terms.get(facet.key, []), errors)
        for facet in taxonomy.facets
    }
    for facet in taxonomy.facets:
        if not resolved[facet.key] and not any(facet.singular in e for e in errors):
            errors.append(f"at least one {facet.singular} is required (--{facet.singular})")
    if not values["publisher"]:
        errors.append("a source publisher is required (--publisher)")
    url = (values["url"] or "").strip()
    if url and not re.match(r"^https?://[^/\s]+\S*$", url):
        errors.append(f"'{url}' is not an http(s) URL")
    if errors:
        for error in errors:
            print(f"digest new: error: {error}", file=sys.stderr)
        return 1

    source: dict[str, object] = {"publisher": values["publisher"]}
    if url:
        source["url"] = url
    source["date"] = day
    front: dict[str, object] = {
        "title": title,
        "date": day,
        "summary": values["summary"] or "One paragraph, plain text, at most 500 characters.",
        **{key: keys for key, keys in resolved.items()},
        "sources": [source],
    }
    text = TEMPLATE.format(front=yaml.dump(front, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=88))
    target = project.entries_dir / str(day.year) / f"{slug}.md"
    rel = target.relative_to(project.root).as_posix()
    # What `digest check` would refuse (a too-long title, control characters, a URL
    # with quotes) is refused now, by the same checks, before anything is written.
    raw, problems = read_entry(target, project.root, text.encode("utf-8"))
    check = Report()
    check.problems += problems
    if raw is not None:
        validate_entry(raw, taxonomy, check)
    refused = [p for p in check.problems if p.severity == "error"]
    if refused:
        for problem in refused:
            print(f"digest new: error: {printable(problem.field)}: {printable(problem.message)}", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "x", encoding="utf-8") as handle:  # "x": never overwrite
            handle.write(text)
    except FileExistsError:
        print(f"digest new: error: {rel} already exists; choose another title or edit that file", file=sys.stderr)
        return 1
    print(rel)
    print(f"preview: http://127.0.0.1:8000/entries/{day.year}/{slug}/ (run `make serve`)")
    return 0
