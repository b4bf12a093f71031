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
import textwrap

import numpy as np
import pytest

from course_lib import cli, grading
from course_lib._files import notebook_cells
from course_lib.grading import gradebook, probe, sandbox

ROOT = pathlib.Path(__file__).resolve().parents[1]
FULL = 11
LIMITS = sandbox.Limits(timeout_s=20, memory_mb=600)


def answer_cells(notebook: str) -> list[str]:
    cells = notebook_cells(ROOT / notebook)
    return ["".join(c["source"]) for c in cells if "answer" in c.get("metadata", {}).get("tags", [])]


SOLUTION = ["import numpy as np", *answer_cells("solutions/u1/activations.ipynb")]


def notebook(*cells: str) -> bytes:
    return json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {}, "outputs": [],
                   "source": textwrap.dedent(c).strip("\n")} for i, c in enumerate(cells)],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


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
