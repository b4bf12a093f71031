"""The mistakes contract: every check catches its exercise's typical mistakes, with the hint it promises.

The exercise contract (test_exercise_contract.py) proves that solutions pass and stubs fail.
It cannot see a check that is too lenient. This one can. Each checks module declares
``MISTAKES`` (see :class:`course_lib.grading.core.Mistake`): wrong implementations of one
part, written as a student would write them, each with a fragment of the hint it must print.
For every exercise in the manifest and every mistake:

1. the solution notebook's code cells run once (cached), in-process, without the setup
   cell and the ``check(...)`` cells;
2. the mistake's source runs over a copy of those names, exactly as a student's
   redefinition would in a notebook (the solution's other functions see it too);
3. :func:`course_lib.grading.run_checks` (the same plan → probe → judge path the grader
   takes) checks the mistake's part on several seeds; the part must score 0 **and** print
   the hint on every one of them.

An exercise with fewer than :data:`course_lib.grading.checks.MIN_MISTAKES` mistakes fails,
so Units 2–7 inherit the contract by adding their checks module and manifest entry.

Strictness: with every comparison's relative tolerance raised to 1e-2
(:data:`course_lib.grading.core.MIN_RTOL`), each exercise must let at least one of its
mistakes through. That proves the contract holds near misses (an answer off by about
1e-3 relative) that a lenient check would pass: loosen a judge and this suite fails.
"""

from __future__ import annotations

import functools
import pathlib
import re
import textwrap
import types

import numpy as np
import pytest

from course_lib import grading, manifest
from course_lib.grading import checks, core
from course_lib._files import cell_source, code_sources, notebook_cells

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXERCISES = manifest.load().exercises
SEEDS = (0, 1, 2)  # a fixed seed and two more, so that no hint is seed-lucky
# A mistake detector runs before the generic comparison, so one that is too eager blames
# correct answers on some inputs (a "rounded" detector once failed the solution on 11 of 60
# seeds). The solution must pass every part that has mistakes on all of these seeds.
SOLUTION_SEEDS = tuple(range(20))
LOOSE_RTOL = 1e-2
CHECK_CELL = re.compile(r"^\s*check\(")


@functools.lru_cache(maxsize=None)
def solution_namespace(exercise_id: str) -> dict:
    """The names the solution notebook defines: every code cell except the setup cell and check() calls."""
    exercise = next(ex for ex in EXERCISES if ex.id == exercise_id)
    namespace = {"__name__": "__main__"}
    for source in code_sources(ROOT / exercise.solution):
        if source.startswith(manifest.SETUP_MARKER) or all(
                CHECK_CELL.match(line) for line in source.splitlines() if line.strip()):
            continue
        exec(compile(source, f"<{exercise.solution}>", "exec"), namespace)
    return namespace


def student_namespace(exercise_id: str, source: str) -> dict:
    """A fresh copy of the solution's names with ``source`` run over it.

    The solution's functions are rebound to the copy, so they look up the redefined names, as
    functions in a notebook do after a student re-runs a cell.
    """
    base = solution_namespace(exercise_id)
    namespace = dict(base)
    for name, value in base.items():
        if isinstance(value, types.FunctionType) and value.__globals__ is base:
            fn = types.FunctionType(value.__code__, namespace, value.__name__, value.__defaults__, value.__closure__)
            fn.__kwdefaults__, fn.__dict__ = value.__kwdefaults__, dict(value.__dict__)
            namespace[name] = fn
    exec(compile(textwrap.dedent(source), "<mistake>", "exec"), namespace)
    return namespace


def _declared(exercise_id: str) -> list:
    try:
        return checks.mistakes(exercise_id)
    except ValueError:  # reported by test_every_exercise_declares_enough_mistakes_for_real_parts
        return []


CASES = [(ex.id, m) for ex in EXERCISES for m in _declared(ex.id)]


@pytest.mark.parametrize("exercise", [ex.id for ex in EXERCISES])
def test_every_exercise_declares_enough_mistakes_for_real_parts(exercise):
    found = checks.mistakes(exercise)  # validates names and parts
    assert len(found) >= checks.MIN_MISTAKES, \
        f"{exercise}: declare at least {checks.MIN_MISTAKES} MISTAKES in its checks module, found {len(found)}"
    assert all(m.hint.strip() and m.source.strip() and m.note.strip() for m in found)


@pytest.mark.parametrize("exercise", [ex.id for ex in EXERCISES])
def test_solution_passes_the_parts_with_mistakes_on_many_seeds(exercise):
    """A mistake's failure means something only where the solution passes (the sandboxed
    exercise contract checks every part of the solution once; here the parts with mistakes,
    on many seeds, so that no detector blames a correct answer)."""
    namespace = student_namespace(exercise, "")
    failing = []
    for part in sorted({m.part for m in _declared(exercise)}):
        for seed in SOLUTION_SEEDS:
            (result,) = grading.run_checks(exercise, namespace, part, seed=seed).parts
            if not result.passed:
                failing.append(f"{part}, seed {seed}: {result.reason}")
    assert not failing, f"{exercise}: the solution fails: " + "; ".join(failing)


@pytest.mark.parametrize("exercise, mistake", CASES, ids=[f"{ex}-{m.name}" for ex, m in CASES])
def test_mistake_fails_its_part_with_its_hint(exercise, mistake):
    namespace = student_namespace(exercise, mistake.source)
    printed = []
    for seed in SEEDS:
        with np.errstate(all="ignore"):  # the student's own warnings are not what is judged
            (result,) = grading.run_checks(exercise, namespace, mistake.part, seed=seed).parts
        if result.passed or result.points or mistake.hint not in result.reason:
            printed.append(f"seed {seed}: {result.points}/{result.max_points} {result.reason or '(no reason)'}")
    assert not printed, (f"{exercise}: mistake {mistake.name!r} ({mistake.note}) must fail part {mistake.part!r} "
                         f"and print {mistake.hint!r}; instead:\n" + "\n".join(printed))


@pytest.fixture
def loose_tolerance(monkeypatch):
    monkeypatch.setattr(core, "MIN_RTOL", LOOSE_RTOL)


@pytest.mark.parametrize("exercise", [ex.id for ex in EXERCISES])
def test_a_lenient_check_would_let_a_near_miss_through(exercise, loose_tolerance, record_property):
    """With rtol 1e-2 everywhere, at least one mistake of each exercise passes its part."""
    passing = []
    for mistake in _declared(exercise):
        namespace = student_namespace(exercise, mistake.source)
        with np.errstate(all="ignore"):
            (result,) = grading.run_checks(exercise, namespace, mistake.part, seed=SEEDS[0]).parts
        if result.passed:
            passing.append(mistake.name)
    record_property("passing_when_loose", passing)
    print(f"\n{exercise}: with rtol {LOOSE_RTOL:g}, these mistakes pass: {passing}")
    assert passing, (f"{exercise}: even with every tolerance loosened to rtol {LOOSE_RTOL:g} all its mistakes "
                     "still fail, so none is a near miss; add one (for example an answer off by 1e-3 relative)")


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda ex: ex.id)
def test_notebooks_list_the_typical_mistakes_the_checks_know(exercise):
    """Students read the same list the checks recognise (regenerate it with checks.typical_mistakes_markdown)."""
    want = checks.typical_mistakes_markdown(exercise.id)
    for path in (exercise.stub, exercise.solution):
        found = [cell_source(c) for c in notebook_cells(ROOT / path, "markdown")
                 if cell_source(c).startswith(checks.TYPICAL_MISTAKES_HEADING)]
        assert found == [want], f"{path}: its {checks.TYPICAL_MISTAKES_HEADING!r} cell must be exactly:\n{want}"
