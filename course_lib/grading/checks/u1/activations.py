"""Checks for exercise u1.activations: activations, their derivatives, softmax and cross-entropy.

Every part calls the student's functions on freshly drawn inputs and compares the
results with a private reference, with known values (σ'(0) = 0.25) and with
properties that any correct answer has: softmax rows sum to 1 and ignore a constant
shift, nothing overflows at ±1000, and the cross-entropy gradient is ŷ − y.

``sigmoid`` runs at ±1000 under ``np.errstate(over="raise")``: the naive ``1 / (1 + np.exp(-x))``
overflows there, which NumPy reports only as a RuntimeWarning, and fails the part.
Judges test for each typical mistake before the generic value comparison, so the mistake's
own hint is the one printed; ``MISTAKES`` at the bottom lists them, and
``tests/test_mistakes_contract.py`` proves every hint fires.
"""

from __future__ import annotations

import numpy as np

from ...core import Call, Fail, Mistake, Part, allclose, close_to, expect_close, expect_finite, fmt, fmt_pair, isclose
from ...references import log_softmax as _log_softmax
from ...references import sigmoid as _sigmoid
from ...references import softmax as _softmax

EXTREMES = np.array([-1000.0, -50.0, 50.0, 1000.0])
OVERFLOW = {"over": "raise"}


def _at(x):
    return lambda index: f"at x={fmt(x[index])}"


def _nonzero(rng, size, low=0.05, high=6.0):
    """Values away from 0, where ReLU-like functions have a kink."""
    return rng.choice([-1.0, 1.0], size=size) * rng.uniform(low, high, size=size)


# -- sigmoid ---------------------------------------------------------------------------------

def _plan_sigmoid(rng):
    return [Call("random", "sigmoid", (rng.uniform(-8, 8, size=(4, 5)),), text="sigmoid(x)"),
            Call("zero", "sigmoid", (0.0,), text="sigmoid(0)"),
            Call("extreme", "sigmoid", (EXTREMES.copy(),), text="sigmoid([-1000, -50, 50, 1000])",
                 errstate=OVERFLOW)]


def _judge_sigmoid(obs):
    if obs.raised("extreme") == "FloatingPointError":
        raise Fail("sigmoid([-1000, -50, 50, 1000]) overflowed (NumPy only warns; the checks count it as wrong): "
                   "for x = −1000, e^−x = e^1000 is too large for a float. Use the stable form with e^−|x|, which "
                   "is never above 1; note that np.where computes both of its branches for every x")
    zero = obs.array("zero")
    if zero.shape != () or not isclose(zero, 0.5):
        raise Fail(f"sigmoid(0) should be 0.5, got {fmt(zero.ravel()[0]) if zero.size else 'an empty array'}")
    (x,) = obs.args("random")
    got = obs.array("random", shape=x.shape)
    expect_close(got, _sigmoid(x), "sigmoid(x)", at=_at(x), hint="σ(x) = 1 / (1 + e^−x), with e = np.e")
    extreme = obs.array("extreme", shape=EXTREMES.shape)
    expect_finite(extreme, "sigmoid at x=±1000", "keep exp from overflowing for large |x|")
    expect_close(extreme, _sigmoid(EXTREMES), "sigmoid", at=_at(EXTREMES), atol=1e-12)


# -- sigmoid_grad ----------------------------------------------------------------------------

def _plan_sigmoid_grad(rng):
    return [Call("zero", "sigmoid_grad", (0.0,), text="sigmoid_grad(0)"),
            Call("random", "sigmoid_grad", (rng.uniform(-6, 6, size=(7,)),), text="sigmoid_grad(x)"),
            Call("extreme", "sigmoid_grad", (EXTREMES.copy(),), text="sigmoid_grad([-1000, -50, 50, 1000])")]


def _judge_sigmoid_grad(obs):
    # The typical mistakes first: σ'(0) alone cannot tell them apart.
    (x,) = obs.args("random")
    got = obs.array("random", shape=x.shape)
    s = _sigmoid(x)
    if close_to(got, s):
        raise Fail("sigmoid_grad(x) returns sigmoid(x) itself; the derivative is σ(x)·(1 − σ(x))")
    if close_to(got, x * (1 - x)):
        raise Fail("sigmoid_grad(x) computes x·(1 − x); apply s·(1 − s) to s = sigmoid(x), not to x")
    if close_to(got, -s * (1 - s)):
        raise Fail("sigmoid_grad(x) has the wrong sign; σ is increasing, so σ'(x) = σ(x)·(1 − σ(x)) > 0")
    zero = obs.array("zero")
    if zero.size != 1 or not isclose(zero.ravel()[0], 0.25):
        raise Fail(f"sigmoid_grad(0) should be 0.25, got {fmt(zero.ravel()[0]) if zero.size else 'an empty array'}")
    expect_close(got, s * (1 - s), "sigmoid_grad(x)", at=_at(x), hint="σ'(x) = σ(x)·(1 − σ(x))")
    extreme = obs.array("extreme", shape=EXTREMES.shape)
    expect_finite(extreme, "sigmoid_grad at x=±1000", "keep exp from overflowing for large |x|")
    expect_close(extreme, np.zeros_like(EXTREMES), "sigmoid_grad", at=_at(EXTREMES), atol=1e-12)


# -- tanh_grad -------------------------------------------------------------------------------

def _plan_tanh_grad(rng):
    return [Call("zero", "tanh_grad", (0.0,), text="tanh_grad(0)"),
            Call("random", "tanh_grad", (rng.uniform(-3, 3, size=(3, 4)),), text="tanh_grad(x)"),
            Call("extreme", "tanh_grad", (EXTREMES.copy(),), text="tanh_grad([-1000, -50, 50, 1000])")]


def _judge_tanh_grad(obs):
    (x,) = obs.args("random")
    got = obs.array("random", shape=x.shape)
    t = np.tanh(x)
    if close_to(got, 1 - x**2):
        raise Fail("tanh_grad(x) computes 1 − x²; the derivative is 1 − tanh(x)²")
    if close_to(got, t**2 - 1):
        raise Fail("tanh_grad(x) has the wrong sign; tanh is increasing, so tanh'(x) = 1 − tanh(x)² > 0")
    if close_to(got, 1 - t):
        raise Fail("tanh_grad(x) computes 1 − tanh(x); square it: 1 − tanh(x)²")
    zero = obs.array("zero")
    if zero.size != 1 or not isclose(zero.ravel()[0], 1.0):
        raise Fail(f"tanh_grad(0) should be 1, got {fmt(zero.ravel()[0]) if zero.size else 'an empty array'}")
    # Central differences of np.tanh: the derivative the function claims to be.
    h = 1e-6
    numeric = (np.tanh(x + h) - np.tanh(x - h)) / (2 * h)
    expect_close(got, numeric, "tanh_grad(x)", at=_at(x), rtol=1e-5, atol=1e-7,
                 hint="tanh'(x) = 1 − tanh(x)²; compare with (tanh(x + h) − tanh(x − h)) / 2h")
    extreme = obs.array("extreme", shape=EXTREMES.shape)
    expect_finite(extreme, "tanh_grad at x=±1000")
    expect_close(extreme, np.zeros_like(EXTREMES), "tanh_grad", at=_at(EXTREMES), atol=1e-12)


# -- leaky_relu and its derivative -----------------------------------------------------------

def _plan_leaky_relu(rng):
    x = _nonzero(rng, (3, 6))
    return [Call("default", "leaky_relu", (x,), text="leaky_relu(x)"),
            Call("alpha", "leaky_relu", (x,), {"alpha": 0.1}, text="leaky_relu(x, alpha=0.1)"),
            Call("relu", "leaky_relu", (x,), {"alpha": 0.0}, text="leaky_relu(x, alpha=0)"),
            Call("grad_default", "leaky_relu_grad", (x,), text="leaky_relu_grad(x)"),
            Call("grad_alpha", "leaky_relu_grad", (x,), {"alpha": 0.1}, text="leaky_relu_grad(x, alpha=0.1)")]


def _judge_leaky_relu(obs):
    (x,) = obs.args("default")
    for label, alpha in (("default", 0.01), ("alpha", 0.1), ("relu", 0.0)):
        got = obs.array(label, shape=x.shape)
        if label != "default" and close_to(got, np.where(x > 0, x, 0.01 * x)):
            raise Fail(f"{obs.call(label).shown} used the slope 0.01: it ignores its alpha argument; "
                       "use alpha, not the number 0.01")
        expect_close(got, np.where(x > 0, x, alpha * x), obs.call(label).shown, at=_at(x),
                     hint=f"the slope is {alpha:g} for x < 0 and 1 for x > 0")
    for label, alpha in (("grad_default", 0.01), ("grad_alpha", 0.1)):
        got = obs.array(label, shape=x.shape)
        if close_to(got, np.where(x > 0, 1.0, 0.0)):
            raise Fail(f"{obs.call(label).shown} is 0 for x < 0, the derivative of the plain ReLU; "
                       "leaky ReLU's slope there is alpha")
        if label != "grad_default" and close_to(got, np.where(x > 0, 1.0, 0.01)):
            raise Fail(f"{obs.call(label).shown} used the slope 0.01: it ignores its alpha argument")
        expect_close(got, np.where(x > 0, 1.0, alpha), obs.call(label).shown, at=_at(x),
                     hint="the derivative is 1 for x > 0 and alpha for x < 0")


# -- softmax ---------------------------------------------------------------------------------

WORKED_LOGITS = np.array([1.0, 3.0, 4.0, 7.0])
BIG_LOGITS = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1000.0, -1000.0]])


def _plan_softmax(rng):
    z = rng.normal(0, 3, size=(4, 6))
    shift = float(rng.uniform(-50, 50))
    return [Call("worked", "softmax", (WORKED_LOGITS.copy(),), text="softmax([1, 3, 4, 7])"),
            Call("batch", "softmax", (z,), text="softmax(z) for a batch z of shape (4, 6)", arg_names=("z",)),
            Call("shifted", "softmax", (z + shift,), text=f"softmax(z + {shift:.3g})"),
            Call("big", "softmax", (BIG_LOGITS.copy(),), text="softmax([[1000, 1001, 1002], [-1000, -1000, -1000]])")]


def _judge_softmax(obs):
    (z,) = obs.args("batch")
    got = obs.array("batch", shape=z.shape)
    sums = got.sum(axis=-1)
    if isclose(got.sum(), 1.0) and not allclose(sums, 1.0):
        raise Fail("each row of softmax(z) must sum to 1; normalise along the last axis "
                   "(axis=-1, keepdims=True), not over the whole array")
    if allclose(got.sum(axis=0), 1.0) and not allclose(sums, 1.0):
        raise Fail("the columns of softmax(z) sum to 1, not the rows: each row is one example, so "
                   "normalise along the last axis (axis=-1, keepdims=True), not axis=0")
    if not allclose(sums, 1.0):
        row = int(np.argmax(np.abs(sums - 1)))
        _, shown = fmt_pair(1.0, sums[row])
        raise Fail(f"each row of softmax(z) must sum to 1, but row {row} sums to {shown}; divide by the "
                   "row's own sum, nothing added to it")
    big = obs.array("big", shape=BIG_LOGITS.shape)
    expect_finite(big, "softmax of logits around ±1000", "subtract each row's maximum before exp")
    worked = obs.array("worked", shape=WORKED_LOGITS.shape)
    expect_close(worked, _softmax(WORKED_LOGITS), "softmax([1, 3, 4, 7])",
                 at=lambda i: f"at position {i[0]}", rtol=1e-6, atol=1e-9)
    expect_close(got, _softmax(z), "softmax(z)", at=lambda i: f"at row {i[0]}, column {i[1]}")
    shifted = obs.array("shifted", shape=z.shape)
    expect_close(shifted, got, obs.call("shifted").shown, at=lambda i: f"at row {i[0]}, column {i[1]}",
                 hint="softmax(z + c) must equal softmax(z) for any constant c")
    expect_close(big, _softmax(BIG_LOGITS), "softmax([[1000, 1001, 1002], [-1000, -1000, -1000]])",
                 at=lambda i: f"at row {i[0]}, column {i[1]}")


# -- cross_entropy on probabilities ----------------------------------------------------------

def _one_hot(rng, n, k):
    return np.eye(k)[rng.integers(0, k, size=n)]


def _plan_cross_entropy(rng):
    y = _one_hot(rng, 5, 4)
    y[0] = rng.dirichlet(np.ones(4))  # a soft label: the sum still runs over all classes
    p = _softmax(rng.normal(0, 2, size=(5, 4)))
    zero_elsewhere = np.array([[0.0, 1.0, 0.0], [0.3, 0.7, 0.0]])
    return [Call("worked", "cross_entropy", (np.array([0.0, 1.0, 0.0]), np.array([0.2, 0.7, 0.1])),
                 text="cross_entropy([0, 1, 0], [0.2, 0.7, 0.1])"),
            Call("batch", "cross_entropy", (y, p), text="cross_entropy(y, p) for a batch of 5"),
            Call("zeros", "cross_entropy", (np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]), zero_elsewhere),
                 text="cross_entropy(y, p) with p = 0 for classes y does not pick"),
            Call("miss", "cross_entropy", (np.array([1.0, 0.0]), np.array([0.0, 1.0])),
                 text="cross_entropy([1, 0], [0, 1])")]


def _row(values) -> str:
    return "[" + ", ".join(fmt(v, 3) for v in values) + "]"


def _judge_cross_entropy(obs):
    worked = obs.array("worked")
    if worked.size != 1 or not isclose(worked.ravel()[0], -np.log(0.7), rtol=1e-6):
        got = fmt_pair(-np.log(0.7), worked.ravel()[0])[1] if worked.size == 1 else f"shape {worked.shape}"
        hint = "; remember the minus sign" if worked.size == 1 and isclose(worked.ravel()[0], np.log(0.7)) else ""
        raise Fail(f"cross_entropy([0, 1, 0], [0.2, 0.7, 0.1]) should be −ln 0.7 ≈ 0.3567, got {got}{hint}")
    y, p = obs.args("batch")
    got = obs.array("batch")
    if got.shape != (5,):
        raise Fail(f"cross_entropy(y, p) for a batch of 5 should return one loss per example, "
                   f"shape (5,), got shape {got.shape}")
    expected = -(y * np.log(p)).sum(axis=-1)
    wrong = np.flatnonzero(~isclose(got, expected))
    if wrong.size:
        i = int(wrong[0])
        want, have = fmt_pair(expected[i], got[i])
        case = f"for example {i}, y = {_row(y[i])} and p = {_row(p[i])}"
        argmax_only = -np.log(p[i, np.argmax(y[i])])
        if y[i].max() < 1 and isclose(got[i], argmax_only):
            raise Fail(f"cross_entropy(y, p) {case}, should be {want}, got {have}: y is a soft label here, so "
                       "sum −y·log p over every class, not only the class with the largest y")
        raise Fail(f"cross_entropy(y, p) {case}, should be {want}, got {have}; L = −Σ y·log p over the last axis")
    zeros = obs.array("zeros", shape=(2,))
    expect_finite(zeros, obs.call("zeros").shown, "0·log 0 must count as 0: clip p away from 0 before the log")
    expect_close(zeros, np.array([0.0, -np.log(0.7)]), obs.call("zeros").shown + " (p = [[0, 1, 0], [0.3, 0.7, 0]])",
                 at=lambda i: f"for example {i[0]}", atol=1e-6,
                 hint="clip p into [ε, 1] with a tiny ε such as 1e-12; clipping the top below 1 changes log 1 = 0")
    miss = obs.array("miss")
    if miss.size != 1 or not np.isfinite(miss.ravel()[0]) or miss.ravel()[0] < 5:
        raise Fail("cross_entropy([1, 0], [0, 1]) should be a large but finite loss (clip p to [ε, 1] "
                   f"with a small ε), got {fmt(miss.ravel()[0]) if miss.size == 1 else f'shape {miss.shape}'}")


# -- softmax_cross_entropy: loss and gradient from logits -------------------------------------

def _plan_softmax_cross_entropy(rng):
    y = _one_hot(rng, 4, 5)
    z = rng.normal(0, 3, size=(4, 5))
    big = np.array([[1000.0, 0.0, -1000.0], [1000.0, 0.0, -1000.0]])
    names = ("y_true", "logits")
    fix = "compute a new array (`{name} = {name} - m`, not `{name} -= m`)"
    return [Call("batch", "softmax_cross_entropy", (y, z), text="softmax_cross_entropy(y, logits)",
                 arg_names=names, inplace_fix=fix),
            Call("big", "softmax_cross_entropy", (np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]), big),
                 text="softmax_cross_entropy([[1, 0, 0], [0, 0, 1]], [[1000, 0, -1000], [1000, 0, -1000]])",
                 arg_names=names, inplace_fix=fix)]


def _judge_softmax_cross_entropy(obs):
    y, z = obs.args("batch")
    loss, grad = obs.arrays("batch", 2)
    if loss.shape != (4,):
        raise Fail(f"softmax_cross_entropy should return one loss per example, shape (4,), got shape {loss.shape}")
    expect_close(loss, -(y * _log_softmax(z)).sum(axis=-1), "the loss", at=lambda i: f"for example {i[0]}",
                 hint="L = −Σ y·log softmax(z)")
    if grad.shape != z.shape:
        raise Fail(f"the gradient should have the shape of the logits, {z.shape}, got {grad.shape}")
    expected = _softmax(z) - y
    if close_to(grad, -expected):
        raise Fail("the gradient has the wrong sign: it is ŷ − y, with ŷ = softmax(logits)")
    if close_to(grad, expected / len(y)):
        raise Fail("the gradient is divided by the batch size; return the per-example gradient ŷ − y")
    expect_close(grad, expected, "the gradient", at=lambda i: f"at row {i[0]}, column {i[1]}",
                 hint="it is ŷ − y, with ŷ = softmax(logits)")
    y_big, z_big = obs.args("big")
    loss_big, grad_big = obs.arrays("big", 2)
    shown = obs.call("big").shown
    log_softmax_hint = "use log-softmax: log ŷ = z − max(z) − log Σ exp(z − max(z))"
    expect_finite(loss_big, f"the loss of {shown}", log_softmax_hint)
    expect_finite(grad_big, f"the gradient of {shown}", "subtract the maximum logit before exp")
    expected_big = -(y_big * _log_softmax(z_big)).sum(axis=-1)
    if loss_big.shape == expected_big.shape and np.any(loss_big < 0.5 * expected_big):
        i = int(np.argmax(expected_big - loss_big))
        raise Fail(f"the loss of {shown} for example {i} should be {fmt(expected_big[i])}, got "
                   f"{fmt(loss_big[i])}: log(clip(softmax(z))) caps the loss at −log ε; {log_softmax_hint}")
    expect_close(loss_big, expected_big, f"the loss of {shown}", at=lambda i: f"for example {i[0]}", rtol=1e-9,
                 hint=log_softmax_hint)
    expect_close(grad_big, _softmax(z_big) - y_big, f"the gradient of {shown}",
                 at=lambda i: f"at row {i[0]}, column {i[1]}", atol=1e-9)


PARTS = [
    Part("sigmoid", 2, ("sigmoid",), _plan_sigmoid, _judge_sigmoid, "σ(x) = 1 / (1 + e^−x), stable for large |x|"),
    Part("sigmoid_grad", 1, ("sigmoid_grad",), _plan_sigmoid_grad, _judge_sigmoid_grad, "σ'(x) = σ(x)(1 − σ(x))"),
    Part("tanh_grad", 1, ("tanh_grad",), _plan_tanh_grad, _judge_tanh_grad, "tanh'(x) = 1 − tanh(x)²"),
    Part("leaky_relu", 2, ("leaky_relu", "leaky_relu_grad"), _plan_leaky_relu, _judge_leaky_relu,
         "leaky ReLU and its derivative, with a slope parameter alpha"),
    Part("softmax", 2, ("softmax",), _plan_softmax, _judge_softmax, "numerically stable softmax over the last axis"),
    Part("cross_entropy", 1, ("cross_entropy",), _plan_cross_entropy, _judge_cross_entropy,
         "categorical cross-entropy of probabilities, safe at p = 0"),
    Part("softmax_cross_entropy", 2, ("softmax_cross_entropy",), _plan_softmax_cross_entropy,
         _judge_softmax_cross_entropy, "loss and gradient ŷ − y from logits, stable at ±1000"),
]


MISTAKES = [
    Mistake("naive_sigmoid", "sigmoid", """
def sigmoid(x):
    return 1 / (1 + np.exp(-np.asarray(x, dtype=float)))
""", "overflowed (NumPy only warns", "the textbook 1 / (1 + np.exp(-x)) overflows for x = −1000"),
    Mistake("where_both_branches", "sigmoid", """
def sigmoid(x):
    x = np.asarray(x, dtype=float)
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
""", "np.where computes both of its branches", "a stable-looking np.where whose unused branch still overflows"),
    Mistake("rounded_e", "sigmoid", """
def sigmoid(x):
    x = np.asarray(x, dtype=float)
    small = 2.718 ** -np.abs(x)  # e rounded to 2.718: off by about 1e-4 relative
    return np.where(x >= 0, 1 / (1 + small), small / (1 + small))
""", "with e = np.e", "a near miss: e rounded to 2.718"),
    Mistake("grad_of_x", "sigmoid_grad", """
def sigmoid_grad(x):
    return x * (1 - x)
""", "apply s·(1 − s) to s = sigmoid(x), not to x", "s·(1 − s) applied to x instead of to σ(x)"),
    Mistake("grad_is_sigmoid", "sigmoid_grad", """
def sigmoid_grad(x):
    return sigmoid(x)
""", "returns sigmoid(x) itself", "returning σ(x) instead of its derivative"),
    Mistake("grad_sign", "sigmoid_grad", """
def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (s - 1)
""", "wrong sign", "a sign error: s·(s − 1)"),
    Mistake("tanh_grad_of_x", "tanh_grad", """
def tanh_grad(x):
    return 1 - np.asarray(x, dtype=float) ** 2
""", "computes 1 − x²", "1 − x² instead of 1 − tanh(x)²"),
    Mistake("tanh_grad_unsquared", "tanh_grad", """
def tanh_grad(x):
    return 1 - np.tanh(x)
""", "square it", "forgetting the square"),
    Mistake("plain_relu", "leaky_relu", """
def leaky_relu(x, alpha=0.01):
    return np.maximum(0, x)
""", "the slope is 0.01 for x < 0", "the plain ReLU, with no slope for x < 0"),
    Mistake("ignores_alpha", "leaky_relu", """
def leaky_relu(x, alpha=0.01):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, 0.01 * x)
""", "it ignores its alpha argument", "a hard-coded 0.01 that ignores alpha"),
    Mistake("relu_grad", "leaky_relu", """
def leaky_relu_grad(x, alpha=0.01):
    return np.where(np.asarray(x) > 0, 1.0, 0.0)
""", "the derivative of the plain ReLU", "the derivative of ReLU, 0 for x < 0"),
    Mistake("naive_softmax", "softmax", """
def softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
""", "subtract each row's maximum", "no shift by the maximum: overflows at 1000"),
    Mistake("global_max", "softmax", """
def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=-1, keepdims=True)
""", "subtract each row's maximum", "subtracting the maximum of the whole array, not each row's"),
    Mistake("whole_array", "softmax", """
def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()
""", "not over the whole array", "normalising over the whole array"),
    Mistake("wrong_axis", "softmax", """
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
""", "not axis=0", "normalising along axis 0, the examples, instead of the classes"),
    Mistake("in_place", "softmax", """
def softmax(z):
    z -= z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
""", "changed its argument z in place", "`z -= m` changes the caller's array"),
    Mistake("epsilon_in_denominator", "softmax", """
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / (e.sum(axis=-1, keepdims=True) + 1e-3)
""", "nothing added to it", "a near miss: an ε added to the denominator"),
    Mistake("no_minus", "cross_entropy", """
def cross_entropy(y_true, y_pred):
    return np.sum(y_true * np.log(np.clip(y_pred, 1e-12, 1.0)), axis=-1)
""", "remember the minus sign", "the minus sign forgotten"),
    Mistake("no_clip", "cross_entropy", """
def cross_entropy(y_true, y_pred):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.sum(y_true * np.log(y_pred), axis=-1)
""", "clip p away from 0", "no clip: 0·log 0 is nan"),
    Mistake("argmax_only", "cross_entropy", """
def cross_entropy(y_true, y_pred):
    p = np.clip(y_pred, 1e-12, 1.0)
    return -np.log(np.take_along_axis(p, np.argmax(y_true, axis=-1)[..., None], axis=-1))[..., 0]
""", "y is a soft label here", "taking −log p of the argmax class only"),
    Mistake("clip_top", "cross_entropy", """
def cross_entropy(y_true, y_pred):
    p = np.clip(y_pred, 1e-3, 1 - 1e-3)
    return -np.sum(y_true * np.log(p), axis=-1)
""", "clipping the top below 1", "clipping p into [1e-3, 1 − 1e-3]"),
    Mistake("mean_loss", "cross_entropy", """
def cross_entropy(y_true, y_pred):
    return np.mean(-np.sum(y_true * np.log(np.clip(y_pred, 1e-12, 1.0)), axis=-1))
""", "one loss per example", "returning the batch mean"),
    Mistake("log_clip_softmax", "softmax_cross_entropy", """
def softmax_cross_entropy(y_true, logits):
    p = softmax(logits)
    return -np.sum(y_true * np.log(np.clip(p, 1e-12, 1.0)), axis=-1), p - y_true
""", "use log-softmax", "log(clip(softmax(z))): finite, but capped at −log ε"),
    Mistake("gradient_sign", "softmax_cross_entropy", """
def softmax_cross_entropy(y_true, logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -np.sum(y_true * log_p, axis=-1), y_true - np.exp(log_p)
""", "wrong sign", "y − ŷ instead of ŷ − y"),
    Mistake("gradient_mean", "softmax_cross_entropy", """
def softmax_cross_entropy(y_true, logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -np.sum(y_true * log_p, axis=-1), (np.exp(log_p) - y_true) / len(y_true)
""", "divided by the batch size", "dividing the gradient by the batch size"),
    Mistake("logits_in_place", "softmax_cross_entropy", """
def softmax_cross_entropy(y_true, logits):
    logits -= logits.max(axis=-1, keepdims=True)
    log_p = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    return -np.sum(y_true * log_p, axis=-1), np.exp(log_p) - y_true
""", "changed its argument logits in place", "`logits -= m` changes the caller's array"),
]
