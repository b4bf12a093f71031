"""The sandboxed grader: one batch of hostile submissions, resuming, crash safety, the CLI.

Every hostile submission is generated here. The batch is graded once, with two workers
and short limits, and each case is then checked against its own row.
"""

import contextlib
import csv
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest

from course_lib import cli
from course_lib.grading import checks, gradebook, sandbox

from _notebooks import answer_cells, notebook

ROOT = pathlib.Path(__file__).resolve().parents[1]
FULL = 11
LIMITS = sandbox.Limits(timeout_s=10, memory_mb=600)

pytestmark = pytest.mark.slow



SOLUTION = ["import numpy as np", *answer_cells("solutions/u1/activations.ipynb")]
STUB = ["import numpy as np", *answer_cells("exercises/u1/activations.ipynb")]



FORGED_LINES = "\n".join(["✅ sigmoid  2/2", "✅ softmax  2/2", "Score: 11/11"])

# The probe arrives as `exec(compile(...), module)` in a cell: hijack it, write our own results file
# with the right nonce and plausible-looking values, and claim every part passed.
HIJACK_CHANNEL = '''
import builtins, json
import numpy as np
_real_exec = builtins.exec

def exec(code, globs=None, locs=None):
    if isinstance(globs, dict) and "grading" in str(globs.get("__name__")):
        _real_exec(code, globs, locs)  # load the real probe, then replace its entry point

        def run_plan(namespace, plan, on_part=None):
            parts = {}
            for part, calls in plan["parts"].items():
                parts[part] = []
                for call in calls:
                    arg = call["args"][0] if call["args"] else {"value": 0.0}
                    shape = list(np.shape(arg.get("array", arg.get("value"))))
                    fake = {"ok": True, "type": "array", "shape": shape, "value": np.full(shape, 0.5).tolist(),
                            "passed": True, "score": 11}
                    parts[part].append(fake)
                if on_part is not None:
                    on_part(parts)
            return parts
        globs["run_plan"] = run_plan
        return None
    return _real_exec(code, globs, locs)

builtins.exec = exec
'''

PATCH_EVERYTHING = f'''
import builtins, numpy as np
import course_lib.grading as grading
from course_lib.grading import core
from course_lib.grading.checks.u1 import activations as u1_activations

def check(*args, **kwargs):
    print({FORGED_LINES!r})

grading.check = check
core.judge = lambda parts, calls, results, exercise, seed=None: core.Report(exercise, tuple(
    core.PartResult(p.name, p.points, p.points) for p in parts))
for part in u1_activations.PARTS:
    object.__setattr__(part, "judge", lambda obs: None)
np.isclose = lambda *a, **k: np.True_
np.allclose = lambda *a, **k: True
builtins.print({FORGED_LINES!r})
check("u1.activations")
'''

CASES = {
    # name: (file name, content, expected status, text expected in reasons, expected total)
    "good": ("good.ipynb", notebook(*SOLUTION), "graded", None, FULL),
    "stub": ("stub.ipynb", notebook(*STUB), "graded", "not implemented yet", 0),
    "infinite_loop": ("infinite_loop.ipynb", notebook(*SOLUTION, "while True:\n    pass"), "timeout",
                      "exceeded the time limit of 10 s in code cell 9 (`while True:`)", 0),
    "hangs_in_check": ("hangs_in_check.ipynb", notebook(*SOLUTION, "def softmax(z):\n    while True:\n        pass"),
                       "timeout", "exceeded the time limit of 10 s while running the checks, in part 'softmax' "
                       "(earlier parts were checked)", 6),
    "memory_hog": ("memory_hog.ipynb", notebook(*SOLUTION, "hog = []\nwhile True:\n    hog.append(np.ones(10**7))"),
                   "graded", "raised MemoryError", FULL),
    "memory_hog_children": ("memory_hog_children.ipynb", notebook(*SOLUTION, """
        import subprocess, sys, time
        code = "import numpy as np, time; a = np.ones(300 * 2**20 // 8); time.sleep(60)"
        children = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(3)]
        time.sleep(60)
        """), "memory", "over the memory limit of 600 MB", 0),
    "sys_exit": ("sys_exit.ipynb", notebook("import sys\nsys.exit(1)", *SOLUTION), "graded",
                 "code cell 1 (`import sys`) raised SystemExit", FULL),
    "os_exit": ("os_exit.ipynb", notebook(*SOLUTION, "import os\nos._exit(3)"), "crashed",
                "the kernel died in code cell 9 (`import os`) (exit code 3)", 0),
    "segfault": ("segfault.ipynb", notebook(*SOLUTION, "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)"),
                 "crashed", "(signal SIGSEGV)", 0),
    "first_cell_raises": ("first_cell_raises.ipynb", notebook("raise RuntimeError('boom')", *SOLUTION), "graded",
                          "code cell 1 (`raise RuntimeError('boom')`) raised RuntimeError: boom", FULL),
    "malformed_json": ("malformed_json.ipynb", b'{"cells": [', "invalid", "broken JSON", 0),
    "not_a_notebook": ("not_a_notebook.pdf", b"%PDF-1.4 ...", "invalid", "expected a .ipynb file", 0),
    "empty_notebook": ("empty_notebook.ipynb", json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                                           "nbformat_minor": 5}).encode(), "empty", "no code", 0),
    "huge_output": ("huge_output.ipynb", notebook(*SOLUTION, "for _ in range(100):\n    print('x' * 10**6)",
                                                  "import os\nos.write(2, b'y' * 10**7)"), "graded", None, FULL),
    "vandal": ("vandal.ipynb", notebook(*SOLUTION, """
        import os, pathlib
        for path in pathlib.Path(".").iterdir():
            path.unlink()
        pathlib.Path("junk.txt").write_text("junk")
        pathlib.Path("../escaped.txt").write_text("junk")
        """), "graded", None, FULL),
    "forger": ("forger.ipynb", notebook(*STUB, PATCH_EVERYTHING), "graded", "not implemented yet", 0),
    "channel_hijack": ("channel_hijack.ipynb", notebook(*STUB, HIJACK_CHANNEL), "graded", None, 0),
    "background_process": ("background_process.ipynb", notebook(*SOLUTION, """
        import subprocess
        subprocess.Popen(["sleep", "300"], start_new_session=True)
        """), "graded", None, FULL),
}


def sandbox_processes(under: pathlib.Path) -> list[int]:
    """Sandboxed processes whose scratch folders lie in ``under``.

    Other tests (the exercise contract, on another xdist worker) run sandboxes at the
    same time, so only this test's own folder tells its processes apart.
    """
    found = []
    for entry in os.listdir("/proc"):
        try:
            environ = pathlib.Path(f"/proc/{entry}/environ").read_bytes() if entry.isdigit() else b""
        except OSError:
            continue
        if sandbox.SANDBOX_ENV.encode() in environ and str(under).encode() in environ:
            found.append(int(entry))
    return found


def _describe(pid: int) -> str:
    try:
        cmd = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
        status = pathlib.Path(f"/proc/{pid}/status").read_text()
        ppid = next(line for line in status.splitlines() if line.startswith("PPid"))
    except OSError:
        return f"{pid}: gone"
    return f"{pid} ({ppid}): {cmd}"


def wait_for_no_sandbox_processes(under: pathlib.Path, seconds: float = 15.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := sandbox_processes(under)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@contextlib.contextmanager
def sandboxes_in(folder: pathlib.Path):
    """Make the grader create its sandbox folders inside ``folder``."""
    saved = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = saved


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    for file_name, content, *_ in CASES.values():
        (folder / file_name).write_bytes(content)
    originals = {p.name: p.read_bytes() for p in folder.iterdir()}
    out = tmp_path_factory.mktemp("gradebook") / "grades.csv"
    sandboxes = tmp_path_factory.mktemp("sandboxes")
    started = time.monotonic()
    with sandboxes_in(sandboxes):
        summary = gradebook.grade("u1.activations", folder, out, workers=2, limits=LIMITS, progress=False,
                                  echo=None)
    with open(out, newline="") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    return {"folder": folder, "originals": originals, "rows": rows, "summary": summary,
            "seconds": time.monotonic() - started, "sandboxes": sandboxes}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_submission_gets_a_row_with_a_reason(batch, case):
    file_name, _, status, reason, total = CASES[case]
    row = batch["rows"][pathlib.Path(file_name).stem]
    assert row["status"] == status, row
    assert int(row["total"]) == total, row
    assert row["max"] == str(FULL)
    if reason is not None:
        assert reason in row["reasons"], row["reasons"]
    if total < FULL:
        assert row["reasons"], "every lost point needs a reason"
    assert len(row["reasons"]) < 2000


def test_batch_has_one_row_per_file_and_ran_in_parallel(batch):
    assert sorted(batch["rows"]) == sorted(pathlib.Path(f).stem for f, *_ in CASES.values())
    assert batch["summary"].workers == 2
    # A bound, not a timing: the endless and sleeping submissions were stopped at their time limits.
    assert batch["seconds"] < 180, batch["seconds"]


def test_originals_are_untouched_and_nothing_leaks_into_the_folder(batch):
    folder = batch["folder"]
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == batch["originals"]
    assert not (folder.parent / "escaped.txt").exists()
    assert batch["summary"].changed_originals == []


def test_no_process_of_any_sandbox_survives(batch):
    assert wait_for_no_sandbox_processes(batch["sandboxes"]) == []


def test_printed_results_never_count(batch):
    """The forger printed full-score lines and patched check, the checks and numpy: still 0."""
    row = batch["rows"]["forger"]
    assert all(row[p] == "0" for p in ("sigmoid", "softmax", "cross_entropy"))


def test_memory_error_reason_states_the_limit(batch):
    assert "(the memory limit is 600 MB)" in batch["rows"]["memory_hog"]["reasons"]


def test_rerun_skips_graded_rows_regrades_changed_ones_and_force_regrades_all(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "ann.ipynb").write_bytes(notebook(*SOLUTION))
    (folder / "bob.ipynb").write_bytes(notebook(*STUB))
    out = tmp_path / "grades.csv"
    kwargs = dict(workers=2, limits=LIMITS, progress=False, echo=None)
    first = gradebook.grade("u1.activations", folder, out, **kwargs)
    assert sorted(first.graded_now) == ["ann", "bob"]
    again = gradebook.grade("u1.activations", folder, out, **kwargs)
    assert again.graded_now == [] and sorted(again.skipped) == ["ann", "bob"]
    (folder / "bob.ipynb").write_bytes(notebook(*SOLUTION))  # a resubmission
    third = gradebook.grade("u1.activations", folder, out, **kwargs)
    assert third.graded_now == ["bob"] and third.rows["bob"]["total"] == FULL
    forced = gradebook.grade("u1.activations", folder, out, force=True, **kwargs)
    assert sorted(forced.graded_now) == ["ann", "bob"]
    assert "u1.activations: 2 submission(s)" in forced.text() and "status: graded 2" in forced.text()


def test_a_killed_grader_loses_no_row_and_resumes(tmp_path, request):
    folder = tmp_path / "subs"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / f"{name}.ipynb").write_bytes(notebook(*SOLUTION, "import time\ntime.sleep(1.5)"))
    out = tmp_path / "grades.csv"
    command = [sys.executable, "-m", "course_lib.cli", "grade", "u1.activations", str(folder), "--out", str(out),
               "--workers", "1", "--no-progress", "--timeout", "20"]
    # A killed grader cannot delete its sandbox folders: keep them all in one short folder of
    # our own (short, so that the kernel's sockets fit in it too) and delete it afterwards.
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="cg-killed-", dir="/tmp"))
    request.addfinalizer(lambda: sandbox.remove_tree(scratch))
    grader = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "TMPDIR": str(scratch)})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or len(out.read_text().splitlines()) < 2):
        time.sleep(0.1)
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert 1 <= len(rows) < 3 and all(r["status"] == "graded" and r["total"] == str(FULL) for r in rows)
    with sandboxes_in(scratch):
        summary = gradebook.grade("u1.activations", folder, out, workers=2, limits=LIMITS, progress=False,
                                  echo=None)
    assert len(summary.skipped) == len(rows) and len(summary.graded_now) == 3 - len(rows)
    assert sorted(summary.rows) == ["a", "b", "c"]
    # The orphaned kernel of the killed grader ends with it (bwrap --die-with-parent; without
    # bubblewrap, ipykernel notices that its parent is gone).
    left = wait_for_no_sandbox_processes(scratch)
    assert left == [], [_describe(pid) for pid in left]


def test_hidden_extra_checks_become_columns(tmp_path):
    extra = tmp_path / "hidden"
    extra.mkdir()
    (extra / "u1_activations.py").write_text(textwrap.dedent("""
        import numpy as np
        from course_lib.grading.core import Call, Part, expect_close

        def plan(rng):
            x = rng.normal(size=6)
            return [Call("pos", "sigmoid", (x,)), Call("neg", "sigmoid", (-x,))]

        def judge(obs):
            expect_close(obs.array("pos") + obs.array("neg"), np.ones(6), "sigmoid(x) + sigmoid(-x)")

        PARTS = [Part("hidden_symmetry", 3, ("sigmoid",), plan, judge)]
    """))
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "ann.ipynb").write_bytes(notebook(*SOLUTION))
    out = tmp_path / "grades.csv"
    assert cli.main(["grade", "u1.activations", str(folder), "--out", str(out), "--extra-checks", str(extra),
                     "--no-progress", "--workers", "1"]) == 0
    with open(out, newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["hidden_symmetry"] == "3" and row["total"] == str(FULL + 3) and row["max"] == str(FULL + 3)


@pytest.mark.parametrize("argv, message", [
    (["grade", "u9.nothing", "."], f"exercise must be one of {checks.available()}, got 'u9.nothing'"),
    (["grade", "u1.activations", "no/such/dir"], "submissions must be an existing directory of notebooks, got 'no/such/dir'"),
    (["grade", "u1.activations", ".", "--workers", "0"], "workers must be a positive int, got 0"),
    (["grade", "u1.activations", ".", "--timeout", "-1"], "timeout_s must be a number of seconds ≥ 0.1, got -1.0"),
    (["grade", "u1.activations", ".", "--memory-mb", "10"], "memory_mb must be an integer ≥ 256 (megabytes), got 10"),
    (["grade", "u1.activations", ".", "--out", "no/dir/g.csv"], "out must be a CSV path in an existing directory"),
    (["grade", "u1.activations", ".", "--extra-checks", "nope"], "extra_checks must be a directory, got 'nope'"),
    (["check", "u1.activations", "missing.ipynb"], "notebook must be an existing file, got 'missing.ipynb'"),
    (["check", "u1.activations", "README.md", "--part", "nope"], "part must be one of"),
])
def test_bad_input_names_the_argument_expected_and_received(argv, message, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"course {argv[0]}: ") and message in err, err


@pytest.mark.parametrize("argv", [["check", "--help"], ["grade", "--help"]])
def test_grading_commands_help_does_not_import_tensorflow(argv):
    code = (f"import sys\nfrom course_lib import cli\ntry:\n    cli.main({argv!r})\nexcept SystemExit:\n    pass\n"
            "print('HEAVY', sorted(m for m in ('tensorflow', 'keras', 'jupyter_client') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr


def test_course_check_prints_parts_and_fails_for_a_stub(tmp_path, capsys):
    path = tmp_path / "mine.ipynb"
    path.write_bytes(notebook(*STUB[:2], *SOLUTION[2:]))  # sigmoid left as a stub
    assert cli.main(["check", "u1.activations", str(path), "--timeout", "20"]) == 1
    out = capsys.readouterr().out
    assert "❌ sigmoid " in out and "sigmoid is not implemented yet" in out and "✅ softmax " in out
    assert "sigmoid_grad calls sigmoid, which is not implemented yet" in out
    assert out.rstrip().endswith("Score: 8/11")
