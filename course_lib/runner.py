"""Execute notebooks with nbclient, render them to HTML and keep a results summary.

``course run`` uses this. For each notebook it:

1. starts a fresh kernel with ``COURSE_MODE``, ``COURSE_HEADLESS=1`` and
   ``COURSE_RESULTS_FILE`` set, so :func:`course_lib.report` can hand back metrics;
2. writes the executed copy to ``build/executed/`` and HTML to ``build/html/``;
3. replaces that notebook's row in ``build/results.json`` and rewrites
   ``build/summary.csv`` and the site (``build/index.html``, ``build/results.html``, the
   navigation of every page; see :mod:`course_lib.site`).

A failing notebook is recorded as failed, with its partial HTML, and the run goes on.
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
from ._validation import ArgumentValueError

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
    env_overrides = {"COURSE_MODE": mode, "COURSE_HEADLESS": "1", "COURSE_RESULTS_FILE": str(metrics_path),
                     "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    saved = {k: os.environ.get(k) for k in env_overrides}
    os.environ.update(env_overrides)  # the kernel inherits this process's environment
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
        client.execute(stdout=log, stderr=log)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        status, error = "failed", _first_line(exc)
    except Exception as exc:  # the kernel never started, or died in set-up: still one row, and go on
        status, error = "failed", f"kernel error: {type(exc).__name__}: {_first_line(exc)}"
    finally:
        if km is not None and km.has_kernel:  # nbclient only shuts down kernel managers it made itself
            km.shutdown_kernel(now=True)
        sockets.cleanup()
        log.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
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
        progress=print) -> list[RunResult]:
    """Execute the notebooks selected by ``target`` (all, a unit, or one notebook)."""
    from . import config

    if mode not in config.MODES:
        raise ArgumentValueError(f"mode must be one of {config.MODES}, got {mode!r}")
    root = manifest.repo_root() if root is None else root
    build = root / "build" if build is None else build
    if clean and build.exists():
        shutil.rmtree(build)
    build.mkdir(parents=True, exist_ok=True)
    selected = manifest.load().select(target)
    results = []
    for i, nb in enumerate(selected, 1):
        progress(f"[{i}/{len(selected)}] {nb.path} (mode={mode}) ...")
        result = execute_notebook(nb, root=root, build=build, mode=mode, write_back=write_back)
        record(result, build, root=root)
        mark = "ok" if result.status == "ok" else f"FAILED: {result.error}"
        progress(f"      {mark} in {result.runtime_s:.1f} s  {_format_metrics(result.metrics)}")
        results.append(result)
    progress(f"Summary: {build / 'summary.csv'}   Site: {build / 'index.html'}")
    return results
