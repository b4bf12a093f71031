"""The grader against patched judging (issue 9, class 5), odd files in the batch (class 6),
and the grading commands' messages for bad input (class 7).

The class 5 tests run real sandboxes (two small notebooks, no TensorFlow); the class 6 and
7 tests build their submissions here and, where a kernel is needed, keep it to one or two.
"""

import csv
import json
import os
import pathlib
import socket

import numpy as np
import pytest

from course_lib import cli, grading
from course_lib.grading import gradebook, probe, sandbox

from _notebooks import answer_cells, notebook

ROOT = pathlib.Path(__file__).resolve().parents[1]
FULL = 11
LIMITS = sandbox.Limits(timeout_s=20, memory_mb=600)



SOLUTION = ["import numpy as np", *answer_cells("solutions/u1/activations.ipynb")]



# -- class 5: patching NumPy, the builtins or json inside the kernel changes no verdict ----------

# Two answers worth 9/11: softmax changes its argument in place (it loses softmax's 2 points),
# sigmoid is the naive 1 / (1 + e^-x), which overflows at x = -1000 (it loses sigmoid's 2).
INPLACE_SOFTMAX = """
def softmax(z):
    z -= z.max(axis=-1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
"""
NAIVE_SIGMOID = """
def sigmoid(x):
    return 1 / (1 + np.exp(-np.asarray(x, dtype=float)))
"""

# Lies told only to the probe (the caller's code is the probe's), so that the kernel itself,
# IPython and the student's own functions keep working: every comparison says "equal", arrays
# are not arrays, lengths and absolute values are 0, np.errstate does nothing, and json drops
# the record of an in-place change. Each of these once decided, or could decide, a verdict.
# (A no-op np.errstate costs any answer the sigmoid part, whose overflow check needs it, so
# only the naive sigmoid, which loses that part anyway, gets that lie.)
PATCH_JUDGING = '''
import builtins, contextlib, json, sys
import numpy as np

PROBE_FILES = {PROBE_FILES!r}

def _lie_to_probe(real, lie):
    def patched(*args, **kwargs):
        if sys._getframe(1).f_code.co_filename in PROBE_FILES:
            return lie(*args, **kwargs)
        return real(*args, **kwargs)
    return patched

def _scrub(value):
    if type(value) is dict:
        return {{k: _scrub(v) for k, v in value.items() if k not in ("mutated", "held")}}
    if type(value) is list:
        return [_scrub(v) for v in value]
    return value

_isinstance = builtins.isinstance
np.array_equal = _lie_to_probe(np.array_equal, lambda *a, **k: True)
np.allclose = _lie_to_probe(np.allclose, lambda *a, **k: True)
np.isclose = _lie_to_probe(np.isclose, lambda *a, **k: np.True_)
if {ERRSTATE}:
    np.errstate = _lie_to_probe(np.errstate, lambda *a, **k: contextlib.nullcontext())
    np.seterr = _lie_to_probe(np.seterr, lambda *a, **k: {{}})
builtins.isinstance = _lie_to_probe(builtins.isinstance,
                                    lambda obj, kind: False if kind is np.ndarray else _isinstance(obj, kind))
builtins.len = _lie_to_probe(builtins.len, lambda obj: 0)
builtins.abs = _lie_to_probe(builtins.abs, lambda obj: 0)
builtins.callable = _lie_to_probe(builtins.callable, lambda obj: True)
json.dumps = _lie_to_probe(json.dumps, lambda obj, *a, **k: json.JSONEncoder().encode(_scrub(obj)))
json.dump = _lie_to_probe(json.dump, lambda obj, fh, *a, **k: fh.write(json.JSONEncoder().encode(_scrub(obj))))
'''


def patch_judging(probe_files: set[str], errstate: bool) -> str:
    return PATCH_JUDGING.format(PROBE_FILES=set(probe_files), ERRSTATE=errstate)


@pytest.mark.slow
def test_patched_numpy_builtins_and_json_in_the_kernel_change_no_verdict(tmp_path):
    """A 9/11 answer with the patches still scores 9/11, through real sandboxes.

    With the probe that compared inputs with np.array_equal inside the kernel, the in-place
    softmax scored 11/11 (the issue's case), and a no-op np.errstate let the naive sigmoid pass.
    """
    folder = tmp_path / "subs"
    folder.mkdir()
    probe_file = {"<course_lib grading probe>"}
    (folder / "inplace.ipynb").write_bytes(notebook(*SOLUTION, INPLACE_SOFTMAX, patch_judging(probe_file, False)))
    (folder / "naive.ipynb").write_bytes(notebook(*SOLUTION, NAIVE_SIGMOID, patch_judging(probe_file, True)))
    (folder / "control.ipynb").write_bytes(notebook(*SOLUTION, INPLACE_SOFTMAX))  # the same answer, unpatched
    out = tmp_path / "grades.csv"
    summary = gradebook.grade("u1.activations", folder, out, workers=2, limits=LIMITS, progress=False, echo=None)
    rows = summary.rows
    assert {s: (rows[s]["status"], int(rows[s]["total"])) for s in rows} == {
        "inplace": ("graded", FULL - 2), "naive": ("graded", FULL - 2), "control": ("graded", FULL - 2)}, rows
    assert str(rows["inplace"]["softmax"]) == "0" and "changed its argument z in place" in rows["inplace"]["reasons"]
    assert rows["control"]["reasons"] == rows["inplace"]["reasons"]
    assert str(rows["naive"]["sigmoid"]) == "0" and "floating-point error handling" in rows["naive"]["reasons"]


def test_patched_judging_in_process_changes_no_verdict():
    """check() in a notebook takes the same path: the same lies, in this process, change nothing."""
    saved = {"array_equal": np.array_equal, "allclose": np.allclose, "isclose": np.isclose,
             "errstate": np.errstate, "seterr": np.seterr}
    import builtins
    import json as json_module

    saved_builtins = {k: getattr(builtins, k) for k in ("isinstance", "len", "abs", "callable")}
    saved_json = {"dumps": json_module.dumps, "dump": json_module.dump}
    for answer, part in ((INPLACE_SOFTMAX, "softmax"), (NAIVE_SIGMOID, "sigmoid")):
        namespace = {}
        for cell in SOLUTION + [answer]:
            exec(cell, namespace)
        try:
            exec(patch_judging({probe.__file__}, part == "sigmoid"), {})
            with np.errstate(all="ignore"):
                report = grading.run_checks("u1.activations", namespace)
        finally:
            for k, v in saved.items():
                setattr(np, k, v)
            for k, v in saved_builtins.items():
                setattr(builtins, k, v)
            for k, v in saved_json.items():
                setattr(json_module, k, v)
        assert report.total == FULL - 2, report.lines()
        assert [p.name for p in report.parts if not p.passed] == [part], report.lines()


def test_an_input_that_does_not_read_back_fails_its_call():
    """No copy of the argument after the call, or one of another class, dtype or shape: the call fails."""
    plan_parts = grading.checks.load("u1.activations")
    calls, wire = grading.core.make_plan(plan_parts, 3)
    namespace = {}
    for cell in SOLUTION:
        exec(cell, namespace)
    results = grading.core.roundtrip(probe.run_plan(namespace, wire))
    assert grading.core.judge(plan_parts, calls, results, "u1.activations").total == FULL
    for forge in ({}, {"args": {}}, {"args": {"0": {"class": "mine.Array"}}}):
        broken = json.loads(json.dumps(results))
        for result in broken["softmax"]:
            result["after"] = forge
        report = grading.core.judge(plan_parts, calls, broken, "u1.activations")
        (failed,) = [p for p in report.parts if not p.passed]
        assert failed.name == "softmax" and ("could not read back" in failed.reason or "in place" in failed.reason)


# -- class 6: every file name and file type in the submissions folder -----------------------------

STUB = ["import numpy as np", *answer_cells("exercises/u1/activations.ipynb")]
LATIN1 = b"Jos\xe9 M\xfcller.ipynb"  # not UTF-8: how LMS zip exports often name files
EVIL = "\x1b[2J\x1b]0;pwned\x07evil\r.ipynb"  # clear screen, set the window title, bell, carriage return


def test_escaped_names_round_trip_and_print():
    rng = np.random.default_rng(0)
    names = [LATIN1, EVIL.encode(), b"back\\slash\\x41.ipynb", "tab\tnew\nline\u202e\u200b.ipynb".encode(),
             "emoji \U0001F600 é.ipynb".encode()]
    names += [bytes(rng.integers(1, 256, size=12).tolist()).replace(b"/", b"_") for _ in range(200)]
    for raw in names:
        escaped = gradebook.escape_name(os.fsdecode(raw))
        assert escaped.isprintable(), escaped
        assert os.fsencode(gradebook.unescape_name(escaped)) == raw
        assert gradebook.printable(escaped) == escaped  # printing an escaped name changes nothing
    assert gradebook.escape_name(os.fsdecode(LATIN1)) == "Jos\\xe9 M\\xfcller.ipynb"
    assert gradebook.escape_name(EVIL) == "\\u001b[2J\\u001b]0;pwned\\u0007evil\\r.ipynb"
    with pytest.raises(ValueError, match="malformed escape"):
        gradebook.unescape_name("bad\\q")


def test_cell_limits_are_explicit_and_checked_without_a_kernel():
    many = notebook(*(["x = 1"] * 5000))
    cells, status, reason = gradebook.read_notebook("many.ipynb", many)
    assert (cells, status) == (None, "invalid") and "5000 code cells; the limit is 2,000" in reason
    big = notebook("x = '" + "a" * gradebook.MAX_CELL_BYTES + "'")
    cells, status, reason = gradebook.read_notebook("big.ipynb", big)
    assert status == "invalid" and f"the limit is {gradebook.MAX_CELL_BYTES:,} per cell" in reason
    at_limit = notebook(*(["x = 1"] * gradebook.MAX_CELLS))
    assert gradebook.read_notebook("ok.ipynb", at_limit)[1] == "graded"


@pytest.fixture(scope="module")
def odd_batch(tmp_path_factory):
    """One batch with odd names and odd file types; grading is recorded, the output captured."""
    import concurrent.futures
    import contextlib
    import io
    import tempfile

    root = tmp_path_factory.mktemp("odd")
    folder = root / "subs"
    folder.mkdir()
    outside = root / "outside.ipynb"
    outside.write_bytes(notebook(*SOLUTION))
    (folder / "good.ipynb").write_bytes(notebook(*SOLUTION))
    (folder / os.fsdecode(LATIN1)).write_bytes(notebook(*SOLUTION))
    (folder / EVIL).write_bytes(notebook(*STUB, "raise RuntimeError('\\x1b[2J boom')"))
    (folder / "many_cells.ipynb").write_bytes(notebook(*(["x = 1"] * 5000)))
    (folder / "link.ipynb").symlink_to(outside)
    (folder / "link_to_zero.ipynb").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe.ipynb")
    (folder / "folder.ipynb").mkdir()
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "sock.ipynb"))
    started = []
    real_execute = sandbox.execute

    def recording_execute(cells, **kwargs):
        started.append(kwargs["notebook_name"])
        return real_execute(cells, **kwargs)

    scratch = root / "scratch"
    scratch.mkdir()
    out = root / "book" / "grades.csv"
    out.parent.mkdir()
    saved = tempfile.tempdir
    stderr, stdout = io.StringIO(), io.StringIO()
    try:
        tempfile.tempdir = str(scratch)
        sandbox.execute = recording_execute
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
            with concurrent.futures.ThreadPoolExecutor(1) as pool:  # a followed FIFO would block: fail, not hang
                summary = pool.submit(gradebook.grade, "u1.activations", folder, out, workers=2, limits=LIMITS,
                                      progress=True).result(timeout=120)
            again = gradebook.grade("u1.activations", folder, out, workers=2, limits=LIMITS, progress=False)
    finally:
        sandbox.execute = real_execute
        tempfile.tempdir = saved
        sock.close()
    return {"summary": summary, "again": again, "out": out, "started": started, "scratch": scratch,
            "terminal": stderr.getvalue() + stdout.getvalue(), "outside": outside}


def test_every_entry_gets_one_row_and_odd_types_are_invalid_without_being_opened(odd_batch):
    rows = odd_batch["summary"].rows
    latin1 = gradebook.escape_name(os.fsdecode(LATIN1[:-len(b".ipynb")]))
    evil = gradebook.escape_name(EVIL[:-len(".ipynb")])
    assert sorted(rows) == sorted(["good", latin1, evil, "many_cells", "link", "link_to_zero", "pipe", "folder",
                                   "sock"])
    status = {s: (rows[s]["status"], int(rows[s]["total"])) for s in rows}
    assert status["good"] == status[latin1] == ("graded", FULL)
    assert status[evil] == ("graded", 0)
    for name, words in [("link", "symbolic link, which is not followed"), ("link_to_zero", "symbolic link"),
                        ("pipe", "FIFO"), ("folder", "a folder"), ("sock", "a socket"),
                        ("many_cells", "5000 code cells; the limit is 2,000")]:
        assert status[name] == ("invalid", 0) and words in rows[name]["reasons"], rows[name]
    # Only the three real notebooks reached a kernel; links, FIFOs, folders and the 5,000 cells never did.
    assert sorted(odd_batch["started"]) == sorted(["good.ipynb", os.fsdecode(LATIN1), EVIL])


def test_names_and_messages_reach_the_csv_and_terminal_only_escaped(odd_batch):
    text = odd_batch["out"].read_text(encoding="utf-8")
    assert all(c.isprintable() or c in "\r\n" for c in text), [c for c in set(text) if not c.isprintable()]
    with open(odd_batch["out"], newline="", encoding="utf-8") as fh:
        students = {row["student"] for row in csv.DictReader(fh)}
    originals = {os.fsencode(gradebook.unescape_name(s)) for s in students}
    assert {LATIN1[:-6], EVIL.encode()[:-6], b"good"} <= originals  # reversible to the file's own bytes
    assert "\\u001b[2J boom" in text  # the cell's message, escaped
    terminal = odd_batch["terminal"]
    assert "\x1b[2J" not in terminal and "\x07" not in terminal and "pwned" not in terminal.replace("\\u001b]0;pwned", "")


def test_the_batch_leaves_no_temporary_files_and_reruns_skip_everything(odd_batch):
    assert list(odd_batch["scratch"].iterdir()) == []
    assert [p.name for p in odd_batch["out"].parent.iterdir()] == ["grades.csv"]
    again = odd_batch["again"]
    assert again.graded_now == [] and sorted(again.skipped) == sorted(odd_batch["summary"].rows)
    assert odd_batch["outside"].read_bytes() == notebook(*SOLUTION)


# -- class 7: the grading commands' messages ---------------------------------------------------------

def run_cli(argv, capsys):
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("source, message", [
    ("raise RuntimeError('the hidden checks are broken')",
     "raised RuntimeError: the hidden checks are broken"),
    ("def judge(:\n    pass\n", "does not parse: invalid syntax (line 1)"),
    ("import sys\nsys.exit(3)\n", "raised SystemExit: 3"),
])
def test_extra_checks_that_raise_or_do_not_parse_give_a_message(tmp_path, capsys, source, message):
    (tmp_path / "hidden").mkdir()
    path = tmp_path / "hidden" / "u1_activations.py"
    path.write_text(source)
    (tmp_path / "subs").mkdir()
    code, _, err = run_cli(["grade", "u1.activations", str(tmp_path / "subs"), "--out", str(tmp_path / "g.csv"),
                            "--extra-checks", str(tmp_path / "hidden"), "--no-progress"], capsys)
    assert code == 2 and err.startswith("course grade: extra_checks: ") and str(path) in err and message in err, err
    assert "Traceback" not in err


def _gradebook_with(tmp_path, **changes) -> pathlib.Path:
    parts = [p.name for p in grading.checks.load("u1.activations")]
    row = {"student": "ann", **{p: 0 for p in parts}, "total": 0, "max": FULL, "status": "graded",
           "reasons": "", "sha256": "x"}
    row.update(changes)
    path = tmp_path / "g.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=gradebook.columns(parts))
        writer.writeheader()
        writer.writerow(row)
    return path


@pytest.mark.parametrize("changes, message", [
    ({"reasons": "x" * 200_000}, "is not a CSV file this grader wrote (field larger than field limit"),
    ({"total": "eleven"}, "line 2: total should be a whole number of points, got 'eleven'"),
    ({"sigmoid": "2.5"}, "line 2: sigmoid should be a whole number of points, got '2.5'"),
    ({"status": "great"}, "line 2: status should be one of"),
])
def test_a_broken_existing_gradebook_is_refused_before_grading(tmp_path, capsys, monkeypatch, changes, message):
    out = _gradebook_with(tmp_path, **changes)
    before = out.read_bytes()
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "bob.ipynb").write_bytes(notebook(*SOLUTION))
    monkeypatch.setattr(sandbox, "execute", lambda *a, **k: pytest.fail("graded before refusing the gradebook"))
    code, _, err = run_cli(["grade", "u1.activations", str(tmp_path / "subs"), "--out", str(out), "--no-progress"],
                           capsys)
    assert code == 2 and err.startswith(f"course grade: out: {out}") and message in err, err
    assert "Traceback" not in err and out.read_bytes() == before


def test_course_check_on_a_folder_says_it_is_a_folder(tmp_path, capsys):
    code, _, err = run_cli(["check", "u1.activations", str(tmp_path)], capsys)
    assert code == 2 and "which is a folder; give a notebook file" in err and "not found" not in err, err
