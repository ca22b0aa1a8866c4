"""`digest links`: source URLs checked over real HTTP, archived copies looked up and
written, and the archived copy shown on pages and in feeds.

Nothing here reaches past 127.0.0.1: a threading http.server serves every case (and a
fake availability API); DNS failure is made in-process by replacing getaddrinfo.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from generator.cli import main
from generator.links import retry_after
from support import ENTRY_DIR, assert_no_traceback, problem_lines, run

FAST = ("--delay", "0", "--backoff", "0.05", "--timeout", "0.5")
SNAPSHOT_DAY = "20260512083000"


class Server:
    """The cases, by path; `hits` counts requests by (method, path)."""

    def __init__(self) -> None:
        self.hits: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_HEAD(self) -> None:
                outer.answer(self, "HEAD")

            def do_GET(self) -> None:
                outer.answer(self, "GET")

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda *args: None  # type: ignore[method-assign]  # a client that gave up
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def count(self, method: str, path: str) -> int:
        with self.lock:
            self.hits[(method, path)] += 1
            return sum(n for (_, p), n in self.hits.items() if p == path)

    def answer(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        path = parts.path
        seen = self.count(method, path)
        headers: dict[str, str] = {}
        body = b"ok\n"
        if path in ("/ok", "/ok2", "/found-target") or path.startswith("/page"):
            status = 200
        elif path == "/head-405":
            status = 405 if method == "HEAD" else 200
        elif path == "/missing":
            status = 404
        elif path == "/gone":
            status = 410
        elif path == "/moved":
            status, headers = 301, {"Location": "/ok"}
        elif path == "/found":
            status, headers = 302, {"Location": "/found-target"}
        elif path in ("/loop-a", "/loop-b"):
            status, headers = 302, {"Location": "/loop-b" if path == "/loop-a" else "/loop-a"}
        elif path.startswith("/chain/"):
            status, headers = 302, {"Location": f"/chain/{int(path.rsplit('/', 1)[1]) + 1}"}
        elif path == "/busy":
            status, headers = (429, {"Retry-After": "1"}) if seen == 1 else (200, {})
        elif path == "/flaky":
            status = 503 if seen == 1 else 200
        elif path == "/broken":
            status = 500
        elif path == "/slow":
            time.sleep(2)
            status = 200
        elif path == "/available":
            status, body = 200, self.availability(parse_qs(parts.query).get("url", [""])[0])
        else:
            status = 404
        handler.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            handler.send_header(name, value)
        handler.end_headers()
        if method == "GET":
            handler.wfile.write(body)

    def availability(self, url: str) -> bytes:
        """The Internet Archive's availability JSON: a snapshot for pages under /page and
        /ok, none for the others."""
        path = urlsplit(url).path
        if not (path.startswith("/page") or path == "/ok"):
            return json.dumps({"url": url, "archived_snapshots": {}}).encode()
        closest = {
            "status": "200",
            "available": True,
            "url": f"http://web.archive.org/web/{SNAPSHOT_DAY}/{url}",
            "timestamp": SNAPSHOT_DAY,
        }
        return json.dumps({"url": url, "archived_snapshots": {"closest": closest}}).encode()


@pytest.fixture
def server() -> Iterator[Server]:
    served = Server()
    served.thread.start()
    yield served
    served.httpd.shutdown()
    served.httpd.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def entry(sources: str, newline: str = "\n") -> bytes:
    """An entry whose sources are `sources` (YAML lines, as written): line 8 is the first."""
    text = (
        "---\n"
        "title: A valid entry\n"
        "date: 2026-05-12\n"
        "summary: One plain sentence.\n"
        "actors: [china]\n"
        "topics: [model-access]\n"
        "sources:\n"
        f"{sources}"
        "---\n"
        "\n"
        "What happened, who is involved, why it matters.\n"
    )
    return text.replace("\n", newline).encode()


def only_entry(project: Path, data: bytes, name: str = "links.md") -> str:
    """Replace the project's entries with one file; return its project path."""
    import shutil

    shutil.rmtree(project / "content" / "entries")
    (project / ENTRY_DIR).mkdir(parents=True)
    (project / ENTRY_DIR / name).write_bytes(data)
    return f"{ENTRY_DIR}/{name}"


def sources_for(base: str, cases: list[str]) -> str:
    return "".join(f"  - publisher: Case {case}\n    url: {base}/{case}\n" for case in cases)


# --- each HTTP case ------------------------------------------------------------------------


def test_every_case_over_http(fixture_site: Path, server: Server) -> None:
    base, refused = server.base, f"http://127.0.0.1:{closed_port()}/"
    cases = ["ok", "head-405", "missing", "gone", "moved", "found", "loop-a", "chain/0", "busy", "flaky", "broken", "slow"]
    sources = sources_for(base, cases) + f"  - publisher: Refused\n    url: {refused}\n"
    sources += f"  - publisher: Archived\n    url: {base}/ok2\n    archived: {base}/missing\n"
    path = only_entry(fixture_site, entry(sources))
    started = time.monotonic()
    result = run(fixture_site, "links", *FAST, path)
    assert_no_traceback(result)

    def line(case: str) -> int:  # the line of a case's url
        return 9 + 2 * cases.index(case)

    b = base
    assert problem_lines(result) == [
        f"{path}:{line('missing')}:10: error: sources[2].url: 404 Not Found ({b}/missing)",
        f"{path}:{line('gone')}:10: error: sources[3].url: 410 Gone ({b}/gone)",
        f"{path}:{line('moved')}:10: warning: sources[4].url: moved permanently to {b}/ok ({b}/moved)",
        f"{path}:{line('loop-a')}:10: error: sources[6].url: redirect loop back to {b}/loop-a ({b}/loop-a)",
        f"{path}:{line('chain/0')}:10: error: sources[7].url: more than 10 redirects ({b}/chain/0)",
        f"{path}:{line('broken')}:10: error: sources[10].url: 500 Internal Server Error after 3 attempts ({b}/broken)",
        f"{path}:{line('slow')}:10: error: sources[11].url: no answer within 0.5 s (3 attempts) ({b}/slow)",
        f"{path}:33:10: error: sources[12].url: connection refused ({refused})",
        f"{path}:36:15: error: sources[13].archived: 404 Not Found ({b}/missing)",
    ]
    assert result.stdout.endswith("\n8 errors, 1 warning in 1 file\n")
    assert result.returncode == 1
    # HEAD first; GET only where HEAD was refused.
    assert server.hits[("HEAD", "/ok")] == 2 and server.hits[("GET", "/ok")] == 0  # /ok, and /moved's target
    assert server.hits[("HEAD", "/head-405")] == 1 and server.hits[("GET", "/head-405")] == 1
    assert server.hits[("HEAD", "/found-target")] == 1
    # 429 with Retry-After: 1, then 200: waited for it.
    assert server.hits[("HEAD", "/busy")] == 2
    assert time.monotonic() - started >= 1
    assert server.hits[("HEAD", "/flaky")] + server.hits[("GET", "/flaky")] == 2
    assert server.hits[("GET", "/broken")] == 3  # after HEAD's 500: GET, and two retries
    # A URL cited twice (a url, and another source's archived copy) is asked once.
    assert server.hits[("HEAD", "/missing")] == 1 and server.hits[("GET", "/missing")] == 1


def test_dns_failure(fixture_site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A host that does not resolve: getaddrinfo answers as a resolver does for .invalid."""
    real = socket.getaddrinfo

    def fake(host: object, *args: object, **kwargs: object) -> object:
        if str(host).endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    path = only_entry(fixture_site, entry("  - publisher: Nowhere\n    url: https://news.example.invalid/story\n"))
    monkeypatch.chdir(fixture_site)
    # In a thread of its own: in the whole suite, the browser tests' Playwright keeps an
    # event loop running in this one, where asyncio.run() refuses to start another.
    codes: list[int] = []
    worker = threading.Thread(target=lambda: codes.append(main(["links", *FAST, path])))
    worker.start()
    worker.join()
    assert codes == [1]
    out = capsys.readouterr().out
    assert out == (
        f"{path}:9:10: error: sources[0].url: host not found (DNS) (https://news.example.invalid/story)\n"
        "1 error, 0 warnings in 1 file\n"
    )


def test_clean_run_and_cache(fixture_site: Path, server: Server) -> None:
    """A URL found OK is not asked again within --max-age days; --max-age 0 asks."""
    path = only_entry(fixture_site, entry(sources_for(server.base, ["ok"])))
    first = run(fixture_site, "links", *FAST, path)
    assert (first.stdout, first.returncode) == ("no problems in 1 file\n", 0)
    assert server.hits[("HEAD", "/ok")] == 1
    second = run(fixture_site, "links", *FAST)  # every entry: the same one
    assert (second.stdout, second.returncode) == ("no problems in 1 file\n", 0)
    assert server.hits[("HEAD", "/ok")] == 1
    third = run(fixture_site, "links", *FAST, "--max-age", "0", path)
    assert (third.stdout, third.returncode) == ("no problems in 1 file\n", 0)
    assert server.hits[("HEAD", "/ok")] == 2


def test_a_broken_url_is_asked_again(fixture_site: Path, server: Server) -> None:
    path = only_entry(fixture_site, entry(sources_for(server.base, ["gone"])))
    assert run(fixture_site, "links", *FAST, path).returncode == 1
    assert run(fixture_site, "links", *FAST, path).returncode == 1
    assert server.hits[("GET", "/gone")] == 2


def test_github_format(fixture_site: Path, server: Server) -> None:
    path = only_entry(fixture_site, entry(sources_for(server.base, ["missing", "moved"])))
    result = run(fixture_site, "links", *FAST, "--format", "github", path)
    assert_no_traceback(result)
    assert result.stdout.splitlines() == [
        f"::error file={path},line=9,col=10,title=sources[0].url::404 Not Found ({server.base}/missing)",
        f"::warning file={path},line=11,col=10,title=sources[1].url::moved permanently to {server.base}/ok ({server.base}/moved)",
    ]
    assert result.stderr == "1 error, 1 warning in 1 file\n"
    assert result.returncode == 1


def test_markdown_report(fixture_site: Path, server: Server) -> None:
    path = only_entry(fixture_site, entry(sources_for(server.base, ["moved"])))
    result = run(fixture_site, "links", *FAST, "--format", "markdown", path)
    assert result.returncode == 0
    assert result.stdout == (
        "## Source links\n\n0 errors, 1 warning in 1 file\n\n"
        "| file | line | severity | field | message |\n| --- | ---: | --- | --- | --- |\n"
        f"| {path} | 9 | warning | sources[0].url | moved permanently to {server.base}/ok ({server.base}/moved) |\n\n"
    )


def test_deadline_reports_urls_not_reached(fixture_site: Path, server: Server) -> None:
    path = only_entry(fixture_site, entry(sources_for(server.base, ["ok", "slow"])))
    result = run(fixture_site, "links", "--delay", "0", "--deadline", "0.5", path)
    assert problem_lines(result) == [
        f"{path}:11:10: warning: sources[1].url: not checked: the run's deadline of 0.5 s passed ({server.base}/slow)"
    ]
    assert result.returncode == 0


def test_content_errors_are_reported_and_valid_urls_still_checked(fixture_site: Path, server: Server) -> None:
    sources = f"  - publisher: Bad\n    url: javascript:alert(1)\n  - publisher: Good\n    url: {server.base}/gone\n"
    path = only_entry(fixture_site, entry(sources))
    result = run(fixture_site, "links", *FAST, path)
    assert problem_lines(result) == [
        f"{path}:9:10: error: sources[0].url: 'javascript:alert(1)' is not an http(s) URL",
        f"{path}:11:10: error: sources[1].url: 410 Gone ({server.base}/gone)",
    ]


@pytest.mark.parametrize(
    "args",
    [("--write",), ("--timeout", "0"), ("--max-age", "-1"), ("--concurrency", "x"), ("no/such/file.md",), ("--format", "xml")],
)
def test_usage_errors(fixture_site: Path, args: tuple[str, ...]) -> None:
    result = run(fixture_site, "links", *args)
    assert_no_traceback(result)
    assert result.returncode == 2
    assert result.stdout == ""


def test_retry_after_seconds_and_http_date() -> None:
    now = dt.datetime(2026, 5, 12, 8, 0, 0, tzinfo=dt.UTC)
    assert retry_after("7", now) == 7.0
    assert retry_after("Tue, 12 May 2026 08:00:30 GMT", now) == 30.0
    assert retry_after("Tue, 12 May 2026 07:00:00 GMT", now) == 0.0
    assert retry_after("soon", now) is None
    assert retry_after(None, now) is None


# --- archived copies -----------------------------------------------------------------------


def archive(project: Path, server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    return run(project, "links", "--archive", "--archive-api", f"{server.base}/available", "--delay", "0", *args)


def snapshot(url: str) -> str:
    return f"https://web.archive.org/web/{SNAPSHOT_DAY}/{url}"


def test_archive_prints_snapshots_and_writes_nothing(fixture_site: Path, server: Server) -> None:
    b = server.base
    sources = (
        f"  - publisher: One\n    url: {b}/page1\n"
        f"  - publisher: Kept\n    url: {b}/page2\n    archived: https://web.archive.org/web/2020/{b}/page2\n"
        f"  - publisher: None\n    url: {b}/missing\n"
        "  - publisher: No URL\n"
    )
    data = entry(sources)
    path = only_entry(fixture_site, data)
    result = archive(fixture_site, server, path)
    assert_no_traceback(result)
    assert problem_lines(result) == [
        f"{path}:9:10: notice: sources[0].archived: found {snapshot(b + '/page1')} (snapshot of 2026-05-12)",
        f"{path}:14:10: warning: sources[2].url: no archived copy found ({b}/missing)",
    ]  # the source without a URL is `digest check`'s to warn about
    assert result.returncode == 0
    assert (fixture_site / path).read_bytes() == data
    asked = sorted(p for (m, p), _ in server.hits.items() if p == "/available")
    assert asked == ["/available"] and server.hits[("GET", "/available")] == 2  # page2 has a copy already


def test_archive_write_changes_only_the_new_lines(fixture_site: Path, server: Server) -> None:
    b = server.base
    before = (
        f"  - publisher: One\n    url: {b}/page1   # a comment stays\n    date: 2026-05-12\n"
        f"  - url: {b}/page2\n    publisher: Url first\n"
        f"  - publisher: Kept\n    url: {b}/page3\n    archived: https://web.archive.org/web/2020/{b}/page3\n"
        f"  - publisher: None\n    url: {b}/missing\n"
    )
    after = (
        f"  - publisher: One\n    url: {b}/page1   # a comment stays\n    archived: {snapshot(b + '/page1')}\n    date: 2026-05-12\n"
        f"  - url: {b}/page2\n    archived: {snapshot(b + '/page2')}\n    publisher: Url first\n"
        f"  - publisher: Kept\n    url: {b}/page3\n    archived: https://web.archive.org/web/2020/{b}/page3\n"
        f"  - publisher: None\n    url: {b}/missing\n"
    )
    path = only_entry(fixture_site, entry(before))
    result = archive(fixture_site, server, "--write", path)
    assert problem_lines(result) == [
        f"{path}:9:10: notice: sources[0].archived: added {snapshot(b + '/page1')} (snapshot of 2026-05-12)",
        f"{path}:11:10: notice: sources[1].archived: added {snapshot(b + '/page2')} (snapshot of 2026-05-12)",
        f"{path}:17:10: warning: sources[3].url: no archived copy found ({b}/missing)",
    ]
    assert (fixture_site / path).read_bytes() == entry(after)
    checked = run(fixture_site, "check", path)
    assert checked.returncode == 0, checked.stdout
    # Nothing left to look up for the two sources written.
    again = archive(fixture_site, server, "--write", path)
    assert problem_lines(again) == [f"{path}:19:10: warning: sources[3].url: no archived copy found ({b}/missing)"]
    assert (fixture_site / path).read_bytes() == entry(after)


def test_archive_write_keeps_crlf_and_a_missing_final_newline(fixture_site: Path, server: Server) -> None:
    b = server.base
    before = entry(f"  - publisher: One\n    url: {b}/page1\n", newline="\r\n").rstrip(b"\r\n")
    after = entry(f"  - publisher: One\n    url: {b}/page1\n    archived: {snapshot(b + '/page1')}\n", newline="\r\n").rstrip(b"\r\n")
    path = only_entry(fixture_site, before)
    result = archive(fixture_site, server, "--write", path)
    assert result.returncode == 0, result.stdout
    assert (fixture_site / path).read_bytes() == after


def test_archive_write_leaves_a_flow_style_source_alone(fixture_site: Path, server: Server) -> None:
    b = server.base
    data = entry(f"  - publisher: One\n    url: {b}/page1\n  - {{publisher: Two, url: {b}/page2}}\n")
    path = only_entry(fixture_site, data)
    result = archive(fixture_site, server, "--write", path)
    assert problem_lines(result) == [
        f"{path}:9:10: notice: sources[0].archived: found {snapshot(b + '/page1')} (snapshot of 2026-05-12)",
        f"{path}:10:5: error: sources: sources[1] is written in flow style {{...}}: add archived: by hand; file left unchanged",
        f"{path}:10:27: notice: sources[1].archived: found {snapshot(b + '/page2')} (snapshot of 2026-05-12)",
    ]
    assert result.returncode == 1
    assert (fixture_site / path).read_bytes() == data


def test_archive_api_failure_is_an_error(fixture_site: Path, server: Server) -> None:
    path = only_entry(fixture_site, entry(sources_for(server.base, ["page1"])))
    result = run(fixture_site, "links", "--archive", "--archive-api", f"{server.base}/broken", *FAST, "--retries", "0", path)
    assert problem_lines(result) == [
        f"{path}:9:10: error: sources[0].url: archive lookup: 500 Internal Server Error ({server.base}/broken)"
    ]
    assert result.returncode == 1


# --- the archived copy on pages, in feeds and exports -------------------------------------

ARCHIVED = "https://web.archive.org/web/20260504000000/https://www.bis.gov/"


def test_pages_feeds_and_exports_carry_the_archived_copy(
    fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv
    import io

    import feedparser
    from bs4 import BeautifulSoup

    file = fixture_site / "content/entries/2026/huawei-ascend-guidance.md"
    text = file.read_text(encoding="utf-8")
    file.write_text(text.replace("    url: https://www.bis.gov/\n", f"    url: https://www.bis.gov/\n    archived: {ARCHIVED}\n"), encoding="utf-8")
    out = tmp_path / "out"
    monkeypatch.chdir(fixture_site)
    assert main(["generate", "--out", str(out)]) == 0
    capsys.readouterr()

    page = BeautifulSoup((out / "entries/2026/huawei-ascend-guidance.md").read_text(encoding="utf-8"), "html.parser")
    (source,) = page.select("li.digest-source")
    link = source.select_one("a.digest-source__archived")
    assert link is not None and link["href"] == ARCHIVED and link.get_text() == "archived"
    # The accessible name starts with the visible text and names the source.
    assert link["aria-label"] == "archived copy of U.S. Department of Commerce, Bureau of Industry and Security"
    assert "(archived)" in source.get_text()

    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert feed.bozo == 0
    (item,) = [i for i in feed.entries if i.link.endswith("/entries/2026/huawei-ascend-guidance/")]
    notes = BeautifulSoup(item.content[0].value, "html.parser")
    assert [(a["href"], a.get_text()) for a in notes.find_all("a", string="archived copy")] == [(ARCHIVED, "archived copy")]

    (exported,) = [e for e in json.loads((out / "entries.json").read_text(encoding="utf-8"))["entries"] if e["path"] == "entries/2026/huawei-ascend-guidance/"]
    assert exported["sources"][0]["archived"] == ARCHIVED
    rows = list(csv.DictReader(io.StringIO((out / "entries.csv").read_text(encoding="utf-8"), newline="")))
    (row,) = [r for r in rows if r["url"].endswith("/entries/2026/huawei-ascend-guidance/")]
    assert row["source_archived"] == ARCHIVED
