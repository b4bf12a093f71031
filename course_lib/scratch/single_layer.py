"""Single-layer models: one neuron ``f(w·x + b)`` and the classic rules that train it.

* :func:`fit_neuron`: logistic regression (sigmoid) or linear regression (identity) by gradient descent;
* :func:`train_perceptron`: Rosenblatt's rule, with cycle detection on data that is not separable;
* :func:`train_delta_rule`: the Widrow–Hoff delta / LMS rule;
* :func:`least_squares_line` and :func:`normal_equation`: the closed forms.

>>> import numpy as np
>>> result = train_perceptron(np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0, 0, 0, 1]))
>>> result.converged, perceptron_predict(np.array([[1, 1], [0, 1]]), result.w, result.b).tolist()
(True, [1, 0])
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .._validation import ArgumentValueError, ShapeError, check_array, check_int, check_number
from . import activations as _act
from .losses import get_loss


def _matrix(X, name: str = "X") -> np.ndarray:
    return check_array(name, X, ndim=2, what="(n_samples, n_features)")


def _targets(y, n: int, name: str = "y") -> np.ndarray:
    y = check_array(name, y, finite=False)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != n:
        raise ShapeError(f"{name} must have shape ({n},) to match X, got shape {y.shape}")
    return y


def _initial(w0, b0, n_features: int) -> tuple[np.ndarray, float]:
    w = np.zeros(n_features) if w0 is None else check_array("w0", w0).reshape(-1)
    if w.shape != (n_features,):
        raise ShapeError(f"w0 must have shape ({n_features},), got {np.shape(w0)}")
    return w, check_number("b0", b0)


def neuron(x, w, b: float = 0.0, activation="linear"):
    """The output ``f(w·x + b)`` of one neuron; ``x`` is one sample or a batch of rows."""
    net_input = np.asarray(x, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + b
    return _act.get(activation)(net_input)


@dataclasses.dataclass
class NeuronFit:
    """A single neuron trained by :func:`fit_neuron`."""

    w: np.ndarray
    b: float
    activation: str
    losses: list[float]  # training loss before each step, then after the last one

    def predict(self, X) -> np.ndarray:
        """The neuron's output: a probability for ``sigmoid``, a value for ``linear``."""
        return neuron(_matrix(X), self.w, self.b, self.activation)


_MATCHED_LOSS = {"sigmoid": "binary_crossentropy", "linear": "half_mse"}


def fit_neuron(X, y, *, activation: str = "sigmoid", lr: float = 0.1, steps: int = 1000, w0=None,
               b0: float = 0.0) -> NeuronFit:
    """Train one neuron by full-batch gradient descent.

    ``activation="sigmoid"`` is logistic regression (loss: mean binary cross-entropy);
    ``activation="linear"`` is linear regression (loss: half the mean squared error).
    With each activation paired with its matching loss the gradient has the same form,
    ``∂L/∂w = Xᵀ(ŷ − y)/n``, so the update rule is literally the same code.
    """
    X = _matrix(X)
    y = _targets(y, len(X))
    if activation not in _MATCHED_LOSS:
        raise ArgumentValueError(f"activation must be one of {sorted(_MATCHED_LOSS)}, got {activation!r}")
    check_number("lr", lr, 0, low_open=True)
    check_int("steps", steps)
    loss = get_loss(_MATCHED_LOSS[activation])
    w, b = _initial(w0, b0, X.shape[1])
    losses = []
    for _ in range(steps):
        y_hat = neuron(X, w, b, activation)
        losses.append(loss(y, y_hat))
        error = y_hat - y
        w = w - lr * X.T @ error / len(X)
        b = b - lr * float(error.mean())
    losses.append(loss(y, neuron(X, w, b, activation)))
    return NeuronFit(w, b, activation, losses)


# ----------------------------------------------------------------------------- perceptron

def perceptron_predict(X, w, b: float) -> np.ndarray:
    """Class 1 where ``w·x + b >= 0``, else 0."""
    return _act.step(_matrix(X) @ np.asarray(w, dtype=np.float64) + b).astype(np.int64)


@dataclasses.dataclass
class PerceptronResult:
    """What :func:`train_perceptron` learned, epoch by epoch."""

    w: np.ndarray
    b: float
    converged: bool  # an epoch passed with no mistakes
    cycled: bool  # the weights at the end of an epoch repeated an earlier epoch's: it can never converge
    errors: list[int]  # mistakes made during each epoch
    history: list[tuple[np.ndarray, float]]  # (w, b) at the end of each epoch

    @property
    def epochs(self) -> int:
        return len(self.errors)

    def predict(self, X) -> np.ndarray:
        return perceptron_predict(X, self.w, self.b)


def train_perceptron(X, y, *, lr: float = 1.0, max_epochs: int = 100, w0=None, b0: float = 0.0,
                     stop_on_cycle: bool = False) -> PerceptronResult:
    """Rosenblatt's perceptron rule, one sample at a time, in the order given.

    For each sample: predict ``ŷ = step(w·x + b)``, then ``w ← w + lr·(t − ŷ)·x`` and
    ``b ← b + lr·(t − ŷ)``. Nothing changes when the prediction is right. Training stops
    after the first epoch without mistakes (``converged``). Because the updates are
    deterministic, if the weights at the end of an epoch equal those at the end of an
    earlier epoch, every later epoch repeats the cycle and convergence is impossible;
    ``cycled`` records that (compared exactly, so it shows up for grid inputs such as
    logic gates), and ``stop_on_cycle`` stops there.

    Args:
        X: inputs, shape (n, d).
        y: targets in {0, 1}, shape (n,).
    """
    X = _matrix(X)
    t = _targets(y, len(X))
    if not np.all((t == 0) | (t == 1)):
        raise ArgumentValueError(f"y must contain only 0 and 1, got values {np.unique(t).tolist()}")
    check_number("lr", lr, 0, low_open=True)
    check_int("max_epochs", max_epochs)
    w, b = _initial(w0, b0, X.shape[1])
    errors, history, seen = [], [], {}
    converged = cycled = False
    for epoch in range(max_epochs):
        mistakes = 0
        for x_i, t_i in zip(X, t):
            y_i = 1.0 if x_i @ w + b >= 0 else 0.0
            if y_i != t_i:
                mistakes += 1
                w = w + lr * (t_i - y_i) * x_i
                b = b + lr * (t_i - y_i)
        errors.append(mistakes)
        history.append((w.copy(), b))
        if mistakes == 0:
            converged = True
            break
        state = (*w.tolist(), b)
        if state in seen:
            cycled = True
            if stop_on_cycle:
                break
        seen[state] = epoch
    return PerceptronResult(w, b, converged, cycled, errors, history)


# ----------------------------------------------------------------------------- delta rule

@dataclasses.dataclass
class DeltaRuleResult:
    """What :func:`train_delta_rule` learned."""

    w: np.ndarray
    b: float
    mse: list[float]  # mean squared error of the net input on the whole set, before training and after each epoch
    history: list[tuple[np.ndarray, float]]  # (w, b) at the end of each epoch

    def net_input(self, X) -> np.ndarray:
        """``y_in = w·x + b``, the linear output that the rule trains."""
        return _matrix(X) @ self.w + self.b


def train_delta_rule(X, t, *, lr: float = 0.1, epochs: int = 50, w0=None, b0: float = 0.0) -> DeltaRuleResult:
    """The Widrow–Hoff delta (LMS, Adaline) rule, one sample at a time.

    For each sample: ``y_in = w·x + b``, then ``Δw = lr·x·(t − y_in)`` and ``Δb = lr·(t − y_in)``.
    Unlike the perceptron rule, the error is measured before any threshold, so the
    weights keep moving towards the least-squares solution even when every sample is
    already classified correctly.
    """
    X = _matrix(X)
    t = _targets(t, len(X), "t")
    check_number("lr", lr, 0, low_open=True)
    check_int("epochs", epochs)
    w, b = _initial(w0, b0, X.shape[1])
    mse = [float(np.mean((t - (X @ w + b)) ** 2))]
    history = []
    for _ in range(epochs):
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported below instead
            for x_i, t_i in zip(X, t):
                error = t_i - (x_i @ w + b)
                w = w + lr * error * x_i
                b = b + lr * error
        if not (np.all(np.isfinite(w)) and np.isfinite(b) and np.max(np.abs(w)) < 1e150):
            raise FloatingPointError(f"the delta rule diverged with lr={lr}; try a smaller learning rate")
        mse.append(float(np.mean((t - (X @ w + b)) ** 2)))
        history.append((w.copy(), b))
    return DeltaRuleResult(w, b, mse, history)


# ----------------------------------------------------------------------------- least squares

def least_squares_line(x, y) -> tuple[float, float]:
    """Slope ``m`` and intercept ``c`` of the least-squares line ``y ≈ m·x + c``.

    ``m = Σ(x − x̄)(y − ȳ) / Σ(x − x̄)²`` and ``c = ȳ − m·x̄``.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape or len(x) < 2:
        raise ShapeError(f"x and y must be 1-D with the same length >= 2, got {x.shape} and {y.shape}")
    dx = x - x.mean()
    spread = float(dx @ dx)
    if spread == 0.0:
        raise ArgumentValueError("x has no spread (all values equal), so the slope is undefined")
    m = float(dx @ (y - y.mean())) / spread
    return m, float(y.mean() - m * x.mean())


def normal_equation(X, y, *, fit_intercept: bool = True) -> tuple[np.ndarray, float]:
    """Least-squares weights from the normal equation ``w = (XᵀX)⁻¹Xᵀy``.

    With ``fit_intercept`` a column of ones is appended, and its weight returned as ``b``.
    The system ``XᵀX w = Xᵀy`` is solved directly (numerically safer than forming the
    inverse). When ``XᵀX`` is singular (a feature is a combination of others) there is no
    unique answer and this raises :class:`numpy.linalg.LinAlgError`: use gradient descent.
    """
    X = _matrix(X)
    y = _targets(y, len(X))
    A = np.hstack([X, np.ones((len(X), 1))]) if fit_intercept else X
    gram = A.T @ A
    rank = np.linalg.matrix_rank(gram)
    if rank < gram.shape[0]:
        raise np.linalg.LinAlgError(f"XᵀX is singular: rank {rank} < {gram.shape[0]} columns, so the normal "
                                    "equation has no unique solution; use gradient descent or np.linalg.lstsq")
    coef = np.linalg.solve(gram, A.T @ y)
    return (coef[:-1], float(coef[-1])) if fit_intercept else (coef, 0.0)
