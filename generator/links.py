"""`digest links`: source URLs (and archived copies) checked over HTTP, and archived
copies found for sources that have none.

Kept apart from `digest check`: it needs the network, takes minutes and its answers
change from day to day, so the check, the build and the tests never depend on it. URLs
and their positions come from the validator (Report.urls); what it finds is printed as
`digest check` prints problems. Only `--archive --write` changes a file: it inserts one
line per source and keeps every other byte.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import json
import os
import re
import socket
import ssl
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from .config import Project
from .incremental import cache_file
from .load import load_taxonomy
from .model import Problem
from .read import RawFile, YamlNode, read_entry, relative
from .validate import Report, url_problem, validate_entry

ARCHIVE_API = "https://archive.org/wayback/available"
USER_AGENT = "digest-links/0.1 (a news digest checking its source links)"
RETRY_AFTER_CAP = 60.0  # seconds: a server asking for longer is not waited for longer
PERMANENT = (301, 308)
CACHE_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Settings:
    """How politely and how long to ask (the command's options)."""

    timeout: float = 15.0  # seconds, per request
    deadline: float = 900.0  # seconds, for the whole run
    concurrency: int = 8  # requests in flight at once
    delay: float = 1.0  # seconds between two requests to one host
    retries: int = 2  # further attempts after a 429, a 5xx or a timeout
    backoff: float = 1.0  # seconds before the first retry, doubled each time
    max_redirects: int = 10
    max_age: int = 7  # days a URL found OK stays OK without asking again


@dataclass(frozen=True, slots=True)
class Cited:
    """One URL at its place in an entry file."""

    url: str
    path: str
    line: int
    col: int
    field: str  # sources[0].url or sources[0].archived


@dataclass(frozen=True, slots=True)
class Outcome:
    """What asking for a URL gave: ok, or a warning or an error with its message."""

    severity: str  # "ok" | "warning" | "error"
    message: str = ""


@dataclass(frozen=True, slots=True)
class Scanned:
    """The entry files read: the URLs they cite, their content errors, and each file's
    parsed front matter (for --archive)."""

    cited: tuple[Cited, ...]
    problems: tuple[Problem, ...]
    raws: dict[str, tuple[Path, bytes, RawFile]] = field(default_factory=dict)


# --- reading the entries ------------------------------------------------------------


def scan(project: Project, files: Sequence[Path]) -> Scanned:
    """Validate each file as `digest check` does and collect the URLs that validated.
    A file's content errors are returned too: a URL that did not validate is not asked
    for, and the run must not look clean because of it."""
    taxonomy = load_taxonomy(project, Report())  # the lists' own problems are `check`'s
    report = Report()
    raws: dict[str, tuple[Path, bytes, RawFile]] = {}
    for file in sorted(files):
        try:
            data = file.read_bytes() if not file.is_symlink() else None
            raw, problems = read_entry(file, project.root, data)
        except OSError as err:
            report.problems.append(Problem(relative(file, project.root), 1, 1, "file", f"cannot read: {err.strerror}"))
            continue
        report.problems.extend(problems)
        if raw is not None:
            validate_entry(raw, taxonomy, report)
            if data is not None:
                raws[raw.path] = (file, data, raw)
    cited = tuple(Cited(*item) for item in sorted(report.urls, key=lambda u: (u[1], u[2], u[3], u[4])))
    errors = tuple(p for p in report.problems if p.severity == "error")
    return Scanned(cited, errors, raws)


# --- asking: one request, redirects, retries ------------------------------------------


class Stopped(Exception):
    """The run's deadline passed before this URL could be asked (again)."""


class _Gate:
    """Requests to one host start at least `delay` seconds apart."""

    def __init__(self, delay: float) -> None:
        self.delay, self.lock, self.next = delay, asyncio.Lock(), 0.0

    async def wait(self) -> None:
        async with self.lock:
            now = asyncio.get_running_loop().time()
            if self.next > now:
                await asyncio.sleep(self.next - now)
            self.next = max(now, self.next) + self.delay


@dataclass
class Asker:
    """One run's client, limits and clock, shared by every request."""

    client: httpx.AsyncClient
    settings: Settings
    stop: float  # loop time of the deadline
    limiter: asyncio.Semaphore
    gates: dict[str, _Gate] = field(default_factory=dict)

    def left(self) -> float:
        return self.stop - asyncio.get_running_loop().time()

    async def send(self, method: str, url: str, params: dict[str, str] | None = None, body: bool = False) -> httpx.Response:
        """One request, after the host's delay, within the per-request timeout. Without
        `body` the response is closed unread (a GET of a large page costs its headers)."""
        host = (urlsplit(url).hostname or "").lower()
        gate = self.gates.setdefault(host, _Gate(self.settings.delay))
        await gate.wait()
        async with self.limiter:
            budget = min(self.settings.timeout, self.left())
            if budget <= 0:
                raise Stopped
            async with asyncio.timeout(budget):
                request = self.client.build_request(method, url, params=params, timeout=budget)
                response = await self.client.send(request, stream=True)
                try:
                    if body:
                        await response.aread()
                finally:
                    await response.aclose()
        return response

    async def pause(self, seconds: float) -> None:
        if seconds >= self.left():
            raise Stopped
        await asyncio.sleep(seconds)


@dataclass(frozen=True, slots=True)
class Reached:
    """The last response of a chain of redirects, and where it came from."""

    response: httpx.Response
    at: str  # the URL that answered
    moved: str | None  # the new address, when every redirect on the way was permanent


class RedirectProblem(Exception):
    pass


async def follow(asker: Asker, method: str, url: str) -> Reached:
    """Ask for `url`, following up to `max_redirects` redirects (raises RedirectProblem
    for a loop or too many)."""
    seen, current, moved, permanent = {url}, url, None, True
    for _ in range(asker.settings.max_redirects + 1):
        response = await asker.send(method, current)
        target = response.next_request
        if target is None:
            return Reached(response, current, moved)
        permanent = permanent and response.status_code in PERMANENT
        current = str(target.url)
        moved = current if permanent else moved
        if current in seen:
            raise RedirectProblem(f"redirect loop back to {current}")
        seen.add(current)
        method = target.method  # a 303 turns a HEAD into a GET
    raise RedirectProblem(f"more than {asker.settings.max_redirects} redirects")


def retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Retry-After in seconds: a number of seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _wait(settings: Settings, attempt: int, response: httpx.Response | None) -> float:
    asked = retry_after(response.headers.get("retry-after"), dt.datetime.now(dt.UTC)) if response is not None else None
    return min(asked if asked is not None else settings.backoff * 2 ** (attempt - 1), RETRY_AFTER_CAP)


def _cause(err: BaseException) -> str:
    """Why a connection failed, in a reader's words: DNS, refused, TLS or as httpx says."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return "host not found (DNS)"
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        if isinstance(seen, ssl.SSLCertVerificationError):
            return f"TLS error: {seen.verify_message or seen.reason}"
        if isinstance(seen, ssl.SSLError):
            return f"TLS error: {seen.reason or seen}"
        seen = seen.__cause__ or seen.__context__
    return str(err) or type(err).__name__


def _status(response: httpx.Response) -> str:
    return f"{response.status_code} {response.reason_phrase}".strip()


async def check_url(asker: Asker, url: str) -> Outcome:
    """HEAD first, GET when HEAD is refused; retries on 429, 5xx and timeouts."""
    method, attempt, timeouts = "HEAD", 0, 0
    while True:
        attempt += 1
        try:
            reached = await follow(asker, method, url)
        except (httpx.TimeoutException, TimeoutError):
            timeouts += 1
            if asker.left() <= 0:
                raise Stopped from None
            if attempt > asker.settings.retries:
                tries = f"{timeouts} attempt{'' if timeouts == 1 else 's'}"
                return Outcome("error", f"no answer within {asker.settings.timeout:g} s ({tries}) ({url})")
            await asker.pause(_wait(asker.settings, attempt, None))
            continue
        except RedirectProblem as err:
            return Outcome("error", f"{err} ({url})")
        except (httpx.InvalidURL, ValueError) as err:
            return Outcome("error", f"cannot be asked for: {err} ({url})")
        except httpx.ConnectError as err:
            return Outcome("error", f"{_cause(err)} ({url})")
        except httpx.HTTPError as err:
            if method == "HEAD":  # a server that mishandles HEAD: ask with GET
                method, attempt = "GET", attempt - 1
                continue
            return Outcome("error", f"{_cause(err)} ({url})")
        status = reached.response.status_code
        if method == "HEAD" and status >= 400 and status != 429:
            method, attempt = "GET", attempt - 1  # HEAD refused or unsupported (405, 501, 403 ...)
            continue
        if _retryable(status) and attempt <= asker.settings.retries:
            await asker.pause(_wait(asker.settings, attempt, reached.response))
            continue
        return judge(url, reached, attempt)


def judge(url: str, reached: Reached, attempts: int) -> Outcome:
    status, where = reached.response.status_code, url if reached.at == url else f"{url}, redirected to {reached.at}"
    if status >= 400:
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        return Outcome("error", f"{_status(reached.response)}{tries} ({where})")
    if not 200 <= status < 300:
        return Outcome("warning", f"unexpected answer {_status(reached.response)} ({where})")
    if reached.moved is not None:
        return Outcome("warning", f"moved permanently to {reached.moved} ({url})")
    return Outcome("ok")


async def run_all(
    items: Sequence[str], work: Callable[[Asker, str], Coroutine[Any, Any, Any]], settings: Settings, transport: httpx.AsyncBaseTransport | None
) -> dict[str, Any]:
    """`work(asker, item)` for every item, concurrently, within the deadline; an item
    not finished by then maps to Stopped()."""
    loop = asyncio.get_running_loop()
    limits = httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency)
    async with httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT}, timeout=settings.timeout, limits=limits, transport=transport
    ) as client:
        asker = Asker(client, settings, loop.time() + settings.deadline, asyncio.Semaphore(settings.concurrency))
        tasks: dict[str, asyncio.Task[Any]] = {item: asyncio.create_task(work(asker, item)) for item in items}
        if tasks:
            _, pending = await asyncio.wait(tasks.values(), timeout=settings.deadline)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
    results: dict[str, Any] = {}
    for item, task in tasks.items():
        error = None if task.cancelled() else task.exception()
        if task.cancelled() or isinstance(error, Stopped):
            results[item] = Stopped()
        elif error is not None:
            raise error
        else:
            results[item] = task.result()
    return results


# --- the link check ---------------------------------------------------------------------


class LinkCache:
    """URLs found OK, with the day they were checked: JSON beside the check cache
    (outside the project, so a pull request cannot bring one)."""

    def __init__(self, root: Path) -> None:
        found = cache_file(root)
        self.file = found.with_name("links.json") if found is not None else None
        self.checked: dict[str, str] = {}
        if self.file is not None:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                data = json.loads(self.file.read_text(encoding="utf-8"))
                if data.get("format") == CACHE_FORMAT and isinstance(data.get("ok"), dict):
                    self.checked = {str(k): str(v) for k, v in data["ok"].items()}

    def fresh(self, url: str, today: dt.date, max_age: int) -> bool:
        try:
            day = dt.date.fromisoformat(self.checked.get(url, ""))
        except ValueError:
            return False
        return 0 <= (today - day).days < max_age

    def record(self, results: dict[str, Outcome], today: dt.date) -> None:
        for url, outcome in results.items():
            if outcome.severity == "ok":
                self.checked[url] = today.isoformat()
            else:
                self.checked.pop(url, None)
        if self.file is None:
            return
        with contextlib.suppress(OSError):
            self.file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.file.with_name(f".{self.file.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"format": CACHE_FORMAT, "ok": dict(sorted(self.checked.items()))}), encoding="utf-8")
            os.replace(tmp, self.file)


def check_links(
    project: Project, scanned: Scanned, settings: Settings, today: dt.date, transport: httpx.AsyncBaseTransport | None = None
) -> list[Problem]:
    """Every cited URL asked for once (unless found OK within max_age days); a problem
    at each place that cites a URL that failed."""
    cache = LinkCache(project.root)
    urls = sorted({c.url for c in scanned.cited if not cache.fresh(c.url, today, settings.max_age)})
    results = asyncio.run(run_all(urls, check_url, settings, transport))
    cache.record({u: r for u, r in results.items() if isinstance(r, Outcome)}, today)
    problems = list(scanned.problems)
    for cited in scanned.cited:
        result = results.get(cited.url, Outcome("ok"))
        if isinstance(result, Stopped):
            result = Outcome("warning", f"not checked: the run's deadline of {settings.deadline:g} s passed ({cited.url})")
        if result.severity != "ok":
            problems.append(Problem(cited.path, cited.line, cited.col, cited.field, result.message, result.severity))
    return sorted(problems, key=Problem.sort_key)


# --- archived copies ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    url: str
    day: str  # YYYY-MM-DD, from the archive's timestamp


def archive_lookup(api: str) -> Callable[[Asker, str], Coroutine[Any, Any, Snapshot | Outcome]]:
    async def lookup(asker: Asker, url: str) -> Snapshot | Outcome:
        """The closest snapshot of `url` in an availability API (the Internet Archive's
        JSON), or a warning (none) or an error (the API failed)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await asker.send("GET", api, params={"url": url}, body=True)
            except (httpx.TimeoutException, TimeoutError):
                if attempt > asker.settings.retries:
                    return Outcome("error", f"archive lookup: no answer within {asker.settings.timeout:g} s ({api})")
                await asker.pause(_wait(asker.settings, attempt, None))
                continue
            except httpx.HTTPError as err:
                return Outcome("error", f"archive lookup: {_cause(err)} ({api})")
            if _retryable(response.status_code) and attempt <= asker.settings.retries:
                await asker.pause(_wait(asker.settings, attempt, response))
                continue
            if response.status_code != 200:
                return Outcome("error", f"archive lookup: {_status(response)} ({api})")
            return snapshot_in(response.content, url)

    return lookup


_TIMESTAMP = re.compile(r"^(\d{4})(\d{2})(\d{2})")


def snapshot_in(body: bytes, url: str) -> Snapshot | Outcome:
    try:
        data = json.loads(body)
        closest = data["archived_snapshots"].get("closest") if isinstance(data["archived_snapshots"], dict) else None
    except (ValueError, KeyError, TypeError):
        return Outcome("error", "archive lookup: the answer is not the availability API's JSON")
    if not isinstance(closest, dict) or closest.get("available") is not True or not str(closest.get("status", "200")).startswith("2"):
        return Outcome("warning", f"no archived copy found ({url})")
    found = str(closest.get("url", ""))
    if found.startswith("http://web.archive.org/"):  # the API answers http; the archive serves https
        found = "https://" + found[len("http://") :]
    if url_problem(found) is not None:
        return Outcome("error", f"archive lookup: the archive answered an unusable URL {found!r}")
    stamp = _TIMESTAMP.match(str(closest.get("timestamp", "")))
    return Snapshot(found, "-".join(stamp.groups()) if stamp else "an unknown day")


@dataclass(frozen=True, slots=True)
class Unarchived:
    """A source with a url and no `archived:`, with the nodes --write needs."""

    path: str
    index: int
    item: YamlNode  # the source's mapping
    key: YamlNode  # its `url` key
    value: YamlNode  # its url


def unarchived(scanned: Scanned) -> list[Unarchived]:
    valid = {(c.path, c.field) for c in scanned.cited}
    found: list[Unarchived] = []
    for path, (_, _, raw) in sorted(scanned.raws.items()):
        sources = raw.front.get("sources") if raw.front is not None else None
        for index, item in enumerate(sources.items if sources is not None else ()):
            pairs = dict((k.text, (k, v)) for k, v in item.pairs)
            if "url" in pairs and "archived" not in pairs and (path, f"sources[{index}].url") in valid:
                key, value = pairs["url"]
                found.append(Unarchived(path, index, item, key, value))
    return found


_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n|$)")


def _lines(data: bytes) -> list[bytes]:
    """The file's lines with their endings, split as the reader counts them."""
    lines = _LINE.findall(data)
    return lines[:-1] if lines and lines[-1] == b"" else lines


def insert_archived(data: bytes, wanted: Sequence[tuple[Unarchived, str]]) -> bytes | tuple[YamlNode, str]:
    """`data` with `archived: <url>` on a new line under each source's url line, at
    the url key's indentation; or where and why that cannot be done safely."""
    lines = _lines(data)
    for source, snapshot in sorted(wanted, key=lambda w: w[0].key.line, reverse=True):
        opening = lines[source.item.line - 1].decode("utf-8", "replace")
        if opening[source.item.col - 1 : source.item.col] == "{":
            return source.item, f"sources[{source.index}] is written in flow style {{...}}: add archived: by hand"
        line = lines[source.key.line - 1]
        if source.value.line != source.key.line or source.value.text not in line.decode("utf-8", "replace"):
            return source.key, f"sources[{source.index}].url is not on one line with its key: add archived: by hand"
        ending = line[len(line.rstrip(b"\r\n")) :]
        if not ending:  # the front matter ends with `---`, so this cannot happen; be safe
            return source.key, f"sources[{source.index}].url has no line ending"
        lines.insert(source.key.line, b" " * (source.key.col - 1) + b"archived: " + snapshot.encode() + ending)
    return b"".join(lines)


@dataclass(frozen=True, slots=True)
class Archived:
    notices: list[Problem]  # what was found (or added), severity "notice"
    problems: list[Problem]


def find_archives(
    project: Project, scanned: Scanned, settings: Settings, api: str, write: bool, transport: httpx.AsyncBaseTransport | None = None
) -> Archived:
    """Look up a snapshot for every source that has a url and no archived copy; with
    `write`, add the ones found to their files (a file that cannot be edited safely is
    left alone, and said so)."""
    todo = unarchived(scanned)
    results = asyncio.run(run_all(sorted({s.value.text for s in todo}), archive_lookup(api), settings, transport))
    problems = list(scanned.problems)
    by_file: dict[str, list[tuple[Unarchived, Snapshot]]] = {}
    for source in todo:
        result = results[source.value.text]
        if isinstance(result, Stopped):
            result = Outcome("warning", f"not looked up: the run's deadline of {settings.deadline:g} s passed ({source.value.text})")
        if isinstance(result, Outcome):
            problems.append(Problem(source.path, source.value.line, source.value.col, f"sources[{source.index}].url", result.message, result.severity))
        else:
            by_file.setdefault(source.path, []).append((source, result))
    notices: list[Problem] = []
    for path, found in sorted(by_file.items()):
        verb = "found"
        if write:
            trouble = write_file(project, scanned.raws[path], [(s, snap.url) for s, snap in found])
            if trouble is None:
                verb = "added"
            else:
                problems.append(trouble)
        notices += [
            Problem(s.path, s.value.line, s.value.col, f"sources[{s.index}].archived", f"{verb} {snap.url} (snapshot of {snap.day})", "notice")
            for s, snap in found
        ]
    return Archived(sorted(notices, key=Problem.sort_key), sorted(problems, key=Problem.sort_key))


def write_file(project: Project, read: tuple[Path, bytes, RawFile], wanted: Sequence[tuple[Unarchived, str]]) -> Problem | None:
    """Add the archived copies to one file, or say why not. The new bytes are read back
    with the reader and must hold exactly the copies added; the file must not have
    changed since it was read."""
    file, data, raw = read
    new = insert_archived(data, wanted)
    if isinstance(new, tuple):
        return Problem(raw.path, new[0].line, new[0].col, "sources", f"{new[1]}; file left unchanged")
    trouble = _written_back(project, file, data, new, wanted)
    where = wanted[0][0].item
    return None if trouble is None else Problem(raw.path, where.line, where.col, "sources", f"{trouble}; file left unchanged")


def _written_back(project: Project, file: Path, data: bytes, new: bytes, wanted: Sequence[tuple[Unarchived, str]]) -> str | None:
    """Replace the file with `new` once it reads back as intended; or say why not."""
    raw, _ = read_entry(file, project.root, new)
    sources = raw.front.get("sources") if raw is not None and raw.front is not None else None
    for source, url in wanted:
        item = sources.items[source.index] if sources is not None and source.index < len(sources.items) else None
        written = item.get("archived") if item is not None and item.kind == "map" else None
        if written is None or written.text != url:
            return f"sources[{source.index}]: the edited file would not read back as intended"
    try:
        if file.read_bytes() != data:
            return "the file changed while the archive was asked; run again"
        tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
        tmp.write_bytes(new)
        with contextlib.suppress(OSError):
            os.chmod(tmp, file.stat().st_mode & 0o7777)
        os.replace(tmp, file)
    except OSError as err:
        return f"cannot write: {err.strerror}"
    return None


# --- the report for a job summary ---------------------------------------------------------


def _cell(text: str) -> str:
    """Table-cell text in GitHub Markdown: contributors' URLs are shown, never rendered."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|").replace("`", "&#96;")


def markdown(title: str, problems: Sequence[Problem], summary_line: str) -> str:
    """A Markdown report (for $GITHUB_STEP_SUMMARY): a heading, the summary, a table."""
    out = [f"## {title}", "", summary_line, ""]
    if problems:
        out += ["| file | line | severity | field | message |", "| --- | ---: | --- | --- | --- |"]
        out += [
            f"| {_cell(p.path)} | {p.line} | {p.severity} | {_cell(p.field)} | {_cell(p.message)} |" for p in problems
        ]
        out.append("")
    return "\n".join(out)
