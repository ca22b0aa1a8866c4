"""Everything MkDocs-specific, in one small module: the plugin, build and serve.

MkDocs 1.6.1 is final; keeping its API here means moving to ProperDocs or Zensical
touches this file only. The plugin runs the generator in `on_config` (so a content
error stops the build before MkDocs reads anything) and adds the generated pages as
virtual files in `on_files`; `on_serve` watches all of content/ for live preview.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.commands.serve import serve as mkdocs_serve
from mkdocs.config import config_options, load_config
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page as MkDocsPage

from .bodies import sanitise_page
from .config import Project, project_from
from .emit import emit
from .html import esc
from .pipeline import Output, generate
from .render import Page as GeneratedPage

log = logging.getLogger("mkdocs.plugins.digest")
_USER_EPOCH = os.environ.get("SOURCE_DATE_EPOCH")
# Where a generated page's HTML goes; entries cannot hold HTML comments, so these
# cannot come from content.
HEAD, TAIL = "<!--digest:head-->", "<!--digest:tail-->"


class DigestOptions(Config):  # type: ignore[no-untyped-call]
    content = config_options.Type(str, default="content")
    page_size = config_options.Type(int, default=20)
    home_entries = config_options.Type(int, default=10)
    feed_items = config_options.Type(int, default=50)
    facets = config_options.Type(list, default=[])


class DigestPlugin(BasePlugin[DigestOptions]):  # type: ignore[no-untyped-call]
    def __init__(self) -> None:
        self.project: Project | None = None
        self.output: Output | None = None
        self.serving = False

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        # jieba (imported by the search plugin) sets its own logger to DEBUG on import
        # and narrates loading its dictionary; only its warnings are worth showing.
        logging.getLogger("jieba").setLevel(logging.WARNING)
        root = Path(config.config_file_path).resolve().parent
        options = {key: self.config[key] for key in self.config}
        raw: dict[str, Any] = {
            "site_name": config.site_name,
            "site_url": config.site_url,
            "site_description": config.site_description,
        }
        self.project = project_from(root, raw, options)
        output, loaded = generate(self.project, drafts=self.serving)
        for problem in loaded.problems:
            (log.error if problem.severity == "error" else log.debug)(problem.format())
        if output is None:
            raise Abort(f"digest: {loaded.errors} content error(s); run `digest check` for the list")
        self.output = output
        # MkDocs stamps the sitemap and its gzip header with the build date unless
        # SOURCE_DATE_EPOCH is set: take it from the content, so that the same content
        # builds byte-identical sites on any day.
        digest = loaded.digest
        if _USER_EPOCH is None and digest is not None and digest.entries:
            newest = max(max(e.published.date(), e.updated or e.date) for e in digest.entries)
            os.environ["SOURCE_DATE_EPOCH"] = str(int(dt.datetime(newest.year, newest.month, newest.day, tzinfo=dt.UTC).timestamp()))
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.output is not None and self.project is not None
        # Pages go to MkDocs as their front matter and Markdown only, with a marker
        # where the generated HTML goes (spliced back in on_page_content); a digest of
        # that HTML follows, so the text changes whenever the page does.
        mapping: dict[str, str | bytes] = {
            path: f"{page.front}{HEAD}\n\n{page.markdown}\n\n{TAIL}\n<!--digest:{_digest(page)}-->\n"
            for path, page in self.output.pages.items()
        }
        mapping.update(self.output.other)
        if self.serving:
            # The live preview rebuilds "dirty": MkDocs renders only files newer than
            # their output. The emitter rewrites only changed files, so after an edit
            # just the pages that show the entry are rendered again.
            folder = preview_dir(self.project.root)
            emit(mapping, folder)
        for path in sorted(mapping):
            if files.get_file_from_path(path) is not None:
                continue
            if self.serving:
                file = File.generated(config, path, abs_src_path=str(folder / path), inclusion=InclusionLevel.NOT_IN_NAV)
            else:
                file = File.generated(config, path, content=mapping[path], inclusion=InclusionLevel.NOT_IN_NAV)
            files.append(file)
        return files

    def on_page_content(self, html: str, *, page: MkDocsPage, config: MkDocsConfig, files: Files) -> str:
        generated = self.output.pages.get(page.file.src_uri) if self.output else None
        if generated is None:
            return html
        before, _, rest = html.partition(HEAD)
        body, _, after = rest.partition(TAIL)
        after = after.replace(f"<!--digest:{_digest(generated)}-->", "", 1)
        return before + generated.head + sanitise_page(body) + generated.tail + after

    def on_page_markdown(self, markdown: str, *, page: MkDocsPage, config: MkDocsConfig, files: Files) -> str:
        """Hand-written pages' titles and descriptions are escaped like generated ones."""
        if self.output is None or page.file.src_uri not in self.output.pages:
            for key in ("title", "description"):
                if isinstance(page.meta.get(key), str):
                    page.meta[key] = esc(page.meta[key])
        return markdown

    def on_serve(self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
        if self.project is not None:
            server.watch(str(self.project.content_dir))
        return server


def _digest(page: GeneratedPage) -> str:
    return hashlib.sha1((page.head + page.tail).encode("utf-8")).hexdigest()[:16]


def preview_dir(root: Path) -> Path:
    """Where the live preview keeps generated files between rebuilds: outside the
    project, one folder per project."""
    key = hashlib.sha1(str(root).encode("utf-8")).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"digest-preview-{key}"


def _quiet_logging() -> None:
    """MkDocs logs through `mkdocs`; show warnings and errors as plain lines."""
    logger = logging.getLogger("mkdocs")
    if not any(getattr(h, "_digest", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
        handler._digest = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


def build_site(root: Path, site_dir: Path | None = None) -> Path:
    """Strict build into a temporary folder, then swap it into place.

    An interrupted or failed build leaves the previous site untouched.
    """
    _quiet_logging()
    target = (site_dir or root / "site").resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(".site-build-*"):  # left by a build that was killed
        shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=".site-build-", dir=target.parent))
    try:
        config = load_config(str(root / "mkdocs.yml"), strict=True, site_dir=str(staging))
        config.plugins.on_startup(command="build", dirty=False)
        try:
            mkdocs_build(config)
        finally:
            config.plugins.on_shutdown()
        old = target.with_name(f".{target.name}-old")
        if old.exists():
            shutil.rmtree(old)
        if target.exists():
            os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def serve_site(root: Path, dev_addr: str = "127.0.0.1:8000") -> None:
    _quiet_logging()
    logging.getLogger("mkdocs").setLevel(logging.INFO)
    # "dirty": after the first build, only files newer than their output are rebuilt.
    # MkDocs warns about that on every rebuild (and strict mode would abort on it);
    # the digest's navigation never depends on the pages, so the warning is dropped.
    logging.getLogger("mkdocs.commands.build").addFilter(
        lambda record: "'dirty' build" not in record.getMessage()
    )
    mkdocs_serve(
        config_file=str(root / "mkdocs.yml"), livereload=True, build_type="dirty", dev_addr=dev_addr, strict=False
    )
