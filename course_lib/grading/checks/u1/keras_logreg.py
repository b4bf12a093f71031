"""Checks for exercise u1.keras_logreg: logistic regression as a one-unit Keras model.

A Keras model cannot leave the student's kernel, so the notebook's given helpers
report on it in numbers: ``describe_model`` (layers with weights, output units,
parameters, compiled or not), ``model_loss``, which sets the model's weights to freshly
drawn values and returns its loss on fresh data (it needs only ``build_model``, so the
loss can be checked before ``predict_proba`` exists), and ``model_outputs``, which
returns its probabilities and its loss.
Those must be σ(Xw + b) and the mean binary cross-entropy, which pins down the
architecture, the activation and the loss by behaviour rather than by name.
Finally ``train_and_predict`` must learn freshly drawn logistic data well enough to
beat a held-out accuracy threshold. The loss is compared at rtol 1e-5, tight enough for
float32 and for a near miss such as label smoothing of 0.001. ``MISTAKES`` at the bottom
lists the typical mistakes the contract proves (the training part has none there: a
training run is the one slow thing in these checks, so the contract spends it on the
solution only).
"""

from __future__ import annotations

import numpy as np

from ...core import Call, Fail, Mistake, Part, close_to, expect_close, fmt, fmt_pair, isclose
from ...references import binary_cross_entropy as _bce
from ...references import sigmoid as _sigmoid

ACCURACY_THRESHOLD = 0.85


def _weights_and_data(rng):
    n = int(rng.integers(2, 7))
    w, b = rng.normal(0, 0.8, size=n), float(rng.normal(0, 0.5))
    X = rng.normal(size=(int(rng.integers(8, 20)), n))
    y = (rng.uniform(size=len(X)) < _sigmoid(X @ w + b)).astype(np.float64)
    return n, w, np.array([b]), X, y


# -- architecture ----------------------------------------------------------------------------

def _plan_architecture(rng):
    sizes = rng.choice(np.arange(2, 12), size=2, replace=False)
    return [Call(f"n{i}", "describe_model", (int(n),), text=f"describe_model({int(n)})") for i, n in enumerate(sizes)]


def _judge_architecture(obs):
    for label in ("n0", "n1"):
        (n,) = obs.args(label)
        layers, units, params, compiled = (float(v.ravel()[0]) if v.size == 1 else np.nan
                                           for v in obs.arrays(label, 4))
        where = f"build_model({n})"
        if layers != 1:
            raise Fail(f"{where} has {fmt(layers)} layers with weights; logistic regression is a single Dense "
                       "layer on the inputs, with no hidden layer")
        if units != 1:
            raise Fail(f"{where} has {fmt(units)} outputs; a binary classifier needs one unit, whose output is "
                       "the probability of class 1")
        if params != n + 1:
            raise Fail(f"{where} has {fmt(params)} parameters; one weight per feature plus a bias makes {n + 1}")
        if compiled != 1:
            raise Fail(f"{where} returns a model that is not compiled; call model.compile(optimizer=..., "
                       "loss=...) before returning it")


# -- probabilities ---------------------------------------------------------------------------

def _plan_probabilities(rng):
    n, w, b, X, y = _weights_and_data(rng)
    return [Call("set", "model_outputs", (n, w, b, X, y),
                 text=f"your {n}-feature model with weights set to w, b, on {len(X)} fresh points")]


def _judge_probabilities(obs):
    _, w, b, X, _ = obs.args("set")
    probabilities, _ = obs.arrays("set", 2)
    shown = obs.call("set").shown
    if probabilities.shape == (len(X), 1):
        raise Fail(f"{shown}: predict_proba returned shape {probabilities.shape}; return one probability per "
                   f"row, shape ({len(X)},) (for example `[:, 0]` or `.ravel()`)")
    if probabilities.shape != (len(X),):
        raise Fail(f"{shown}: predict_proba should return one probability per row, shape ({len(X)},), "
                   f"got shape {probabilities.shape}")
    z = X @ w + b[0]
    if close_to(probabilities, z, rtol=1e-4, atol=1e-5):
        raise Fail(f"{shown}: the outputs equal w·x + b, which is not a probability; give the Dense unit a "
                   "sigmoid activation")
    if close_to(probabilities, (z >= 0).astype(float)):
        raise Fail(f"{shown}: predict_proba returned 0/1 labels; return the probabilities themselves")
    if close_to(probabilities, 1 - _sigmoid(z), rtol=1e-4, atol=1e-5):
        raise Fail(f"{shown}: the outputs are 1 − σ(w·x + b), the probability of class 0; return P(y = 1 | x)")
    exact = _sigmoid(z)
    # Only an answer that fails anyway can be called rounded: a correct float32 answer is within
    # the tolerance of its own 4-decimal rounding, so a looser test would blame correct work.
    if not close_to(probabilities, exact, rtol=1e-4, atol=1e-5):
        for digits in (1, 2, 3, 4):
            if close_to(probabilities, np.round(exact, digits), rtol=0, atol=1e-6):
                raise Fail(f"{shown}: the probabilities are rounded to {digits} decimals; return them unrounded")
    expect_close(probabilities, _sigmoid(z), shown, at=lambda i: f"for row {i[0]}", rtol=1e-4, atol=1e-5,
                 hint="the model should output σ(w·x + b)")


# -- loss ------------------------------------------------------------------------------------

def _plan_loss(rng):
    n, w, b, X, y = _weights_and_data(rng)
    return [Call("set", "model_loss", (n, w, b, X, y),
                 text=f"the loss of your {n}-feature model with weights set to w, b, on {len(X)} fresh points")]


def _judge_loss(obs):
    _, w, b, X, y = obs.args("set")
    loss = obs.array("set")
    shown = obs.call("set").shown
    if loss.size != 1:
        raise Fail(f"{shown}: expected one number, got shape {loss.shape}")
    loss = float(loss.ravel()[0])
    p = _sigmoid(X @ w + b[0])
    expected = _bce(y, p)
    if isclose(loss, np.mean((y - p) ** 2), rtol=1e-4):
        raise Fail(f"{shown} is the mean squared error ({fmt(loss)}); logistic regression is trained with "
                   "binary cross-entropy")
    if isclose(loss, np.mean(np.abs(y - p)), rtol=1e-4):
        raise Fail(f"{shown} is the mean absolute error ({fmt(loss)}); logistic regression is trained with "
                   "binary cross-entropy")
    if isclose(loss, _bce(y, X @ w + b[0]), rtol=1e-4) and not isclose(loss, expected, rtol=1e-4):
        raise Fail(f"{shown} is binary cross-entropy, but of outputs that are not probabilities; give the Dense "
                   "unit a sigmoid activation")
    if not isclose(loss, expected, rtol=1e-5, atol=2e-5):
        want, have = fmt_pair(expected, loss)
        raise Fail(f"{shown} should be the mean binary cross-entropy, {want}, got {have}; "
                   'compile with loss="binary_crossentropy" (no label smoothing, no from_logits)')


# -- training --------------------------------------------------------------------------------

def _plan_training(rng):
    n = int(rng.integers(2, 6))
    direction = rng.normal(size=n)
    w = 16.0 * direction / np.linalg.norm(direction)
    b = float(rng.uniform(-1, 1))
    X = rng.normal(size=(400, n))
    y = (rng.uniform(size=len(X)) < _sigmoid(X @ w + b)).astype(np.float64)
    # The held-out labels stay with the judge; only the test inputs go to the student's kernel.
    return [Call("fit", "train_and_predict", (X[:200], y[:200], X[200:]),
                 text=f"train_and_predict on 200 fresh points with {n} features", private={"y_test": y[200:]})]


def _judge_training(obs):
    _, _, X_test = obs.args("fit")
    y_test = obs.call("fit").private["y_test"]
    shown = obs.call("fit").shown
    probabilities = obs.array("fit")
    if probabilities.shape == (len(X_test), 1):
        raise Fail(f"{shown}: predict_proba returned shape {probabilities.shape}; return one probability per "
                   f"row, shape ({len(X_test)},)")
    if probabilities.shape != (len(X_test),):
        raise Fail(f"{shown} should return one probability per test point, shape ({len(X_test)},), "
                   f"got shape {probabilities.shape}")
    outside = probabilities[(probabilities < 0) | (probabilities > 1) | ~np.isfinite(probabilities)]
    if outside.size:
        raise Fail(f"{shown} returned {fmt(outside[0])}, which is not a probability")
    accuracy = float(np.mean((probabilities >= 0.5) == (y_test == 1)))
    if accuracy < ACCURACY_THRESHOLD:
        hint = ("every prediction is the same class: the model has not learned; train for more epochs or "
                "with a larger learning rate" if np.unique(probabilities >= 0.5).size == 1 else
                "train for more epochs or with a larger learning rate")
        raise Fail(f"{shown}: held-out accuracy {accuracy:.1%}, below the {ACCURACY_THRESHOLD:.0%} needed; {hint}")


PARTS = [
    Part("architecture", 2, ("build_model",), _plan_architecture, _judge_architecture,
         "one Dense unit on the inputs, n_features + 1 parameters, compiled"),
    Part("loss", 1, ("build_model",), _plan_loss, _judge_loss, "the model is compiled with binary cross-entropy"),
    Part("probabilities", 1, ("build_model", "predict_proba"), _plan_probabilities, _judge_probabilities,
         "the model outputs σ(w·x + b), and predict_proba returns them as a flat array"),
    Part("training", 2, ("build_model", "train_model", "predict_proba"), _plan_training, _judge_training,
         f"trained on fresh data, it reaches {ACCURACY_THRESHOLD:.0%} accuracy on held-out points"),
]


_BUILD = """
def build_model(n_features):
    model = keras.Sequential([keras.Input(shape=(n_features,)), {layers}])
    {compile}
    return model
"""
_COMPILE = 'model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05), loss={loss})'


def _build(layers='keras.layers.Dense(1, activation="sigmoid")', loss='"binary_crossentropy"', compiled=True):
    return _BUILD.format(layers=layers, compile=_COMPILE.format(loss=loss) if compiled else "pass")


MISTAKES = [
    Mistake("hidden_layer", "architecture", _build('keras.layers.Dense(8, activation="relu"), '
                                                   'keras.layers.Dense(1, activation="sigmoid")'),
            "no hidden layer", "a hidden layer: not logistic regression any more"),
    Mistake("two_units", "architecture", _build('keras.layers.Dense(2, activation="softmax")',
                                                '"sparse_categorical_crossentropy"'),
            "a binary classifier needs one unit", "two softmax units for two classes"),
    Mistake("not_compiled", "architecture", _build(compiled=False), "not compiled", "forgetting model.compile"),
    Mistake("mse", "loss", _build(loss='"mse"'), "the mean squared error", "compiling with the squared error"),
    Mistake("label_smoothing", "loss", _build(loss="keras.losses.BinaryCrossentropy(label_smoothing=0.001)"),
            'compile with loss="binary_crossentropy"', "a near miss: label smoothing of 0.001"),
    Mistake("linear_output", "probabilities", _build("keras.layers.Dense(1)"), "give the Dense unit a sigmoid",
            "a linear output unit, with no sigmoid"),
    Mistake("column", "probabilities", """
def predict_proba(model, X):
    return model.predict(X, verbose=0)
""", "return one probability per row", "returning the (m, 1) column"),
    Mistake("labels", "probabilities", """
def predict_proba(model, X):
    return (model.predict(X, verbose=0)[:, 0] >= 0.5).astype(float)
""", "returned 0/1 labels", "returning predicted labels"),
    Mistake("rounded", "probabilities", """
def predict_proba(model, X):
    return np.round(model.predict(X, verbose=0)[:, 0], 3)
""", "rounded to 3 decimals", "rounding the probabilities for display"),
]
