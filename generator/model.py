"""The digest's model: immutable records built once, after validation.

Later stages (group, render) only ever see these types, never raw YAML.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .text import printable

T = TypeVar("T")


def pickled_by_fields(cls: type[T]) -> type[T]:
    """Pickle instances as a call with their __init__ fields. A frozen dataclass with
    slots otherwise pickles through Python-level __getstate__ and __setstate__, about a
    third slower each way; checked entries cross from a worker process by the ten
    thousand."""
    names = tuple(f.name for f in dataclasses.fields(cls) if f.init)  # type: ignore[arg-type]

    def __reduce__(self: T) -> tuple[Callable[..., T], tuple[Any, ...]]:
        return cls, tuple([getattr(self, name) for name in names])

    cls.__reduce__ = __reduce__  # type: ignore[assignment, method-assign]
    return cls


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of the checker, printed as `path:line:col: severity: field: message`."""

    path: str
    line: int
    col: int
    field: str
    message: str
    severity: str = "error"  # "error" | "warning"

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.col, self.field, self.message)

    def format(self) -> str:
        where = f"{printable(self.path)}:{self.line}:{self.col}"
        label = f"{printable(self.field)}: " if self.field else ""
        return f"{where}: {self.severity}: {label}{printable(self.message)}"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Source:
    publisher: str
    title: str | None = None
    url: str | None = None
    date: dt.date | None = None
    archived: str | None = None  # a snapshot of `url` (the Internet Archive's, say), for when it rots


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Correction:
    date: dt.date
    text: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Entry:
    """One curated story. `slug` and `year` make its URL; the title never does."""

    slug: str
    path: str  # the source file, relative to the project root
    title: str
    date: dt.date
    published: dt.datetime  # aware UTC; midnight UTC for calendar dates
    summary: str
    body: str  # Markdown, as written
    terms: tuple[tuple[str, tuple[str, ...]], ...]  # (facet key, term keys) in facet order
    sources: tuple[Source, ...]
    updated: dt.date | None = None
    corrections: tuple[Correction, ...] = ()
    draft: bool = False
    # Site path of the entry page (directory URLs); derived once, as pages ask for it
    # hundreds of thousands of times in a large digest.
    url: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", f"entries/{self.date.year}/{self.slug}/")

    @property
    def year(self) -> int:
        return self.date.year

    @property
    def week(self) -> str:
        iso = self.date.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"

    def terms_of(self, facet: str) -> tuple[str, ...]:
        for key, values in self.terms:
            if key == facet:
                return values
        return ()


@dataclass(frozen=True, slots=True)
class Term:
    """An actor, a topic, or a term of any other configured facet."""

    facet: str
    key: str
    name: str
    description: str
    aliases: tuple[str, ...] = ()
    kind: str | None = None
    country: str | None = None

    @property
    def url(self) -> str:
        return f"{self.facet}/{self.key}/"


@dataclass(frozen=True, slots=True)
class Facet:
    """A way of classifying entries (actors, topics ...): data, not code."""

    key: str  # front-matter field and URL segment, e.g. "actors"
    title: str  # "Actors"
    singular: str  # "actor"
    file: str  # taxonomy file inside content/, e.g. "actors.yml"
    kinds: tuple[str, ...] = ()  # allowed `kind` values; empty: the field is not allowed
    country: bool = False  # whether terms may carry an ISO 3166-1 alpha-2 country
    required: bool = True  # whether every entry must list at least one term


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything the renderers need: published entries, newest first, and every term."""

    entries: tuple[Entry, ...]
    facets: tuple[Facet, ...]
    terms: tuple[tuple[str, tuple[Term, ...]], ...]  # (facet key, terms in file order)
    # The publishing date (config.as_of_date): entries dated after it are scheduled,
    # shown only by the live preview; weeks not ended by it are issues in progress.
    # None: no such date (every entry published, every week complete).
    as_of: dt.date | None = None
    _index: dict[tuple[str, str], Term] = field(default_factory=dict, compare=False, repr=False)
    _lists: dict[str, dict[str, tuple[Entry, ...]]] = field(default_factory=dict, compare=False, repr=False)
    _keys: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for facet_key, terms in self.terms:
            for term in terms:
                self._index[(facet_key, term.key)] = term

    def scheduled(self, entry: Entry) -> bool:
        """Whether the entry is dated after the publishing date (shown only in preview)."""
        return self.as_of is not None and entry.date > self.as_of

    def term(self, facet: str, key: str) -> Term:
        return self._index[(facet, key)]

    def entry_terms(self, entry: Entry) -> list[tuple[Facet, Term]]:
        """The entry's terms, facet by facet, each facet's in the entry's order."""
        return [(f, self._index[(f.key, k)]) for f in self.facets for k in entry.terms_of(f.key)]

    def terms_of(self, facet: str) -> tuple[Term, ...]:
        for key, terms in self.terms:
            if key == facet:
                return terms
        return ()

    def keys_of(self, facet: str) -> dict[str, tuple[str, ...]]:
        """Entry URL -> its term keys of `facet`: made once per facet, for code that
        counts terms over many entries (a dictionary lookup, not a method call each)."""
        keys = self._keys.get(facet)
        if keys is None:
            keys = self._keys[facet] = {entry.url: entry.terms_of(facet) for entry in self.entries}
        return keys

    def by_term(self, facet: str) -> dict[str, tuple[Entry, ...]]:
        """Term key -> its entries, newest first; every term present, even when unused.
        Made once per facet (pages, feeds and related entries all ask for it)."""
        lists = self._lists.get(facet)
        if lists is None:
            grouped: dict[str, list[Entry]] = {term.key: [] for term in self.terms_of(facet)}
            for entry in self.entries:
                for key in entry.terms_of(facet):
                    grouped[key].append(entry)
            lists = self._lists[facet] = {key: tuple(entries) for key, entries in grouped.items()}
        return lists


DEFAULT_FACETS: tuple[Facet, ...] = (
    Facet(
        key="actors",
        title="Actors",
        singular="actor",
        file="actors.yml",
        kinds=(
            "state",
            "government-body",
            "company",
            "research-lab",
            "think-tank",
            "international-body",
            "person",
        ),
        country=True,
    ),
    Facet(key="topics", title="Topics", singular="topic", file="topics.yml"),
)
