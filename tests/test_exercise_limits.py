"""Per-exercise limits from the manifest reach the sandbox; flags override them; a GPU exercise warns."""

import json

import pytest

from course_lib import cli, manifest
from course_lib.grading import exercise_limits, gradebook, sandbox

FAKE = '''repository = "https://github.com/o/r"
[[units]]
id = "u1"
dir = "u1_basics"
title = "t"
  [[units.exercises]]
  name = "activations"
  title = "A heavy exercise"
  timeout_s = 1.5
  memory_mb = 1024
  needs_gpu = true
  [[units.exercises]]
  name = "perceptron"
  title = "A light one"
'''


@pytest.fixture
def fake_manifest(monkeypatch):
    course = manifest.parse(FAKE)
    monkeypatch.setattr(manifest, "load", lambda: course)
    monkeypatch.setattr(exercise_limits, "gpu_present", lambda: False)
    return course


def test_manifest_limits_are_the_defaults_and_arguments_override(fake_manifest):
    assert exercise_limits.limits_for("u1.activations") == sandbox.Limits(timeout_s=1.5, memory_mb=1024)
    assert exercise_limits.limits_for("u1.activations", timeout_s=30) == sandbox.Limits(timeout_s=30, memory_mb=1024)
    assert exercise_limits.limits_for("u1.activations", memory_mb=512).memory_mb == 512
    assert exercise_limits.limits_for("u1.perceptron") == sandbox.Limits()  # sets nothing: the defaults
    assert exercise_limits.limits_for("u9.not_in_manifest") == sandbox.Limits()


def test_gpu_warning_only_for_an_exercise_that_needs_one_where_none_is(fake_manifest, monkeypatch):
    limits = exercise_limits.limits_for("u1.activations")
    warning = exercise_limits.gpu_warning("u1.activations", limits)
    assert "u1.activations needs a GPU" in warning and "graded on the CPU anyway" in warning and "1.5 s" in warning
    assert exercise_limits.gpu_warning("u1.perceptron", limits) == ""
    monkeypatch.setattr(exercise_limits, "gpu_present", lambda: True)
    assert exercise_limits.gpu_warning("u1.activations", limits) == ""


def sleeping_notebook(path, seconds):
    cell = {"cell_type": "code", "id": "c0", "metadata": {}, "execution_count": None, "outputs": [],
            "source": f"import time\ntime.sleep({seconds})"}
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


def test_the_manifest_timeout_reaches_the_sandbox(fake_manifest, tmp_path, capsys):
    folder = tmp_path / "subs"
    folder.mkdir()
    sleeping_notebook(folder / "slow.ipynb", 6)
    summary = gradebook.grade("u1.activations", folder, tmp_path / "grades.csv", workers=1, progress=False, echo=None)
    row = summary.rows["slow"]
    assert row["status"] == "timeout", row  # 6 s of sleep against the manifest's 1.5 s (the default is 120 s)
    err = capsys.readouterr().err
    assert "WARNING: u1.activations needs a GPU" in err  # said once, at the start


def test_course_grade_and_check_flags_override_the_manifest(fake_manifest, monkeypatch, tmp_path):
    seen = []
    monkeypatch.setattr(gradebook, "grade", lambda *a, limits, **kw: seen.append(limits) or
                        type("S", (), {"out": "x.csv"})())
    monkeypatch.setattr(gradebook, "grade_notebook", lambda *a, limits, **kw: seen.append(limits) or
                        (_ for _ in ()).throw(ValueError("stop here")))
    assert cli.main(["grade", "u1.activations", str(tmp_path)]) == 0
    assert cli.main(["grade", "u1.activations", str(tmp_path), "--timeout", "300", "--memory-mb", "2048"]) == 0
    assert cli.main(["check", "u1.activations", "nb.ipynb", "--memory-mb", "300"]) == 2
    assert seen == [sandbox.Limits(timeout_s=1.5, memory_mb=1024), sandbox.Limits(timeout_s=300, memory_mb=2048),
                    sandbox.Limits(timeout_s=1.5, memory_mb=300)]
