"""Self-checks for exercise notebooks, and the sandboxed grader behind ``course grade``.

In an exercise notebook, after writing your functions::

    from course_lib.grading import check
    check("u1.activations")                  # every part
    check("u1.activations", "sigmoid_grad")  # one part

``check`` finds your functions in the notebook, calls them on freshly drawn inputs,
and prints one line per part (✅ or ❌, points, and a reason), then the score. Under a
failing part it prints a seed: ``check("u1.activations", "softmax", seed=N)`` draws the
very same inputs again, so you can reproduce the case while you fix it.
The instructor's grader (:mod:`course_lib.grading.gradebook`) runs the very same
checks on each submission, in a separate, time- and memory-limited kernel.

Importing this package does not import TensorFlow.
"""

from __future__ import annotations

import secrets
import sys

__all__ = ["check", "run_checks", "exercises"]


def exercises() -> list[str]:
    """Ids of the exercises that have checks, e.g. ``['u1.activations']``."""
    from . import checks

    return checks.available()


def _select(parts, exercise: str, part: str | None):
    if part is None:
        return parts
    names = [p.name for p in parts]
    if part not in names:
        raise ValueError(f"part must be one of {names} for {exercise}, got {part!r}")
    return [p for p in parts if p.name == part]


def run_checks(exercise: str, namespace: dict, part: str | None = None, *, seed: int | None = None):
    """Check the functions in ``namespace``; return a :class:`~course_lib.grading.core.Report`.

    This is ``check`` without the printing, and exactly the path the grader takes: draw a
    plan, run the probe on it, send the results through JSON, judge them.
    """
    import numpy as np

    from . import checks, core, probe

    if not isinstance(namespace, dict):
        raise TypeError(f"namespace must be a dict of the notebook's names, got {type(namespace).__name__}")
    parts = _select(checks.load(exercise), exercise, part)
    if seed is None:
        seed = secrets.randbelow(1_000_000)  # short enough to type back into check(..., seed=)
    elif isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    calls, plan = core.make_plan(parts, int(seed))
    results = core.roundtrip(probe.run_plan(namespace, core.roundtrip(plan)))
    return core.judge(parts, calls, results, exercise, seed=int(seed))


def check(exercise: str, part: str | None = None, *, seed: int | None = None, namespace: dict | None = None) -> None:
    """Print a ✅/❌ line per part of ``exercise`` for the functions defined in your notebook.

    Args:
        exercise: the exercise id, e.g. ``"u1.activations"``.
        part: check only this part (e.g. ``"softmax"``); all parts by default.
        seed: draw the inputs from this seed (a failing part prints the one it used), so that
            the same case can be run again; fresh inputs by default.
        namespace: where to find your functions; defaults to the calling notebook's
            (or module's) global names.
    """
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    report = run_checks(exercise, namespace, part, seed=seed)
    print("\n".join(report.lines()))
