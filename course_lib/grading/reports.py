"""What ``course grade`` writes beside the CSV: an HTML report, feedback files, LMS exports, similarity flags.

For a gradebook ``grades.csv`` the outputs are (:func:`output_paths`):

* ``grades_report.html``: one self-contained page (charts are inline PNG, nothing is
  fetched): the score distribution, each part's pass rate and points, the status counts,
  the most frequent reasons per part (numbers replaced by ``#`` so that one mistake made on
  different random inputs counts once), the slowest submissions of this run, and the
  similarity pairs.
* ``grades_feedback/``: one Markdown file per student (``✅``/``❌`` per part, points,
  reasons, total), plus ``index.csv`` mapping each student to their file. A hidden part
  (``--extra-checks``) shows its points only; its reason is replaced by :data:`HIDDEN_REASON`,
  so no hidden input reaches a student.
* ``grades_canvas.csv``: Canvas's gradebook import format (see :func:`canvas_csv`).
* ``grades_gradescope.csv``: a Gradescope-style score sheet (see :func:`gradescope_csv`).
* ``grades_similarity.csv``: pairs of submissions whose answer cells are near-identical
  once names, comments, docstrings and layout are normalised (see :func:`similar_pairs`):
  for the instructor to review, never a penalty.

>>> code_tokens("total = x + 1  # add one") == code_tokens("s = y + 1")
True
>>> normalise_reason("softmax(z) differs at [3, 1]: got 0.25, expected 0.5")
'softmax(z) differs at [#, #]: got #, expected #'
"""

from __future__ import annotations

import base64
import builtins
import csv
import dataclasses
import difflib
import html
import io
import json
import keyword
import pathlib
import re
import sys
import tokenize
from collections import Counter

from .._files import atomic_write, cell_source, notebook_cells, sha256_bytes
from .._validation import check_number
from . import core, gradebook

#: What a student's feedback says instead of a hidden part's reason.
HIDDEN_REASON = "hidden check: the instructor's own test; its inputs and details are not shown"
ANSWER_TAG = "answer"
CANVAS_FIXED = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
GRADESCOPE_FIXED = ("Name", "SID", "Email", "Total Score", "Max Points", "Status")
SIMILARITY_COLUMNS = ("student_a", "student_b", "score", "tokens_a", "tokens_b")
#: Answers shorter than this many tokens (after normalising) are not compared: short answers look alike.
MIN_TOKENS = 20
_NUMBER = re.compile(r"(?<![A-Za-z_])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_STUB_MARKER = re.compile(r"^\s*raise NotImplementedError\b", re.M)
_BUILTINS = frozenset(dir(builtins))
_SKIPPED_TOKENS = (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER)
_LAYOUT = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)


# -- what is known about each student ---------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Entry:
    """One student's outcome, from this run's :class:`~course_lib.grading.gradebook.Graded` or a CSV row."""

    student: str
    status: str
    parts: tuple[core.PartResult, ...]
    notes: tuple[str, ...] = ()
    seconds: float | None = None  # known for submissions graded in this run only

    @property
    def total(self) -> int:
        return sum(p.points for p in self.parts)

    @property
    def max_points(self) -> int:
        return sum(p.max_points for p in self.parts)

    @classmethod
    def from_graded(cls, graded: gradebook.Graded) -> Entry:
        return cls(graded.student, graded.status, tuple(graded.report.parts), tuple(graded.notes), graded.seconds)

    @classmethod
    def from_row(cls, row: dict, part_names: list[str], max_points: dict[str, int]) -> Entry:
        """Rebuild an entry from a gradebook row (a submission graded by an earlier run).

        ``reasons`` is ``notes | part: reason | ...``, the failed parts in order; a segment
        that starts with a failed part's name opens that part, any other continues the
        previous one (or is a note, before the first part).
        """
        points = {name: int(row[name]) for name in part_names}
        failed = [n for n in part_names if points[n] != max_points[n]]
        notes, reasons, current = [], {}, None
        text = row.get("reasons") or ""
        for segment in text.split(" | ") if text else []:
            opener = next((n for n in failed if n not in reasons and segment.startswith(f"{n}: ")), None)
            if opener is not None:
                current = opener
                reasons[opener] = segment[len(opener) + 2:]
            elif current is None:
                notes.append(segment)
            else:
                reasons[current] += " | " + segment
        parts = tuple(core.PartResult(n, points[n], max_points[n], reasons.get(n, "")) for n in part_names)
        return cls(row["student"], row["status"], parts, tuple(notes))


def normalise_reason(reason: str) -> str:
    """``reason`` with every number replaced by ``#``, so one mistake on different inputs groups together."""
    return _NUMBER.sub("#", reason).strip()


# -- feedback files -----------------------------------------------------------------------------------

def feedback_name(student: str, taken: set[str]) -> str:
    """A file name for ``student``'s feedback: ASCII letters, digits, ``.``, ``_``, ``-`` only, unique in ``taken``.

    A name that had to change (or that clashes, ignoring case) gets 8 hex digits of its
    SHA-256, so two students never share a file. ``taken`` holds lower-cased names and is updated.

    >>> taken = set()
    >>> feedback_name("ada", taken), feedback_name("Ada", taken)[:4], feedback_name("../x", taken)[:2]
    ('ada.md', 'Ada-', 'x-')
    """
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", student).strip("._")[:80] or "student"
    if safe != student or safe.lower() + ".md" in taken:
        safe = f"{safe}-{sha256_bytes(student.encode('utf-8', 'surrogatepass'))[:8]}"
    name, n = f"{safe}.md", 1
    while name.lower() in taken:
        n += 1
        name = f"{safe}-{n}.md"
    taken.add(name.lower())
    return name


def _md(text: str) -> str:
    """Student-controlled text for Markdown: printable, no HTML, no table or emphasis surprises."""
    return html.escape(gradebook.printable(text), quote=False).replace("`", "'")


def feedback_markdown(entry: Entry, exercise: str, hidden: set[str] = frozenset()) -> str:
    """One student's feedback: a ✅/❌ line per part with points and reason, then the total."""
    lines = [f"# Feedback: {exercise}", "", f"Student: `{_md(entry.student)}`  ", f"Status: {entry.status}", ""]
    if entry.notes:
        lines += ["Notes from running your notebook:", ""] + [f"- {_md(n)}" for n in entry.notes] + [""]
    lines += ["| | part | points | reason |", "|---|---|---|---|"]
    for part in entry.parts:
        mark = "✅" if part.passed else "❌"
        if part.name in hidden:
            reason = "passed (hidden check)" if part.passed else HIDDEN_REASON
        else:
            reason = _md(part.reason) if part.reason else ("passed" if part.passed else "")
        lines.append(f"| {mark} | {_md(part.name)} | {part.points}/{part.max_points} | {reason.replace('|', '&#124;')} |")
    lines += ["", f"**Total: {entry.total}/{entry.max_points}**", ""]
    if entry.status == "error":
        lines += ["The grader had a problem on its side with this submission; it will be graded again.", ""]
    return "\n".join(lines)


def write_feedback(folder: pathlib.Path, entries: list[Entry], exercise: str,
                   hidden: set[str] = frozenset()) -> dict[str, pathlib.Path]:
    """Write every student's feedback file and ``index.csv`` (student, file) into ``folder``."""
    folder.mkdir(exist_ok=True)
    taken, written = {"index.csv"}, {}
    for entry in sorted(entries, key=lambda e: e.student):
        path = folder / feedback_name(entry.student, taken)
        atomic_write(path, feedback_markdown(entry, exercise, hidden).encode("utf-8"))
        written[entry.student] = path
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(["student", "file"])
    for student, path in written.items():
        writer.writerow([gradebook._safe(student), path.name])
    atomic_write(folder / "index.csv", text.getvalue().encode("utf-8"))
    return written


# -- exports for learning-management systems ----------------------------------------------------------

def _score(entry: Entry) -> str:
    return "" if entry.status == "error" else str(entry.total)  # a grader fault is not a zero


def canvas_csv(entries: list[Entry], assignment: str) -> str:
    """Canvas's gradebook import: ``Student, ID, SIS User ID, SIS Login ID, Section, <assignment>``.

    We know students only by file name, so ``Student`` and ``SIS Login ID`` hold it and ``ID``,
    ``SIS User ID`` and ``Section`` stay empty; fill them (or name files by SIS login) before
    importing. Canvas matches an existing assignment by the id in ``"Name (1234)"``; a bare name
    creates a new column. Rows with status ``error`` have an empty score, not 0.
    """
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([*CANVAS_FIXED, assignment])
    for entry in sorted(entries, key=lambda e: e.student):
        name = gradebook._safe(entry.student)
        writer.writerow([name, "", "", name, "", _score(entry)])
    return text.getvalue()


def gradescope_csv(entries: list[Entry], part_names: list[str], max_points: dict[str, int]) -> str:
    """A Gradescope-style sheet: ``Name, SID, Email, Total Score, Max Points, Status``, then ``<part> (<n> pts)``.

    ``Name`` is the student (file name); ``SID`` and ``Email`` are empty (unknown to us);
    ``Status`` is the gradebook's status. Scores of ``error`` rows are empty.
    """
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([*GRADESCOPE_FIXED, *(f"{n} ({max_points[n]} pts)" for n in part_names)])
    for entry in sorted(entries, key=lambda e: e.student):
        points = {p.name: p.points for p in entry.parts}
        error = entry.status == "error"
        writer.writerow([gradebook._safe(entry.student), "", "", _score(entry), entry.max_points, entry.status,
                         *("" if error else points[n] for n in part_names)])
    return text.getvalue()


# -- similarity -----------------------------------------------------------------------------------------

def code_tokens(source: str) -> list[str]:
    """The tokens of ``source`` with names, comments, docstrings and layout normalised.

    Each name that is not a keyword, a builtin or an attribute becomes ``v0``, ``v1``... in
    order of first appearance; comments, blank lines and statements that are only a string
    (docstrings) go; IPython ``%`` and ``!`` lines go. Code that does not tokenize falls
    back to its words.
    """
    text = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))) + "\n"
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type not in _SKIPPED_TOKENS]
    except (tokenize.TokenError, SyntaxError):
        return text.split()
    names, out, skip = {}, [], set()
    for i, tok in enumerate(tokens):
        before = tokens[i - 1] if i else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if i in skip:
            continue
        if (tok.type == tokenize.STRING and (before is None or before.type in _LAYOUT)
                and (after is None or after.type == tokenize.NEWLINE)):
            skip.add(i + 1)  # a docstring or a bare string statement, and the end of its line
            continue
        if (tok.type == tokenize.NAME and not keyword.iskeyword(tok.string) and tok.string not in _BUILTINS
                and not (before is not None and before.string == ".")):
            out.append(names.setdefault(tok.string, f"v{len(names)}"))
        elif tok.type in _LAYOUT:
            out.append(tokenize.tok_name[tok.type])
        else:
            out.append(tok.string)
    while out and out[-1] in ("NEWLINE", "DEDENT"):
        out.pop()
    return out


def stub_cells(exercise: str) -> list[dict]:
    """The exercise stub's cells from the manifest's checkout, or ``[]`` where it is not at hand."""
    try:
        from .. import manifest

        stub = next(e.stub for e in manifest.load().exercises if e.id == exercise)
        return notebook_cells(manifest.repo_root() / stub)
    except Exception:  # noqa: BLE001 - an installed package without the notebooks: no stub to compare with
        return []


def answer_code(notebook: dict, stub: list[dict]) -> list[str]:
    """The student's own answers: the notebook's answer cells, minus those the student left as the stub.

    Answer cells are those tagged ``answer``; where a notebook lost its tags, the cells with
    the stub's answer cells' ids; where those are gone too, every code cell that is not one
    of the stub's other code cells. A cell whose normalised tokens equal a stub answer cell,
    or that still raises ``NotImplementedError``, is left out, so untouched stubs never match.
    """
    cells = [c for c in notebook_cells(notebook, "code") if isinstance(c, dict)]
    stub_code = [c for c in stub if c.get("cell_type") == "code"]
    stub_answers = [c for c in stub_code if ANSWER_TAG in c.get("metadata", {}).get("tags", [])]
    chosen = [c for c in cells if ANSWER_TAG in (c.get("metadata") or {}).get("tags", [])]
    if not chosen:
        ids = {c.get("id") for c in stub_answers} - {None}
        chosen = [c for c in cells if c.get("id") in ids]
    if not chosen:
        fixed = {cell_source(c).strip() for c in stub_code if c not in stub_answers}
        chosen = [c for c in cells if cell_source(c).strip() not in fixed]
    left_alone = {tuple(code_tokens(cell_source(c))) for c in stub_answers}
    return [cell_source(c) for c in chosen
            if tuple(code_tokens(cell_source(c))) not in left_alone and not _STUB_MARKER.search(cell_source(c))]


def similar_pairs(codes: dict[str, list[str]], threshold: float = 0.9,
                  min_tokens: int = MIN_TOKENS) -> list[tuple[str, str, float, int, int]]:
    """``(student_a, student_b, score, tokens_a, tokens_b)`` for every pair scoring at least ``threshold``.

    ``codes`` maps each student to their answer cells' sources (:func:`answer_code`). The score
    is :class:`difflib.SequenceMatcher`'s ratio of the two normalised token sequences
    (:func:`code_tokens`, the cells joined in order): 1.0 for code that differs only in names,
    comments and layout. Students with fewer than ``min_tokens`` tokens are not compared.
    Highest score first.
    """
    threshold = check_number("threshold", threshold, 0.0, 1.0)
    tokens = {s: [t for cell in cells for t in (*code_tokens(cell), "CELL")] for s, cells in codes.items()}
    tokens = {s: t for s, t in tokens.items() if len(t) - t.count("CELL") >= min_tokens}
    students = sorted(tokens)
    found = []
    for i, a in enumerate(students):
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(tokens[a])
        for b in students[i + 1:]:
            matcher.set_seq1(tokens[b])
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            score = matcher.ratio()
            if score >= threshold:
                found.append((a, b, round(score, 3), len(tokens[a]), len(tokens[b])))
    return sorted(found, key=lambda p: (-p[2], p[0], p[1]))


def submission_codes(submissions: list[gradebook.Submission], stub: list[dict]) -> dict[str, list[str]]:
    """Each readable notebook's own answers (:func:`answer_code`); unreadable files are left out."""
    codes = {}
    for sub in submissions:
        if sub.data is None or not sub.path.name.lower().endswith(".ipynb"):
            continue
        try:
            notebook = json.loads(sub.data.decode("utf-8"))
            if isinstance(notebook, dict):
                codes[sub.student] = answer_code(notebook, stub)
        except (ValueError, TypeError, AttributeError, RecursionError):
            continue
    return codes


def similarity_csv(pairs: list[tuple]) -> str:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(SIMILARITY_COLUMNS)
    for a, b, score, na, nb in pairs:
        writer.writerow([gradebook._safe(a), gradebook._safe(b), f"{score:.3f}", na, nb])
    return text.getvalue()


# -- the HTML report --------------------------------------------------------------------------------------

def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return f'<img alt="chart" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _charts(entries: list[Entry], part_names: list[str], max_points: dict[str, int]) -> dict[str, str]:
    from matplotlib.figure import Figure  # no pyplot: no backend, no global state

    total_max = sum(max_points.values())
    charts = {}
    fig = Figure(figsize=(6, 3.2))
    ax = fig.add_subplot()
    ax.hist([e.total for e in entries], bins=range(0, total_max + 2), align="left", rwidth=0.85, color="#4477aa")
    ax.set(xlabel=f"total points (of {total_max})", ylabel="submissions", title="Score distribution")
    ax.set_xlim(-0.7, total_max + 0.7)
    charts["scores"] = _png(fig)

    fig = Figure(figsize=(6, 0.4 * len(part_names) + 1.2))
    ax = fig.add_subplot()
    rates = [100 * sum(e.parts[i].passed for e in entries) / len(entries) for i in range(len(part_names))]
    ax.barh(part_names[::-1], rates[::-1], color="#228833")
    ax.set(xlabel="submissions with full marks (%)", ylabel="part", title="Pass rate per part", xlim=(0, 100))
    charts["pass_rates"] = _png(fig)

    columns = min(4, len(part_names))
    rows = -(-len(part_names) // columns)
    fig = Figure(figsize=(2.6 * columns, 2.2 * rows))
    for i, name in enumerate(part_names):
        ax = fig.add_subplot(rows, columns, i + 1)
        ax.hist([e.parts[i].points for e in entries], bins=range(0, max_points[name] + 2), align="left",
                rwidth=0.8, color="#66ccee")
        ax.set_xticks(range(0, max_points[name] + 1))
        ax.set(xlabel="points", ylabel="submissions", title=name)
    fig.tight_layout()
    charts["part_points"] = _png(fig)

    counts = Counter(e.status for e in entries)
    fig = Figure(figsize=(6, 2.8))
    ax = fig.add_subplot()
    shown = [s for s in gradebook.STATUSES if counts[s]]
    ax.bar(shown, [counts[s] for s in shown], color="#ccbb44")
    ax.set(xlabel="status", ylabel="submissions", title="Status counts")
    charts["statuses"] = _png(fig)
    return charts


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(gradebook.printable(str(c)))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def frequent_reasons(entries: list[Entry], part: str, top: int = 5) -> list[tuple[str, int]]:
    """The ``top`` most frequent normalised reasons for losing points on ``part``, with their counts.

    Only ``graded`` submissions count: the others lost every part for one reason, their status.
    """
    reasons = Counter(normalise_reason(p.reason) for e in entries if e.status == "graded" for p in e.parts
                      if p.name == part and not p.passed and p.reason)
    return reasons.most_common(top)


def html_report(exercise: str, entries: list[Entry], part_names: list[str], max_points: dict[str, int],
                pairs: list[tuple] = (), threshold: float = 0.9, slowest: int = 10, max_pairs: int = 50) -> str:
    """The whole report page as one string (see the module docstring)."""
    esc = html.escape
    n = len(entries)
    total_max = sum(max_points.values())
    sections = [f"<h1>Gradebook report: {esc(exercise)}</h1>",
                f"<p>{n} submission(s); maximum {total_max} points.</p>"]
    if n:
        totals = sorted(e.total for e in entries)
        mean = sum(totals) / n
        median = (totals[(n - 1) // 2] + totals[n // 2]) / 2
        sections.append(f"<p>Mean {mean:.2f}, median {median:g}, full marks {sum(t == total_max for t in totals)}"
                        f" of {n}.</p>")
        charts = _charts(entries, part_names, max_points)
        counts = Counter(e.status for e in entries)
        sections += ["<h2>Score distribution</h2>", charts["scores"],
                     "<h2>Status counts</h2>", charts["statuses"],
                     _table(["status", "submissions"], [[s, counts[s]] for s in gradebook.STATUSES if counts[s]]),
                     "<h2>Parts</h2>", charts["pass_rates"],
                     _table(["part", "points", "full marks", "pass rate", "mean points"],
                            [[p, max_points[p], sum(e.parts[i].passed for e in entries),
                              f"{100 * sum(e.parts[i].passed for e in entries) / n:.0f}%",
                              f"{sum(e.parts[i].points for e in entries) / n:.2f}"]
                             for i, p in enumerate(part_names)]),
                     "<h3>Points per part</h3>", charts["part_points"],
                     "<h2>Most frequent reasons per part</h2>",
                     "<p>Numbers are replaced by # so that the same mistake on different inputs counts once.</p>"]
        for part in part_names:
            common = frequent_reasons(entries, part)
            if common:
                sections += [f"<h3>{esc(part)}</h3>", _table(["submissions", "reason"], [[c, r] for r, c in common])]
        timed = sorted((e for e in entries if e.seconds is not None), key=lambda e: -e.seconds)[:slowest]
        sections.append("<h2>Slowest submissions</h2>")
        if timed:
            sections += ["<p>Wall time of submissions graded in this run (earlier runs' rows have no time).</p>",
                         _table(["student", "seconds", "status", "total"],
                                [[e.student, f"{e.seconds:.1f}", e.status, e.total] for e in timed])]
        else:
            sections.append("<p>No submission was graded in this run, so no times are known.</p>")
    sections += ["<h2>Similar submissions</h2>",
                 f"<p>Pairs whose answer cells score at least {threshold:g} after normalising names, comments and "
                 "layout (1.0: the same code). For review only: similar code is not proof of copying, and no "
                 "score is changed.</p>"]
    sections.append(_table(list(SIMILARITY_COLUMNS), [list(p) for p in pairs[:max_pairs]]) if pairs
                    else "<p>No pair above the threshold.</p>")
    if len(pairs) > max_pairs:
        sections.append(f"<p>The {max_pairs} highest of {len(pairs)} pairs; the similarity CSV lists them all.</p>")
    style = ("body{font-family:sans-serif;max-width:1100px;margin:1em auto;padding:0 1em}"
             "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.2em .6em;"
             "text-align:left;vertical-align:top}th{background:#eee}img{max-width:100%}")
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Report: {esc(exercise)}</title>"
            f"<style>{style}</style></head><body>{''.join(sections)}</body></html>")


# -- everything, beside the CSV ------------------------------------------------------------------------

def output_paths(out: pathlib.Path) -> dict[str, pathlib.Path]:
    """Where each output goes, for the gradebook CSV ``out``."""
    out = pathlib.Path(out)
    stem = out.stem
    return {"report": out.with_name(f"{stem}_report.html"), "feedback": out.with_name(f"{stem}_feedback"),
            "canvas": out.with_name(f"{stem}_canvas.csv"), "gradescope": out.with_name(f"{stem}_gradescope.csv"),
            "similarity": out.with_name(f"{stem}_similarity.csv")}


def entries_of(summary: gradebook.Summary, graded: dict[str, gradebook.Graded]) -> list[Entry]:
    """Every row of the gradebook as an :class:`Entry`: this run's in full, earlier ones rebuilt from the CSV."""
    return [Entry.from_graded(graded[s]) if s in graded else
            Entry.from_row(summary.rows[s], summary.part_names, summary.max_points) for s in sorted(summary.rows)]


def write_all(summary: gradebook.Summary, graded: dict[str, gradebook.Graded],
              submissions: list[gradebook.Submission], *, hidden: set[str] = frozenset(),
              canvas_assignment: str | None = None, similarity_threshold: float = 0.9,
              warn=None) -> list[pathlib.Path]:
    """Write every output of :func:`output_paths`; return those written.

    Each output is written on its own: one that fails is reported through ``warn`` (default:
    a ``WARNING`` line on stderr) and the others, and the CSV, stay.
    """
    warn = warn or (lambda message: print(message, file=sys.stderr))
    paths = output_paths(summary.out)
    entries = entries_of(summary, graded)
    written: list[pathlib.Path] = []
    pairs: list[tuple] = []

    def attempt(name, action):
        try:
            action()
            written.append(paths[name])
        except Exception as exc:  # noqa: BLE001 - a report must never cost the gradebook
            warn(f"WARNING: the {name} output ({paths[name].name}) was not written: "
                 f"{type(exc).__name__}: {gradebook.printable(str(exc))[:300]}")

    def similarity():
        pairs.extend(similar_pairs(submission_codes(submissions, stub_cells(summary.exercise)), similarity_threshold))
        atomic_write(paths["similarity"], similarity_csv(pairs).encode("utf-8"))

    attempt("similarity", similarity)
    attempt("report", lambda: atomic_write(paths["report"], html_report(
        summary.exercise, entries, summary.part_names, summary.max_points, pairs,
        similarity_threshold).encode("utf-8")))
    attempt("feedback", lambda: write_feedback(paths["feedback"], entries, summary.exercise, hidden))
    attempt("canvas", lambda: atomic_write(paths["canvas"], canvas_csv(
        entries, canvas_assignment or summary.exercise).encode("utf-8")))
    attempt("gradescope", lambda: atomic_write(paths["gradescope"], gradescope_csv(
        entries, summary.part_names, summary.max_points).encode("utf-8")))
    return written
