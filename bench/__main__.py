"""The benchmark: `python -m bench` (or `make bench ARGS="..."`).

For each size N (default 1,000, 5,000 and 10,000 entries) it writes the seeded synthetic
corpus (bench/corpus.py), then measures, each command in a subprocess of its own:

- `digest check`: the contributor's path, with an empty check cache (cold) and again
  with the cache it left (warm);
- `digest generate --out DIR --timings`: time, stage timings and files written, with
  the check cache off (cold; once more into memory, /dev/shm, where there is one) and
  warm; again on the unchanged corpus (should write nothing); again after one entry's
  summary changed (what it rewrites);
- `digest build`: wall time, peak memory (largest RSS of one process), site size, page
  count, search index and home page size; with the check cache off (cold: a fresh CI
  runner) and warm (a contributor's second build);
- the floor: plain MkDocs + Material with the same number of HTML pages (search only,
  ~250 words a page), and the ratio digest build / floor;
- `digest serve`, at N <= 1,000: seconds from saving an edited entry until its page,
  as served, shows the change, and until the header search finds it (three edits);
- search in the built site, in Debian's chromium (bench/search.py): the bytes a query
  and its first ten results fetch and the seconds from the last key press to the
  results, cold and warm; the bytes /explore/ fetches with an actor and a topic in its
  URL; and the seconds Pagefind takes to index the site on its own;
- with --compare, at N <= 5,000: the entries as Material blog posts with the blog,
  tags, search and (from mkdocs-rss-plugin, in a venv of its own) rss plugins.

It prints a table and writes every number, with the machine's, as JSON (--out).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from .blog import BlogEnv, setup_venv, write_blog
from .corpus import write_corpus
from .floor import write_floor
from .measure import BenchError, run, site_stats
from .preview import measure_preview
from .search import measure_search

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = "1000,5000,10000"
DEFAULT_OUT = ROOT / "bench" / "results" / "latest.json"
COMPARE_MAX = 5000  # the blog comparison is slow: not above this many entries
GENERATED = re.compile(r"(\d+) written, (\d+) unchanged, (\d+) removed")
TIMINGS = re.compile(r"([a-z][a-z ]*?) ([0-9.]+) s")
COLD = {"DIGEST_CACHE": "off"}
MEMORY_DISK = Path("/dev/shm")  # tmpfs on Linux
PREVIEW_MAX = 1000  # the live preview is timed on digests up to this size
MIB = 1024 * 1024


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sizes(text: str) -> list[int]:
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from err
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError("sizes must be positive numbers, e.g. 1000,5000")
    return values


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description="Benchmark the digest generator and build.")
    p.add_argument("--sizes", type=sizes, default=sizes(DEFAULT_SIZES), metavar="N,N,...",
                   help=f"numbers of entries (default: {DEFAULT_SIZES})")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="FILE",
                   help="where the JSON goes (default: bench/results/latest.json)")
    p.add_argument("--compare", action="store_true",
                   help=f"also build the entries as Material blog posts (at N <= {COMPARE_MAX:,})")
    p.add_argument("--workdir", type=Path, metavar="DIR",
                   help="work folder, kept afterwards (default: a temporary folder under /tmp, removed)")
    p.add_argument("--timeout-factor", type=float, default=1.0, metavar="X",
                   help="multiply every command's time limit by X (default: 1)")
    return p


# --- measuring one size -----------------------------------------------------------------


def _generated(output: str) -> dict[str, int]:
    match = GENERATED.search(output)
    if match is None:
        raise BenchError(f"digest generate: unexpected output: {output.strip()[-300:]}")
    written, unchanged, removed = (int(g) for g in match.groups())
    return {"written": written, "unchanged": unchanged, "removed": removed}


def _timings(stderr: str) -> dict[str, float]:
    line = next((ln for ln in stderr.splitlines() if ln.startswith("timings: ")), "")
    return {name.strip(): float(value) for name, value in TIMINGS.findall(line.removeprefix("timings: "))}


def _change_one(project: Path, count: int) -> tuple[Path, str]:
    """Change the summary of the middle entry; return its file and original text."""
    name = f"entry-{count // 2:05d}.md"
    file = next((project / "content" / "entries").rglob(name))
    text = file.read_text(encoding="utf-8")
    changed = re.sub(r"^summary: ", "summary: Revised. ", text, count=1, flags=re.MULTILINE)
    assert changed != text, f"no summary line in {file}"
    file.write_text(changed, encoding="utf-8")
    return file, text


def _site(site: Path) -> dict[str, int]:
    stats = site_stats(site)
    return {
        "site_bytes": stats.bytes,
        "site_files": stats.files,
        "pages": stats.pages,
        "search_index_bytes": stats.search_index_bytes,
        "home_bytes": stats.home_bytes,
    }


def calibrate() -> float:
    """Seconds for a fixed pure-Python loop (best of three). This machine is shared and
    its speed drifts, several-fold at times: runs are comparable only at like values."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        best = min(best, time.perf_counter() - start)
    return best


def bench_size(count: int, work: Path, factor: float, blog_env: BlogEnv | None) -> dict[str, Any]:
    bin_dir = Path(sys.executable).parent
    digest, mkdocs = bin_dir / "digest", bin_dir / "mkdocs"
    limit = factor * (120 + 0.15 * count)
    folder = work / f"n{count}"
    project, out = folder / "digest", folder / "generated"
    result: dict[str, Any] = {"entries": count, "timeout_s": round(limit), "calibration_s": calibrate()}

    start = time.perf_counter()
    write_corpus(project, count, ROOT / "overrides")
    content = [p for p in (project / "content").rglob("*") if p.is_file()]
    result["corpus"] = {
        "files": len(content),
        "bytes": sum(p.stat().st_size for p in content),
        "write_seconds": round(time.perf_counter() - start, 3),
    }

    # The check cache of this size, in its own folder: starts empty, never the user's.
    cache = {"XDG_CACHE_HOME": str(folder / "cache")}
    shutil.rmtree(folder / "cache", ignore_errors=True)
    r = run([digest, "check"], project, limit, "digest check", cache)
    result["check"] = {"seconds": r.seconds, "peak_mib": r.peak_mib, "output": r.stdout.strip().splitlines()[-1:]}
    log(f"  check      {r.seconds:8.2f} s  (cold)")
    r = run([digest, "check"], project, limit, "digest check (warm)", cache)
    result["check_warm"] = {"seconds": r.seconds, "peak_mib": r.peak_mib}
    log(f"  check      {r.seconds:8.2f} s  (warm)")

    generate: list[str | Path] = [digest, "generate", "--out", out, "--timings"]
    if out.exists():
        shutil.rmtree(out)
    r = run(generate, project, limit, "digest generate (cold)", {**cache, **COLD})
    result["generate_cold"] = {"seconds": r.seconds, "peak_mib": r.peak_mib, "stages": _timings(r.stderr), **_generated(r.stdout)}
    log(f"  generate   {r.seconds:8.2f} s  (cold) {result['generate_cold']['stages']}")
    shutil.rmtree(out)
    if MEMORY_DISK.is_dir():
        # The same first run writing to memory (tmpfs): the generator's own work, without
        # the disk, whose speed on a shared machine varies several-fold from run to run.
        in_memory = Path(tempfile.mkdtemp(prefix="digest-bench-", dir=MEMORY_DISK))
        try:
            r = run([digest, "generate", "--out", in_memory / "out", "--timings"], project, limit, "digest generate (cold, tmpfs)", {**cache, **COLD})
        finally:
            shutil.rmtree(in_memory, ignore_errors=True)
        result["generate_cold_memory"] = {"seconds": r.seconds, "peak_mib": r.peak_mib, "stages": _timings(r.stderr)}
        log(f"  generate   {r.seconds:8.2f} s  (cold, into memory) {result['generate_cold_memory']['stages']}")
    r = run(generate, project, limit, "digest generate", cache)
    result["generate"] = {"seconds": r.seconds, "peak_mib": r.peak_mib, "stages": _timings(r.stderr), **_generated(r.stdout)}
    log(f"  generate   {r.seconds:8.2f} s  {result['generate']['written']} files written {result['generate']['stages']}")

    r = run(generate, project, limit, "digest generate (unchanged)", cache)
    again = _generated(r.stdout)
    result["generate_unchanged"] = {"seconds": r.seconds, "stages": _timings(r.stderr), **again, "ok": again["written"] == 0}
    log(f"  again      {r.seconds:8.2f} s  {again['written']} written")

    file, original = _change_one(project, count)
    try:
        r = run(generate, project, limit, "digest generate (one change)", cache)
    finally:
        file.write_text(original, encoding="utf-8")  # the build measures the corpus as seeded
    changed = _generated(r.stdout)
    result["generate_one_change"] = {
        "seconds": r.seconds, "stages": _timings(r.stderr), **changed,
        "entry": file.relative_to(project).as_posix(), "change": "summary",
    }
    log(f"  one change {r.seconds:8.2f} s  {changed['written']} rewritten")

    if count <= PREVIEW_MAX:
        result["preview"] = preview = measure_preview(digest, project, limit, cache)
        edits = ", ".join(f"{s:.2f}" for s in preview["edit_visible_s"])
        indexed = ", ".join(f"{s:.2f}" for s in preview["edit_indexed_s"])
        log(f"  preview    {preview['first_build_s']:8.2f} s  first build; an edit served after {edits} s, indexed after {indexed} s")

    r = run([digest, "build"], project, limit, "digest build (cold)", {**cache, **COLD})
    result["build_cold"] = {"seconds": r.seconds, "peak_mib": r.peak_mib}
    log(f"  build      {r.seconds:8.2f} s  (cold), peak {r.peak_mib:.0f} MiB")
    r = run([digest, "build"], project, limit, "digest build", cache)
    build = {"seconds": r.seconds, "peak_mib": r.peak_mib, **_site(project / "site")}
    result["build"] = build
    log(f"  build      {r.seconds:8.2f} s  {build['pages']} pages, peak {r.peak_mib:.0f} MiB")
    result["search"] = search = _search(project, limit)
    worst = max(search["queries"], key=lambda q: q["cold"]["bytes"])["cold"]
    log(
        f"  search     {search['index_seconds']:8.2f} s  to index; a query: {worst['bytes'] / 1024:.0f} KB,"
        f" {max(q['cold']['latency_s'] for q in search['queries']):.2f} s cold,"
        f" {max(q['warm']['latency_s'] for q in search['queries']):.2f} s warm;"
        f" explore {search['explore']['bytes'] / 1024:.0f} KB"
    )

    floor = write_floor(folder / "floor", int(build["pages"]))
    r = run([mkdocs, "build", "-q", "--strict"], floor, limit, "floor: mkdocs build")
    result["floor"] = {"seconds": r.seconds, "peak_mib": r.peak_mib, **_site(floor / "site")}
    result["build_over_floor"] = build["seconds"] / r.seconds
    result["cold_build_over_floor"] = result["build_cold"]["seconds"] / r.seconds
    log(f"  floor      {r.seconds:8.2f} s  {result['floor']['pages']} pages")

    if blog_env is not None and count <= COMPARE_MAX:
        blog = folder / "blog"
        posts = write_blog(project, blog, blog_env.rss)
        blog_limit = factor * (300 + 0.6 * count)
        r = run([blog_env.bin / "mkdocs", "build", "-q"], blog, blog_limit, "blog: mkdocs build")
        result["blog"] = {
            "seconds": r.seconds, "peak_mib": r.peak_mib, "posts": posts, "rss": blog_env.rss,
            "note": blog_env.note, "warnings": r.stderr.strip().splitlines()[:20], **_site(blog / "site"),
        }
        result["blog_over_build"] = r.seconds / build["seconds"]
        blog_index = result["blog"]["search_index_bytes"]
        result["search_index_over_blog"] = build["search_index_bytes"] / blog_index if blog_index else None
        log(f"  blog       {r.seconds:8.2f} s  ({blog_env.note})")
    result["calibration_end_s"] = calibrate()
    return result


# Queries in the corpus's words: one word on nearly every page, two words, an alias.
QUERIES = ("summit", "export controls", "行动者007")
WARM_QUERY = "policy review"
EXPLORE = "explore/?actor=actor-000&topic=topic-00"  # the most used actor and topic


def _search(project: Path, limit: float) -> dict[str, Any]:
    """Pagefind's own time on the built site, then a reader's searches (bench/search.py)."""
    site = project / "site"
    indexing = run([sys.executable, "-m", "pagefind", "--site", site, "--silent"], project, limit, "pagefind")
    found = measure_search(site, QUERIES, WARM_QUERY, EXPLORE)
    return {"index_seconds": indexing.seconds, **found}


# --- report -----------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    commit: str | None = None
    try:
        proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False)
        commit = proc.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        pass
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "mkdocs": version("mkdocs"),
        "mkdocs_material": version("mkdocs-material"),
        "commit": commit,
    }


COLUMNS = (
    ("N", 6), ("check s", 12), ("gen s", 12), ("files", 6), ("2nd", 4), ("1-chg", 6), ("build s", 12),
    ("floor s", 8), ("ratio", 10), ("peak MB", 8), ("site MB", 8), ("pages", 6), ("search MB", 10),
    ("home KB", 8), ("blog s", 7), ("blog/build", 10),
)


def row(r: dict[str, Any]) -> list[str]:
    b = r["build"]
    blog = r.get("blog")
    return [
        f"{r['entries']:,}",
        f"{r['check']['seconds']:.2f}/{r['check_warm']['seconds']:.2f}",
        f"{r['generate_cold']['seconds']:.2f}/{r['generate']['seconds']:.2f}",
        str(r["generate"]["written"]),
        str(r["generate_unchanged"]["written"]),
        str(r["generate_one_change"]["written"]),
        f"{r['build_cold']['seconds']:.2f}/{b['seconds']:.2f}",
        f"{r['floor']['seconds']:.2f}",
        f"{r['cold_build_over_floor']:.2f}/{r['build_over_floor']:.2f}",
        f"{max(b['peak_mib'], r['build_cold']['peak_mib']):.0f}",
        f"{b['site_bytes'] / MIB:.1f}",
        str(b["pages"]),
        f"{b['search_index_bytes'] / MIB:.2f}",
        f"{b['home_bytes'] / 1024:.1f}",
        f"{blog['seconds']:.2f}" if blog else "-",
        f"{r['blog_over_build']:.2f}" if blog else "-",
    ]


def table(results: Sequence[dict[str, Any]]) -> str:
    header = " ".join(name.rjust(width) for name, width in COLUMNS)
    lines = [header, "-" * len(header)]
    lines += [" ".join(cell.rjust(width) for cell, (_, width) in zip(row(r), COLUMNS, strict=True)) for r in results]
    notes = [
        "a/b: cold (empty or disabled check cache) / warm (the cache a previous run left)",
        "2nd: files written by a second generate on the unchanged corpus (should be 0); "
        "1-chg: files rewritten after one entry's summary changed",
        "ratio: digest build / bare MkDocs + Material build of as many pages; peak: largest RSS of the builds",
    ]
    for r in results:
        floor, blog = r["floor"], r.get("blog")
        if not r["generate_unchanged"]["ok"]:
            notes.append(f"N={r['entries']:,}: WARNING: the second generate wrote {r['generate_unchanged']['written']} files")
        if floor["pages"] != r["build"]["pages"]:
            notes.append(f"N={r['entries']:,}: WARNING: the floor has {floor['pages']} pages, the digest {r['build']['pages']}")
        for name, label in (
            ("generate_cold", "first, cold"), ("generate_cold_memory", "first, cold, into memory"), ("generate", "first, warm"),
            ("generate_unchanged", "again, unchanged"), ("generate_one_change", "after one change"),
        ):
            if name in r:
                stages = ", ".join(f"{k} {v:.2f} s" for k, v in r[name].get("stages", {}).items())
                notes.append(f"N={r['entries']:,}: generate stages ({label}): {stages}")
        if "search" in r:
            search = r["search"]
            for q in search["queries"]:
                cold, warm = q["cold"], q["warm"]
                notes.append(
                    f"N={r['entries']:,}: search {cold['query']!r}: {cold['bytes'] / 1024:.0f} KB, first results"
                    f" {cold['latency_s']:.2f} s after the last key ({cold['status']}); then {warm['query']!r}:"
                    f" {warm['bytes'] / 1024:.0f} KB, {warm['latency_s']:.2f} s"
                )
            explore = search["explore"]
            notes.append(
                f"N={r['entries']:,}: {explore['path']}: {explore['bytes'] / 1024:.0f} KB in all,"
                f" first results after {explore['first_results_s']:.2f} s ({explore['count']});"
                f" Pagefind alone indexes the site in {search['index_seconds']:.2f} s"
            )
        if "preview" in r:
            edits = ", ".join(f"{s:.2f}" for s in r["preview"]["edit_visible_s"])
            indexed = ", ".join(f"{s:.2f}" for s in r["preview"]["edit_indexed_s"])
            notes.append(
                f"N={r['entries']:,}: live preview: an edited entry served after {edits} s, in the search index"
                f" after {indexed} s (first build {r['preview']['first_build_s']:.1f} s)"
            )
        notes.append(
            f"N={r['entries']:,}: machine speed (a fixed loop, lower is faster): {r['calibration_s']:.3f} s"
            f" before, {r['calibration_end_s']:.3f} s after"
        )
        text = (
            f"N={r['entries']:,}: search index {r['build']['search_index_bytes'] / MIB:.2f} MB;"
            f" floor's {floor['search_index_bytes'] / MIB:.2f} MB ({floor['pages']} plain pages)"
        )
        if blog:
            text += (
                f"; blog's {blog['search_index_bytes'] / MIB:.2f} MB (digest/blog"
                f" {r['search_index_over_blog']:.2f}), blog {blog['pages']} pages, {blog['site_bytes'] / MIB:.1f} MB,"
                f" peak {blog['peak_mib']:.0f} MB, {blog['note']}"
            )
        notes.append(text)
    return "\n".join([*lines, "", *notes])


def write_json(out: Path, data: dict[str, Any]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, out)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    own = args.workdir is None
    work = Path(tempfile.mkdtemp(prefix="digest-bench-", dir="/tmp")) if own else args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        "machine": machine(),
        "settings": {"sizes": args.sizes, "compare": args.compare, "compare_max": COMPARE_MAX, "seed": 2026},
        "results": [],
    }
    results: list[dict[str, Any]] = data["results"]
    code = 0
    try:
        blog_env: BlogEnv | None = None
        if args.compare and any(n <= COMPARE_MAX for n in args.sizes):
            log("setting up the comparison venv (MkDocs, Material, mkdocs-rss-plugin) ...")
            blog_env = setup_venv(work / "blog-venv", ROOT / "constraints.txt", 900 * args.timeout_factor)
            log(f"  {blog_env.note}")
        for count in args.sizes:
            log(f"N = {count:,} (in {work})")
            results.append(bench_size(count, work, args.timeout_factor, blog_env))
            if own:
                shutil.rmtree(work / f"n{count}", ignore_errors=True)
    except (BenchError, RuntimeError) as err:
        log(f"bench: error: {err}")
        data["error"] = str(err)
        code = 1
    except KeyboardInterrupt:
        log("bench: interrupted")
        data["error"] = "interrupted"
        code = 130
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)
    write_json(args.out, data)
    if results:
        print(table(results))
    print(f"\nresults: {args.out}")
    return code


if __name__ == "__main__":
    sys.exit(main())
