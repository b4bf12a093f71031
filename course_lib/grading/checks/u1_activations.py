"""Checks for exercise u1.activations: activations, their derivatives, softmax and cross-entropy.

Every part calls the student's functions on freshly drawn inputs and compares the
results with a private reference, with known values (σ'(0) = 0.25) and with
properties that any correct answer has: softmax rows sum to 1 and ignore a constant
shift, nothing overflows at ±1000, and the cross-entropy gradient is ŷ − y.
"""

from __future__ import annotations

import numpy as np

from ..core import Call, Fail, Part, close_to, expect_close, expect_finite, fmt

EXTREMES = np.array([-1000.0, -50.0, 50.0, 1000.0])


# Private references. They are computed in the judge's process only.
def _sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _log_softmax(z):
    z = np.asarray(z, dtype=np.float64)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _softmax(z):
    return np.exp(_log_softmax(z))


def _at(x):
    return lambda index: f"at x={fmt(x[index])}"


def _nonzero(rng, size, low=0.05, high=6.0):
    """Values away from 0, where ReLU-like functions have a kink."""
    return rng.choice([-1.0, 1.0], size=size) * rng.uniform(low, high, size=size)


# -- sigmoid ---------------------------------------------------------------------------------

def _plan_sigmoid(rng):
    return [Call("random", "sigmoid", (rng.uniform(-8, 8, size=(4, 5)),), text="sigmoid(x)"),
            Call("zero", "sigmoid", (0.0,), text="sigmoid(0)"),
            Call("extreme", "sigmoid", (EXTREMES.copy(),), text="sigmoid([-1000, -50, 50, 1000])")]


def _judge_sigmoid(obs):
    zero = obs.array("zero")
    if zero.shape != () or not np.isclose(zero, 0.5):
        raise Fail(f"sigmoid(0) should be 0.5, got {fmt(zero.ravel()[0]) if zero.size else 'an empty array'}")
    (x,) = obs.args("random")
    got = obs.array("random", shape=x.shape)
    expect_close(got, _sigmoid(x), "sigmoid(x)", at=_at(x))
    extreme = obs.array("extreme", shape=EXTREMES.shape)
    expect_finite(extreme, "sigmoid at x=±1000", "keep exp from overflowing for large |x|")
    expect_close(extreme, _sigmoid(EXTREMES), "sigmoid", at=_at(EXTREMES), atol=1e-12)


# -- sigmoid_grad ----------------------------------------------------------------------------

def _plan_sigmoid_grad(rng):
    return [Call("zero", "sigmoid_grad", (0.0,), text="sigmoid_grad(0)"),
            Call("random", "sigmoid_grad", (rng.uniform(-6, 6, size=(7,)),), text="sigmoid_grad(x)"),
            Call("extreme", "sigmoid_grad", (EXTREMES.copy(),), text="sigmoid_grad([-1000, -50, 50, 1000])")]


def _judge_sigmoid_grad(obs):
    zero = obs.array("zero")
    if zero.size != 1 or not np.isclose(zero.ravel()[0], 0.25):
        raise Fail(f"sigmoid_grad(0) should be 0.25, got {fmt(zero.ravel()[0]) if zero.size else 'an empty array'}")
    (x,) = obs.args("random")
    got = obs.array("random", shape=x.shape)
    s = _sigmoid(x)
    if close_to(got, s):
        raise Fail("sigmoid_grad(x) returns sigmoid(x) itself; the derivative is σ(x)·(1 − σ(x))")
    if close_to(got, x * (1 - x)):
        raise Fail("sigmoid_grad(x) computes x·(1 − x); apply s·(1 − s) to s = sigmoid(x), not to x")
    expect_close(got, s * (1 - s), "sigmoid_grad(x)", at=_at(x))
    extreme = obs.array("extreme", shape=EXTREMES.shape)
    expect_finite(extreme, "sigmoid_grad at x=±1000", "keep exp from overflowing for large |x|")
    expect_close(extreme, np.zeros_like(EXTREMES), "sigmoid_grad", at=_at(EXTREMES), atol=1e-12)


# -- tanh_grad -------------------------------------------------------------------------------

def _plan_tanh_grad(rng):
    return [Call("zero", "tanh_grad", (0.0,), text="tanh_grad(0)"),
            Call("random", "tanh_grad", (rng.uniform(-3, 3, size=(3, 4)),), text="tanh_grad(x)"),
            Call("extreme", "tanh_grad", (EXTREMES.copy(),), text="tanh_grad([-1000, -50, 50, 1000])")]


def _judge_tanh_grad(obs):
    zero = obs.array("zero")
    if zero.size != 1 or not np.isclose(zero.ravel()[0], 1.0):
        raise Fail(f"tanh_grad(0) should be 1, got {fmt(zero.ravel()[0]) if zero.size else 'an empty array'}")
    (x,) = obs.args("random")
    got = obs.array("random", shape=x.shape)
    if close_to(got, 1 - x**2):
        raise Fail("tanh_grad(x) computes 1 − x²; the derivative is 1 − tanh(x)²")
    # Central differences of np.tanh: the derivative the function claims to be.
    h = 1e-6
    numeric = (np.tanh(x + h) - np.tanh(x - h)) / (2 * h)
    expect_close(got, numeric, "tanh_grad(x)", at=_at(x), rtol=1e-5, atol=1e-7,
                 hint="compare with (tanh(x + h) − tanh(x − h)) / 2h")
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
        expect_close(got, np.where(x > 0, x, alpha * x), obs.call(label).shown, at=_at(x),
                     hint=f"the slope is {alpha:g} for x < 0 and 1 for x > 0")
    for label, alpha in (("grad_default", 0.01), ("grad_alpha", 0.1)):
        got = obs.array(label, shape=x.shape)
        expect_close(got, np.where(x > 0, 1.0, alpha), obs.call(label).shown, at=_at(x),
                     hint="the derivative is 1 for x > 0 and alpha for x < 0")


# -- softmax ---------------------------------------------------------------------------------

WORKED_LOGITS = np.array([1.0, 3.0, 4.0, 7.0])
BIG_LOGITS = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1000.0, -1000.0]])


def _plan_softmax(rng):
    z = rng.normal(0, 3, size=(4, 6))
    shift = float(rng.uniform(-50, 50))
    return [Call("worked", "softmax", (WORKED_LOGITS.copy(),), text="softmax([1, 3, 4, 7])"),
            Call("batch", "softmax", (z,), text="softmax(z) for a batch z of shape (4, 6)"),
            Call("shifted", "softmax", (z + shift,), text=f"softmax(z + {shift:.3g})"),
            Call("big", "softmax", (BIG_LOGITS.copy(),), text="softmax([[1000, 1001, 1002], [-1000, -1000, -1000]])")]


def _judge_softmax(obs):
    worked = obs.array("worked", shape=WORKED_LOGITS.shape)
    expect_close(worked, _softmax(WORKED_LOGITS), "softmax([1, 3, 4, 7])",
                 at=lambda i: f"at position {i[0]}", rtol=1e-6, atol=1e-9)
    (z,) = obs.args("batch")
    got = obs.array("batch", shape=z.shape)
    sums = got.sum(axis=-1)
    if np.isclose(got.sum(), 1.0) and not np.allclose(sums, 1.0):
        raise Fail("each row of softmax(z) must sum to 1; normalise along the last axis "
                   "(axis=-1, keepdims=True), not over the whole array")
    if not np.allclose(sums, 1.0):
        raise Fail(f"each row of softmax(z) must sum to 1, but row 0 sums to {fmt(sums[0])}")
    expect_close(got, _softmax(z), "softmax(z)", at=lambda i: f"at row {i[0]}, column {i[1]}")
    shifted = obs.array("shifted", shape=z.shape)
    expect_close(shifted, got, obs.call("shifted").shown, at=lambda i: f"at row {i[0]}, column {i[1]}",
                 hint="softmax(z + c) must equal softmax(z) for any constant c")
    big = obs.array("big", shape=BIG_LOGITS.shape)
    expect_finite(big, "softmax of logits around ±1000", "subtract each row's maximum before exp")
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


def _judge_cross_entropy(obs):
    worked = obs.array("worked")
    if worked.size != 1 or not np.isclose(worked.ravel()[0], -np.log(0.7), rtol=1e-6):
        got = fmt(worked.ravel()[0]) if worked.size == 1 else f"shape {worked.shape}"
        hint = "; remember the minus sign" if worked.size == 1 and np.isclose(worked.ravel()[0], np.log(0.7)) else ""
        raise Fail(f"cross_entropy([0, 1, 0], [0.2, 0.7, 0.1]) should be −ln 0.7 ≈ 0.357, got {got}{hint}")
    y, p = obs.args("batch")
    got = obs.array("batch")
    if got.shape != (5,):
        raise Fail(f"cross_entropy(y, p) for a batch of 5 should return one loss per example, "
                   f"shape (5,), got shape {got.shape}")
    expect_close(got, -(y * np.log(p)).sum(axis=-1), "cross_entropy(y, p)", at=lambda i: f"for example {i[0]}")
    zeros = obs.array("zeros", shape=(2,))
    expect_finite(zeros, obs.call("zeros").shown, "0·log 0 must count as 0: clip p away from 0 before the log")
    expect_close(zeros, np.array([0.0, -np.log(0.7)]), obs.call("zeros").shown,
                 at=lambda i: f"for example {i[0]}", atol=1e-6)
    miss = obs.array("miss")
    if miss.size != 1 or not np.isfinite(miss.ravel()[0]) or miss.ravel()[0] < 5:
        raise Fail("cross_entropy([1, 0], [0, 1]) should be a large but finite loss (clip p to [ε, 1] "
                   f"with a small ε), got {fmt(miss.ravel()[0]) if miss.size == 1 else f'shape {miss.shape}'}")


# -- softmax_cross_entropy: loss and gradient from logits -------------------------------------

def _plan_softmax_cross_entropy(rng):
    y = _one_hot(rng, 4, 5)
    z = rng.normal(0, 3, size=(4, 5))
    big = np.array([[1000.0, 0.0, -1000.0], [1000.0, 0.0, -1000.0]])
    return [Call("batch", "softmax_cross_entropy", (y, z), text="softmax_cross_entropy(y, logits)"),
            Call("big", "softmax_cross_entropy", (np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]), big),
                 text="softmax_cross_entropy(y, logits) with logits ±1000")]


def _judge_softmax_cross_entropy(obs):
    y, z = obs.args("batch")
    loss, grad = obs.arrays("batch", 2)
    if loss.shape != (4,):
        raise Fail(f"softmax_cross_entropy should return one loss per example, shape (4,), got shape {loss.shape}")
    expect_close(loss, -(y * _log_softmax(z)).sum(axis=-1), "the loss", at=lambda i: f"for example {i[0]}")
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
    expect_finite(loss_big, "the loss for logits ±1000", "use log-softmax: z − max(z) − log Σ exp(z − max(z))")
    expect_finite(grad_big, "the gradient for logits ±1000", "subtract the maximum logit before exp")
    expect_close(loss_big, -(y_big * _log_softmax(z_big)).sum(axis=-1), "the loss for logits ±1000",
                 at=lambda i: f"for example {i[0]}", rtol=1e-9)
    expect_close(grad_big, _softmax(z_big) - y_big, "the gradient for logits ±1000",
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
