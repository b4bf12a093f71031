"""What ``course grade`` writes beside the CSV (issue 16, part 3): the HTML report, feedback
files, the Canvas and Gradescope exports and the similarity pairs.

The report functions run on synthetic entries (no kernel); one end-to-end ``gradebook.grade``
grades three small submissions of u1.activations in real sandboxes and checks every output.
"""

import copy
import csv
import io
import json
import pathlib
import re

import pytest

from course_lib import cli
from course_lib._files import notebook_cells, read_notebook
from course_lib.grading import core, gradebook, reports, sandbox

ROOT = pathlib.Path(__file__).resolve().parents[1]
STUB = read_notebook(ROOT / "exercises/u1/activations.ipynb")
SOLUTION = read_notebook(ROOT / "solutions/u1/activations.ipynb")
# Generous: three kernels start at once beside the other pytest worker; a 60 s limit graded a
# correct submission 0 by timeout on a loaded CI machine (a flake, not a grading error).
LIMITS = sandbox.Limits(timeout_s=240, memory_mb=1000)
PARTS = ["sigmoid", "softmax", "hidden_one"]
MAX = {"sigmoid": 2, "softmax": 2, "hidden_one": 1}

# The solution with every local name changed, comments added and blank lines moved: a copy.
RENAMES = {"small": "e_neg", "exps": "numerators", "shifted": "centred", "log_probs": "logp", "loss": "per_example",
           "s": "sg", "t": "th"}
# A correct solution written independently: other constructions for every function.
INDEPENDENT = {
    "sigmoid": '''def sigmoid(x):
    arr = np.asarray(x, dtype=float)
    out = np.empty_like(arr)
    pos = arr >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-arr[pos]))
    ez = np.exp(arr[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out''',
    "sigmoid_grad": "def sigmoid_grad(x):\n    return sigmoid(x) * sigmoid(-np.asarray(x, dtype=float))",
    "tanh_grad": "def tanh_grad(x):\n    return 1.0 / np.cosh(x) ** 2",
    "leaky_relu": '''def leaky_relu(x, alpha=0.01):
    a = np.array(x, dtype=float)
    return np.maximum(a, 0) + alpha * np.minimum(a, 0)


def leaky_relu_grad(x, alpha=0.01):
    g = np.full(np.shape(x), alpha)
    g[np.asarray(x) > 0] = 1.0
    return g''',
    "softmax": '''def softmax(z):
    m = np.max(z, axis=-1, keepdims=True)
    e = np.exp(np.asarray(z, dtype=float) - m)
    total = np.sum(e, axis=-1, keepdims=True)
    return e / total''',
    "cross_entropy": '''def cross_entropy(y_true, y_pred):
    eps = 1e-12
    logs = np.log(np.maximum(y_pred, eps))
    return -(np.asarray(y_true) * logs).sum(axis=-1)''',
    "softmax_cross_entropy": '''def softmax_cross_entropy(y_true, logits):
    p = softmax(logits)
    lse = np.log(np.sum(np.exp(logits - logits.max(-1, keepdims=True)), -1)) + logits.max(-1)
    losses = lse - np.sum(y_true * logits, axis=-1)
    return losses, p - y_true''',
}


def answers(notebook: dict) -> list[dict]:
    return [c for c in notebook_cells(notebook, "code") if "answer" in c["metadata"].get("tags", [])]


def variant(notebook: dict, change) -> dict:
    """A copy of ``notebook`` whose answer cells' sources went through ``change(source)``."""
    out = copy.deepcopy(notebook)
    for cell in answers(out):
        cell["source"] = change("".join(cell["source"]))
    return out


def renamed(source: str) -> str:
    for old, new in RENAMES.items():
        source = re.sub(rf"\b{old}\b", new, source)
    return "# my own work, honestly\n" + source.replace("\n    return", "\n\n    # the result\n    return")


def independent(source: str) -> str:
    name = re.match(r"def (\w+)", source).group(1)
    return INDEPENDENT[name]


def entry(student, points, reasons=(), status="graded", seconds=None, notes=()):
    reasons = dict(reasons)
    return reports.Entry(student, status, tuple(core.PartResult(p, points[i], MAX[p], reasons.get(p, ""))
                                                for i, p in enumerate(PARTS)), tuple(notes), seconds)


ENTRIES = [
    entry("ada", [2, 2, 1], seconds=3.5),
    entry("bob", [0, 2, 0], {"sigmoid": "sigmoid(-1000.0) overflowed: got nan at index 3",
                             "hidden_one": "SECRET input x=0.4242 gave 7"}, seconds=9.25),
    entry("cy", [0, 0, 0], {"sigmoid": "sigmoid(-1000.0) overflowed: got nan at index 17",
                            "softmax": "softmax(z) changed its argument z in place"}, seconds=1.0),
    entry("=cmd|' /C calc'!A0", [0, 0, 0], status="error",
          notes=["grader error, retried on the next run: OSError: disk"]),
]


# -- the pieces, on synthetic entries ---------------------------------------------------------------

def test_reasons_group_once_numbers_are_stripped():
    common = reports.frequent_reasons(ENTRIES, "sigmoid")
    assert common == [("sigmoid(#) overflowed: got nan at index #", 2)]
    assert reports.frequent_reasons(ENTRIES, "softmax") == [("softmax(z) changed its argument z in place", 1)]
    invalid = entry("dee", [0, 0, 0], {p: "not a notebook: broken JSON" for p in PARTS}, status="invalid")
    assert reports.frequent_reasons([*ENTRIES, invalid], "softmax") == reports.frequent_reasons(ENTRIES, "softmax")


def test_feedback_shows_marks_points_and_reasons_but_hides_hidden_checks(tmp_path):
    text = reports.feedback_markdown(ENTRIES[1], "u1.activations", hidden={"hidden_one"})
    assert "| ❌ | sigmoid | 0/2 | sigmoid(-1000.0) overflowed: got nan at index 3 |" in text
    assert "| ✅ | softmax | 2/2 | passed |" in text
    assert f"| ❌ | hidden_one | 0/1 | {reports.HIDDEN_REASON} |" in text
    assert "SECRET" not in text and "0.4242" not in text
    assert "**Total: 2/5**" in text
    # Without the hidden set the same reason would show: the hiding is what the test is about.
    assert "SECRET input" in reports.feedback_markdown(ENTRIES[1], "u1.activations")
    written = reports.write_feedback(tmp_path / "fb", ENTRIES, "u1.activations", hidden={"hidden_one"})
    names = sorted(p.name for p in (tmp_path / "fb").iterdir())
    assert len(names) == len(ENTRIES) + 1 and "index.csv" in names
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", n) for n in names), names
    assert written["ada"].name == "ada.md"
    evil = written["=cmd|' /C calc'!A0"].name
    assert re.fullmatch(r"cmd_C_calc_A0-[0-9a-f]{8}\.md", evil), evil
    with open(tmp_path / "fb" / "index.csv", newline="", encoding="utf-8") as fh:
        index = {row["student"]: row["file"] for row in csv.DictReader(fh)}
    assert index["'=cmd|' /C calc'!A0"] == evil  # the spreadsheet never runs it as a formula
    assert "grader had a problem" in written["=cmd|' /C calc'!A0"].read_text(encoding="utf-8")


def test_feedback_names_are_unique_even_when_names_collide():
    taken = set()
    names = [reports.feedback_name(s, taken) for s in ["a b", "a_b", "A_B", "a?b", "..", ".hidden", "a_b"]]
    assert len({n.lower() for n in names}) == len(names), names
    assert names[1] == "a_b.md" and not any(n.startswith(".") for n in names)


def test_canvas_export_header_and_row():
    rows = list(csv.reader(io.StringIO(reports.canvas_csv(ENTRIES, "Activations (1234)"))))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Activations (1234)"]
    assert rows[1] == ["'=cmd|' /C calc'!A0", "", "", "'=cmd|' /C calc'!A0", "", ""]  # error: blank
    assert rows[2] == ["ada", "", "", "ada", "", "5"]
    assert rows[3] == ["bob", "", "", "bob", "", "2"]


def test_gradescope_export_header_and_row():
    rows = list(csv.reader(io.StringIO(reports.gradescope_csv(ENTRIES, PARTS, MAX))))
    assert rows[0] == ["Name", "SID", "Email", "Total Score", "Max Points", "Status",
                       "sigmoid (2 pts)", "softmax (2 pts)", "hidden_one (1 pts)"]
    assert rows[3] == ["bob", "", "", "2", "5", "graded", "0", "2", "0"]
    assert rows[1][3:6] == ["", "5", "error"] and rows[1][6:] == ["", "", ""]


def test_a_row_read_back_from_the_csv_gives_the_same_entry():
    graded = gradebook.Graded("cy", "graded", "0" * 64, core.Report("u1.activations", ENTRIES[2].parts),
                              ["cell 3 raised ValueError: bad | worse"])
    row = {k: str(v) for k, v in graded.row().items()}
    back = reports.Entry.from_row(row, PARTS, MAX)
    assert back.parts == ENTRIES[2].parts and back.notes == ("cell 3 raised ValueError: bad", "worse")
    assert back.seconds is None


def test_html_report_is_self_contained_and_shows_every_section():
    pairs = [("ada", "bob", 0.97, 120, 118)]
    page = reports.html_report("u1.activations", ENTRIES, PARTS, MAX, pairs, 0.9)
    for heading in ["Score distribution", "Status counts", "Parts", "Points per part",
                    "Most frequent reasons per part", "Slowest submissions", "Similar submissions"]:
        assert f">{heading}<" in page, heading
    assert page.count('src="data:image/png;base64,') == 4
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing is fetched
    slow = page.index("Slowest submissions")
    assert page.index("bob", slow) < page.index("ada", slow) < page.index("cy", slow)  # 9.25 s, 3.5 s, 1.0 s
    assert "<td>2</td><td>sigmoid(#) overflowed: got nan at index #</td>" in page
    assert "<td>0.97</td>" in page
    many = [(f"s{i}", f"t{i}", 0.95, 30, 30) for i in range(60)]
    page = reports.html_report("u1.activations", ENTRIES, PARTS, MAX, many, 0.9)
    assert page.count("<td>0.95</td>") == 50 and "The 50 highest of 60 pairs" in page
    hostile = entry("<script>alert(1)</script>", [0, 0, 0], {"sigmoid": "<img src=x onerror=alert(1)>"}, seconds=1)
    page = reports.html_report("u1.activations", [hostile], PARTS, MAX)
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x" in page


# -- similarity -------------------------------------------------------------------------------------

def test_copies_with_other_names_and_comments_flag_and_independent_work_does_not():
    stub = notebook_cells(STUB)
    codes = {"solution": reports.answer_code(SOLUTION, stub),
             "copy": reports.answer_code(variant(SOLUTION, renamed), stub),
             "independent": reports.answer_code(variant(SOLUTION, independent), stub)}
    assert codes["copy"] != codes["solution"]  # the text really differs
    scores = {(a, b): s for a, b, s, *_ in reports.similar_pairs(codes, threshold=0.0)}
    assert scores[("copy", "solution")] == 1.0
    assert scores[("independent", "solution")] < 0.6 and scores[("copy", "independent")] < 0.6, scores
    assert [p[:2] for p in reports.similar_pairs(codes)] == [("copy", "solution")]


def test_untouched_stubs_are_never_compared():
    stub = notebook_cells(STUB)
    assert reports.answer_code(STUB, stub) == []
    without_tags = copy.deepcopy(STUB)
    for cell in without_tags["cells"]:
        cell["metadata"].pop("tags", None)
    assert reports.answer_code(without_tags, stub) == []  # found by cell id, then left out as the stub
    half = copy.deepcopy(SOLUTION)
    answers(half)[0]["source"] = answers(STUB)[0]["source"]  # sigmoid left as the stub
    assert len(reports.answer_code(half, stub)) == len(answers(SOLUTION)) - 1
    codes = {f"s{i}": reports.answer_code(STUB, stub) for i in range(5)}
    assert reports.similar_pairs(codes, threshold=0.0) == []
    # Even with no stub at hand, cells that still raise NotImplementedError are left out.
    assert reports.answer_code(STUB, []) == []


def test_code_tokens_ignore_names_comments_docstrings_and_layout():
    a = 'def f(x):\n    """Doc."""\n    # comment\n    y = np.exp(x)\n\n    return y + 1\n'
    b = "def g(v):\n    w = np.exp(v)  # other comment\n    return w + 1"
    assert reports.code_tokens(a) == reports.code_tokens(b)
    assert reports.code_tokens(a) != reports.code_tokens(b.replace("exp", "tanh"))  # attributes are kept
    assert reports.code_tokens(a) != reports.code_tokens(b.replace("+ 1", "+ 2"))
    assert reports.code_tokens("%matplotlib inline\nx = 1") == reports.code_tokens("y = 1")
    assert reports.code_tokens("def (:") == ["def", "(:"]  # broken code falls back to its words


def test_bad_threshold_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"threshold must be a number in \[0, 1\], got 1.5"):
        reports.similar_pairs({}, threshold=1.5)


# -- end to end ---------------------------------------------------------------------------------------

HIDDEN = '''
import numpy as np
from course_lib.grading.core import Call, Fail, Part

def plan(rng):
    return [Call("x", "sigmoid", (np.array([0.4242]),))]

def judge(obs):
    raise Fail("SECRET-INPUT 0.4242 was checked")

PARTS = [Part("secret", 1, ("sigmoid",), plan, judge)]
'''


@pytest.fixture(scope="module")
def graded_batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("reports")
    folder = root / "subs"
    folder.mkdir()
    (folder / "alice.ipynb").write_text(json.dumps(SOLUTION), encoding="utf-8")
    (folder / "bert.ipynb").write_text(json.dumps(variant(SOLUTION, renamed)), encoding="utf-8")
    (folder / "carl.ipynb").write_text(json.dumps(STUB), encoding="utf-8")
    (root / "hidden").mkdir()
    (root / "hidden" / "u1_activations.py").write_text(HIDDEN, encoding="utf-8")
    out = root / "book" / "grades.csv"
    out.parent.mkdir()
    summary = gradebook.grade("u1.activations", folder, out, workers=3, limits=LIMITS, progress=False, echo=None,
                              extra_checks=root / "hidden", reports=True, canvas_assignment="Activations (77)")
    return {"summary": summary, "out": out, "folder": folder, "hidden": root / "hidden"}


def test_grading_writes_every_output_beside_the_csv(graded_batch):
    summary, out = graded_batch["summary"], graded_batch["out"]
    totals = {s: int(summary.rows[s]["total"]) for s in summary.rows}
    # the hidden part fails for all: 11 of 12; on a failure the rows say why
    assert totals == {"alice": 11, "bert": 11, "carl": 0}, {s: dict(r) for s, r in summary.rows.items()}
    paths = reports.output_paths(out)
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(
        ["grades.csv", "grades_report.html", "grades_feedback", "grades_canvas.csv", "grades_gradescope.csv",
         "grades_similarity.csv"])
    assert sorted(summary.outputs) == sorted(paths.values())
    assert "also wrote: grades_similarity.csv, grades_report.html" in summary.text()

    with open(paths["similarity"], newline="", encoding="utf-8") as fh:
        pairs = list(csv.DictReader(fh))
    assert [(p["student_a"], p["student_b"], p["score"]) for p in pairs] == [("alice", "bert", "1.000")]

    feedback = {p.name: p.read_text(encoding="utf-8") for p in paths["feedback"].iterdir()}
    assert sorted(feedback) == ["alice.md", "bert.md", "carl.md", "index.csv"]
    assert "| ✅ | softmax | 2/2 | passed |" in feedback["alice.md"]
    assert "| ❌ | softmax | 0/2 |" in feedback["carl.md"] and "not implemented yet" in feedback["carl.md"]
    for name, text in feedback.items():
        assert "SECRET" not in text and "0.4242" not in text, name
    assert reports.HIDDEN_REASON in feedback["alice.md"] and "**Total: 11/12**" in feedback["alice.md"]

    page = paths["report"].read_text(encoding="utf-8")
    assert "SECRET-INPUT # was checked" in page  # the instructor sees hidden reasons, grouped
    assert "<td>alice</td><td>bert</td><td>1.0</td>" in page
    canvas = list(csv.reader(paths["canvas"].open(newline="", encoding="utf-8")))
    assert canvas[0][-1] == "Activations (77)" and canvas[1] == ["alice", "", "", "alice", "", "11"]
    gradescope = list(csv.DictReader(paths["gradescope"].open(newline="", encoding="utf-8")))
    assert gradescope[2]["Name"] == "carl" and gradescope[2]["Total Score"] == "0"
    assert gradescope[0]["secret (1 pts)"] == "0" and gradescope[0]["Max Points"] == "12"


def test_a_failing_report_is_a_warning_and_the_rest_stay(graded_batch, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(reports, "html_report", broken)
    out = graded_batch["out"]
    before = out.read_bytes()
    again = gradebook.grade("u1.activations", graded_batch["folder"], out, workers=1, progress=False, echo=None,
                            extra_checks=graded_batch["hidden"], reports=True)
    assert again.graded_now == [] and out.read_bytes() == before
    assert "WARNING: the report output (grades_report.html) was not written: RuntimeError: no fonts" \
        in capsys.readouterr().err
    assert reports.output_paths(out)["report"] not in again.outputs and len(again.outputs) == 4
    # Rows from the earlier run are rebuilt from the CSV: the feedback keeps their reasons.
    assert "not implemented yet" in (reports.output_paths(out)["feedback"] / "carl.md").read_text(encoding="utf-8")


def test_the_cli_writes_reports_by_default_and_not_with_no_reports(graded_batch, tmp_path, capsys):
    out = tmp_path / "g.csv"
    prior = graded_batch["out"].read_text(encoding="utf-8")  # reuse the graded rows: nothing is regraded
    out.write_text(prior, encoding="utf-8")
    argv = ["grade", "u1.activations", str(graded_batch["folder"]), "--out", str(out), "--no-progress",
            "--extra-checks", str(graded_batch["hidden"])]
    assert cli.main([*argv, "--no-reports"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.csv"]
    assert cli.main(argv) == 0
    assert (tmp_path / "g_report.html").is_file() and (tmp_path / "g_canvas.csv").is_file()
    assert cli.main([*argv, "--similarity-threshold", "2"]) == 2
    assert "similarity_threshold must be a number in [0, 1], got 2" in capsys.readouterr().err
