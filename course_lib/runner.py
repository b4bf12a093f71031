"""Execute notebooks with nbclient, render them to HTML and keep a results summary.

``course run`` uses this. For each notebook it:

1. starts a fresh kernel with ``COURSE_MODE``, ``COURSE_HEADLESS=1`` and
   ``COURSE_RESULTS_FILE`` set in the kernel's own environment (this process's is left
   alone), so :func:`course_lib.report` can hand back metrics;
2. writes the executed copy to ``build/executed/`` and HTML to ``build/html/``;
3. replaces that notebook's row in ``build/results.json`` and rewrites
   ``build/summary.csv`` and the site (``build/index.html``, ``build/results.html``, the
   navigation of every page; see :mod:`course_lib.site`).

A failing notebook is recorded as failed, with its partial HTML, and the run goes on.
Several notebooks run at once (``jobs``, default the CPU cores), each in a worker process of
its own; the summary keeps the manifest's order.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as _dt
import json
import os
import pathlib
import shutil
import tempfile
import time

from . import manifest, site
from ._files import atomic_write
from ._tf_logs import NATIVE_LOG_LINE
from ._validation import ArgumentValueError, check_int

SUMMARY_FIELDS = ("unit", "notebook", "status", "mode", "metrics", "data_sources", "runtime_s", "finished")


@dataclasses.dataclass
class RunResult:
    unit: str
    notebook: str  # repository-relative path
    status: str  # "ok" or "failed"
    mode: str
    metrics: dict
    data_sources: list
    runtime_s: float
    finished: str
    error: str = ""

    @property
    def stem(self) -> str:
        return pathlib.PurePosixPath(self.notebook).stem


def execute_notebook(nb: manifest.Notebook, *, root: pathlib.Path, build: pathlib.Path, mode: str,
                     cell_timeout: int = 1800, write_back: bool = False) -> RunResult:
    """Run one notebook in a fresh kernel and render it; never raises for notebook errors."""
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    root, build = pathlib.Path(root).resolve(), pathlib.Path(build).resolve()  # the kernel runs elsewhere
    source = root / nb.path
    if not source.is_file():
        raise FileNotFoundError(f"notebook {nb.path} is in the manifest but not in {root}")
    rel = pathlib.PurePosixPath(nb.path).relative_to("notebooks")
    executed_path = build / "executed" / rel
    html_path = (build / "html" / rel).with_suffix(".html")
    metrics_path = build / "metrics" / rel.with_suffix(".json")
    # The kernel process's own stdout/stderr (TensorFlow's C++ start-up lines, which bypass the
    # notebook) go to a log file, so the console shows only our progress lines.
    kernel_log = build / "logs" / rel.with_suffix(".kernel.log")
    for path in (executed_path, html_path, metrics_path, kernel_log):
        path.parent.mkdir(parents=True, exist_ok=True)
    metrics_path.unlink(missing_ok=True)

    notebook = nbformat.read(source, as_version=4)
    # The kernel gets its own environment; os.environ is never changed, so several notebooks
    # can run at once (`course run --jobs`) without seeing each other's settings.
    kernel_env = {**os.environ, "COURSE_MODE": mode, "COURSE_HEADLESS": "1",
                  "COURSE_RESULTS_FILE": str(metrics_path), "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    status, error = "ok", ""
    start = time.perf_counter()
    sockets = tempfile.TemporaryDirectory(prefix="course-kernel-")
    km = None
    log = open(kernel_log, "wb")
    try:
        # Unix sockets in a private folder where possible: no TCP port open while notebooks run.
        ipc = {"transport": "ipc", "ip": f"{sockets.name}/k", "connection_file": f"{sockets.name}/kernel.json"}
        km = KernelManager(kernel_name="python3", **(ipc if os.name == "posix" else {}))
        client = NotebookClient(notebook, km=km, timeout=cell_timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(source.parent)}})
        client.execute(stdout=log, stderr=log, env=kernel_env)  # these reach KernelManager.start_kernel
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        status, error = "failed", _first_line(exc)
    except Exception as exc:  # the kernel never started, or died in set-up: still one row, and go on
        status, error = "failed", f"kernel error: {type(exc).__name__}: {_first_line(exc)}"
    finally:
        if km is not None and km.has_kernel:  # nbclient only shuts down kernel managers it made itself
            km.shutdown_kernel(now=True)
        sockets.cleanup()
        log.close()
    runtime = time.perf_counter() - start

    strip_native_logs(notebook)
    nbformat.write(notebook, executed_path)
    if write_back and status == "ok":
        nbformat.write(notebook, source)
    site.render_notebook(notebook, html_path, build=build, notebook_path=nb.path, root=root)
    reported = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    if status == "ok" and not reported.get("metrics"):
        status, error = "failed", "the notebook never called course_lib.report(...)"
    if status != "ok" and kernel_log.stat().st_size:
        error += f" (kernel log: {kernel_log})"
    return RunResult(nb.unit, nb.path, status, mode, reported.get("metrics", {}), reported.get("data_sources", []),
                     round(runtime, 1), _dt.datetime.now().isoformat(timespec="seconds"), error)


def strip_native_logs(notebook) -> None:
    """Drop TensorFlow's native start-up log lines from stderr outputs (they vary by machine)."""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.outputs:
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines = [ln for ln in output["text"].splitlines(keepends=True) if not NATIVE_LOG_LINE.match(ln)]
                if not "".join(lines).strip():
                    continue
                output["text"] = "".join(lines)
            kept.append(output)
        cell.outputs = kept


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    # nbclient puts the traceback first; its last non-empty line names the exception.
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return (lines[-1] if lines else type(exc).__name__)[:300]


def load_results(build: pathlib.Path) -> dict[str, dict]:
    path = build / "results.json"
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ArgumentValueError(f"{path} is not valid JSON ({exc}); delete it to start a fresh summary") from None


def record(result: RunResult, build: pathlib.Path, *, root: pathlib.Path | None = None) -> dict[str, dict]:
    """Replace ``result``'s notebook row in the summary and rewrite the summary files and the site."""
    rows = load_results(build)
    rows[result.notebook] = dataclasses.asdict(result)
    atomic_write(build / "results.json", json.dumps(rows, indent=2).encode())
    write_summary(rows, build, root=root)
    return rows


_format_metrics = site.format_metrics


def write_summary(rows: dict[str, dict], build: pathlib.Path, *, root: pathlib.Path | None = None) -> None:
    """``summary.csv`` and the site, in manifest order; ``root`` is the repository (default: found from here)."""
    order = {nb.path: i for i, nb in enumerate(manifest.load().notebooks)}
    ordered = sorted(rows.values(), key=lambda r: (order.get(r["notebook"], len(order)), r["notebook"]))
    with open(build / "summary.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(SUMMARY_FIELDS)
        for r in ordered:
            writer.writerow([r["unit"], r["notebook"], r["status"], r["mode"], _format_metrics(r["metrics"]),
                             "; ".join(r["data_sources"]), r["runtime_s"], r["finished"]])
    if root is None:
        try:
            root = manifest.repo_root()
        except FileNotFoundError:
            root = None
    site.write_site(ordered, build, root=root)


def run(target: str | None = None, *, mode: str = "default", build: pathlib.Path | None = None,
        root: pathlib.Path | None = None, write_back: bool = False, clean: bool = False,
        progress=print, jobs: int | None = None, notebooks: list[manifest.Notebook] | None = None) -> list[RunResult]:
    """Execute the notebooks selected by ``target`` (all, a unit, or one notebook).

    ``jobs`` notebooks run at once (default: the number of CPU cores). With one job they run
    here, one after the other; with more, each runs in a process of its own (a worker that
    drives one kernel and exits), so no two kernels share this process's event loops or
    ZeroMQ state. ``progress`` gets one line per notebook as it finishes. The results come
    back, and the summary files list them, in manifest order whatever order they finish in.
    ``notebooks`` replaces the manifest's selection (tests run throwaway notebooks so).
    """
    from . import config

    if mode not in config.MODES:
        raise ArgumentValueError(f"mode must be one of {config.MODES}, got {mode!r}")
    jobs = max(1, os.cpu_count() or 1) if jobs is None else check_int("jobs", jobs, minimum=1)
    root = manifest.repo_root() if root is None else root
    build = root / "build" if build is None else build
    if clean and build.exists():
        shutil.rmtree(build)
    build.mkdir(parents=True, exist_ok=True)
    selected = manifest.load().select(target) if notebooks is None else list(notebooks)
    jobs = min(jobs, max(1, len(selected)))
    progress(f"running {len(selected)} notebook(s) (mode={mode}, {jobs} at a time) ...")
    results: list[RunResult | None] = [None] * len(selected)
    done = 0

    def finished(i: int, result: RunResult) -> None:
        nonlocal done
        done += 1
        results[i] = result
        record(result, build, root=root)  # only this process writes the summary files
        mark = "ok" if result.status == "ok" else f"FAILED: {result.error}"
        progress(f"[{done}/{len(selected)}] {result.notebook}: {mark} in {result.runtime_s:.1f} s"
                 + (f"  {_format_metrics(result.metrics)}" if result.metrics else ""))

    if jobs == 1:
        for i, nb in enumerate(selected):
            finished(i, execute_notebook(nb, root=root, build=build, mode=mode, write_back=write_back))
    else:
        _run_in_workers(selected, jobs, finished, root=pathlib.Path(root), build=pathlib.Path(build), mode=mode,
                        write_back=write_back)
    progress(f"Summary: {build / 'summary.csv'}   Site: {build / 'index.html'}")
    return results


def _run_in_workers(selected, jobs: int, finished, *, root: pathlib.Path, build: pathlib.Path, mode: str,
                    write_back: bool, poll_s: float = 0.05) -> None:
    """Run each notebook in a worker process, ``jobs`` at a time; ``finished(i, result)`` in this process.

    A worker that dies without a result (killed, out of memory) still gives its notebook a
    failed row. On any exception here (Ctrl-C included) the running workers are stopped:
    SIGTERM first, so each shuts its kernel down, then SIGKILL.
    """
    import subprocess
    import sys

    site.install_mathjax(build)  # once, before the workers render pages into the same folder
    jobs_dir = pathlib.Path(tempfile.mkdtemp(prefix="course-run-"))
    pending = list(enumerate(selected))
    running: dict[int, tuple] = {}
    try:
        while pending or running:
            while pending and len(running) < jobs:
                i, nb = pending.pop(0)
                spec, out = jobs_dir / f"{i}.json", jobs_dir / f"{i}.result.json"
                spec.write_text(json.dumps({"notebook": dataclasses.asdict(nb), "root": str(root), "build": str(build),
                                            "mode": mode, "write_back": write_back, "result": str(out)}))
                log = open(jobs_dir / f"{i}.log", "wb")
                proc = subprocess.Popen([sys.executable, "-m", "course_lib.runner", str(spec)], stdin=subprocess.DEVNULL,
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
                running[i] = (nb, proc, out, log, time.perf_counter())
            for i in [i for i, (_, proc, *_) in running.items() if proc.poll() is not None]:
                nb, proc, out, log, started = running.pop(i)
                log.close()
                finished(i, _worker_result(nb, proc.returncode, out, jobs_dir / f"{i}.log", mode,
                                           time.perf_counter() - started))
            time.sleep(poll_s)
    except BaseException:
        _stop_workers([proc for _, proc, *_ in running.values()])
        raise
    finally:
        for _, _, _, log, _ in running.values():
            log.close()
        shutil.rmtree(jobs_dir, ignore_errors=True)


def _worker_result(nb, returncode: int, out: pathlib.Path, log_path: pathlib.Path, mode: str,
                   runtime: float) -> RunResult:
    if returncode == 0 and out.is_file():
        return RunResult(**json.loads(out.read_text(encoding="utf-8")))
    tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:] if log_path.is_file() else []
    reason = f"worker exited with status {returncode}" + (f": {tail[0]}" if tail else "")
    return RunResult(nb.unit, nb.path, "failed", mode, {}, [], round(runtime, 1),
                     _dt.datetime.now().isoformat(timespec="seconds"), reason)


def _stop_workers(procs, grace_s: float = 5.0) -> None:
    import signal

    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + grace_s
    for proc in procs:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except Exception:
            try:
                os.killpg(proc.pid, getattr(signal, "SIGKILL", signal.SIGTERM))
            except (ProcessLookupError, PermissionError, AttributeError):
                proc.kill()
            proc.wait()


def _worker_main(spec_path: str) -> int:
    """Entry point of one worker: run the notebook in ``spec_path`` and write its result as JSON."""
    import signal

    spec = json.loads(pathlib.Path(spec_path).read_text(encoding="utf-8"))

    def stop(signum, frame):  # SIGTERM from the parent: unwind, so the kernel is shut down in `finally`
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    nb = manifest.Notebook(**{**spec["notebook"], "covers": tuple(map(tuple, spec["notebook"]["covers"]))})
    result = execute_notebook(nb, root=pathlib.Path(spec["root"]), build=pathlib.Path(spec["build"]), mode=spec["mode"],
                              write_back=spec["write_back"])
    atomic_write(pathlib.Path(spec["result"]), json.dumps(dataclasses.asdict(result)).encode("utf-8"))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(_worker_main(sys.argv[1]))
