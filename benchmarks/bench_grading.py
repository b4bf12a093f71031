"""How much does sandboxed grading cost on top of simply running a notebook?

Usage: python benchmarks/bench_grading.py [--submissions 30] [--workers 2] [--repeat 3]

1. Executes the u1.activations solution once with plain nbclient (a normal kernel,
   nothing else), ``--repeat`` times: the baseline.
2. Grades that same notebook alone with ``course grade --workers 1``, ``--repeat``
   times: the difference is the per-submission overhead of sandboxing and checking.
   Step 2 is run twice, with bubblewrap isolation and without it (the fallback
   sandbox), alternating, so the cost of the namespaces is measured in the same run.
3. Grades ``--submissions`` notebooks (solutions, stubs and half-done ones, all with the
   generated setup cell that imports TensorFlow) with ``--workers`` workers and reports
   the wall time.

The baseline kernel gets the sandbox's speed-relevant settings (offline, smoke mode, GPUs
hidden, single-threaded BLAS), so the difference is the sandbox and the checks alone. The
load average is printed too: on a shared machine it explains a lot.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXERCISE = "u1.activations"


def submissions(count: int) -> list[tuple[str, bytes]]:
    """A realistic mix: 2/3 complete, 1/6 untouched stubs, 1/6 with half the answers."""
    solution = json.loads((ROOT / "solutions/u1/activations.ipynb").read_text())
    stub = json.loads((ROOT / "exercises/u1/activations.ipynb").read_text())
    half = json.loads(json.dumps(solution))
    answers = [i for i, c in enumerate(half["cells"]) if "answer" in c["metadata"].get("tags", [])]
    for i in answers[len(answers) // 2:]:
        half["cells"][i] = stub["cells"][i]
    kinds = [solution] * 4 + [stub, half]
    return [(f"student{i:03d}.ipynb", json.dumps(kinds[i % len(kinds)]).encode()) for i in range(count)]


def plain_execution_seconds(path: pathlib.Path) -> float:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    from course_lib.grading import gradebook, sandbox

    same_as_sandbox = sandbox.sandbox_env(pathlib.Path(tempfile.gettempdir()), "bench")
    for key in ("COURSE_OFFLINE", "COURSE_MODE", "COURSE_HEADLESS", "CUDA_VISIBLE_DEVICES", "OMP_NUM_THREADS",
                "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TF_CPP_MIN_LOG_LEVEL", "MPLBACKEND"):
        os.environ[key] = same_as_sandbox[key]  # the plain kernel inherits these
    load_before = os.getloadavg()

    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = pathlib.Path(tmp)
        one = tmp / "one"
        one.mkdir()
        name, data = submissions(1)[0]
        (one / name).write_bytes(data)

        plain = [plain_execution_seconds(one / name) for _ in range(args.repeat)]
        isolated = sandbox.isolation()
        unisolated = sandbox.Isolation(False, reason="turned off by the benchmark")
        single, single_without = [], []
        for i in range(args.repeat):
            for mode, times in ((isolated, single), (unisolated, single_without)):
                sandbox._ISOLATION = mode
                started = time.perf_counter()
                summary = gradebook.grade(EXERCISE, one, tmp / f"one-{i}-{mode.available}.csv", workers=1,
                                          progress=False, echo=None)
                times.append(time.perf_counter() - started)
                assert summary.rows["student000"]["total"] == summary.rows["student000"]["max"]
        sandbox._ISOLATION = isolated

        batch = tmp / "batch"
        batch.mkdir()
        for name, data in submissions(args.submissions):
            (batch / name).write_bytes(data)
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        summary = gradebook.grade(EXERCISE, batch, tmp / "batch.csv", workers=args.workers, progress=False, echo=None)
        wall = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        grader_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        statuses = sorted({row["status"] for row in summary.rows.values()})

    plain_s, single_s, without_s = statistics.median(plain), statistics.median(single), statistics.median(single_without)
    print(f"machine: {os.cpu_count()} CPU cores, Python {sys.version.split()[0]}, load average (1 min) "
          f"{load_before[0]:.2f} before and {os.getloadavg()[0]:.2f} after")
    print(f"plain nbclient execution of the solution (median of {args.repeat}): {plain_s:.2f} s  {[round(x, 2) for x in plain]}")
    print(f"isolation: {isolated.describe()}")
    print(f"grading that one notebook, 1 worker (median of {args.repeat}):      {single_s:.2f} s  {[round(x, 2) for x in single]}")
    print(f"  the same without bubblewrap (median of {args.repeat}):            {without_s:.2f} s  "
          f"{[round(x, 2) for x in single_without]}")
    print(f"  overhead per submission: {single_s - plain_s:+.2f} s ({without_s - plain_s:+.2f} s without bubblewrap; "
          f"bubblewrap itself {single_s - without_s:+.2f} s)")
    print(f"grading {args.submissions} submissions with {args.workers} workers: {wall:.1f} s wall "
          f"({wall / args.submissions:.2f} s per submission; {wall * args.workers / args.submissions:.2f} "
          f"worker-seconds each); statuses {statuses}")
    print(f"  the grader process itself used {grader_cpu:.2f} s of CPU ({grader_cpu / args.submissions:.3f} s per submission)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
