#!/usr/bin/env python3
"""How fast the dataset registry is. A benchmark to run by hand, not a timed test.

    python benchmarks/bench_data.py [--mode default] [--cache DIR] [--names a,b] [--scenes 10000]

Targets from the Datasets issue:

* a second load of every dataset, served from the parsed cache, takes at most 1 s;
* 10,000 shape scenes at 64×64 are generated in at most 5 s.

Each dataset is loaded once to fill the cache (``first``), again in the same process
(``second``) and again in a fresh Python process (``fresh``, which includes importing
course_lib and, where used, scikit-learn). The 1 s target applies to ``second`` for every
dataset read from a file; synthetic sets are generated, never cached, so their ``second``
is another generation and the scene-generation target is theirs. Uses
a throw-away cache unless ``--cache`` is given, and never the network (COURSE_OFFLINE=1).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def fresh_process_seconds(name: str, mode: str) -> float:
    code = ("import time; t = time.perf_counter(); from course_lib import data; "
            f"data.load({name!r}, mode={mode!r}); print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", default="default", choices=("smoke", "default", "full"))
    parser.add_argument("--cache", help="cache folder to use (default: a new temporary one)")
    parser.add_argument("--names", help="comma-separated datasets (default: every one available offline)")
    parser.add_argument("--scenes", type=int, default=10_000, help="how many 64×64 scenes to time")
    args = parser.parse_args()

    os.environ["COURSE_OFFLINE"] = "1"
    temporary = None
    if not args.cache:
        temporary = tempfile.TemporaryDirectory(prefix="bench-data-")
        args.cache = temporary.name
        os.environ["KERAS_HOME"] = os.path.join(temporary.name, "keras")
    os.environ["COURSE_CACHE"] = args.cache

    from course_lib import data, synthetic

    available = data.offline_report()
    names = args.names.split(",") if args.names else [n for n, ok in available.items() if ok]
    print(f"mode={args.mode}  cache={args.cache}  cpus={os.cpu_count()}")
    print(f"{'dataset':<16} {'samples':>8} {'first s':>8} {'second s':>9} {'fresh s':>8}  cached  target")
    misses = []
    for name in names:
        first, ds = timed(lambda: data.load(name, mode=args.mode))
        second, again = timed(lambda: data.load(name, mode=args.mode))
        fresh = fresh_process_seconds(name, args.mode)
        generated = again.source.startswith("synthetic:")
        ok = second <= 1.0
        if generated:
            verdict = "generated, not cached" + ("" if ok else " (see the scene target below)")
        else:
            verdict = "ok" if ok else "MISSED (>1 s)"
            misses += [] if ok else [name]
        cached = "yes" if again.from_cache else ("gen" if generated else "no")
        print(f"{name:<16} {ds.n_samples:>8} {first:>8.2f} {second:>9.2f} {fresh:>8.2f}  {cached:<6}  {verdict}")

    synthetic.shape_scenes(100, size=64, seed=0)  # warm up
    seconds, scenes = timed(lambda: synthetic.shape_scenes(args.scenes, size=64, seed=0))
    ok = seconds <= 5.0 * args.scenes / 10_000
    misses += [] if ok else ["shape_scenes"]
    print(f"\nshape_scenes: {args.scenes} scenes at 64×64 in {seconds:.2f} s "
          f"({args.scenes / seconds:,.0f} scenes/s)  {'ok' if ok else 'MISSED (>5 s per 10,000)'}")
    seconds, _ = timed(lambda: synthetic.shape_clips(2_000, frames=16, size=32, seed=0))
    print(f"shape_clips: 2,000 clips of 16 frames at 32×32 in {seconds:.2f} s")
    if temporary:
        temporary.cleanup()
    print("all targets met" if not misses else f"targets missed: {misses}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
