"""Everything MkDocs-specific, in one small module: the plugin, build and serve.

MkDocs 1.6.1 is final; keeping its API here means moving to ProperDocs or Zensical
touches this file only. The plugin is an adapter; its hooks below are in the order
MkDocs calls them, and none relies on another plugin's. The hand-off:

1. `on_config`: the generator runs (or its output comes from `digest build`); a
   content error stops the build before MkDocs reads anything.
2. `on_files`: feeds, data exports, citation files and assets go straight into the
   site, written by a forked process during a build (see procs.py); each generated
   page becomes a virtual file holding its front matter and its Markdown (an entry's
   write-up; nothing for a listing page).
3. MkDocs reads every page, then writes every page. As it reads one (`on_page_content`),
   its rendered write-up is sanitised, and a search result's whole content goes to
   Pagefind (a build feeds its service; the live preview keeps a search copy: see
   index.py); the index is asked for once the last result is in. A search result's
   own HTML, made for Pagefind, is kept (encoded) until the page is written.
4. As it writes one (`on_page_context`), the page's own HTML is made from the digest's
   templates (or taken from what was kept) and put around the write-up, and dropped
   once the page is written (`on_post_page`): listing pages are never all in memory.
5. `on_post_build`: the feeds' process and Pagefind are waited for.

`on_serve` watches all of content/ for the live preview.
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

from . import procs
from .bodies import sanitise_page
from .config import ConfigError, Project, as_of_date, project_from
from .emit import emit
from .html import esc
from .index import BUNDLE, COPY, Indexer, SearchIndexError, index_copy, keep_for_search, page_url, search_document
from .pipeline import Output, generate
from .render import Planned
from .theme import TemplateError

log = logging.getLogger("mkdocs.plugins.digest")
_USER_EPOCH = os.environ.get("SOURCE_DATE_EPOCH")


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
        self.prepared: Output | None = None  # made by `digest build` before MkDocs ran
        self.writer: procs.Forked[None] | None = None  # writes feeds during a build
        self.indexer: Indexer | None = None  # a build's Pagefind service, from the first result on
        self.to_index = 0  # search results not yet given to it
        self.serving = False
        self.fragments = FragmentCache()
        self.sections: dict[str, Any] = {}  # first URL segment -> its navigation page
        self.marked: Any = None  # the navigation page marked active for the page in hand
        # A search result's HTML, made when MkDocs reads the page (for Pagefind) and kept,
        # UTF-8 encoded, until MkDocs writes it: made once, not twice (at 10,000 entries,
        # making them again took 5 s; keeping them, about 60 MB).
        self.made: dict[str, tuple[bytes, bytes]] = {}

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path).resolve().parent
        options = {key: self.config[key] for key in self.config}
        raw: dict[str, Any] = {
            "site_name": config.site_name,
            "site_url": config.site_url,
            "site_description": config.site_description,
            "theme": {"custom_dir": config.theme.custom_dir},
        }
        self.project = project_from(root, raw, options)
        output = self.prepared if self.prepared is not None and self.prepared.project == self.project else None
        self.prepared = None
        if output is None:
            try:
                as_of = as_of_date()  # $DIGEST_AS_OF (`digest serve --as-of` sets it) or today
            except ConfigError as err:
                raise Abort(f"digest: {err}") from None
            output, loaded = generate(self.project, drafts=self.serving, as_of=as_of)
            for problem in loaded.problems:
                (log.error if problem.severity == "error" else log.debug)(problem.format())
            if output is None:
                raise Abort(f"digest: {loaded.errors} content error(s); run `digest check` for the list")
        self.output = output
        # MkDocs stamps the sitemap and its gzip header with the build date unless
        # SOURCE_DATE_EPOCH is set: take it from the content, so that the same content
        # builds byte-identical sites on any day.
        digest = output.digest
        if _USER_EPOCH is None and digest.entries:
            newest = max(max(e.published.date(), e.updated or e.date) for e in digest.entries)
            epoch = int(dt.datetime(newest.year, newest.month, newest.day, tzinfo=dt.UTC).timestamp())
            # Clamped to what a gzip header holds (unsigned 32 bits: 1970 to 2106).
            os.environ["SOURCE_DATE_EPOCH"] = str(min(max(epoch, 0), 2**32 - 1))
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.output is not None and self.project is not None
        self.made = {}
        # Feeds, exports, citation files and assets go straight into the site (MkDocs
        # has emptied it by now), one file at a time. A build writes them from a forked
        # process, started before the pages are planned, while MkDocs renders on the
        # other core (it uses one); the live preview runs a server thread, and a
        # threaded process must not fork.
        site = Path(config.site_dir)
        if procs.can_fork():
            self.writer = procs.fork(_write_other, self.output, site)
        else:
            emit(self.output.other(), site, manifest=False)
        mapping: dict[str, str] = {}
        for path, planned in self.output.pages.items():
            text = f"{planned.front}{planned.markdown}\n"
            if self.serving:
                # The live preview rebuilds "dirty": MkDocs renders only files newer
                # than their output. The page's key (a hash of all it is made from)
                # ends the file, so a file changes exactly when its page may.
                text += f"\n<!--digest:{planned.key}-->\n"
            mapping[path] = text
        if self.serving:
            folder = preview_dir(self.project.root)
            emit(mapping.items(), folder)  # rewrites only changed files
        for path in LINKABLE:
            files.append(_Written(path, str(site), str(site), config.use_directory_urls, inclusion=InclusionLevel.NOT_IN_NAV))
        self.to_index = sum(planned.indexed for planned in self.output.pages.values())
        for path in sorted(mapping):
            if files.get_file_from_path(path) is not None:
                continue
            if self.serving:
                file = File.generated(config, path, abs_src_path=str(folder / path), inclusion=InclusionLevel.NOT_IN_NAV)
            else:
                file = File.generated(config, path, content=mapping[path], inclusion=InclusionLevel.NOT_IN_NAV)
            files.append(file)
        return files

    def on_nav(self, nav: Any, *, config: MkDocsConfig, files: Files) -> Any:
        self.sections = {p.url.split("/")[0]: p for p in nav.pages if p.url}
        return nav

    def on_page_markdown(self, markdown: str, *, page: MkDocsPage, config: MkDocsConfig, files: Files) -> str:
        """Hand-written pages' titles and descriptions are escaped like generated ones;
        an entry's article times and tags join its meta (see render.Planned.article)."""
        planned = self.output.pages.get(page.file.src_uri) if self.output else None
        if planned is None:
            for key in ("title", "description"):
                if isinstance(page.meta.get(key), str):
                    page.meta[key] = esc(page.meta[key])
        elif planned.article:
            page.meta["article"] = planned.article
        return markdown

    def on_page_content(self, html: str, *, page: MkDocsPage, config: MkDocsConfig, files: Files) -> str:
        """A generated page's rendered Markdown (an entry's write-up), sanitised; a
        search result's whole content goes to Pagefind now, while MkDocs has every page
        still to write (its own HTML is kept for when MkDocs writes it)."""
        planned = self.output.pages.get(page.file.src_uri) if self.output else None
        if planned is None:
            return html
        page.markdown = None  # rendered: MkDocs would keep every page's Markdown to the end
        if planned.lastmod:
            # The sitemap's lastmod: when the page last changed. MkDocs stamps the
            # sitemap's gzip header with the newest, which holds only up to 2106.
            page.update_date = min(planned.lastmod, GZIP_LAST_DAY)
        body = ""
        if planned.markdown:
            marker = html.rfind("<!--digest:")  # only ever ours: entries cannot hold HTML
            body = sanitise_page(html[:marker] if marker >= 0 else html)
        if planned.indexed:
            head, tail = _made(planned)
            self.made[page.file.src_uri] = (head.encode(), tail.encode())
            document = search_document(head + body + tail, config.theme.locale.language)
            if self.serving:
                keep_for_search(Path(config.site_dir) / COPY, page.file.dest_uri, document)
            else:
                if self.indexer is None:  # started here: after the feeds' process has forked
                    self.indexer = Indexer()
                self.indexer.add(page_url(page.file.dest_uri), document)
                self.to_index -= 1
                if self.to_index == 0:
                    self.indexer.write(Path(config.site_dir) / BUNDLE)
        return body

    def on_env(self, env: Any, *, config: MkDocsConfig, files: Files) -> Any:
        self.fragments = FragmentCache()
        env.globals["digest_cached"] = self.fragments
        return env

    def on_page_context(self, context: Any, *, page: MkDocsPage, config: MkDocsConfig, nav: Any) -> Any:
        planned = self.output.pages.get(page.file.src_uri) if self.output else None
        if planned is not None:
            kept = self.made.pop(page.file.src_uri, None)
            head, tail = (kept[0].decode(), kept[1].decode()) if kept else _made(planned)
            page.content = head + (page.content or "") + tail
        # A page outside the navigation (a term, a week, a month) lights its section's
        # tab: its navigation page is marked active while the page renders. The fragment
        # cache's key already tells sections apart (a shared leading segment).
        section = self.sections.get(page.url.split("/")[0]) if page.url else None
        if section is not None and section is not page and not section.active:
            section.active = True
            self.marked = section
        return context

    def on_post_page(self, output: str, *, page: MkDocsPage, config: MkDocsConfig) -> str:
        if self.marked is not None:
            self.marked.active = False
            self.marked = None
        if self.output is not None and page.file.src_uri in self.output.pages:
            page.content = None  # written: MkDocs would keep every page's HTML to the end
        return output

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        writer, self.writer = self.writer, None
        if writer is not None:
            try:
                writer.wait()
            except procs.ChildError as err:
                raise Abort(f"digest: writing the feeds failed: {err}") from None
        site = Path(config.site_dir)
        indexer, self.indexer = self.indexer, None
        try:
            if self.serving:
                index_copy(site / COPY, site / BUNDLE)
            else:
                if indexer is None:  # a digest with no entry and no term
                    indexer = Indexer()
                    indexer.write(site / BUNDLE)
                indexer.wait()
        except SearchIndexError as err:
            raise Abort(f"digest: {err}") from err

    def on_build_error(self, *, error: Exception) -> None:
        indexer, self.indexer = self.indexer, None
        if indexer is not None:
            indexer.stop()
        writer, self.writer = self.writer, None
        if writer is not None:
            writer.kill()

    def on_serve(self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
        if self.project is not None:
            server.watch(str(self.project.content_dir))
        return server


GZIP_LAST_DAY = "2106-02-06"  # the last whole day a gzip header's 32-bit time can hold


# Files the digest writes into the site that a hand-written page may link to (about.md
# links the data exports): MkDocs must know them to check such links.
LINKABLE = ("entries.csv", "entries.json", "feeds.opml")


class _Written(File):
    """A file the digest writes into the site itself: known to MkDocs (links to it are
    checked) but never copied by it."""

    def copy_file(self, dirty: bool = False) -> None:
        pass


class FragmentCache:
    """Theme fragments rendered once per kind of page instead of once per page.

    Material renders the navigation, the tabs and its settings into every page, and
    that was most of the time MkDocs spent on a large digest. For a page outside the
    navigation (every entry and listing page) those fragments differ only in their
    relative links, and a relative link from page P to target T depends only on how
    deep P is and how many leading segments P shares with T. So the key is that depth
    and those shared counts for every navigation target (and the home page and theme
    assets). A page in the navigation (it is marked active there) is never cached.

    Used from the templates: `{% call digest_cached("nav", page, nav) %}...{% endcall %}`.
    """

    def __init__(self) -> None:
        self.store: dict[tuple[object, ...], str] = {}
        self.targets: tuple[tuple[str, ...], ...] | None = None

    def key(self, name: str, page: Any, nav: Any) -> tuple[object, ...] | None:
        if page is None or nav is None or page in nav.pages:
            return None
        if self.targets is None:
            urls = ["", "assets/", *(p.url for p in nav.pages)]
            self.targets = tuple(tuple(url.split("/")) for url in urls)
        here = page.url.split("/")[:-1]
        shared = []
        for target in self.targets:
            n = 0
            while n < len(here) and n < len(target) - 1 and here[n] == target[n]:
                n += 1
            shared.append(n)
        return (name, len(here), *shared)

    def __call__(self, name: str, page: Any, nav: Any, *, caller: Any) -> str:
        key = self.key(name, page, nav)
        if key is None:
            return str(caller())
        if key not in self.store:
            self.store[key] = str(caller())
        return self.store[key]


def _made(planned: Planned) -> tuple[str, str]:
    """A page's HTML; a template that fails stops the build with its file and line."""
    try:
        return planned.make()
    except TemplateError as err:
        raise Abort(f"digest: {err}") from None


def _write_other(output: Output, site: Path) -> None:
    emit(output.other(), site, manifest=False)


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


def build_site(root: Path, site_dir: Path | None = None, prepared: Output | None = None) -> Path:
    """Strict build into a temporary folder, then swap it into place.

    An interrupted or failed build leaves the previous site untouched. `prepared` is
    the generator's output for this project, when the caller has it already.
    """
    _quiet_logging()
    target = (site_dir or root / "site").resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in target.parent.glob(".site-build-*"):  # left by a build that was killed
        shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=".site-build-", dir=target.parent))
    # mkdtemp makes the folder private (0700); the site is for a web server, so it gets
    # the mode any new folder gets here (0755 under the usual umask).
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)
    try:
        config = load_config(str(root / "mkdocs.yml"), strict=True, site_dir=str(staging))
        for plugin in config.plugins.values():
            if isinstance(plugin, DigestPlugin):
                plugin.prepared = prepared
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
