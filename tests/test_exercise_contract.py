"""The exercise contract, for every exercise in the manifest.

Through the grader's own code path (``gradebook.grade``: sandboxed kernel, probe, judge):
the solution passes every part, and the untouched stub passes none, so no check can be
vacuous. The two notebooks are the same except for the cells tagged ``answer``.
"""

import csv
import pathlib
import re
import shutil

import pytest

from course_lib import badges, manifest
from course_lib.grading import checks, gradebook, sandbox
from course_lib._files import notebook_cells

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXERCISES = manifest.load().exercises
ANSWER_TAG = "answer"
STUB_MARKERS = (re.compile(r"^\s*raise NotImplementedError\b", re.M), re.compile(r"^\s*\.\.\.\s*$", re.M))
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([^"']+)["']\s*(?:,\s*["']([^"']+)["'])?\s*\)""")


def cells(path: str) -> list[dict]:
    return notebook_cells(ROOT / path)


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def is_answer(cell: dict) -> bool:
    return ANSWER_TAG in cell.get("metadata", {}).get("tags", [])


def test_every_exercise_has_checks_and_every_checks_module_an_exercise():
    assert sorted(ex.id for ex in EXERCISES) == checks.available()


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda ex: ex.id)
def test_stub_and_solution_differ_only_in_answer_cells(exercise):
    stub, solution = cells(exercise.stub), cells(exercise.solution)
    assert len(stub) == len(solution), f"{exercise.stub} and {exercise.solution} must have the same cells"
    answers = 0
    for number, (s, k) in enumerate(zip(stub, solution), 1):
        where = f"{exercise.id} cell {number}"
        assert s["cell_type"] == k["cell_type"], f"{where}: cell types differ"
        assert is_answer(s) == is_answer(k), f"{where}: tag it {ANSWER_TAG!r} in both notebooks or in neither"
        if not is_answer(s):
            same = source(s) == source(k)
            if number == 1:  # the generated title and Colab badge name each notebook's own path
                same = badges.header_of(source(s))[1] == badges.header_of(source(k))[1]
            assert same, f"{where} differs but is not tagged {ANSWER_TAG!r}"
            continue
        answers += 1
        assert s["cell_type"] == "code", f"{where}: answer cells are code cells"
        assert source(s) != source(k), f"{where}: the stub's answer cell is the solution"
        assert any(m.search(source(s)) for m in STUB_MARKERS), \
            f"{where}: a stub answer cell raises NotImplementedError or leaves `...`"
    assert answers, f"{exercise.id}: no cell is tagged {ANSWER_TAG!r}"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda ex: ex.id)
def test_stub_carries_no_outputs(exercise):
    """Committed outputs in a stub could show a solution's results."""
    for number, cell in enumerate(cells(exercise.stub), 1):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs") and cell.get("execution_count") is None, f"{exercise.stub} cell {number}"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda ex: ex.id)
def test_stub_checks_each_part_and_then_all(exercise):
    calls = [m for c in cells(exercise.stub) if c["cell_type"] == "code" for m in CHECK_CALL.findall(source(c))]
    assert calls and {ex for ex, _ in calls} == {exercise.id}, f"{exercise.stub} must call check({exercise.id!r}, ...)"
    assert {p for _, p in calls if p} == {p.name for p in checks.load(exercise.id)}
    assert calls[-1] == (exercise.id, ""), "the last check cell checks every part"


@pytest.fixture(scope="module", params=EXERCISES, ids=lambda ex: ex.id)
def graded(request, tmp_path_factory):
    """The solution and the untouched stub, graded together exactly as `course grade` does."""
    exercise = request.param
    folder = tmp_path_factory.mktemp("contract")
    shutil.copyfile(ROOT / exercise.solution, folder / "solution.ipynb")
    shutil.copyfile(ROOT / exercise.stub, folder / "stub.ipynb")
    out = folder.parent / f"{folder.name}.csv"
    gradebook.grade(exercise.id, folder, out, workers=2, limits=sandbox.Limits(timeout_s=300), progress=False, echo=None)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    return exercise, [p.name for p in checks.load(exercise.id)], rows


def test_solution_passes_every_part(graded):
    exercise, parts, rows = graded
    row = rows["solution"]
    failing = [p for p in parts if row[p] == "0"]
    assert row["status"] == "graded" and not failing and row["total"] == row["max"], \
        f"{exercise.solution} fails part(s) {failing} (status {row['status']}): {row['reasons']}"
    assert row["reasons"] == "", f"{exercise.solution}: {row['reasons']}"


def test_untouched_stub_passes_no_part(graded):
    exercise, parts, rows = graded
    row = rows["stub"]
    vacuous = [p for p in parts if row[p] != "0"]
    assert row["status"] == "graded", f"{exercise.stub} should run cleanly: {row['reasons']}"
    assert not vacuous, f"vacuous check(s) in {exercise.id}: part(s) {vacuous} pass on the untouched stub"
    notes = [r for r in row["reasons"].split(" | ") if r.split(":")[0] not in parts]
    assert not notes, f"{exercise.stub} should run top to bottom without errors: {notes}"
