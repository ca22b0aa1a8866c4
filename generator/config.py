"""The project: where content lives and the digest's settings, read from mkdocs.yml.

The digest's options sit under the `digest` plugin in mkdocs.yml, so MkDocs and the
`digest` command read one file. Facets are configured there too: a third facet (say,
regions) is a config entry and a YAML file, not new code.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .model import DEFAULT_FACETS, Facet


class ConfigError(Exception):
    """A usage problem: no project here, or an unreadable mkdocs.yml."""


@dataclass(frozen=True, slots=True)
class Project:
    root: Path
    site_name: str = "Digest"
    site_url: str = ""
    site_description: str = ""
    content: str = "content"
    facets: tuple[Facet, ...] = DEFAULT_FACETS
    page_size: int = 20  # entries per listing page
    home_entries: int = 10  # latest entries on the home page
    feed_items: int = 50
    custom_dir: Path | None = None  # the theme's overrides; digest/ in it overrides templates

    @property
    def content_dir(self) -> Path:
        return self.root / self.content

    @property
    def entries_dir(self) -> Path:
        return self.content_dir / "entries"


AS_OF_VARIABLE = "DIGEST_AS_OF"


def as_of_date(given: str | None = None) -> dt.date:
    """The publishing date: entries dated after it are not published yet. `--as-of`,
    else $DIGEST_AS_OF, else today in UTC (one day for every machine, whatever its
    zone). The only place the build reads the clock."""
    source = "--as-of" if given is not None else AS_OF_VARIABLE
    value = given if given is not None else os.environ.get(AS_OF_VARIABLE, "")
    if given is None and not value:
        return dt.datetime.now(dt.UTC).date()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{source}: {value!r} is not a date (YYYY-MM-DD)") from None


class _TolerantLoader(yaml.SafeLoader):
    """mkdocs.yml may hold `!ENV` or `!!python/name:` tags; we only need plain keys."""


def _env_tag(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """MkDocs' `!ENV [NAME, default]` or `!ENV NAME`: the same value MkDocs would use."""
    if isinstance(node, yaml.ScalarNode):
        names, default = [loader.construct_scalar(node)], None
    else:
        values = loader.construct_sequence(node)  # type: ignore[arg-type]
        names, default = values[:-1] if len(values) > 1 else values, values[-1] if len(values) > 1 else None
    for name in names:
        if str(name) in os.environ:
            return os.environ[str(name)]
    return default


def _ignore_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> None:
    return None


_TolerantLoader.add_constructor("!ENV", _env_tag)
_TolerantLoader.add_multi_constructor("", _ignore_tag)


def find_root(start: Path) -> Path:
    """The nearest directory at or above `start` holding mkdocs.yml."""
    for candidate in (start, *start.parents):
        if (candidate / "mkdocs.yml").is_file():
            return candidate
    raise ConfigError(f"no mkdocs.yml in {start} or any parent: run digest in a digest project")


def plugin_options(config: dict[str, Any]) -> dict[str, Any]:
    """The `digest` plugin's options from a loaded mkdocs.yml."""
    for item in config.get("plugins") or []:
        if isinstance(item, dict) and "digest" in item:
            return dict(item["digest"] or {})
    return {}


def load_project(root: Path) -> Project:
    root = root.resolve()
    try:
        with open(root / "mkdocs.yml", encoding="utf-8") as handle:
            config = yaml.load(handle, Loader=_TolerantLoader)
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"cannot read {root / 'mkdocs.yml'}: {err}") from err
    if not isinstance(config, dict):
        raise ConfigError(f"{root / 'mkdocs.yml'} is not a mapping")
    return project_from(root, config, plugin_options(config))


def project_from(root: Path, config: dict[str, Any], options: dict[str, Any]) -> Project:
    facets = DEFAULT_FACETS
    if options.get("facets"):
        facets = tuple(_facet(item) for item in options["facets"])
    return Project(
        root=root,
        site_name=str(config.get("site_name") or "Digest"),
        site_url=_directory(str(config.get("site_url") or "")),
        site_description=str(config.get("site_description") or ""),
        content=str(options.get("content", "content")),
        facets=facets,
        page_size=int(options.get("page_size", 20)),
        home_entries=int(options.get("home_entries", 10)),
        feed_items=int(options.get("feed_items", 50)),
        custom_dir=_custom_dir(root, config.get("theme")),
    )


def _custom_dir(root: Path, theme: Any) -> Path | None:
    """The theme's `custom_dir`, as MkDocs finds it: relative to mkdocs.yml."""
    folder = theme.get("custom_dir") if isinstance(theme, dict) else None
    return (root / str(folder)).resolve() if folder else None


def _directory(url: str) -> str:
    """A site URL ends with a slash, as MkDocs makes it: the CLI and the plugin must agree."""
    return url if not url or url.endswith("/") else url + "/"


def _facet(item: Any) -> Facet:
    if not isinstance(item, dict) or "key" not in item:
        raise ConfigError(f"a facet in mkdocs.yml needs at least a key: {item!r}")
    key = str(item["key"])
    return Facet(
        key=key,
        title=str(item.get("title", key.replace("-", " ").capitalize())),
        singular=str(item.get("singular", key.rstrip("s"))),
        file=str(item.get("file", f"{key}.yml")),
        kinds=tuple(str(k) for k in item.get("kinds", ())),
        country=bool(item.get("country", False)),
        required=bool(item.get("required", True)),
    )
