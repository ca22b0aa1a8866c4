"""Stage 7, index: Pagefind's full-text search index of the built site.

Only entries and each term's first page are search results (their front matter says
`indexed`). Pagefind is given such a page's content as MkDocs writes it (what the page's
`data-pagefind-body` holds: the page without the theme around it), indexes it less the
parts marked `data-pagefind-ignore`, with the filters, sort and meta the page declares,
and writes the index, split into chunks that a query fetches on demand, and its scripts
into the site's `pagefind/`. Its binary comes with the `pagefind` package.

A build feeds the results to Pagefind's service as MkDocs reads them (it reads every
page before it writes any), and asks for the index once the last result is in, so that
Pagefind reads the pages and builds the index on the other core (MkDocs uses one) while
MkDocs writes the site. At 10,000 entries Pagefind takes 6 to 10 s on its own; this way
the build hardly waits for it. The live preview, whose rebuilds read and write only
the pages that changed, keeps every result's content in a search copy of the site
(small HTML files at the pages' paths) and has Pagefind index it after each rebuild.
"""

from __future__ import annotations

import base64
import html
import json
import os
import subprocess
import threading
from pathlib import Path
from typing import Any

from pagefind.service import get_executable

from .procs import program, run_program

BUNDLE = "pagefind"  # the index's folder in the site
COPY = ".digest-search"  # the preview's search copy, in its site folder


class SearchIndexError(RuntimeError):
    """Pagefind failed: its own message."""


def search_document(content: str, language: str) -> str:
    """What Pagefind reads of a page: its content in a document of the page's language."""
    return f'<!doctype html><html lang="{html.escape(language)}"><body><div data-pagefind-body>{content}</div></body></html>'


def page_url(dest_uri: str) -> str:
    """The address Pagefind gives a result: `entries/2026/x/index.html` -> `/entries/2026/x/`."""
    return "/" + dest_uri.removesuffix("index.html")


def _executable() -> str:
    executable = get_executable()
    if executable is None:
        raise SearchIndexError("the pagefind binary is missing: reinstall the project (`make setup`)")
    return str(executable)


class Indexer:
    """Pagefind's service (`pagefind --service`): pages go in as they come, the index
    comes out at the end.

    Messages are JSON, base64-encoded, each followed by a comma, on its standard input
    and output. The service reads the pages in order, one at a time; its answers are
    read by a thread of their own, so that neither side waits on a full pipe.
    """

    def __init__(self) -> None:
        self.process = program(
            [_executable(), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.answers: dict[int, dict[str, Any]] = {}
        self.errors: list[str] = []
        self.arrived = threading.Condition()
        self.sent = 0
        self.writing: int | None = None  # the number of the message asking for the index
        threading.Thread(target=self._read, daemon=True).start()
        self.index = int(self._ask({"type": "NewIndex", "config": None})["index_id"])

    def add(self, url: str, document: str) -> None:
        """Add a page (its answer is not waited for: only an error is kept)."""
        self._send({"type": "AddFile", "index_id": self.index, "file_path": None, "url": url, "file_contents": document})

    def write(self, bundle: Path) -> None:
        """Ask for the index of every page added, written into `bundle`; `wait()` for it."""
        self.writing = self._send({"type": "WriteFiles", "index_id": self.index, "output_path": str(bundle)})
        assert self.process.stdin is not None
        self.process.stdin.flush()

    def wait(self) -> None:
        """Wait until the index is written (or Pagefind has failed); then stop it."""
        try:
            assert self.writing is not None, "write() first"
            self._answer(self.writing)
            if self.errors:
                raise SearchIndexError("pagefind: " + "; ".join(self.errors[:5]))
        finally:
            self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()  # the service exits at the end of its input
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def _send(self, payload: dict[str, Any]) -> int:
        self.sent += 1
        message = json.dumps({"message_id": self.sent, "payload": payload}).encode("utf-8")
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(base64.b64encode(message) + b",")
        except BrokenPipeError as err:
            raise SearchIndexError(f"pagefind stopped (exit {self.process.poll()})") from err
        return self.sent

    def _ask(self, payload: dict[str, Any]) -> dict[str, Any]:
        number = self._send(payload)
        assert self.process.stdin is not None
        self.process.stdin.flush()
        return self._answer(number)

    def _answer(self, number: int) -> dict[str, Any]:
        with self.arrived:
            self.arrived.wait_for(lambda: number in self.answers or self.process.poll() is not None)
        answer = self.answers.get(number)
        if answer is None:
            raise SearchIndexError(f"pagefind stopped (exit {self.process.poll()})")
        if answer.get("type") == "Error":
            raise SearchIndexError(f"pagefind: {answer.get('message')}")
        return answer

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        buffer = b""
        while chunk := os.read(stream.fileno(), 65536):
            buffer += chunk
            *messages, buffer = buffer.split(b",")
            for message in messages:
                data = json.loads(base64.b64decode(message))
                payload = data.get("payload") or {}
                with self.arrived:
                    if payload.get("type") == "Error":
                        self.errors.append(str(payload.get("message")))
                    if data.get("message_id") is not None:
                        self.answers[int(data["message_id"])] = payload
                    self.arrived.notify_all()
        with self.arrived:
            self.arrived.notify_all()  # the service has ended: nobody waits for it any longer


def keep_for_search(copy: Path, dest_uri: str, document: str) -> None:
    """Put a page's search document in the preview's search copy, at the page's path."""
    target = copy / dest_uri
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(document, encoding="utf-8")


def index_copy(copy: Path, bundle: Path) -> None:
    """Index the search copy in `copy` into `bundle`.

    The live preview indexes into the same folder on every rebuild. Pagefind names its
    chunks by their content and does not write a chunk that is there already, so a
    rebuild writes only what changed; the chunks it no longer needs stay until the
    preview ends (removing them all first made every rebuild create every file again,
    seconds at 1,000 entries)."""
    copy.mkdir(parents=True, exist_ok=True)  # a site without entries or terms: an empty index
    result = run_program([_executable(), "--site", str(copy), "--output-path", str(bundle), "--silent"])
    if result.returncode != 0:
        raise SearchIndexError(f"pagefind failed (exit {result.returncode}): {(result.stderr or result.stdout).strip()}")
