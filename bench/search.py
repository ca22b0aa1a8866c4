"""What a reader's browser downloads and waits for when it searches a built site.

The site is served on 127.0.0.1 and driven in Debian's chromium (Playwright), each
measurement in a fresh browser context (an empty cache):

- the header search: the page loads; then the dialog is opened with `/`, a query is
  typed a key at a time, and the bytes fetched from the first key until its first ten
  results are shown are added up, with the time from the last key press to the first
  results (in the page's own clock); then a second query in the same page (warm);
- explore with an actor and a topic in its URL: every byte the page fetches, from
  navigation until its first results are shown.

Bytes are counted as a server compressing text would send them: Pagefind's index files
are gzip already and count as they are; HTML, scripts, styles and JSON count gzipped.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PRECOMPRESSED = (".pf_meta", ".pf_index", ".pf_fragment", ".pf_filter", ".pagefind")
SHOWN = 10  # the header search lists this many results


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def served(site: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@functools.cache
def _wire_size(path: Path) -> int:
    data = path.read_bytes()
    return len(data) if path.name.endswith(PRECOMPRESSED) else len(gzip.compress(data, 6))


def _file(site: Path, url: str) -> Path:
    path = unquote(urlsplit(url).path).lstrip("/")
    target = site / path
    return target / "index.html" if path.endswith("/") or not path else target


class _Requests:
    """The site's files a page fetched, with their sizes on the wire."""

    def __init__(self, site: Path, tab: Any) -> None:
        self.site, self.urls = site, []
        tab.on("requestfinished", lambda request: self.urls.append(request.url))

    def bytes_since(self, start: int) -> int:
        return sum(_wire_size(self._existing(url)) for url in self.urls[start:] if self._existing(url).is_file())

    def _existing(self, url: str) -> Path:
        return _file(self.site, url)


LAST_KEY = "window.__lastKey = 0; document.addEventListener('keydown', () => { window.__lastKey = performance.now(); }, true);"
# True (the milliseconds since the last key press) once the results of `query` show.
ANSWERED = """(query) => {
  const list = document.getElementById('digest-search-results');
  return list.getAttribute('data-query') === query && performance.now() - window.__lastKey;
}"""


def _query(tab: Any, requests: _Requests, query: str) -> dict[str, Any]:
    start = len(requests.urls)
    if not tab.evaluate("document.getElementById('digest-search').open"):
        tab.keyboard.press("/")
    tab.fill("#digest-search-input", "")
    tab.keyboard.type(query, delay=60)
    latency = tab.wait_for_function(ANSWERED, arg=query, polling="raf", timeout=60_000).json_value()
    tab.wait_for_load_state("networkidle")
    return {
        "query": query,
        "results": tab.locator("#digest-search-results [role=option]").count(),
        "status": tab.inner_text("#digest-search-status"),
        "latency_s": round(latency / 1000, 3),
        "bytes": requests.bytes_since(start),
    }


def measure_search(site: Path, queries: tuple[str, ...], then: str, explore: str) -> dict[str, Any]:
    """Search each of `queries` in a fresh page (cold), then `then` in the same page
    (warm); load `explore` (a path with its query string)."""
    from playwright.sync_api import sync_playwright

    found: dict[str, Any] = {"queries": []}
    with served(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for query in queries:
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                tab = context.new_page()
                requests = _Requests(site, tab)
                tab.add_init_script(LAST_KEY)
                tab.goto(base, wait_until="networkidle")
                found["queries"].append({"cold": _query(tab, requests, query), "warm": _query(tab, requests, then)})
                context.close()
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            tab = context.new_page()
            requests = _Requests(site, tab)
            start = time.perf_counter()
            tab.goto(base + explore)
            tab.wait_for_function("document.querySelectorAll('#explore-results .digest-card').length > 0", timeout=60_000)
            first = time.perf_counter() - start
            tab.wait_for_load_state("networkidle")
            found["explore"] = {
                "path": explore,
                "count": tab.inner_text("#explore-count"),
                "first_results_s": round(first, 3),
                "bytes": requests.bytes_since(0),
            }
            context.close()
        finally:
            browser.close()
    return found


def index_bytes(site: Path) -> int:
    """The Pagefind index proper: its files a query may fetch (not its unused UI scripts)."""
    bundle = site / "pagefind"
    return sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and p.name.endswith(PRECOMPRESSED))
