"""`digest links`: source URLs (and archived copies) checked over HTTP. The client,
its limits, retries and deadline serve archive.py's lookups too.

Kept apart from `digest check`: it needs the network, takes minutes and its answers
change from day to day, so the check, the build and the tests never depend on it. URLs
and their positions come from the validator (Report.urls); what it finds is printed as
`digest check` prints problems.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import json
import os
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
from .read import RawFile, read_entry, relative
from .validate import Report, validate_entry

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


def retryable(status: int) -> bool:
    return status == 429 or status >= 500


def retry_wait(settings: Settings, attempt: int, response: httpx.Response | None) -> float:
    asked = retry_after(response.headers.get("retry-after"), dt.datetime.now(dt.UTC)) if response is not None else None
    return min(asked if asked is not None else settings.backoff * 2 ** (attempt - 1), RETRY_AFTER_CAP)


def cause(err: BaseException) -> str:
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


def status_line(response: httpx.Response) -> str:
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
            await asker.pause(retry_wait(asker.settings, attempt, None))
            continue
        except RedirectProblem as err:
            return Outcome("error", f"{err} ({url})")
        except (httpx.InvalidURL, ValueError) as err:
            return Outcome("error", f"cannot be asked for: {err} ({url})")
        except httpx.ConnectError as err:
            return Outcome("error", f"{cause(err)} ({url})")
        except httpx.HTTPError as err:
            if method == "HEAD":  # a server that mishandles HEAD: ask with GET
                method, attempt = "GET", attempt - 1
                continue
            return Outcome("error", f"{cause(err)} ({url})")
        status = reached.response.status_code
        if method == "HEAD" and status >= 400 and status != 429:
            method, attempt = "GET", attempt - 1  # HEAD refused or unsupported (405, 501, 403 ...)
            continue
        if retryable(status) and attempt <= asker.settings.retries:
            await asker.pause(retry_wait(asker.settings, attempt, reached.response))
            continue
        return judge(url, reached, attempt)


def judge(url: str, reached: Reached, attempts: int) -> Outcome:
    status, where = reached.response.status_code, url if reached.at == url else f"{url}, redirected to {reached.at}"
    if status >= 400:
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        return Outcome("error", f"{status_line(reached.response)}{tries} ({where})")
    if not 200 <= status < 300:
        return Outcome("warning", f"unexpected answer {status_line(reached.response)} ({where})")
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
