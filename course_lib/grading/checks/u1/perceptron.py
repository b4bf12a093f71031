"""Checks for exercise u1.perceptron: the unit step, Rosenblatt's update and the training loop.

Every part calls the student's functions on freshly drawn inputs. Updates are compared
with the rule w ← w + η(t − ŷ)x, b ← b + η(t − ŷ); a trained perceptron must classify
every point of a freshly drawn linearly separable set and of the AND, OR and NOR
tables, and must follow the same trajectory as the rule run in the stated order; on
XOR, and on a set that holds one input with both labels, it must use its whole
epoch budget and report that it did not converge. ``epochs`` must be exactly the number of
passes the rule makes, counting the final mistake-free one. ``MISTAKES`` at the bottom
lists the typical mistakes the contract proves.
"""

from __future__ import annotations

import numpy as np

from ...core import Call, Fail, Mistake, Part, allclose, close_to, expect_close, fmt, fmt_pair, isclose
from ...references import step as _step

GATE_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATES = {"AND": np.array([0.0, 0.0, 0.0, 1.0]), "OR": np.array([0.0, 1.0, 1.0, 1.0]),
         "NOR": np.array([1.0, 0.0, 0.0, 0.0]), "XOR": np.array([0.0, 1.0, 1.0, 0.0])}
MAX_EPOCHS = 1000


# Private reference, run in the judge's process only.
def _train(X, y, lr, max_epochs):
    """(w, b, epochs, converged) of the rule run in order from zeros."""
    w, b = np.zeros(X.shape[1]), 0.0
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for x_i, t_i in zip(X, y):
            error = t_i - (1.0 if x_i @ w + b >= 0 else 0.0)
            if error:
                mistakes += 1
                w = w + lr * error * x_i
                b = b + lr * error
        if mistakes == 0:
            return w, b, epoch, True
    return w, b, max_epochs, False


def _separable(rng, n_low=20, n_high=40):
    """A linearly separable set with a margin, both classes present, and the epochs the rule needs."""
    while True:
        d = int(rng.integers(2, 5))
        w_true = rng.normal(size=d)
        b_true = float(rng.normal(0, 0.5))
        X = rng.uniform(-2, 2, size=(int(rng.integers(n_low, n_high + 1)), d))
        distance = (X @ w_true + b_true) / np.linalg.norm(w_true)
        X = X[np.abs(distance) > 0.15]
        y = _step(X @ w_true + b_true)
        if min(y.sum(), len(y) - y.sum()) < 3:
            continue
        epochs = _train(X, y, 1.0, 300)[2]
        if epochs < 300:
            return X, y


# -- step ------------------------------------------------------------------------------------

def _plan_step(rng):
    z = rng.normal(0, 2, size=(3, 4))
    z[rng.integers(0, 3), rng.integers(0, 4)] = 0.0
    return [Call("zero", "step", (0.0,), text="step(0)"),
            Call("tiny", "step", (np.array([-1e-9, 1e-9]),), text="step([-1e-9, 1e-9])"),
            Call("matrix", "step", (z,), text="step(z) for z of shape (3, 4)"),
            Call("ints", "step", (np.array([-3, 0, 2]),), text="step([-3, 0, 2])")]


def _judge_step(obs):
    # Values other than 0 and 1 (np.sign's −1) first: step(0) alone would hide them.
    for label in ("tiny", "matrix", "ints"):
        (z,) = obs.args(label)
        got = obs.array(label, shape=z.shape)
        if not np.all((got == 0) | (got == 1)):
            other = got[(got != 0) & (got != 1)][0]
            raise Fail(f"{obs.call(label).shown} should contain only 0 and 1, got {fmt(other)}"
                       + ("; np.sign gives −1 for z < 0" if other == -1 else ""))
    zero = obs.array("zero")
    if zero.size != 1 or zero.ravel()[0] != 1:
        got = fmt(zero.ravel()[0]) if zero.size == 1 else f"shape {zero.shape}"
        raise Fail(f"step(0) should be 1 (the perceptron fires when w·x + b ≥ 0, equality included), got {got}")
    for label in ("tiny", "matrix", "ints"):
        (z,) = obs.args(label)
        got = obs.array(label, shape=z.shape)
        expect_close(got, _step(z), obs.call(label).shown, at=lambda i, z=z: f"at z={fmt(z[i])}")


# -- perceptron_update -----------------------------------------------------------------------

def _update_case(rng, prediction_right: bool, target: float):
    """w, b, x with |w·x + b| > 0.1 and step(w·x + b) right or wrong for ``target``."""
    d = int(rng.integers(2, 6))
    while True:
        w, b, x = rng.normal(size=d), float(rng.normal()), rng.normal(size=d)
        z = w @ x + b
        if abs(z) > 0.1 and (_step(z) == target) == prediction_right:
            return w, b, x


def _plan_update(rng):
    calls = []
    for label, right, target in (("right", True, float(rng.integers(0, 2))), ("missed_one", False, 1.0),
                                 ("false_one", False, 0.0)):
        w, b, x = _update_case(rng, right, target)
        lr = float(rng.choice([0.1, 0.25, 0.5, 2.0]))
        text = f"perceptron_update(w, b, x, t={target:g}, lr={lr:g})"
        calls.append(Call(label, "perceptron_update", (w, b, x, target), {"lr": lr}, text=text,
                          arg_names=("w", "b", "x", "t"),
                          inplace_fix="return a new array: write `{name} = {name} + ...`, not `{name} += ...`"))
    return calls


def _float32_hint(got, expected) -> str:
    if close_to(got, expected, rtol=1e-6, atol=1e-7) and close_to(got, expected.astype(np.float32), rtol=1e-12):
        return "; the numbers look rounded to float32: keep NumPy's default float64"
    return ""


def _read_update(obs, label):
    w, _, x, _ = obs.args(label)
    new_w, new_b = obs.arrays(label, 2)
    if new_w.shape != w.shape:
        raise Fail(f"{obs.call(label).shown} should return the new w with the shape of w, {w.shape}, "
                   f"got shape {new_w.shape}")
    if new_b.size != 1:
        raise Fail(f"{obs.call(label).shown} should return the new b as a single number, got shape {new_b.shape}")
    return new_w, float(new_b.ravel()[0])


def _judge_update(obs):
    w, b, x, t = obs.args("right")
    new_w, new_b = _read_update(obs, "right")
    prediction = int(_step(w @ x + b))
    if not allclose(new_w, w, rtol=1e-12, atol=1e-12):
        i = int(np.argmax(~isclose(new_w, w, rtol=1e-12, atol=1e-12)))
        raise Fail(f"perceptron_update should leave w unchanged when the prediction is right "
                   f"(t = {t:g} and step(w·x + b) = {prediction}); it changed w[{i}] from {fmt(w[i])} "
                   "to {}".format(fmt_pair(w[i], new_w[i])[1]) + _float32_hint(new_w, w))
    if not isclose(new_b, b, rtol=1e-12, atol=1e-12):
        raise Fail(f"perceptron_update should leave b unchanged when the prediction is right "
                   f"(t = {t:g} and step(w·x + b) = {prediction}); it changed b from {fmt(b)} to "
                   f"{fmt_pair(b, new_b)[1]}" + _float32_hint(np.array([new_b]), np.array([b])))
    for label in ("missed_one", "false_one"):
        w, b, x, t = obs.args(label)
        lr = obs.call(label).kwargs["lr"]
        new_w, new_b = _read_update(obs, label)
        error = t - _step(w @ x + b)
        situation = (f"t = {t:g} but step(w·x + b) = {int(_step(w @ x + b))}, so "
                     + ("w should move towards x" if error > 0 else "w should move away from x"))
        if close_to(new_w, w - lr * error * x, rtol=1e-9):
            raise Fail(f"{obs.call(label).shown} moved w the wrong way ({situation}); "
                       "the change is +η(t − ŷ)x")
        if not close_to(new_w, w + lr * error * x, rtol=1e-9) and close_to(new_w, w + error * x, rtol=1e-9):
            raise Fail(f"{obs.call(label).shown} ignored the learning rate; the change is η(t − ŷ)x with η = lr")
        expect_close(new_w, w + lr * error * x, f"the new w from {obs.call(label).shown}", at=lambda i: f"at [{i[0]}]",
                     rtol=1e-9, hint=situation + _float32_hint(new_w, w + lr * error * x))
        if np.isclose(new_b, b, rtol=1e-12, atol=1e-12):
            raise Fail(f"{obs.call(label).shown} left b unchanged; the bias learns too: b ← b + η(t − ŷ)")
        if not isclose(new_b, b + lr * error, rtol=1e-9, atol=1e-12):
            want, have = fmt_pair(b + lr * error, new_b)
            raise Fail(f"{obs.call(label).shown}: the new b should be {want}, got {have} (b ← b + η(t − ŷ))")


# -- train_perceptron ------------------------------------------------------------------------

def _read_training(obs, label, max_epochs):
    """The four results of a train_perceptron call, checked for shape and type."""
    X = obs.args(label)[0]
    shown = obs.call(label).shown
    w, b, epochs, converged = obs.arrays(label, 4)
    if w.shape != (X.shape[1],):
        raise Fail(f"{shown} should return w of shape ({X.shape[1]},), one weight per feature, got shape {w.shape}")
    if b.size != 1 or epochs.size != 1 or converged.size != 1:
        raise Fail(f"{shown} should return (w, b, epochs, converged) with b, epochs and converged single values")
    epochs, converged = float(epochs.ravel()[0]), float(converged.ravel()[0])
    if converged not in (0.0, 1.0):
        raise Fail(f"{shown}: converged should be True or False, got {fmt(converged)}")
    if epochs == int(epochs) and epochs > max_epochs:
        raise Fail(f"{shown} returned epochs={fmt(epochs)}, more than max_epochs={max_epochs}: it ignores its "
                   "max_epochs argument; stop after max_epochs epochs")
    if epochs != int(epochs) or not 1 <= epochs <= max_epochs:
        raise Fail(f"{shown}: epochs should count the passes over the data, between 1 and max_epochs={max_epochs}, "
                   f"got {fmt(epochs)}")
    return w, float(b.ravel()[0]), int(epochs), bool(converged)


def _plan_train(rng):
    X, y = _separable(rng)
    lr = float(rng.choice([0.1, 0.5, 1.0]))
    calls = [Call("random", "train_perceptron", (X, y), {"lr": lr, "max_epochs": MAX_EPOCHS},
                  text=f"train_perceptron(X, y, lr={lr:g}) on a freshly drawn separable set of {len(X)} points")]
    for gate in ("AND", "OR", "NOR"):
        calls.append(Call(gate, "train_perceptron", (GATE_INPUTS.copy(), GATES[gate].copy()),
                          {"lr": 1.0, "max_epochs": 100}, text=f"train_perceptron on the {gate} table"))
    return calls


def _judge_train(obs):
    for label in ("random", "AND", "OR", "NOR"):
        X, y = obs.args(label)
        kwargs = obs.call(label).kwargs
        shown = obs.call(label).shown
        w, b, epochs, converged = _read_training(obs, label, kwargs["max_epochs"])
        if not converged:
            raise Fail(f"{shown} reported converged=False after {epochs} epochs, but the rule always converges "
                       "on separable data: keep going until an epoch makes no mistakes")
        wrong = np.flatnonzero(_step(X @ w + b) != y)
        if wrong.size:
            i = int(wrong[0])
            raise Fail(f"{shown}: the returned w and b misclassify point {i} (target {y[i]:g}, "
                       f"{wrong.size} of {len(y)} wrong), yet converged=True")
        ref_w, ref_b, ref_epochs, _ = _train(X, y, kwargs["lr"], kwargs["max_epochs"])
        if not (close_to(w, ref_w, rtol=1e-9) and isclose(b, ref_b, rtol=1e-9, atol=1e-12)):
            raise Fail(f"{shown} separates the data but not with the weights the rule reaches: start from "
                       "w = 0, b = 0, visit the samples in the given order and update only after a mistake "
                       "(and make sure step and perceptron_update pass their checks)")
        if epochs != ref_epochs:
            hint = {ref_epochs - 1: "; count the final, mistake-free epoch too: it is the one that shows convergence",
                    ref_epochs + 1: "; stop right after the first epoch without mistakes"}.get(epochs, "")
            raise Fail(f"{shown} returned epochs={epochs}, but the rule needs {ref_epochs} passes over this data "
                       f"(counting the last one, which makes no mistakes){hint}")


# -- non-convergence on XOR ------------------------------------------------------------------

def _plan_xor(rng):
    budget = int(rng.integers(12, 40))
    X, y = _separable(rng, 10, 20)
    i = int(rng.integers(0, len(X)))
    X_clash, y_clash = np.vstack([X, X[i]]), np.append(y, 1.0 - y[i])
    order = rng.permutation(len(X_clash))
    return [Call("XOR", "train_perceptron", (GATE_INPUTS.copy(), GATES["XOR"].copy()),
                 {"lr": 1.0, "max_epochs": budget}, text=f"train_perceptron on XOR with max_epochs={budget}"),
            Call("clash", "train_perceptron", (X_clash[order], y_clash[order]), {"lr": 0.5, "max_epochs": budget},
                 text=f"train_perceptron with max_epochs={budget} on a set holding one input with both labels"),
            Call("OR", "train_perceptron", (GATE_INPUTS.copy(), GATES["OR"].copy()), {"lr": 1.0, "max_epochs": budget},
                 text=f"train_perceptron on OR with max_epochs={budget}")]


def _judge_xor(obs):
    for label in ("XOR", "clash"):
        X, y = obs.args(label)
        budget = obs.call(label).kwargs["max_epochs"]
        shown = obs.call(label).shown
        w, b, epochs, converged = _read_training(obs, label, budget)
        if converged:
            raise Fail(f"{shown} reported converged=True, but no line separates this data; report convergence "
                       "only after an epoch with no mistakes")
        if epochs != budget:
            raise Fail(f"{shown} stopped after {epochs} epochs; without convergence it should use the whole "
                       f"budget and return epochs={budget}")
        if np.all(_step(X @ w + b) == y):
            raise Fail(f"{shown} returned weights that classify every point, which is impossible here")
    *_, converged = _read_training(obs, "OR", obs.call("OR").kwargs["max_epochs"])
    if not converged:
        raise Fail(f"{obs.call('OR').shown} reported converged=False; OR is linearly separable, so it should "
                   "converge well within the budget and say so")


PARTS = [
    Part("step", 1, ("step",), _plan_step, _judge_step, "the unit step: 1 where z ≥ 0, else 0"),
    Part("update", 2, ("perceptron_update",), _plan_update, _judge_update,
         "one perceptron update of w and b, and none when the prediction is right"),
    Part("train", 3, ("train_perceptron",), _plan_train, _judge_train,
         "the training loop converges on separable data and on AND, OR, NOR"),
    Part("xor", 2, ("train_perceptron",), _plan_xor, _judge_xor,
         "on XOR (not separable) it uses the whole budget and reports no convergence"),
]


MISTAKES = [
    Mistake("strict_step", "step", """
def step(z):
    return np.where(np.asarray(z) > 0, 1.0, 0.0)
""", "step(0) should be 1", "z > 0 instead of z ≥ 0: the perceptron at w = 0, b = 0 never fires"),
    Mistake("sign_step", "step", """
def step(z):
    return np.sign(z)
""", "should contain only 0 and 1", "np.sign, which gives −1 and 0"),
    Mistake("backwards", "update", """
def perceptron_update(w, b, x, t, lr=1.0):
    error = t - step(np.dot(w, x) + b)
    return w - lr * error * x, b - lr * error
""", "moved w the wrong way", "a sign error: w − η(t − ŷ)x"),
    Mistake("ignores_lr", "update", """
def perceptron_update(w, b, x, t, lr=1.0):
    error = t - step(np.dot(w, x) + b)
    return w + error * x, b + error
""", "ignored the learning rate", "the update without η"),
    Mistake("bias_frozen", "update", """
def perceptron_update(w, b, x, t, lr=1.0):
    error = t - step(np.dot(w, x) + b)
    return w + lr * error * x, b
""", "the bias learns too", "the bias never updated"),
    Mistake("in_place", "update", """
def perceptron_update(w, b, x, t, lr=1.0):
    error = t - step(np.dot(w, x) + b)
    w += lr * error * x
    return w, b + lr * error
""", "changed its argument w in place", "`w += ...` changes the caller's array"),
    Mistake("float32", "update", """
def perceptron_update(w, b, x, t, lr=1.0):
    error = t - step(np.dot(w, x) + b)
    return (w + lr * error * x).astype(np.float32), np.float32(b + lr * error)
""", "rounded to float32", "a near miss: results rounded to float32 (about 1e-7 relative)"),
    Mistake("epochs_off_by_one", "train", """
def train_perceptron(X, y, lr=1.0, max_epochs=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for epoch in range(max_epochs):  # counts the epochs from 0
        mistakes = 0
        for x, t in zip(X, y):
            if step(np.dot(w, x) + b) != t:
                mistakes += 1
                w, b = perceptron_update(w, b, x, t, lr)
        if mistakes == 0:
            return w, b, epoch, True
    return w, b, max_epochs, False
""", "count the final, mistake-free epoch too", "an off-by-one: the final clean epoch not counted"),
    Mistake("random_order", "train", """
def train_perceptron(X, y, lr=1.0, max_epochs=100):
    w, b = np.zeros(X.shape[1]), 0.0
    order = np.random.default_rng(0).permutation(len(X))
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for x, t in zip(X[order], y[order]):
            if step(np.dot(w, x) + b) != t:
                mistakes += 1
                w, b = perceptron_update(w, b, x, t, lr)
        if mistakes == 0:
            return w, b, epoch, True
    return w, b, max_epochs, False
""", "visit the samples in the given order", "shuffling the samples instead of keeping their order"),
    Mistake("always_converged", "xor", """
def train_perceptron(X, y, lr=1.0, max_epochs=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for epoch in range(1, max_epochs + 1):
        for x, t in zip(X, y):
            w, b = perceptron_update(w, b, x, t, lr)
    return w, b, max_epochs, True
""", "reported converged=True", "converged=True whatever happened"),
    Mistake("ignores_max_epochs", "xor", """
def train_perceptron(X, y, lr=1.0, max_epochs=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for epoch in range(1, 101):
        mistakes = 0
        for x, t in zip(X, y):
            if step(np.dot(w, x) + b) != t:
                mistakes += 1
                w, b = perceptron_update(w, b, x, t, lr)
        if mistakes == 0:
            return w, b, epoch, True
    return w, b, 100, False
""", "it ignores its max_epochs argument", "a hard-coded budget of 100 epochs"),
]
