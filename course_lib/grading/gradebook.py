"""Grade a folder of submitted notebooks into a CSV gradebook: ``course grade``.

>>> from course_lib.grading import gradebook
>>> summary = gradebook.grade("u1.activations", "submissions/", "grades.csv", workers=2)  # doctest: +SKIP

Every file in the folder (hidden files and the gradebook itself aside) is one
submission, named after its file. Each notebook runs in its own sandbox
(:mod:`course_lib.grading.sandbox`); the checks' plan is drawn here, probed in the
submission's kernel, and judged here. Every submission gets exactly one row:

``student, <points per part...>, total, max, status, reasons, sha256``

``status`` is ``graded`` (the notebook ran; errors in its cells are listed in
``reasons``, and later cells still ran), ``timeout``, ``memory``, ``crashed`` (the
kernel died: ``os._exit``, a segfault, ``exit()``), ``invalid`` (not a notebook,
broken JSON), ``empty`` (no code), or ``error`` (the grading machine failed; such rows
are retried on the next run). The CSV is rewritten atomically after every submission,
so a crash of the grader loses nothing already written, and a re-run grades only what
is new or changed (by SHA-256) unless ``force``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import pathlib
import secrets
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed

from .._files import atomic_write, code_sources, sha256_bytes, sha256_file
from .._validation import check_int
from . import checks, core, sandbox

STATUSES = ("graded", "timeout", "memory", "crashed", "invalid", "empty", "error")
FIXED_COLUMNS_AFTER = ("total", "max", "status", "reasons", "sha256")
MAX_SUBMISSION_BYTES = 64 << 20
_FORMULA_START = tuple("=+-@\t\r")


@dataclasses.dataclass(frozen=True)
class Submission:
    student: str
    path: pathlib.Path
    data: bytes | None  # None when the file is too large to grade
    sha256: str


@dataclasses.dataclass
class Graded:
    """One submission's outcome; :meth:`row` is its gradebook row."""

    student: str
    status: str
    sha256: str
    report: core.Report
    notes: list[str] = dataclasses.field(default_factory=list)  # status detail and cell errors
    seconds: float = 0.0

    def reasons(self) -> str:
        lost = [f"{p.name}: {p.reason}" for p in self.report.parts if not p.passed and p.reason]
        if self.status not in ("graded",) and not any(p.points for p in self.report.parts):
            lost = []  # the status says why every part is 0
        return " | ".join(self.notes + lost)

    def row(self) -> dict:
        row = {"student": self.student}
        row.update({p.name: p.points for p in self.report.parts})
        row.update(total=self.report.total, max=self.report.max_points, status=self.status,
                   reasons=self.reasons(), sha256=self.sha256)
        return row


# -- submissions -------------------------------------------------------------------------------

def find_submissions(folder: pathlib.Path, exclude: set[pathlib.Path] = frozenset()) -> list[Submission]:
    """Every visible regular file directly in ``folder``, read now (later changes do not count)."""
    files = sorted(p for p in folder.iterdir() if not p.name.startswith(".") and p.is_file()
                   and p.resolve() not in exclude)
    stems = Counter(p.stem for p in files)
    found = []
    for path in files:
        student = path.stem if stems[path.stem] == 1 else path.name
        if path.stat().st_size > MAX_SUBMISSION_BYTES:
            found.append(Submission(student, path, None, _sha_of_file(path)))
            continue
        data = path.read_bytes()
        found.append(Submission(student, path, data, sha256_bytes(data)))
    return found


def _sha_of_file(path: pathlib.Path) -> str:
    try:
        return sha256_file(path)
    except OSError:
        return "missing"


def read_notebook(name: str, data: bytes | None) -> tuple[list[str] | None, str, str]:
    """``(code cells, status, reason)``: cells when gradable, else ``invalid``/``empty`` and why."""
    if data is None:
        return None, "invalid", f"the file is larger than {MAX_SUBMISSION_BYTES >> 20} MB"
    if not name.lower().endswith(".ipynb"):
        return None, "invalid", f"not a notebook: expected a .ipynb file, got {name!r}"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, "invalid", "not a notebook: the file is not UTF-8 text"
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, "invalid", f"not a notebook: broken JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
    except RecursionError:
        return None, "invalid", "not a notebook: JSON nested too deeply"
    if not isinstance(raw, dict) or not isinstance(raw.get("cells", raw.get("worksheets")), list):
        return None, "invalid", "not a notebook: the JSON has no list of cells"
    try:
        import nbformat

        notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - any way of not being a notebook
        return None, "invalid", f"not a notebook: {type(exc).__name__}: {str(exc)[:120]}"
    cells = code_sources(notebook)
    if not any(c.strip() for c in cells):
        return None, "empty", "the notebook has no code to run"
    return cells, "graded", ""


# -- one submission ----------------------------------------------------------------------------

def _zero_report(exercise: str, parts: list[core.Part], reason: str) -> core.Report:
    return core.Report(exercise, tuple(core.PartResult(p.name, 0, p.points, reason) for p in parts))


def grade_submission(exercise: str, parts: list[core.Part], submission: Submission, limits: sandbox.Limits, *,
                     extra_env: dict | None = None, cancel: threading.Event | None = None,
                     require_isolation: bool = False) -> Graded | None:
    """Grade one submission; never raises for anything the submission does. None if cancelled."""
    import numpy as np

    started = time.monotonic()
    cells, status, reason = read_notebook(submission.path.name, submission.data)
    if cells is None:
        return Graded(submission.student, status, submission.sha256, _zero_report(exercise, parts, reason), [reason])
    calls, plan = core.make_plan(parts, np.random.default_rng(secrets.randbits(64)))
    run = sandbox.execute(cells, notebook_name=submission.path.name, notebook_bytes=submission.data,
                          limits=limits, plan=plan, extra_env=extra_env, cancel=cancel,
                          require_isolation=require_isolation)
    if run.status == "cancelled":
        return None
    status = {"ok": "graded"}.get(run.status, run.status)
    notes = [run.detail] if run.detail else []
    if run.results is not None:
        report = core.judge(parts, calls, run.results, exercise)
    elif run.status == "ok":
        notes.append("the checks returned no results: the notebook broke the Python session they run in")
        report = _zero_report(exercise, parts, "not checked")
    else:
        report = _zero_report(exercise, parts, f"not checked ({status})")
    errors = [str(e) + (f" (the memory limit is {limits.memory_mb} MB)" if e.name == "MemoryError" else "")
              for e in run.cell_errors]
    if len(errors) > 3:
        errors = errors[:3] + [f"and {len(errors) - 3} more cell error(s)"]
    return Graded(submission.student, status, submission.sha256, report, notes + errors,
                  time.monotonic() - started)


def grade_notebook(exercise: str, path: str | os.PathLike, *, limits: sandbox.Limits | None = None,
                   extra_checks: str | os.PathLike | None = None, part: str | None = None,
                   require_isolation: bool = False) -> Graded:
    """Grade one notebook file exactly as ``course grade`` would (``course check`` uses this).

    ``require_isolation`` raises :class:`~course_lib.grading.sandbox.IsolationUnavailable`
    where bubblewrap does not work."""
    parts = checks.load(exercise, extra_checks)
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"notebook must be an existing file, got {str(path)!r} (not found)")
    if part is not None:
        names = [p.name for p in parts]
        if part not in names:
            raise ValueError(f"part must be one of {names} for {exercise}, got {part!r}")
        parts = [p for p in parts if p.name == part]
    data = path.read_bytes() if path.stat().st_size <= MAX_SUBMISSION_BYTES else None
    submission = Submission(path.stem, path, data, sha256_bytes(data or b""))
    return grade_submission(exercise, parts, submission, limits or sandbox.Limits(),
                            require_isolation=require_isolation)


# -- the CSV -----------------------------------------------------------------------------------

def _safe(text: str) -> str:
    """Keep spreadsheets from running a cell as a formula (file names and messages are untrusted)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _unsafe(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def columns(part_names: list[str]) -> list[str]:
    return ["student", *part_names, *FIXED_COLUMNS_AFTER]


def write_csv(path: pathlib.Path, part_names: list[str], rows: dict[str, dict]) -> None:
    """Replace ``path`` atomically with every row, sorted by student."""
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=columns(part_names))
    writer.writeheader()
    for student in sorted(rows):
        row = dict(rows[student])
        row["student"], row["reasons"] = _safe(row["student"]), _safe(row["reasons"])
        writer.writerow(row)
    atomic_write(path, text.getvalue().encode("utf-8"))


def read_csv(path: pathlib.Path, part_names: list[str]) -> dict[str, dict]:
    """Rows of an existing gradebook; refuses one written for other parts."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        if header != columns(part_names):
            raise ValueError(f"out: {path} has columns {header}, but grading now gives {columns(part_names)}; "
                             "pass force=True (--force) to regrade everything into it, or choose another out file")
        rows = {}
        for row in reader:
            row["student"] = _unsafe(row["student"])
            rows[row["student"]] = row
    return rows


# -- the batch ---------------------------------------------------------------------------------

@dataclasses.dataclass
class Summary:
    exercise: str
    out: pathlib.Path
    part_names: list[str]
    max_points: dict[str, int]
    rows: dict[str, dict]
    graded_now: list[str]
    skipped: list[str]
    changed_originals: list[str]
    workers: int
    seconds: float
    isolation: str = ""  # sandbox.Isolation.describe(): how the kernels were isolated, or loudly that they were not

    def text(self) -> str:
        students = sorted(self.rows)
        n = len(students)
        lines = [f"{self.exercise}: {n} submission(s) in {self.out.name}; graded {len(self.graded_now)} now in "
                 f"{self.seconds:.1f} s with {self.workers} worker(s)"
                 + (f", {len(self.skipped)} already graded (--force regrades them)" if self.skipped else "")]
        counts = Counter(self.rows[s]["status"] for s in students)
        lines.append("status: " + ", ".join(f"{s} {counts[s]}" for s in STATUSES if counts[s]))
        if self.isolation:
            lines.append(f"isolation: {self.isolation}" if not self.isolation.startswith("NO ISOLATION")
                         else f"WARNING: {self.isolation}; submissions ran as processes of yours that could "
                              "read and change your files (see the README's threat model)")
        if n:
            width = max(len("part"), *(len(p) for p in self.part_names))
            lines.append(f"{'part':<{width}}  points  full marks")
            for name in self.part_names:
                full = sum(1 for s in students if str(self.rows[s][name]) == str(self.max_points[name]))
                lines.append(f"{name:<{width}}  {self.max_points[name]:>6}  {full:>4}/{n}")
            totals = [float(self.rows[s]["total"]) for s in students]
            lines.append(f"total: mean {statistics.mean(totals):.2f} / {sum(self.max_points.values())}, "
                         f"median {statistics.median(totals):g}")
        if self.changed_originals:
            lines.append("WARNING: these submission files changed while grading (the snapshot taken at the start "
                         f"was graded): {', '.join(self.changed_originals)}")
        return "\n".join(lines)


def grade(exercise: str, submissions: str | os.PathLike, out: str | os.PathLike = "grades.csv", *,
          workers: int | None = None, force: bool = False, extra_checks: str | os.PathLike | None = None,
          limits: sandbox.Limits | None = None, progress: bool = True, extra_env: dict | None = None,
          echo=print, require_isolation: bool = False) -> Summary:
    """Grade every submission in ``submissions`` into the CSV ``out``; see the module docstring.

    Args:
        exercise: exercise id, e.g. ``"u1.activations"``.
        submissions: folder of submitted notebooks (one file per student).
        out: the gradebook CSV; existing rows are kept and not regraded unless ``force``.
        workers: parallel kernels; defaults to the number of CPU cores.
        force: regrade everything.
        extra_checks: folder with instructor-only checks modules (``u1/activations.py``, or the
            older flat name ``u1_activations.py``).
        limits: time and memory limits per submission.
        progress: show a progress bar on stderr.
        extra_env: extra environment variables for the kernels.
        require_isolation: refuse to grade (:class:`~course_lib.grading.sandbox.IsolationUnavailable`)
            where bubblewrap does not work; otherwise that is only warned about, once, on stderr
            and in the summary.
    """
    started = time.monotonic()
    parts = checks.load(exercise, extra_checks)
    isolation = sandbox.isolation()
    if not isolation.available:
        if require_isolation:
            raise sandbox.IsolationUnavailable(f"isolation is required (--require-isolation), but {isolation.reason}")
        print(f"WARNING: grading WITHOUT ISOLATION: {isolation.reason}. Each submission runs as your user and "
              "can read and change your files; see the README's threat model.", file=sys.stderr)
    workers = max(1, os.cpu_count() or 1) if workers is None else check_int("workers", workers)
    limits = limits or sandbox.Limits()
    folder = pathlib.Path(submissions)
    if not folder.exists():
        raise FileNotFoundError(f"submissions must be an existing directory of notebooks, got {str(folder)!r} (not found)")
    if not folder.is_dir():
        raise NotADirectoryError(f"submissions must be a directory of notebooks, got the file {str(folder)!r}")
    out = pathlib.Path(out)
    if not out.parent.is_dir():
        raise FileNotFoundError(f"out must be a CSV path in an existing directory, got {str(out)!r} "
                                f"({str(out.parent)!r} does not exist)")
    if out.is_dir():
        raise IsADirectoryError(f"out must be a CSV file path, got the directory {str(out)!r}")
    found = find_submissions(folder, exclude={out.resolve()})
    if not found:
        raise FileNotFoundError(f"submissions: no files in {str(folder)!r}; expected one notebook per student "
                                "(hidden files are ignored)")
    part_names = [p.name for p in parts]
    rows = {} if force or not out.exists() else read_csv(out, part_names)
    skipped = [s.student for s in found if s.student in rows and rows[s.student].get("sha256") == s.sha256
               and rows[s.student].get("status") != "error"]
    pending = [s for s in found if s.student not in skipped]
    write_csv(out, part_names, rows)

    cancel = threading.Event()
    graded_now = []
    bar = _progress_bar(len(pending), progress, exercise)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grade")
    try:
        futures = {pool.submit(_grade_safely, exercise, parts, s, limits, extra_env, cancel, require_isolation): s
                   for s in pending}
        for future in as_completed(futures):
            graded = future.result()
            if graded is None:
                continue
            rows[graded.student] = graded.row()
            write_csv(out, part_names, rows)
            graded_now.append(graded.student)
            bar.set_postfix_str(f"{graded.student}: {graded.status} {graded.report.total}/{graded.report.max_points}",
                                refresh=False)
            bar.update(1)
    except BaseException:
        cancel.set()  # running kernels notice within 0.05 s and are killed; rows written so far stay
        for future in futures:
            future.cancel()
        raise
    finally:
        pool.shutdown(wait=True)
        bar.close()
    changed = [s.path.name for s in found if _sha_of_file(s.path) != s.sha256]
    summary = Summary(exercise, out, part_names, {p.name: p.points for p in parts}, rows, graded_now, skipped,
                      changed, workers, time.monotonic() - started, isolation.describe())
    if echo is not None:
        echo(summary.text())
    return summary


def _grade_safely(exercise, parts, submission, limits, extra_env, cancel, require_isolation=False) -> Graded | None:
    try:
        return grade_submission(exercise, parts, submission, limits, extra_env=extra_env, cancel=cancel,
                                require_isolation=require_isolation)
    except Exception as exc:  # noqa: BLE001 - a bug or a broken machine must still leave a row
        reason = f"grader error, retried on the next run: {type(exc).__name__}: {str(exc)[:200]}"
        return Graded(submission.student, "error", submission.sha256, _zero_report(exercise, parts, reason), [reason])


def _progress_bar(total: int, enabled: bool, exercise: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, desc=f"grading {exercise}", unit="notebook", file=sys.stderr,
                dynamic_ncols=True)
