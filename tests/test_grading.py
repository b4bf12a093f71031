"""check() and the judging protocol, in-process: fast, no kernels.

The sandboxed grader is tested in test_grading_sandbox.py, the Colab-like install in
test_grading_colab.py, and every exercise's solution/stub in test_exercise_contract.py.
"""

import json
import pathlib

import numpy as np
import pytest

from course_lib import grading
from course_lib.grading import checks, core, gradebook, probe
from course_lib._files import notebook_cells

ROOT = pathlib.Path(__file__).resolve().parents[1]


def answer_namespace(notebook: str) -> dict:
    """The names an exercise notebook's answer cells define (no setup cell, no TensorFlow)."""
    cells = notebook_cells(ROOT / notebook)
    namespace = {"np": np}
    for cell in cells:
        if "answer" in cell.get("metadata", {}).get("tags", []):
            exec("".join(cell["source"]), namespace)
    return namespace


@pytest.fixture(scope="module")
def solution():
    return answer_namespace("solutions/u1/activations.ipynb")


@pytest.fixture(scope="module")
def stub():
    return answer_namespace("exercises/u1/activations.ipynb")


def reasons(namespace, **changes) -> dict:
    report = grading.run_checks("u1.activations", {**namespace, **changes})
    return {p.name: p.reason for p in report.parts if not p.passed}


def test_solution_passes_every_part_on_many_fresh_inputs(solution):
    for seed in range(20):
        report = grading.run_checks("u1.activations", solution, seed=seed)
        assert report.total == report.max_points, (seed, report.lines())


def test_stub_is_not_implemented_in_every_part(stub):
    report = grading.run_checks("u1.activations", stub)
    assert report.total == 0
    assert all(p.reason.endswith("not implemented yet") for p in report.parts), report.lines()


def test_exercise_has_at_least_four_parts():
    assert len(checks.load("u1.activations")) >= 4


def test_check_prints_one_line_per_part_and_a_score(solution, capsys):
    grading.check("u1.activations", namespace=solution)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(checks.load("u1.activations")) + 1
    assert all(line.startswith("✅") for line in lines[:-1])
    assert lines[-1] == "Score: 11/11"


def sigmoid(x):  # used by the next test through check()'s caller globals
    x = np.asarray(x, dtype=float)
    return np.where(x >= 0, 1, np.exp(-np.abs(x))) / (1 + np.exp(-np.abs(x)))


def test_check_finds_functions_in_the_callers_globals(capsys):
    grading.check("u1.activations", "sigmoid")
    out = capsys.readouterr().out
    assert out.splitlines() == ["✅ sigmoid  2/2", "Score: 2/2"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_helpful_reasons_for_typical_mistakes(solution):
    got = reasons(solution,
                  sigmoid_grad=solution["sigmoid"],
                  tanh_grad=lambda x: 1 - np.asarray(x) ** 2,
                  leaky_relu=lambda x, alpha=0.01: np.maximum(0, x),
                  cross_entropy=lambda y, p: np.sum(y * np.log(p), axis=-1),
                  softmax_cross_entropy=lambda y, z: (-np.sum(y * np.log(solution["softmax"](z)), -1),
                                                       y - solution["softmax"](z)))
    assert got["sigmoid_grad"] == ("sigmoid_grad(x) returns sigmoid(x) itself; the derivative is "
                                   "σ(x)·(1 − σ(x))")
    assert "1 − tanh(x)²" in got["tanh_grad"]
    assert "slope is 0.01 for x < 0" in got["leaky_relu"]
    assert "remember the minus sign" in got["cross_entropy"]
    assert "wrong sign" in got["softmax_cross_entropy"]
    assert set(got) == {"sigmoid_grad", "tanh_grad", "leaky_relu", "cross_entropy", "softmax_cross_entropy"}


def test_stability_and_batch_mistakes_are_named(solution):
    def naive_softmax(z):
        return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)

    def whole_array_softmax(z):
        z = z - z.max()
        return np.exp(z) / np.exp(z).sum()

    def inplace_softmax(z):
        z -= z.max(axis=-1, keepdims=True)
        return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)

    def unclipped_ce(y, p):
        return -np.sum(y * np.log(p), axis=-1)

    with np.errstate(all="ignore"):
        assert "subtract each row's maximum" in reasons(solution, softmax=naive_softmax)["softmax"]
        assert "not over the whole array" in reasons(solution, softmax=whole_array_softmax)["softmax"]
        assert "in place" in reasons(solution, softmax=inplace_softmax)["softmax"]
        assert "clip p away from 0" in reasons(solution, cross_entropy=unclipped_ce)["cross_entropy"]


def test_missing_none_and_unfinished_functions(solution):
    namespace = dict(solution)
    del namespace["tanh_grad"]
    got = reasons(namespace, sigmoid=lambda x: None, softmax=lambda z: ...,
                  sigmoid_grad=lambda x: 1 / 0)
    assert got["tanh_grad"] == "tanh_grad is not defined; run the cell that defines it"
    assert "returned None; did you forget `return`?" in got["sigmoid"]
    assert "the function is not finished" in got["softmax"]
    assert "raised ZeroDivisionError" in got["sigmoid_grad"]


def test_reasons_never_show_a_whole_expected_array(solution):
    """A wrong answer's reason names one element at most."""
    report = grading.run_checks("u1.activations", {k: (lambda *a, **k: np.zeros(3)) for k in solution})
    for part in report.parts:
        assert part.reason and part.reason.count("[") <= 2 and len(part.reason) < 240, part.reason


@pytest.mark.parametrize("results", [
    None, "garbage", {"sigmoid": "x"}, {"sigmoid": [{"ok": True, "type": "array", "shape": [2], "value": "no"}]},
    {"sigmoid": [{"ok": True, "type": "array", "shape": [4, 5], "value": [[1e309] * 5] * 4}]},
    {"sigmoid": [{"ok": True, "type": "array", "shape": [], "value": 0.5}, [True], {"ok": "yes"}]},
    {"sigmoid": [{"ok": True, "type": "array", "shape": [4, 5], "value": [[None] * 5] * 4}] * 3},
])
def test_forged_or_broken_observations_never_score_or_crash(results):
    parts = checks.load("u1.activations")
    calls, _ = core.make_plan(parts, np.random.default_rng(0))
    report = core.judge(parts, calls, results, "u1.activations")
    assert report.total == 0 and all(p.reason for p in report.parts)


def test_probe_results_survive_json_and_record_mutation():
    namespace = {"f": lambda a: (a, 3), "g": lambda a: a.__isub__(1)}
    plan = {"nonce": "n", "parts": {"p": [{"fn": "f", "args": [{"array": [1.0, 2.0], "dtype": "float64"}]},
                                          {"fn": "g", "args": [{"array": [1.0], "dtype": "float64"}]},
                                          {"fn": "h", "args": []}]}}
    results = core.roundtrip(probe.run_plan(namespace, plan))["p"]
    assert results[0]["type"] == "tuple" and results[0]["items"][1]["value"] == 3.0
    assert results[1]["after"]["args"]["0"]["array"] == [0.0]  # read back; the judge compares
    assert results[2] == {"ok": False, "missing": True}


def test_bad_arguments_name_the_argument_and_the_choices():
    with pytest.raises(ValueError, match=r"exercise must be one of \[.*'u1.activations'.*\], got 'u1.activation'"):
        grading.check("u1.activation")
    with pytest.raises(ValueError, match=r"part must be one of \[.*'softmax'.*\] for u1.activations, got 'softmx'"):
        grading.check("u1.activations", "softmx")
    with pytest.raises(TypeError, match="namespace must be a dict"):
        grading.run_checks("u1.activations", ["sigmoid"])


def test_extra_checks_add_hidden_parts_and_refuse_name_clashes(tmp_path):
    (tmp_path / "u1_activations.py").write_text(
        "import numpy as np\n"
        "from course_lib.grading.core import Call, Part, expect_close\n"
        "def plan(rng):\n"
        "    x = rng.normal(size=5)\n"
        "    return [Call('pos', 'sigmoid', (x,)), Call('neg', 'sigmoid', (-x,))]\n"
        "def judge(obs):\n"
        "    expect_close(obs.array('pos') + obs.array('neg'), np.ones(5), 'sigmoid(x) + sigmoid(-x)')\n"
        "PARTS = [Part('sigmoid_symmetry', 1, ('sigmoid',), plan, judge)]\n")
    parts = checks.load("u1.activations", tmp_path)
    assert parts[-1].name == "sigmoid_symmetry" and len(parts) == len(checks.load("u1.activations")) + 1
    # The layout of the shipped checks works too, and having both is refused.
    (tmp_path / "u1").mkdir()
    (tmp_path / "u1_activations.py").rename(tmp_path / "u1" / "activations.py")
    assert checks.load("u1.activations", tmp_path)[-1].name == "sigmoid_symmetry"
    (tmp_path / "u1_activations.py").write_text("PARTS = []\n")
    with pytest.raises(ValueError, match="extra_checks: both .*activations.py and .*u1_activations.py exist"):
        checks.load("u1.activations", tmp_path)
    (tmp_path / "u1" / "activations.py").unlink()
    (tmp_path / "u1_activations.py").write_text(
        "from course_lib.grading.checks.u1.activations import PARTS\nPARTS = PARTS[:1]\n")
    with pytest.raises(ValueError, match=r"part names \['sigmoid'\] are already used"):
        checks.load("u1.activations", tmp_path)
    with pytest.raises(FileNotFoundError, match="extra_checks must be a directory, got .*nothing"):
        checks.load("u1.activations", tmp_path / "nothing")
    (tmp_path / "u1_activations.py").unlink()
    with pytest.raises(FileNotFoundError, match=r"extra_checks: expected u1/activations.py \(or u1_activations.py\) in"):
        checks.load("u1.activations", tmp_path)


@pytest.mark.parametrize("name, data, status, reason", [
    ("essay.txt", b"my essay", "invalid", "expected a .ipynb file, got 'essay.txt'"),
    ("a.ipynb", b"{ not json", "invalid", "broken JSON (Expecting property name"),
    ("b.ipynb", b"\xff\xfe", "invalid", "not UTF-8"),
    ("c.ipynb", b"[1, 2]", "invalid", "no list of cells"),
    ("d.ipynb", json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode(), "empty",
     "no code to run"),
    ("e.ipynb", None, "invalid", "larger than"),
])
def test_unreadable_submissions_get_a_reason(name, data, status, reason):
    cells, got_status, got_reason = gradebook.read_notebook(name, data)
    assert cells is None and got_status == status and reason in got_reason


def test_csv_cells_cannot_become_spreadsheet_formulas(tmp_path):
    path = tmp_path / "g.csv"
    row = {"student": "=HYPERLINK(1)", "p": 1, "total": 1, "max": 1, "status": "graded",
           "reasons": "-2+3", "sha256": "x"}
    gradebook.write_csv(path, ["p"], {row["student"]: row})
    text = path.read_text()
    assert "'=HYPERLINK(1)" in text and "'-2+3" in text
    assert list(gradebook.read_csv(path, ["p"])) == ["=HYPERLINK(1)"]
    with pytest.raises(ValueError, match="out: .* has columns"):
        gradebook.read_csv(path, ["q"])


# -- function arguments, judge-only data, and the NumPy exercises of unit 1 ---------------------

def test_function_arguments_travel_as_data_and_are_rebuilt_identically():
    rng = np.random.default_rng(0)
    n = 6
    params = {"A": rng.normal(size=(n, n)), "b": rng.normal(size=n), "c": 0.5, "w": rng.normal(size=n),
              "u": rng.normal(size=n), "s": rng.normal(size=n), "v": rng.normal(size=n), "r": 1.5,
              "p": rng.normal(size=n), "q": rng.normal(size=n)}
    f = core.Function("scalar", params)
    part = core.Part("p", 1, ("g",), lambda rng: [core.Call("c", "g", (f, np.ones((2, 3))))], lambda obs: None)
    _, wire = core.make_plan([part], rng)
    encoded = json.loads(json.dumps(wire))["parts"]["p"][0]["args"][0]
    assert encoded["function"] == "scalar" and set(encoded["params"]) == set(params)
    x = rng.normal(size=(2, 3))
    seen = core.roundtrip(probe.run_plan({"g": lambda fn, a: fn(x)}, wire))["p"][0]
    assert seen["ok"] and np.isclose(seen["value"], f.build()(x), rtol=1e-15)
    with pytest.raises(ValueError, match="takes an array of 6 numbers, got shape \\(5,\\)"):
        f.build()(np.ones(5))
    with pytest.raises(ValueError, match="unknown function kind"):
        probe.make_function("eval", {})


def test_judge_only_data_never_reaches_the_probe():
    secret = np.array([123456.789])
    part = core.Part("p", 1, ("g",), lambda rng: [core.Call("c", "g", (np.zeros(2),), private={"y": secret})],
                     lambda obs: None)
    calls, wire = core.make_plan([part], np.random.default_rng(0))
    assert "123456" not in json.dumps(wire)
    assert calls["p"][0].private["y"] is secret


def exercise_namespace(notebook: str) -> dict:
    """Every code cell of an exercise notebook except the setup cell and the check() calls."""
    namespace = {}
    for cell in notebook_cells(ROOT / notebook):
        text = "".join(cell["source"])
        if cell["cell_type"] == "code" and "cl.setup()" not in text and "check(" not in text:
            exec(text, namespace)
    return namespace


NUMPY_EXERCISES = ["perceptron", "backprop", "gradcheck"]


@pytest.mark.parametrize("name", NUMPY_EXERCISES)
def test_numpy_exercise_solution_passes_on_many_fresh_inputs_and_stub_on_none(name):
    solution = exercise_namespace(f"solutions/u1/{name}.ipynb")
    for seed in range(25):
        report = grading.run_checks(f"u1.{name}", solution, seed=seed)
        assert report.total == report.max_points, (seed, report.lines())
    report = grading.run_checks(f"u1.{name}", exercise_namespace(f"exercises/u1/{name}.ipynb"))
    assert report.total == 0 and all(p.reason.endswith("not implemented yet") for p in report.parts)
    assert len(report.parts) >= 3


def exercise_reasons(name: str, **changes) -> dict:
    namespace = exercise_namespace(f"solutions/u1/{name}.ipynb")
    namespace.update(changes)
    report = grading.run_checks(f"u1.{name}", namespace, seed=7)
    return {p.name: p.reason for p in report.parts if not p.passed}


def test_perceptron_mistakes_cost_only_their_part_with_a_reason():
    def update_backwards(w, b, x, t, lr=1.0):
        error = t - float(np.dot(w, x) + b >= 0)
        return w - lr * error * x, b - lr * error

    def always_converged(X, y, lr=1.0, max_epochs=100):
        return np.zeros(X.shape[1]), 0.0, 1, True

    got = exercise_reasons("perceptron", step=lambda z: (np.asarray(z) > 0).astype(float))
    assert set(got) >= {"step"} and "step(0) should be 1" in got["step"]
    got = exercise_reasons("perceptron", perceptron_update=update_backwards)
    assert "moved w the wrong way" in got["update"]
    got = exercise_reasons("perceptron", train_perceptron=always_converged)
    assert set(got) == {"train", "xor"} and "misclassify" in got["train"] and "converged=True" in got["xor"]


def test_backprop_mistakes_are_named():
    namespace = exercise_namespace("solutions/u1/backprop.ipynb")

    def backward_without_output_slope(x, t, W1, b1, W2, b2):
        h, o = namespace["forward"](x, W1, b1, W2, b2)
        delta2 = o - t
        delta1 = (delta2 @ W2.T) * h * (1 - h)
        return x.T @ delta1, delta1.sum(axis=0), h.T @ delta2, delta2.sum(axis=0)

    def step_with_new_W2(x, t, W1, b1, W2, b2, lr=0.5):
        dW1, db1, dW2, db2 = namespace["backward"](x, t, W1, b1, W2, b2)
        W2 = W2 - lr * dW2
        dW1, db1, _, _ = namespace["backward"](x, t, W1, b1, W2, b2)
        return W1 - lr * dW1, b1 - lr * db1, W2, b2 - lr * db2

    got = exercise_reasons("backprop", backward=backward_without_output_slope, gradient_step=step_with_new_W2,
                           total_error=lambda o, t: np.sum((t - o) ** 2))
    assert "missing the factor σ′" in got["backward"]
    assert "after W2 had changed" in got["gradient_step"]
    assert "keep the ½" in got["total_error"]
    assert "forward" not in got


def test_gradcheck_flags_one_sided_differences_and_credulous_checkers():
    def one_sided(f, x, h=1e-5):
        grad = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            nudge = np.zeros_like(x)
            nudge[index] = h
            grad[index] = (f(x + nudge) - f(x)) / h
        return grad

    got = exercise_reasons("gradcheck", numerical_gradient=one_sided,
                           relative_error=lambda a, b: float(np.max(np.abs(a - b))),
                           quadratic_grad=lambda A, b, x: A @ x + b)
    assert "one-sided difference" in got["numerical_gradient"]
    assert "absolute difference" in got["relative_error"]
    assert "only for a symmetric A" in got["quadratic_grad"]
    got = exercise_reasons("gradcheck", gradient_is_correct=lambda f, grad_f, x, tol=1e-6: True)
    assert set(got) == {"gradient_is_correct"} and "should be flagged" in got["gradient_is_correct"]


def test_a_failing_part_prints_a_seed_that_reproduces_its_inputs(solution, capsys):
    wrong = {**solution, "softmax": lambda z: solution["softmax"](z) * 1.01}
    grading.check("u1.activations", "softmax", namespace=wrong)
    first = capsys.readouterr().out.splitlines()
    (line,) = [ln for ln in first if "reproduce with" in ln]
    seed = int(line.rsplit("seed=", 1)[1].rstrip(")"))
    assert line.strip() == f"reproduce with check('u1.activations', 'softmax', seed={seed})"
    grading.check("u1.activations", "softmax", namespace=wrong, seed=seed)
    assert capsys.readouterr().out.splitlines() == first
    # The same seed gives a part the same inputs whether it is checked alone or with the others.
    alone = core.make_plan(checks.load("u1.activations")[4:5], seed)[1]["parts"]["softmax"]
    together = core.make_plan(checks.load("u1.activations"), seed)[1]["parts"]["softmax"]
    assert alone == together
    with pytest.raises(ValueError, match="seed must be a non-negative integer, got -1"):
        grading.run_checks("u1.activations", solution, seed=-1)


def test_in_place_messages_name_the_argument_and_a_fitting_fix():
    namespace = exercise_namespace("solutions/u1/backprop.ipynb")

    def step_in_place(x, t, W1, b1, W2, b2, lr=0.5):
        grads = namespace["backward"](x, t, W1, b1, W2, b2)
        for p, g in zip((W1, b1, W2, b2), grads):
            p -= lr * g
        return W1, b1, W2, b2

    reason = exercise_reasons("backprop", gradient_step=step_in_place)["gradient_step"]
    assert "changed its argument W1 in place" in reason and "`W1 = W1 - lr * grad`" in reason
    assert "z -= m" not in reason


def test_generic_value_messages_show_enough_digits_to_differ():
    with pytest.raises(core.Fail, match=r"should be 0\.14983, got 0\.14981$"):
        core.expect_close(np.array([0.14981]), np.array([0.14983]), "w")
