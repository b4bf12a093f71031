"""Checks for exercise u1.gradcheck: numerical gradients, relative error and a gradient checker.

The student's functions receive freshly drawn smooth functions (quadratics with
sines, exponentials and a coupled sin·exp term, of arrays of any shape) built by the
probe from their parameters, and gradients of them, some right and some with a
typical bug (a forgotten chain-rule factor, a non-symmetrised quadratic, a dropped
product-rule term, one flipped sign). The judge knows the exact gradient of every
function, so it can tell a central difference from a one-sided one. ``h`` and ``tol`` are
varied, so a function that ignores either argument fails: a coarse ``h`` must give that h's
central difference, and a gradient with a small known relative error (about 1e-4) must be
accepted at ``tol=1e-3`` and rejected at ``tol=1e-5``. ``MISTAKES`` at the bottom lists
the typical mistakes the contract proves.
"""

from __future__ import annotations

import numpy as np

from ...core import Call, Fail, Function, Mistake, Part, close_to, expect_close, fmt, fmt_pair, isclose

SHAPES = [(5,), (2, 3), (2, 1, 2), (3, 2), (4,)]
COARSE_H = 0.25  # so coarse that its central difference is visibly not the exact gradient
NEAR_ERROR = 1e-4  # the relative error of the "near" gradients, between the two tolerances tried on them


def _scale(a, b):
    return float(max(np.max(np.abs(a)), np.max(np.abs(b))))


def _relative_error(a, b):
    scale = _scale(a, b)
    return float(np.max(np.abs(a - b)) / scale) if scale > 0 else 0.0


def _scalar_params(rng, n, *, quadratic=True, trig=True, exp=True, coupled=True):
    """Parameters of a ``scalar`` function (see course_lib.grading.probe) of n numbers."""
    on = lambda flag: 1.0 if flag else 0.0  # noqa: E731
    return {"A": on(quadratic) * rng.normal(size=(n, n)), "b": rng.normal(size=n), "c": float(rng.normal()),
            "w": on(trig) * rng.normal(size=n), "u": rng.choice([-1, 1], n) * rng.uniform(0.8, 2.0, n),
            "s": on(exp) * rng.normal(0, 0.7, size=n), "v": rng.uniform(-1.2, 1.2, size=n),
            "r": on(coupled) * float(rng.choice([-1, 1]) * rng.uniform(0.5, 1.5)),
            "p": rng.normal(0, 0.8, size=n), "q": rng.normal(0, 0.4, size=n)}


def _gradient_params(f):
    """Parameters of the ``vector`` function that is the exact gradient of the scalar function ``f``."""
    A, u, v, p, q = f["A"], f["u"], f["v"], f["p"], f["q"]
    return {"G": (A + A.T) / 2, "g": f["b"].copy(), "alpha": f["w"] * u, "beta": np.zeros_like(u), "u": u.copy(),
            "gamma": f["s"] * v, "v": v.copy(), "P": f["r"] * p, "Q": f["r"] * q, "p": p.copy(), "q": q.copy()}


def _flip_one(g, rng):
    k = int(rng.integers(0, len(g["g"])))
    bad = {name: value.copy() for name, value in g.items()}
    bad["G"][k] *= -1
    for name in ("g", "alpha", "beta", "gamma", "P", "Q"):
        bad[name][k] *= -1
    return bad


BUGS = {  # what the buggy gradient does wrong, and how to make it from the right one
    "uses A·x instead of ½(A + Aᵀ)·x for the quadratic term": lambda f, g, rng: {**g, "G": f["A"]},
    "forgets the chain-rule factor u in the derivative of sin(u·x)": lambda f, g, rng: {**g, "alpha": f["w"]},
    "differentiates sin(u·x) to −u·cos(u·x)": lambda f, g, rng: {**g, "alpha": -g["alpha"]},
    "forgets the factor v in the derivative of exp(v·x)": lambda f, g, rng: {**g, "gamma": f["s"]},
    "drops one term of the product rule for sin(p·x)·exp(q·x)": lambda f, g, rng: {**g, "Q": np.zeros_like(g["Q"])},
    "has the wrong sign in one coordinate": lambda f, g, rng: _flip_one(g, rng),
}


def _function(rng, shape, **terms):
    f = _scalar_params(rng, int(np.prod(shape)), **terms)
    return f, Function("scalar", f, text="f")


def _x(rng, shape):
    return rng.uniform(-1, 1, size=shape)


def _true_gradient(call_f: Function, x):
    return Function("vector", _gradient_params(dict(call_f.params))).build()(x)


# -- numerical_gradient ----------------------------------------------------------------------

def _plan_numerical(rng):
    calls = []
    for label, shape, kwargs in (("vector", (5,), {}), ("matrix", (2, 3), {"h": 1e-4}), ("tensor", (2, 1, 2), {})):
        _, f = _function(rng, shape)
        h_text = f", h={kwargs['h']:g}" if kwargs else ""
        calls.append(Call(label, "numerical_gradient", (f, _x(rng, shape)), kwargs,
                          text=f"numerical_gradient(f, x{h_text}) for x of shape {shape}"))
    _, f = _function(rng, (4,))
    calls.append(Call("coarse", "numerical_gradient", (f, _x(rng, (4,))), {"h": COARSE_H},
                      text=f"numerical_gradient(f, x, h={COARSE_H:g}) for x of shape (4,)"))
    return calls


def _central(f, x, h):
    flat = x.ravel()
    return np.array([(f(flat + h * e) - f(flat - h * e)) / (2 * h) for e in np.eye(flat.size)]).reshape(x.shape)


def _one_sided(f, x, h):
    flat = x.ravel()
    return np.array([(f(flat + h * e) - f(flat)) / h for e in np.eye(flat.size)]).reshape(x.shape)


def _judge_numerical(obs):
    labels = ("vector", "matrix", "tensor", "coarse")
    for label in labels:
        f_spec, x = obs.args(label)
        got = obs.array(label)
        if got.shape != x.shape:
            raise Fail(f"{obs.call(label).shown} should return an array of x's shape {x.shape}, got shape {got.shape}")
    # The one-sided difference first, where h is known: the calls with the default h would
    # only show a small error without saying where it comes from.
    for label in ("matrix", "coarse"):
        f_spec, x = obs.args(label)
        got = obs.array(label)
        h = obs.call(label).kwargs["h"]
        exact = _true_gradient(f_spec, x)
        scale = max(1.0, float(np.max(np.abs(exact))))
        if close_to(got, _one_sided(f_spec.build(), x, h), rtol=1e-6, atol=1e-9 * scale) and \
                not close_to(got, exact, atol=1e-6 * scale):
            raise Fail(f"{obs.call(label).shown} matches the one-sided difference (f(x + h) − f(x)) / h, whose "
                       "error shrinks only like h; use the central difference (f(x + h) − f(x − h)) / 2h")
    for label in labels[:3]:
        f_spec, x = obs.args(label)
        shown = obs.call(label).shown
        got = obs.array(label)
        exact = _true_gradient(f_spec, x)
        scale = max(1.0, float(np.max(np.abs(exact))))
        tolerance = 1e-6 if "h" in obs.call(label).kwargs else 1e-5
        expect_close(got, exact, shown, at=lambda i: f"at index {i}", rtol=0, atol=tolerance * scale,
                     hint="nudge one entry of x at a time by ±h, keeping the others fixed")
    f_spec, x = obs.args("coarse")
    shown = obs.call("coarse").shown
    got = obs.array("coarse", shape=x.shape)
    expected = _central(f_spec.build(), x, COARSE_H)
    exact = _true_gradient(f_spec, x)
    scale = max(1.0, float(np.max(np.abs(exact))))
    if close_to(got, exact, rtol=0, atol=1e-5 * scale) and not close_to(got, expected, atol=1e-6 * scale):
        raise Fail(f"{shown} gives the gradient of a much smaller h: it ignores its h argument; nudge by ±h")
    expect_close(got, expected, f"{shown}", at=lambda i: f"at index {i}", rtol=1e-6, atol=1e-9 * scale,
                 hint=f"(f(x + h) − f(x − h)) / 2h with h = {COARSE_H:g}")


# -- relative_error --------------------------------------------------------------------------

def _plan_relative(rng):
    while True:  # the two scales differ, so that dividing by only one of them shows
        a = rng.normal(size=(3, 4))
        b = a + rng.normal(0, 0.1, size=a.shape) * rng.integers(0, 2, size=a.shape)
        if abs(np.max(np.abs(a)) - np.max(np.abs(b))) > 0.02 * _scale(a, b):
            break
    zeros = np.zeros((2, 2))
    return [Call("random", "relative_error", (a, b), text="relative_error(a, b) for arrays of shape (3, 4)"),
            Call("swapped", "relative_error", (b, a), text="relative_error(b, a)"),
            Call("scaled", "relative_error", (1e3 * a, 1e3 * b), text="relative_error(1000·a, 1000·b)"),
            Call("zeros", "relative_error", (zeros, zeros.copy()), text="relative_error of two zero arrays")]


def _number(obs, label):
    got = obs.array(label)
    if got.size != 1:
        raise Fail(f"{obs.call(label).shown} should return one number, got shape {got.shape}")
    return float(got.ravel()[0])


def _judge_relative(obs):
    a, b = obs.args("random")
    expected = _relative_error(a, b)
    got = _number(obs, "random")
    if not isclose(got, expected, rtol=1e-6):
        if isclose(got, np.max(np.abs(a - b)), rtol=1e-6):
            hint = "; that is the absolute difference: divide by the larger of max|a| and max|b|"
        elif isclose(got, np.max(np.abs(a - b)) / np.max(np.abs(a))) or \
                isclose(got, np.max(np.abs(a - b)) / np.max(np.abs(b))):
            hint = ("; that divides by the scale of one array only, but the error must not depend on the order: "
                    "divide by the larger of max|a| and max|b|")
        elif isclose(got, np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b)), rtol=1e-6) or \
                isclose(got, np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)), rtol=1e-6):
            hint = "; use the largest absolute entries (max), not norms, as the notebook defines it"
        elif 0 < got < expected and 0 < np.max(np.abs(a - b)) / got - _scale(a, b) < 0.1:
            epsilon = np.max(np.abs(a - b)) / got - _scale(a, b)
            hint = (f"; it looks like ε ≈ {epsilon:.1g} was added to the denominator, which biases every "
                    "result: return 0 for two zero arrays instead")
        else:
            hint = ": max|a − b| / max(max|a|, max|b|)"
        want, have = fmt_pair(expected, got)
        raise Fail(f"relative_error(a, b) for a, b of shape (3, 4) should be {want}, got {have}{hint}")
    swapped = _number(obs, "swapped")
    if not isclose(swapped, got, rtol=1e-9):
        raise Fail(f"relative_error(b, a) gave {fmt(swapped)} but relative_error(a, b) gave {fmt(got)}; "
                   "the error must not depend on the order: divide by the larger of the two scales")
    scaled = _number(obs, "scaled")
    if not isclose(scaled, got, rtol=1e-6):
        raise Fail(f"relative_error(1000·a, 1000·b) gave {fmt(scaled)} but relative_error(a, b) gave {fmt(got)}; "
                   "a relative error does not change when both arrays are scaled")
    zeros = obs.array("zeros")
    if zeros.size == 1 and not np.isfinite(zeros.ravel()[0]):
        raise Fail(f"relative_error of two zero arrays gave {zeros.ravel()[0]}: 0 / 0; return 0 when both arrays "
                   "are all zeros instead of dividing by 0")
    zeros = _number(obs, "zeros")
    if zeros != 0:
        raise Fail(f"relative_error of two zero arrays should be 0 (they agree exactly), got {fmt(zeros)}; "
                   "return 0 when both arrays are all zeros instead of dividing by 0")


# -- gradient_is_correct ---------------------------------------------------------------------

def _plan_checker(rng):
    cases = [("right", None), ("right", None)]
    bugs = list(BUGS)
    cases += [("bug", str(name)) for name in rng.choice(bugs, size=4, replace=False)]
    rng.shuffle(cases)
    calls = []
    for i, (kind, bug) in enumerate(cases):
        shape = SHAPES[int(rng.integers(0, len(SHAPES)))]
        while True:
            f, f_spec = _function(rng, shape)
            x = _x(rng, shape)
            g = _gradient_params(f)
            if bug is not None:
                g = BUGS[bug](f, g, rng)
            exact = _true_gradient(f_spec, x)
            claimed = Function("vector", g).build()(x)
            if bug is None or _relative_error(exact, claimed) > 1e-2:
                break
        what = "is the exact gradient of f" if bug is None else bug
        calls.append(Call(f"case{i}", "gradient_is_correct", (f_spec, Function("vector", g, text="grad_f"), x),
                          {"tol": 1e-6}, text=f"gradient_is_correct(f, grad_f, x, tol=1e-6) where grad_f {what}"))
    # One gradient off by a relative error of about 1e-4, for a function with large values
    # (so that an absolute error would exceed tol), judged at two tolerances either side of it.
    shape = SHAPES[int(rng.integers(0, len(SHAPES)))]
    f, _ = _function(rng, shape)
    f = {k: (v * 1000.0 if k in ("A", "b", "c", "w", "s", "r") else v) for k, v in f.items()}
    f_spec, x = Function("scalar", f, text="f"), _x(rng, shape)
    g = _gradient_params(f)
    exact = _true_gradient(f_spec, x)
    k = int(rng.integers(0, exact.size))
    g = {**g, "g": g["g"].copy()}
    g["g"][k] += NEAR_ERROR * float(np.max(np.abs(exact))) * float(rng.choice([-1, 1]))
    for label, tol in (("near_loose", 1e-3), ("near_strict", 1e-5)):
        calls.append(Call(label, "gradient_is_correct", (f_spec, Function("vector", g, text="grad_f"), x),
                          {"tol": tol}, text=f"gradient_is_correct(f, grad_f, x, tol={tol:g}) where grad_f is off "
                          f"by a relative error of about {NEAR_ERROR:g} and f's values are in the thousands"))
    return calls


def _judge_checker(obs):
    for i in range(6):
        label = f"case{i}"
        f_spec, g_spec, x = obs.args(label)
        got = _number(obs, label)
        if got not in (0.0, 1.0):
            raise Fail(f"{obs.call(label).shown} should return True or False, got {fmt(got)}")
        error = _relative_error(_true_gradient(f_spec, x), g_spec.build()(x))
        if error < 1e-9 and not got:
            raise Fail(f"{obs.call(label).shown} returned False; a central difference agrees with a correct "
                       "gradient to about 1e-9, far inside tol=1e-6; compare your two gradients with relative_error")
        if error > 1e-2 and got:
            raise Fail(f"{obs.call(label).shown} returned True, but the relative error is about {error:.2g}; "
                       "it should be flagged")
    for label, want in (("near_loose", True), ("near_strict", False)):
        f_spec, g_spec, x = obs.args(label)
        got = _number(obs, label)
        if got not in (0.0, 1.0):
            raise Fail(f"{obs.call(label).shown} should return True or False, got {fmt(got)}")
        error = _relative_error(_true_gradient(f_spec, x), g_spec.build()(x))
        tol = obs.call(label).kwargs["tol"]
        if bool(got) != want:
            side = "within" if want else "above"
            raise Fail(f"{obs.call(label).shown} returned {bool(got)}, but the relative error, {error:.2g}, is "
                       f"{side} tol={tol:g}: compare relative_error (not an absolute difference) with the tol "
                       "argument, not a fixed number")


# -- quadratic_grad --------------------------------------------------------------------------

def _plan_quadratic(rng):
    n = int(rng.integers(3, 6))
    A, b, x = rng.normal(size=(n, n)), rng.normal(size=n), rng.normal(size=n)
    S = (A + A.T) / 2
    return [Call("asymmetric", "quadratic_grad", (A, b, x),
                 text=f"quadratic_grad(A, b, x) for a non-symmetric {n}×{n} A"),
            Call("symmetric", "quadratic_grad", (S, b, x), text=f"quadratic_grad(A, b, x) for a symmetric {n}×{n} A")]


def _judge_quadratic(obs):
    for label in ("symmetric", "asymmetric"):
        A, b, x = obs.args(label)
        shown = obs.call(label).shown
        got = obs.array(label, shape=x.shape)
        expected = (A + A.T) @ x / 2 + b
        if label == "asymmetric" and (close_to(got, A @ x + b) or close_to(got, A.T @ x + b)):
            raise Fail(f"{shown} gives A·x + b (or Aᵀ·x + b), which is right only for a symmetric A; "
                       "differentiate ½ Σᵢⱼ xᵢAᵢⱼxⱼ entry by entry, or run your gradient checker on it")
        if close_to(got, (A + A.T) @ x + b):
            raise Fail(f"{shown} is twice too large in the quadratic term; the ½ cancels the 2 from differentiating")
        expect_close(got, expected, shown, at=lambda i: f"at [{i[0]}]",
                     hint="check your formula with gradient_is_correct")


PARTS = [
    Part("numerical_gradient", 2, ("numerical_gradient",), _plan_numerical, _judge_numerical,
         "central finite differences of a scalar function of an array of any shape"),
    Part("relative_error", 1, ("relative_error",), _plan_relative, _judge_relative,
         "max|a − b| / max(max|a|, max|b|), and 0 for two zero arrays"),
    Part("gradient_is_correct", 2, ("gradient_is_correct",), _plan_checker, _judge_checker,
         "accepts correct gradients and flags buggy ones"),
    Part("quadratic_grad", 1, ("quadratic_grad",), _plan_quadratic, _judge_quadratic,
         "the gradient of ½ xᵀAx + b·x for any square A"),
]


MISTAKES = [
    Mistake("one_sided", "numerical_gradient", """
def numerical_gradient(f, x, h=1e-5):
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        nudge = np.zeros_like(x)
        nudge[index] = h
        grad[index] = (f(x + nudge) - f(x)) / h
    return grad
""", "one-sided difference", "(f(x + h) − f(x)) / h, whose error shrinks only like h"),
    Mistake("rows_not_entries", "numerical_gradient", """
def numerical_gradient(f, x, h=1e-5):
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for i in range(len(x)):
        nudge = np.zeros_like(x)
        nudge[i] = h
        grad[i] = (f(x + nudge) - f(x - nudge)) / (2 * h)
    return grad
""", "nudge one entry of x at a time", "looping over rows: for a matrix x, a whole row is nudged at once"),
    Mistake("ignores_h", "numerical_gradient", """
def numerical_gradient(f, x, h=1e-5):
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        nudge = np.zeros_like(x)
        nudge[index] = 1e-5
        grad[index] = (f(x + nudge) - f(x - nudge)) / 2e-5
    return grad
""", "it ignores its h argument", "a hard-coded step 1e-5 instead of h"),
    Mistake("absolute", "relative_error", """
def relative_error(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
""", "that is the absolute difference", "the absolute difference, not divided by the scale"),
    Mistake("epsilon_denominator", "relative_error", """
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / (max(np.max(np.abs(a)), np.max(np.abs(b))) + 1e-3))
""", "was added to the denominator", "a near miss: ε = 1e-3 added to the denominator against 0 / 0"),
    Mistake("no_zero_case", "relative_error", """
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b))))
""", "return 0 when both arrays are all zeros", "0 / 0 for two zero arrays"),
    Mistake("first_array_scale", "relative_error", """
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.max(np.abs(a))
    return 0.0 if scale == 0 else float(np.max(np.abs(a - b)) / scale)
""", "must not depend on the order", "dividing by a's scale only"),
    Mistake("ignores_tol", "gradient_is_correct", """
def gradient_is_correct(f, grad_f, x, tol=1e-6):
    return relative_error(grad_f(x), numerical_gradient(f, x)) <= 1e-6
""", "not a fixed number", "a hard-coded 1e-6 instead of tol"),
    Mistake("absolute_tol", "gradient_is_correct", """
def gradient_is_correct(f, grad_f, x, tol=1e-6):
    return np.max(np.abs(grad_f(x) - numerical_gradient(f, x))) <= tol
""", "not an absolute difference", "comparing the absolute difference with tol"),
    Mistake("credulous", "gradient_is_correct", """
def gradient_is_correct(f, grad_f, x, tol=1e-6):
    return True
""", "it should be flagged", "accepting every gradient"),
    Mistake("symmetric_only", "quadratic_grad", """
def quadratic_grad(A, b, x):
    return A @ x + b
""", "right only for a symmetric A", "A·x + b, right only when A is symmetric"),
    Mistake("twice", "quadratic_grad", """
def quadratic_grad(A, b, x):
    return (A + A.T) @ x + b
""", "twice too large", "(A + Aᵀ)·x + b: the ½ forgotten"),
]
