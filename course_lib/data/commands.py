"""``course data list | prefetch | verify``: the dataset registry from the command line.

None of these import TensorFlow. ``prefetch`` is what an instructor runs once on a machine
with internet before copying the cache folder to an offline classroom.
"""

from __future__ import annotations

import json
import sys

from .. import config
from . import cache
from .registry import REGISTRY, Entry
from .sources import keras_sets


def _row(name: str, item: Entry) -> dict:
    return {
        "name": name,
        "task": item.task,
        "offline_source": item.offline_source,
        "offline_here": bool(item.offline_available()),
        "full_source": item.full_source,
        "full_cached": bool(item.full_cached()) if item.full_cached else None,
        "licence": item.licence,
        "description": item.description,
    }


def cmd_list(args) -> int:
    rows = [_row(name, item) for name, item in sorted(REGISTRY.items())]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'dataset':<16} {'task':<15} {'offline source':<31} {'full (online) source':<22} description")
    for r in rows:
        offline = f"{'✓' if r['offline_here'] else '✗'} {r['offline_source'] or '(none)'}"
        if r["full_source"] is None:
            full = "= offline copy"
        else:
            full = f"{'✓' if r['full_cached'] else '·'} {r['full_source']}"
        print(f"{r['name']:<16} {r['task']:<15} {offline:<31} {full:<22} {r['description']}")
    print(f"\n✓ present on this machine  ✗ missing  · not cached yet (`course data prefetch`)\n"
          f"cache: {config.cache_dir()}  (set COURSE_CACHE to move it)")
    return 0


def cmd_prefetch(args) -> int:
    if args.timeout is not None and not args.timeout > 0:
        print(f"course data prefetch: --timeout must be > 0 seconds, got {args.timeout!r}", file=sys.stderr)
        return 2
    fetchable = sorted(name for name, item in REGISTRY.items() if item.fetch)
    names = args.names or fetchable
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        print(f"course data prefetch: unknown dataset(s) {unknown}; expected names from {sorted(REGISTRY)}",
              file=sys.stderr)
        return 2
    if args.timeout is not None:
        import os

        os.environ[cache.TIMEOUT_ENV] = str(args.timeout)
    failed = 0
    for name in names:
        item = REGISTRY[name]
        if item.fetch is None:
            print(f"  = {name}: nothing to download; its offline source ({item.offline_source}) is the whole dataset")
            continue
        try:
            paths = item.fetch()
        except (cache.DownloadError, cache.CacheError, OSError) as exc:
            failed += 1
            print(f"  ✗ {name}: {exc}")
            continue
        print(f"  ✓ {name}: {len(paths)} file(s) in place")
    links = keras_sets.link_keras_caches()
    if links:
        print(f"linked {len(links)} file(s) into the Keras cache ({cache.keras_home()})")
    print(f"cache: {config.cache_dir()}")
    if failed:
        print(f"{failed} dataset(s) could not be fetched; with no internet that is expected, and their loaders "
              "fall back to offline sources or say how to get the data")
    return 1 if failed else 0


def cmd_verify(args) -> int:
    report = cache.verify()
    bad = [r for r in report if r.status != "ok"]
    for r in report:
        mark = "✓" if r.status == "ok" else "✗"
        print(f"  {mark} {r.status:<8} {r.path}  {r.detail}")
    if not report:
        print("  the cache is empty")
    print(f"{len(report) - len(bad)} ok, {len(bad)} problem(s) in {config.cache_dir()}")
    if bad:
        print("Loaders rebuild bad parsed files on their own the next time they load; delete bad downloads "
              "(or run `course data prefetch NAME`) to fetch them again.")
    return 1 if bad else 0


def run(args) -> int:
    return {"list": cmd_list, "prefetch": cmd_prefetch, "verify": cmd_verify}[args.data_command](args)
