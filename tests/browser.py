"""Browser-test plumbing: a built site served on 127.0.0.1, and Debian's chromium driven
by Playwright (never a downloaded browser). Every page opened through `open_page`
records console errors, dialogs and any request that would leave 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> str:
    """Debian's chromium; in CI a missing browser fails the test, it never skips it."""
    path = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
        pytest.skip("chromium is not installed; `apt-get install chromium` to run browser tests")
    return path


# The fixture digest's site_url lies under /fixture/. Its 404 page links its assets from
# there (MkDocs makes them absolute: the page is served at any missing address), so the
# server answers that path too.
SITE_PATH = "/fixture/"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def translate_path(self, path: str) -> str:
        if path.startswith(SITE_PATH):
            path = "/" + path[len(SITE_PATH) :]
        return super().translate_path(path)


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` on a free port of 127.0.0.1; yields the base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Watch:
    """What happened while a page was open."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)  # requests to any host but 127.0.0.1
    failed: list[str] = field(default_factory=list)  # responses with an error status


def watch(page: object) -> Watch:
    """Attach the recorders to a Playwright page; requests leaving 127.0.0.1 are aborted."""
    seen = Watch()
    page.on("console", lambda m: seen.console_errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: seen.page_errors.append(str(e)))  # type: ignore[attr-defined]
    page.on("response", lambda r: seen.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)  # type: ignore[attr-defined]

    def on_dialog(dialog: object) -> None:
        seen.dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", on_dialog)  # type: ignore[attr-defined]

    def route(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        host = urlsplit(url).hostname
        if url.startswith(("data:", "blob:", "about:")) or host == "127.0.0.1":
            route.continue_()  # type: ignore[attr-defined]
        else:
            seen.outside.append(url)
            route.abort()  # type: ignore[attr-defined]

    page.route("**/*", route)  # type: ignore[attr-defined]
    return seen
