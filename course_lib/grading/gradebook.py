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

Any file name works, and none can reach a terminal or a spreadsheet as anything but text.
The ``student`` column holds the name (the stem, or the whole name when two files share a
stem) escaped by :func:`escape_name`, reversibly: a byte that is not UTF-8 (LMS zip exports
often carry Latin-1 names) becomes ``\\xNN``, a character that does not print (control
characters, the escape that starts a terminal sequence, bidirectional overrides) becomes
``\\n``, ``\\t``, ``\\r``, ``\\uNNNN`` or ``\\UNNNNNNNN``, and a backslash becomes ``\\\\``;
:func:`unescape_name` gives the original back (``os.fsencode`` of it, the file name's bytes).
The same escaping keeps every other text field of the CSV, the progress bar and the summary
printable. Entries that are not regular files (symbolic links, folders, FIFOs, sockets,
devices) are never opened or followed; each gets an ``invalid`` row that says what it is.

Limits on a submission are explicit and checked before any kernel starts, so a verdict
never depends on how busy the machine is: at most :data:`MAX_SUBMISSION_BYTES` bytes,
:data:`MAX_CELLS` code cells and :data:`MAX_CELL_BYTES` bytes of source in any one cell.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import pathlib
import secrets
import stat
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed

from .._files import atomic_write, code_sources, sha256_bytes
from .._validation import check_int, check_number
from . import checks, core, sandbox
from .exercise_limits import gpu_warning, limits_for

STATUSES = ("graded", "timeout", "memory", "crashed", "invalid", "empty", "error")
FIXED_COLUMNS_AFTER = ("total", "max", "status", "reasons", "sha256")
#: The largest submission file that is read and graded (64 MiB); a larger one is ``invalid``.
MAX_SUBMISSION_BYTES = 64 << 20
#: The most code cells a graded notebook may have; more is ``invalid``, before any kernel starts.
MAX_CELLS = 2_000
#: The most bytes of source (UTF-8) in any one code cell (1 MiB); more is ``invalid``.
MAX_CELL_BYTES = 1 << 20
_FORMULA_START = tuple("=+-@\t\r")
_SHORT_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NOT_A_FILE = ((stat.S_ISLNK, "symlink", "a symbolic link, which is not followed (copy the notebook itself "
                "into the folder)"),
               (stat.S_ISDIR, "folder", "a folder, not a notebook file"),
               (stat.S_ISFIFO, "fifo", "a FIFO (named pipe), not a regular file"),
               (stat.S_ISSOCK, "socket", "a socket, not a regular file"),
               (stat.S_ISCHR, "device", "a character device, not a regular file"),
               (stat.S_ISBLK, "device", "a block device, not a regular file"))


def _escape(text: str, backslash: str) -> str:
    out = []
    for char in text:
        code = ord(char)
        if char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char] if char != "\\" else backslash)
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as os.fsdecode keeps it
            out.append(f"\\x{code - 0xDC00:02x}")
        elif char.isprintable():
            out.append(char)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out)


def escape_name(name: str) -> str:
    r"""A file name as printable text, reversibly (see the module docstring and :func:`unescape_name`).

    >>> import os
    >>> escape_name(os.fsdecode(b"Jos\xe9 \x1b[31mred\\x.ipynb"))
    'Jos\\xe9 \\u001b[31mred\\\\x.ipynb'
    >>> os.fsencode(unescape_name(escape_name(os.fsdecode(b"Jos\xe9.ipynb"))))
    b'Jos\xe9.ipynb'
    """
    return _escape(name, "\\\\")


def unescape_name(text: str) -> str:
    """The file name that :func:`escape_name` turned into ``text`` (undecodable bytes as ``os.fsdecode`` has them)."""
    out, i = [], 0
    simple = {"\\": "\\", "n": "\n", "r": "\r", "t": "\t"}
    widths = {"x": 2, "u": 4, "U": 8}
    while i < len(text):
        char = text[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        kind = text[i + 1] if i + 1 < len(text) else ""
        if kind in simple:
            out.append(simple[kind])
            i += 2
        elif kind in widths and len(text) >= i + 2 + widths[kind]:
            digits = text[i + 2:i + 2 + widths[kind]]
            try:
                code = int(digits, 16)
            except ValueError:
                raise ValueError(f"text has a malformed escape {text[i:i + 2 + widths[kind]]!r} at {i}") from None
            out.append(chr(0xDC00 + code) if kind == "x" else chr(code))
            i += 2 + widths[kind]
        else:
            raise ValueError(f"text has a malformed escape {text[i:i + 2]!r} at {i}")
    return "".join(out)


def printable(text: str) -> str:
    """``text`` with every character that does not print escaped as in :func:`escape_name`.

    Backslashes are left alone, so applying it twice changes nothing: it is for messages
    (reasons, notes) on their way to a terminal or the CSV, not for names.
    """
    return _escape(str(text), "\\")


@dataclasses.dataclass(frozen=True)
class Submission:
    student: str  # the escaped name (see escape_name): the gradebook's key
    path: pathlib.Path
    data: bytes | None  # None when the file is not read (too large, not a regular file)
    sha256: str
    problem: str = ""  # why the entry cannot be graded without opening it: a link, a folder, too large...


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
    """Every visible entry directly in ``folder``, read now (later changes do not count).

    Regular files are read (opened without following links and without blocking, checked to
    be regular once open, read up to :data:`MAX_SUBMISSION_BYTES`); any other entry gets a
    :class:`Submission` with ``problem`` set and is never opened.
    """
    base = folder.resolve()
    with os.scandir(folder) as entries:
        names = sorted(e.name for e in entries if not e.name.startswith("."))
    names = [n for n in names if base / n not in exclude]
    stems = Counter(pathlib.PurePath(n).stem for n in names)
    found = []
    for name in names:
        stem = pathlib.PurePath(name).stem
        student = escape_name(stem if stems[stem] == 1 and stem else name)
        data, sha, problem = read_entry(folder / name)
        found.append(Submission(student, folder / name, data, sha, problem))
    return found


def read_entry(path: pathlib.Path) -> tuple[bytes | None, str, str]:
    """``(data, sha256, problem)`` for one entry of the submissions folder; never follows or blocks.

    ``problem`` is empty for a regular file of at most :data:`MAX_SUBMISSION_BYTES`, whose
    bytes are ``data``. Otherwise ``data`` is None, ``problem`` says why, and ``sha256`` is a
    marker of what was found (``"not-a-file:symlink"``, ``"too-large:N"``), so that a re-run
    skips it while it stays the same.
    """
    try:
        info = os.lstat(path)
    except OSError as exc:
        return None, "missing", f"it could not be read ({exc.strerror})"
    for test, short, words in _NOT_A_FILE:
        if test(info.st_mode):
            return None, f"not-a-file:{short}", f"it is {words}"
    if not stat.S_ISREG(info.st_mode):
        return None, "not-a-file:other", "it is not a regular file"
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return None, "missing", f"it could not be read ({exc.strerror})"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between lstat and open
            return None, "not-a-file:other", "it is not a regular file"
        chunks, size = [], 0
        while size <= MAX_SUBMISSION_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_SUBMISSION_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        return None, "missing", f"it could not be read ({exc.strerror})"
    finally:
        os.close(fd)
    if size > MAX_SUBMISSION_BYTES:
        total = max(size, info.st_size)
        return None, f"too-large:{total}", f"the file is larger than {MAX_SUBMISSION_BYTES >> 20} MB"
    data = b"".join(chunks)
    return data, sha256_bytes(data), ""


def _sha_of_file(path: pathlib.Path) -> str:
    return read_entry(path)[1]


def read_notebook(name: str, data: bytes | None) -> tuple[list[str] | None, str, str]:
    """``(code cells, status, reason)``: cells when gradable, else ``invalid``/``empty`` and why."""
    if data is None:
        return None, "invalid", f"the file is larger than {MAX_SUBMISSION_BYTES >> 20} MB"
    if len(data) > MAX_SUBMISSION_BYTES:
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
    limit = _over_cell_limits(raw)
    if limit:
        return None, "invalid", limit
    try:
        import nbformat

        notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - any way of not being a notebook
        return None, "invalid", f"not a notebook: {type(exc).__name__}: {str(exc)[:120]}"
    cells = code_sources(notebook)
    limit = _over_cell_limits({"cells": [{"cell_type": "code", "source": c} for c in cells]})
    if limit:
        return None, "invalid", limit
    if not any(c.strip() for c in cells):
        return None, "empty", "the notebook has no code to run"
    return cells, "graded", ""


def _over_cell_limits(raw: dict) -> str:
    """Why the notebook's code cells exceed :data:`MAX_CELLS` or :data:`MAX_CELL_BYTES`, or ``""``."""
    cells = raw.get("cells")
    if not isinstance(cells, list):  # the old nbformat 3 layout: nbformat converts it, and we look again
        return ""
    code = [c for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
    if len(code) > MAX_CELLS:
        return f"the notebook has {len(code)} code cells; the limit is {MAX_CELLS:,}"
    for number, cell in enumerate(code, 1):
        source = cell.get("source", "")
        source = "".join(s for s in source if isinstance(s, str)) if isinstance(source, list) else source
        size = len(source.encode("utf-8", "surrogatepass")) if isinstance(source, str) else 0
        if size > MAX_CELL_BYTES:
            return f"code cell {number} has {size:,} bytes of source; the limit is {MAX_CELL_BYTES:,} per cell"
    return ""


# -- one submission ----------------------------------------------------------------------------

def _zero_report(exercise: str, parts: list[core.Part], reason: str) -> core.Report:
    return core.Report(exercise, tuple(core.PartResult(p.name, 0, p.points, reason) for p in parts))


def grade_submission(exercise: str, parts: list[core.Part], submission: Submission, limits: sandbox.Limits, *,
                     extra_env: dict | None = None, cancel: threading.Event | None = None,
                     require_isolation: bool = False) -> Graded | None:
    """Grade one submission; never raises for anything the submission does. None if cancelled."""
    import numpy as np

    started = time.monotonic()
    if submission.problem:
        reason = f"not graded: {submission.problem}"
        return Graded(submission.student, "invalid", submission.sha256, _zero_report(exercise, parts, reason), [reason])
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
    if path.is_dir():
        raise IsADirectoryError(f"notebook must be a notebook file, got {printable(str(path))!r}, which is a folder; "
                                "give a notebook file")
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(f"notebook must be an existing file, got {printable(str(path))!r} (not found)")
    if part is not None:
        names = [p.name for p in parts]
        if part not in names:
            raise ValueError(f"part must be one of {names} for {exercise}, got {part!r}")
        parts = [p for p in parts if p.name == part]
    data, sha, problem = read_entry(path)
    if problem.startswith("it is a symbolic link"):  # a link the user named themselves is fine to follow
        data, sha, problem = read_entry(path.resolve())
    submission = Submission(escape_name(path.stem), path, data, sha, problem)
    limits = limits or limits_for(exercise)
    graded = grade_submission(exercise, parts, submission, limits, require_isolation=require_isolation)
    gpu = gpu_warning(exercise, limits)
    if gpu:
        graded.notes.insert(0, gpu)
    return graded


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
        row = {k: printable(v) if isinstance(v, str) else v for k, v in rows[student].items()}
        row["student"], row["reasons"] = _safe(row["student"]), _safe(row["reasons"])
        writer.writerow(row)
    atomic_write(path, text.getvalue().encode("utf-8"))


def read_csv(path: pathlib.Path, part_names: list[str]) -> dict[str, dict]:
    """Rows of an existing gradebook; refuses one written for other parts, or one it cannot trust.

    Every row is checked here, before anything is graded: points, ``total`` and ``max`` must be
    whole numbers and ``status`` one of :data:`STATUSES`; a field too large for Python's csv
    module, a file that is not UTF-8, or a broken row is a :class:`ValueError` naming the line.
    """
    shown = printable(str(path))
    advice = "fix or move that file, or choose another out file (--force regrades everything into it)"
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            if header != columns(part_names):
                raise ValueError(f"out: {shown} has columns {[printable(h) for h in header][:20]}, but grading now "
                                 f"gives {columns(part_names)}; pass force=True (--force) to regrade everything into "
                                 "it, or choose another out file")
            rows = {}
            for row in reader:
                problem = _row_problem(row, part_names)
                if problem:
                    raise ValueError(f"out: {shown}, line {reader.line_num}: {problem}; {advice}")
                row["student"] = _unsafe(row["student"])
                rows[row["student"]] = row
    except csv.Error as exc:
        line = f", line {reader.line_num}" if "reader" in locals() else ""
        raise ValueError(f"out: {shown}{line} is not a CSV file this grader wrote ({exc}); {advice}") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"out: {shown} is not UTF-8 text (byte {exc.start}); {advice}") from None
    return rows


def _row_problem(row: dict, part_names: list[str]) -> str:
    if None in row or any(v is None for v in row.values()):
        return "the row does not have one value per column"
    for column in (*part_names, "total", "max"):
        value = row[column]
        if not value.strip().lstrip("-").isdigit() or not value.isascii():
            return f"{column} should be a whole number of points, got {printable(value[:40])!r}"
    if row["status"] not in STATUSES:
        return f"status should be one of {list(STATUSES)}, got {printable(row['status'][:40])!r}"
    return ""


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
    outputs: list = dataclasses.field(default_factory=list)  # what reports.write_all wrote beside the CSV

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
        if self.outputs:
            lines.append("also wrote: " + ", ".join(p.name for p in self.outputs))
        if self.changed_originals:
            lines.append("WARNING: these submission files changed while grading (the snapshot taken at the start "
                         f"was graded): {', '.join(self.changed_originals)}")
        return "\n".join(lines)


def grade(exercise: str, submissions: str | os.PathLike, out: str | os.PathLike = "grades.csv", *,
          workers: int | None = None, force: bool = False, extra_checks: str | os.PathLike | None = None,
          limits: sandbox.Limits | None = None, progress: bool = True, extra_env: dict | None = None,
          echo=print, require_isolation: bool = False, reports: bool = False, canvas_assignment: str | None = None,
          similarity_threshold: float = 0.9) -> Summary:
    """Grade every submission in ``submissions`` into the CSV ``out``; see the module docstring.

    Args:
        exercise: exercise id, e.g. ``"u1.activations"``.
        submissions: folder of submitted notebooks (one file per student).
        out: the gradebook CSV; existing rows are kept and not regraded unless ``force``.
        workers: parallel kernels; defaults to the number of CPU cores.
        force: regrade everything.
        extra_checks: folder with instructor-only checks modules (``u1/activations.py``, or the
            older flat name ``u1_activations.py``).
        limits: time and memory limits per submission (default: the exercise's, from
            :func:`~course_lib.grading.exercise_limits.limits_for`).
        progress: show a progress bar on stderr.
        extra_env: extra environment variables for the kernels.
        require_isolation: refuse to grade (:class:`~course_lib.grading.sandbox.IsolationUnavailable`)
            where bubblewrap does not work; otherwise that is only warned about, once, on stderr
            and in the summary.
        reports: also write, once the CSV is final, the HTML report, the feedback files, the Canvas
            and Gradescope CSVs and the similarity pairs beside it (:mod:`course_lib.grading.reports`;
            ``course grade`` does so unless ``--no-reports``). A failing report is a warning on stderr.
        canvas_assignment: the Canvas export's assignment column (default: the exercise id).
        similarity_threshold: the score from which two submissions' answers are listed as similar.
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
    similarity_threshold = check_number("similarity_threshold", similarity_threshold, 0.0, 1.0)
    limits = limits or limits_for(exercise)  # the manifest's limits for this exercise, else the defaults
    gpu = gpu_warning(exercise, limits)
    if gpu:
        print(f"WARNING: {gpu}.", file=sys.stderr)
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
    part_names = [p.name for p in parts]
    rows = {} if force or not out.exists() else read_csv(out, part_names)  # refuse a broken gradebook first
    found = find_submissions(folder, exclude={out.resolve()})
    if not found:
        raise FileNotFoundError(f"submissions: no files in {str(folder)!r}; expected one notebook per student "
                                "(hidden files are ignored)")
    skipped = [s.student for s in found if s.student in rows and rows[s.student].get("sha256") == s.sha256
               and rows[s.student].get("status") != "error"]
    pending = [s for s in found if s.student not in skipped]
    write_csv(out, part_names, rows)

    cancel = threading.Event()
    graded_now, outcomes = [], {}
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
            outcomes[graded.student] = graded
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
    changed = [s.student for s in found if _sha_of_file(s.path) != s.sha256]
    summary = Summary(exercise, out, part_names, {p.name: p.points for p in parts}, rows, graded_now, skipped,
                      changed, workers, time.monotonic() - started, isolation.describe())
    if reports:  # the CSV is final: nothing below can change or lose it
        from . import reports as _reports

        try:
            shipped = {p.name for p in checks.load(exercise)}
            summary.outputs = _reports.write_all(summary, outcomes, found, hidden=set(part_names) - shipped,
                                                 canvas_assignment=canvas_assignment,
                                                 similarity_threshold=similarity_threshold)
        except Exception as exc:  # noqa: BLE001 - reports never cost the gradebook, which is already written
            print(f"WARNING: no reports were written ({type(exc).__name__}: {printable(str(exc))[:300]}); "
                  f"the gradebook {printable(str(out))} is complete", file=sys.stderr)
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
