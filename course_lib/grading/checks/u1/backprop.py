"""Checks for exercise u1.backprop: forward pass, error, backward pass and one update of a 2-layer sigmoid net.

Networks have freshly drawn layer sizes, weights and batches, plus the 2-2-2 worked
example from the notes. Results are compared with a private reference, whose
gradients are themselves confirmed by central finite differences before they are
used; wrong answers that match a typical slip (wrong sign, a missing σ′ factor, a
mean instead of a sum, an update that uses the already-updated W2) get a hint, before
the generic comparison, which prints enough digits to show how the numbers differ.
``MISTAKES`` at the bottom lists the typical mistakes the contract proves.
"""

from __future__ import annotations

import numpy as np

from ...core import Call, Fail, Mistake, Part, close_to, expect_close, fmt_pair, isclose
from ...references import sigmoid as _sigmoid

WORKED = {"x": np.array([[0.05, 0.10]]), "t": np.array([[0.01, 0.99]]),
          "W1": np.array([[0.15, 0.25], [0.20, 0.30]]), "b1": np.array([0.35, 0.35]),
          "W2": np.array([[0.40, 0.50], [0.45, 0.55]]), "b2": np.array([0.60, 0.60])}
PARAMS = ("W1", "b1", "W2", "b2")
FORWARD_ARGS = ("x", *PARAMS)
BACKWARD_ARGS = ("x", "t", *PARAMS)
NEW_ARRAYS = "compute a new array from {name} instead of changing it (`a = {name} * 2`, not `{name} *= 2`)"
COPY_WEIGHTS = ("return new weights and leave the old ones alone: write `{name} = {name} - lr * grad`, "
                "not `{name} -= lr * grad`")


def _forward(x, W1, b1, W2, b2):
    h = _sigmoid(x @ W1 + b1)
    return h, _sigmoid(h @ W2 + b2)


def _error(o, t):
    return 0.5 * np.sum((t - o) ** 2)


def _backward(x, t, W1, b1, W2, b2, *, output_factor=True, mean=False):
    h, o = _forward(x, W1, b1, W2, b2)
    delta_o = (o - t) * (o * (1 - o) if output_factor else 1.0)
    delta_h = (delta_o @ W2.T) * h * (1 - h)
    grads = (x.T @ delta_h, delta_h.sum(axis=0), h.T @ delta_o, delta_o.sum(axis=0))
    return tuple(g / len(x) for g in grads) if mean else grads


def _finite_differences(x, t, params, h=1e-6):
    grads = []
    for k, p in enumerate(params):
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            up, down = [q.copy() for q in params], [q.copy() for q in params]
            up[k][idx] += h
            down[k][idx] -= h
            g[idx] = (_error(_forward(x, *up)[1], t) - _error(_forward(x, *down)[1], t)) / (2 * h)
        grads.append(g)
    return grads


def _network(rng):
    n_in, n_hidden, n_out, n = (int(rng.integers(1, 6)), int(rng.integers(1, 7)), int(rng.integers(1, 5)),
                                int(rng.integers(1, 6)))
    return {"x": rng.normal(size=(n, n_in)), "t": rng.uniform(0, 1, size=(n, n_out)),
            "W1": rng.normal(size=(n_in, n_hidden)), "b1": rng.normal(size=n_hidden),
            "W2": rng.normal(size=(n_hidden, n_out)), "b2": rng.normal(size=n_out)}


def _sizes(x, W1, W2):
    return f"{x.shape[1]}-{W1.shape[1]}-{W2.shape[1]} network and a batch of {len(x)}"


def _at(name):
    return lambda i: f"{name}[{', '.join(str(k) for k in i)}]"


# -- forward ---------------------------------------------------------------------------------

def _plan_forward(rng):
    net = _network(rng)
    return [Call("worked", "forward", tuple(WORKED[k].copy() for k in FORWARD_ARGS),
                 text="forward(x, W1, b1, W2, b2) for the worked example", arg_names=FORWARD_ARGS,
                 inplace_fix=NEW_ARRAYS),
            Call("random", "forward", tuple(net[k] for k in FORWARD_ARGS),
                 text=f"forward(x, W1, b1, W2, b2) for a random {_sizes(net['x'], net['W1'], net['W2'])}",
                 arg_names=FORWARD_ARGS, inplace_fix=NEW_ARRAYS)]


def _judge_forward(obs):
    for label in ("worked", "random"):
        x, W1, b1, W2, b2 = obs.args(label)
        shown = obs.call(label).shown
        h, o = obs.arrays(label, 2)
        ref_h, ref_o = _forward(x, W1, b1, W2, b2)
        if h.shape != ref_h.shape:
            raise Fail(f"{shown}: h should have shape (batch, hidden units) = {ref_h.shape}, got {h.shape}")
        if close_to(h, x @ W1 + b1):
            raise Fail(f"{shown}: h is the net input x @ W1 + b1; apply the sigmoid to it")
        expect_close(h, ref_h, f"{shown}:", at=_at("h"), hint="h = σ(x @ W1 + b1)")
        if o.shape != ref_o.shape:
            raise Fail(f"{shown}: o should have shape (batch, outputs) = {ref_o.shape}, got {o.shape}")
        if close_to(o, ref_h @ W2 + b2) and not close_to(o, ref_o):
            raise Fail(f"{shown}: o is the net input h @ W2 + b2; apply the sigmoid to it as well")
        expect_close(o, ref_o, f"{shown}:", at=_at("o"), hint="o = σ(h @ W2 + b2)")


# -- total_error -----------------------------------------------------------------------------

def _plan_error(rng):
    o, t = rng.uniform(0, 1, size=(4, 3)), rng.uniform(0, 1, size=(4, 3))
    return [Call("worked", "total_error", (np.array([[0.75136507, 0.772928465]]), WORKED["t"].copy()),
                 text="total_error(o, t) for the worked example's outputs"),
            Call("batch", "total_error", (o, t), text="total_error(o, t) for a batch of 4 with 3 outputs")]


def _judge_error(obs):
    for label in ("worked", "batch"):
        o, t = obs.args(label)
        got = obs.array(label)
        shown = obs.call(label).shown
        if got.size != 1:
            raise Fail(f"{shown} should be one number, the sum over examples and outputs, got shape {got.shape}")
        got, expected = float(got.ravel()[0]), _error(o, t)
        if isclose(got, expected, rtol=1e-7):
            continue
        want, have = fmt_pair(expected, got)
        if isclose(got, 2 * expected):
            raise Fail(f"{shown} should be {want}, got {have}: keep the ½ in E = Σ ½(t − o)²")
        if isclose(got, expected / o.size) or isclose(got, expected / len(o)):
            raise Fail(f"{shown} should be {want}, got {have}: E is a sum, not a mean")
        if isclose(got, 0.5 * np.sum(np.abs(t - o))):
            raise Fail(f"{shown} should be {want}, got {have}: square the differences, E = Σ ½(t − o)²")
        raise Fail(f"{shown} should be {want}, got {have}; E = Σ ½(t − o)² over examples and outputs")


# -- backward --------------------------------------------------------------------------------

def _plan_backward(rng):
    calls = [Call("worked", "backward", tuple(WORKED[k].copy() for k in BACKWARD_ARGS),
                  text="backward(x, t, W1, b1, W2, b2) for the worked example", arg_names=BACKWARD_ARGS,
                  inplace_fix=NEW_ARRAYS)]
    for i in range(2):
        net = _network(rng)
        calls.append(Call(f"random{i}", "backward", tuple(net[k] for k in BACKWARD_ARGS),
                          text=f"backward(...) for a random {_sizes(net['x'], net['W1'], net['W2'])}",
                          arg_names=BACKWARD_ARGS, inplace_fix=NEW_ARRAYS))
    return calls


def _judge_backward(obs):
    for label in ("worked", "random0", "random1"):
        x, t, *params = obs.args(label)
        shown = obs.call(label).shown
        got = obs.arrays(label, 4)
        expected = _backward(x, t, *params)
        numeric = _finite_differences(x, t, params)
        assert all(np.allclose(e, n, rtol=1e-5, atol=1e-8) for e, n in zip(expected, numeric))
        for name, g, e, p in zip(PARAMS, got, expected, params):
            if g.shape != p.shape:
                raise Fail(f"{shown}: the gradient for {name} should have {name}'s shape {p.shape}, got {g.shape}")
        slips = [(_backward(x, t, *params, output_factor=False), "the output error is missing the factor "
                  "σ′ = o(1 − o)"),
                 (tuple(-e for e in expected), "the gradients have the wrong sign: ∂E/∂o = o − t"),
                 (_backward(x, t, *params, mean=True), "E sums over the examples, so do not divide by the batch size")]
        right = all(close_to(g, e) for g, e in zip(got, expected))
        for slip, hint in slips:
            if not right and all(close_to(g, s) for g, s in zip(got, slip)):
                raise Fail(f"{shown}: {hint}")
        for name, g, e in zip(PARAMS, got, expected):
            expect_close(g, e, f"{shown}: the gradient for", at=_at(name), rtol=1e-6, atol=1e-10,
                         hint="finite differences agree with that value; compare yours with "
                              "(E(w + h) − E(w − h)) / 2h")


# -- gradient_step ---------------------------------------------------------------------------

def _plan_step(rng):
    net = _network(rng)
    lr = float(rng.choice([0.1, 0.25, 1.0, 2.0]))  # never the default 0.5, so an ignored lr shows
    return [Call("worked", "gradient_step", tuple(WORKED[k].copy() for k in BACKWARD_ARGS), {"lr": 0.5},
                 text="gradient_step(x, t, W1, b1, W2, b2, lr=0.5) for the worked example",
                 arg_names=BACKWARD_ARGS, inplace_fix=COPY_WEIGHTS),
            Call("random", "gradient_step", tuple(net[k] for k in BACKWARD_ARGS), {"lr": lr},
                 text=f"gradient_step(..., lr={lr:g}) for a random {_sizes(net['x'], net['W1'], net['W2'])}",
                 arg_names=BACKWARD_ARGS, inplace_fix=COPY_WEIGHTS)]


def _judge_step(obs):
    for label in ("worked", "random"):
        x, t, *params = obs.args(label)
        lr = obs.call(label).kwargs["lr"]
        shown = obs.call(label).shown
        got = obs.arrays(label, 4)
        grads = _backward(x, t, *params)
        expected = [p - lr * g for p, g in zip(params, grads)]
        for name, g, p in zip(PARAMS, got, params):
            if g.shape != p.shape:
                raise Fail(f"{shown}: the new {name} should have the shape of {name}, {p.shape}, got {g.shape}")
        uphill = [p + lr * g for p, g in zip(params, grads)]
        if all(close_to(g, u) for g, u in zip(got, uphill)):
            raise Fail(f"{shown} moved uphill; gradient descent subtracts: w ← w − η ∂E/∂w")
        if lr != 0.5 and all(close_to(g, p - 0.5 * d) for g, p, d in zip(got, params, grads)):
            raise Fail(f"{shown} used the learning rate 0.5, not lr={lr:g}: it ignores its lr argument")
        W1, b1, W2, b2 = params
        new_W2 = W2 - lr * grads[2]
        stale = _backward(x, t, W1, b1, new_W2, b2)
        if (close_to(got[2], expected[2]) and close_to(got[0], W1 - lr * stale[0])
                and not close_to(got[0], expected[0])):
            raise Fail(f"{shown}: W1 was updated with gradients computed after W2 had changed; compute every "
                       "gradient with the old weights first, then update them all")
        for name, g, e, p in zip(PARAMS, got, expected, params):
            if close_to(g, p) and not close_to(e, p):
                raise Fail(f"{shown} left {name} unchanged; update every weight and bias")
            expect_close(g, e, f"{shown}: the new", at=_at(name), rtol=1e-6, atol=1e-10,
                         hint="w ← w − η ∂E/∂w, with all gradients from the old weights "
                              "(and backward passing its check)")


PARTS = [
    Part("forward", 2, ("forward",), _plan_forward, _judge_forward, "hidden and output activations of a batch"),
    Part("total_error", 1, ("total_error",), _plan_error, _judge_error,
         "E = Σ ½(t − o)² over examples and outputs"),
    Part("backward", 3, ("backward",), _plan_backward, _judge_backward,
         "∂E/∂W1, ∂E/∂b1, ∂E/∂W2, ∂E/∂b2 by backpropagation, for any layer sizes"),
    Part("gradient_step", 2, ("gradient_step",), _plan_step, _judge_step,
         "one gradient-descent update of all weights and biases"),
]


MISTAKES = [
    Mistake("hidden_net_input", "forward", """
def forward(x, W1, b1, W2, b2):
    h = x @ W1 + b1
    return h, sigmoid(h @ W2 + b2)
""", "apply the sigmoid to it", "the hidden layer without its sigmoid"),
    Mistake("linear_output", "forward", """
def forward(x, W1, b1, W2, b2):
    h = sigmoid(x @ W1 + b1)
    return h, h @ W2 + b2
""", "apply the sigmoid to it as well", "the output layer without its sigmoid"),
    Mistake("rounded_e", "forward", """
def forward(x, W1, b1, W2, b2):
    h = 1 / (1 + 2.718 ** -(x @ W1 + b1))  # e rounded: off by about 1e-4 relative
    return h, 1 / (1 + 2.718 ** -(h @ W2 + b2))
""", "h = σ(x @ W1 + b1)", "a near miss: e rounded to 2.718"),
    Mistake("no_half", "total_error", """
def total_error(o, t):
    return np.sum((t - o) ** 2)
""", "keep the ½", "the ½ dropped"),
    Mistake("mean_error", "total_error", """
def total_error(o, t):
    return 0.5 * np.mean((t - o) ** 2)
""", "E is a sum, not a mean", "a mean instead of the sum"),
    Mistake("no_output_slope", "backward", """
def backward(x, t, W1, b1, W2, b2):
    h, o = forward(x, W1, b1, W2, b2)
    delta2 = o - t
    delta1 = (delta2 @ W2.T) * h * (1 - h)
    return x.T @ delta1, delta1.sum(axis=0), h.T @ delta2, delta2.sum(axis=0)
""", "missing the factor σ′", "the output's σ′ = o(1 − o) left out"),
    Mistake("gradient_sign", "backward", """
def backward(x, t, W1, b1, W2, b2):
    h, o = forward(x, W1, b1, W2, b2)
    delta2 = (t - o) * o * (1 - o)
    delta1 = (delta2 @ W2.T) * h * (1 - h)
    return x.T @ delta1, delta1.sum(axis=0), h.T @ delta2, delta2.sum(axis=0)
""", "the gradients have the wrong sign", "t − o instead of o − t"),
    Mistake("batch_mean", "backward", """
def backward(x, t, W1, b1, W2, b2):
    h, o = forward(x, W1, b1, W2, b2)
    delta2 = (o - t) * o * (1 - o) / len(x)
    delta1 = (delta2 @ W2.T) * h * (1 - h)
    return x.T @ delta1, delta1.sum(axis=0), h.T @ delta2, delta2.sum(axis=0)
""", "do not divide by the batch size", "gradients divided by the batch size"),
    Mistake("stale_W2", "gradient_step", """
def gradient_step(x, t, W1, b1, W2, b2, lr=0.5):
    dW1, db1, dW2, db2 = backward(x, t, W1, b1, W2, b2)
    W2 = W2 - lr * dW2
    dW1, db1, _, _ = backward(x, t, W1, b1, W2, b2)
    return W1 - lr * dW1, b1 - lr * db1, W2, b2 - lr * db2
""", "after W2 had changed", "W1 updated with gradients taken after W2 had moved"),
    Mistake("in_place", "gradient_step", """
def gradient_step(x, t, W1, b1, W2, b2, lr=0.5):
    dW1, db1, dW2, db2 = backward(x, t, W1, b1, W2, b2)
    W1 -= lr * dW1
    b1 -= lr * db1
    W2 -= lr * dW2
    b2 -= lr * db2
    return W1, b1, W2, b2
""", "changed its argument W1 in place; return new weights", "`W -= lr * g` changes the caller's weights"),
    Mistake("uphill", "gradient_step", """
def gradient_step(x, t, W1, b1, W2, b2, lr=0.5):
    grads = backward(x, t, W1, b1, W2, b2)
    return tuple(p + lr * g for p, g in zip((W1, b1, W2, b2), grads))
""", "moved uphill", "adding the gradient instead of subtracting it"),
    Mistake("ignores_lr", "gradient_step", """
def gradient_step(x, t, W1, b1, W2, b2, lr=0.5):
    grads = backward(x, t, W1, b1, W2, b2)
    return tuple(p - 0.5 * g for p, g in zip((W1, b1, W2, b2), grads))
""", "it ignores its lr argument", "a hard-coded learning rate of 0.5"),
    Mistake("biases_frozen", "gradient_step", """
def gradient_step(x, t, W1, b1, W2, b2, lr=0.5):
    dW1, db1, dW2, db2 = backward(x, t, W1, b1, W2, b2)
    return W1 - lr * dW1, b1, W2 - lr * dW2, b2
""", "left b1 unchanged", "only the weights updated, not the biases"),
]
