"""From-scratch NumPy versions of the Unit 1 models, written to be read, not to be fast.

* a single neuron ``f(w·x + b)`` and its gradient-descent training (:func:`fit_neuron`:
  logistic regression with a sigmoid, linear regression with the identity);
* the perceptron learning rule (:func:`train_perceptron`) and the Widrow–Hoff
  delta / LMS rule (:func:`train_delta_rule`);
* least squares in closed form (:func:`least_squares_line`, :func:`normal_equation`);
* losses with their gradients (:func:`get_loss`);
* a multilayer perceptron for any layer sizes, built from explicit weights, with
  forward and backward passes (:class:`MLP`), and finite-difference gradient checking.

Weights follow the Keras ``Dense`` convention: a layer's kernel has shape
``(n_inputs, n_outputs)`` and a batch of row vectors goes through it as ``a @ W + b``.
So a textbook example can be typed in, and checked against Keras, weight for weight.

>>> import numpy as np
>>> from course_lib import scratch
>>> net = scratch.MLP([np.array([[1., 1.], [1., 1.]]), np.array([[1.], [-2.]])],
...                   [np.array([0., -1.]), np.array([0.])], activations=["relu", "linear"])
>>> net.forward(np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])).ravel().tolist()
[0.0, 1.0, 1.0, 0.0]

Only NumPy is imported, so this module loads without TensorFlow.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from . import activations as _act


# ----------------------------------------------------------------------------- input checks

def _matrix(X, name: str = "X") -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of shape (n_samples, n_features), got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return X


def _targets(y, n: int, name: str = "y") -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"{name} must have shape ({n},) to match X, got shape {y.shape}")
    return y


def _positive(value, name: str, kind=(int, float)) -> float:
    if isinstance(value, bool) or not isinstance(value, kind) or not value > 0:
        raise ValueError(f"{name} must be a positive {'int' if kind is int else 'number'}, got {value!r}")
    return value


def _initial(w0, b0, n_features: int) -> tuple[np.ndarray, float]:
    w = np.zeros(n_features) if w0 is None else np.array(w0, dtype=np.float64).reshape(-1)
    if w.shape != (n_features,):
        raise ValueError(f"w0 must have shape ({n_features},), got {np.shape(w0)}")
    return w, float(b0)


# ----------------------------------------------------------------------------- one neuron

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
        raise ValueError(f"activation must be one of {sorted(_MATCHED_LOSS)}, got {activation!r}")
    _positive(lr, "lr")
    _positive(steps, "steps", int)
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
        raise ValueError(f"y must contain only 0 and 1, got values {np.unique(t).tolist()}")
    _positive(lr, "lr")
    _positive(max_epochs, "max_epochs", int)
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
    _positive(lr, "lr")
    _positive(epochs, "epochs", int)
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
        raise ValueError(f"x and y must be 1-D with the same length >= 2, got {x.shape} and {y.shape}")
    dx = x - x.mean()
    spread = float(dx @ dx)
    if spread == 0.0:
        raise ValueError("x has no spread (all values equal), so the slope is undefined")
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


# ----------------------------------------------------------------------------- losses

def one_hot(labels, n_classes: int) -> np.ndarray:
    """Integer labels of shape (n,) as one-hot rows of shape (n, n_classes)."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a 1-D integer array, got dtype {labels.dtype} and shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in [0, {n_classes}), got range [{labels.min()}, {labels.max()}]")
    return np.eye(n_classes)[labels]


_EPS = 1e-12


def _pm_one(y):
    """Hinge targets: 0/1 labels become −1/+1 (as Keras does); ±1 stay."""
    return np.where(y > 0, 1.0, -1.0)


def _weston_watkins_margins(y, scores):
    true_score = np.sum(y * scores, axis=-1, keepdims=True)
    return np.where(y > 0, 0.0, np.maximum(0.0, scores - true_score + 1.0))


def _crammer_singer_parts(y, scores):
    true_score = np.sum(y * scores, axis=-1)
    rival = np.where(y > 0, -np.inf, scores)
    best = rival.argmax(axis=-1)
    return true_score, best, np.maximum(0.0, 1.0 + rival.max(axis=-1) - true_score)


@dataclasses.dataclass(frozen=True)
class Loss:
    """A loss ``L(y, ŷ)`` averaged over the batch (axis 0), and its gradient ``∂L/∂ŷ``.

    The last axis holds a sample's outputs (classes), so a 1-D array is one sample.
    """

    name: str
    per_sample: Callable[[np.ndarray, np.ndarray], np.ndarray]
    per_sample_grad: Callable[[np.ndarray, np.ndarray], np.ndarray]

    def _prepare(self, y, y_hat):
        y, y_hat = np.asarray(y, dtype=np.float64), np.asarray(y_hat, dtype=np.float64)
        if y.shape != y_hat.shape:
            raise ValueError(f"{self.name}: y and y_hat must have the same shape, got {y.shape} and {y_hat.shape}")
        # As in Keras, the last axis holds the outputs: a 1-D array is one sample.
        return (y[None, :], y_hat[None, :]) if y.ndim == 1 else (y, y_hat)

    def __call__(self, y, y_hat) -> float:
        y, y_hat = self._prepare(y, y_hat)
        return float(np.mean(self.per_sample(y, y_hat)))

    def gradient(self, y, y_hat) -> np.ndarray:
        """``∂L/∂ŷ`` for the batch-mean loss, with the shape of ``y_hat``."""
        shape = np.shape(y_hat)
        y, y_hat = self._prepare(y, y_hat)
        return (self.per_sample_grad(y, y_hat) / len(y)).reshape(shape)


def _k(y):
    return y.shape[-1]


LOSSES: dict[str, Loss] = {loss.name: loss for loss in [
    # E = Σ ½(t − o)² per sample: the worked backprop example. Averaged over n samples it is
    # Nielsen's quadratic cost C = 1/(2n) Σ ‖y − a‖².
    Loss("half_sse", lambda y, p: 0.5 * np.sum((p - y) ** 2, axis=-1), lambda y, p: p - y),
    # ½ · the mean over outputs as well: the loss behind linear regression by GD.
    Loss("half_mse", lambda y, p: 0.5 * np.mean((p - y) ** 2, axis=-1), lambda y, p: (p - y) / _k(y)),
    # Keras's MeanSquaredError: mean over outputs and samples.
    Loss("mse", lambda y, p: np.mean((p - y) ** 2, axis=-1), lambda y, p: 2 * (p - y) / _k(y)),
    Loss("binary_crossentropy",
         lambda y, p: -np.mean(y * np.log(np.clip(p, _EPS, 1)) + (1 - y) * np.log(np.clip(1 - p, _EPS, 1)), axis=-1),
         lambda y, p: (np.clip(p, _EPS, 1 - _EPS) - y) / (np.clip(p, _EPS, 1 - _EPS) * (1 - np.clip(p, _EPS, 1 - _EPS)))
         / _k(y)),
    # The minus sign matters: log-probabilities are ≤ 0, so without it the "loss" is
    # largest for perfect predictions.
    Loss("categorical_crossentropy", lambda y, p: -np.sum(y * np.log(np.clip(p, _EPS, 1)), axis=-1),
         lambda y, p: -y / np.clip(p, _EPS, 1)),
    # Binary hinge on a raw score s: max(0, 1 − t·s) with t = ±1 (0/1 labels are mapped).
    Loss("hinge", lambda y, s: np.mean(np.maximum(0.0, 1 - _pm_one(y) * s), axis=-1),
         lambda y, s: np.where(1 - _pm_one(y) * s > 0, -_pm_one(y), 0.0) / _k(y)),
    # Weston–Watkins multiclass SVM: Σ over wrong classes j of max(0, s_j − s_true + 1); y one-hot.
    Loss("weston_watkins", lambda y, s: np.sum(_weston_watkins_margins(y, s), axis=-1),
         lambda y, s: (lambda active: active - y * active.sum(axis=-1, keepdims=True))(
             (_weston_watkins_margins(y, s) > 0).astype(np.float64))),
    # Crammer–Singer (Keras's categorical_hinge): only the worst wrong class counts.
    Loss("crammer_singer", lambda y, s: _crammer_singer_parts(y, s)[2],
         lambda y, s: (lambda parts: (parts[2] > 0)[:, None] * (np.eye(_k(y))[parts[1]] - y))(
             _crammer_singer_parts(y, s))),
]}


def get_loss(name) -> Loss:
    """The :class:`Loss` called ``name``, one of :data:`LOSSES` (a Loss is returned as is)."""
    if isinstance(name, Loss):
        return name
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; expected one of {sorted(LOSSES)}")
    return LOSSES[name]


# ----------------------------------------------------------------------------- the MLP

@dataclasses.dataclass
class Gradients:
    """Everything one backward pass produces, layer by layer (index 0 = first layer)."""

    loss: float
    weights: list[np.ndarray]  # ∂L/∂W, same shapes as the kernels
    biases: list[np.ndarray]  # ∂L/∂b
    deltas: list[np.ndarray]  # ∂L/∂z for each layer: the "error terms" δ of the textbooks
    inputs: np.ndarray  # ∂L/∂x: how the loss responds to each input feature (saliency)


@dataclasses.dataclass
class ForwardCache:
    """What the forward pass remembers so the backward pass need not recompute it."""

    inputs: np.ndarray
    z: list[np.ndarray]  # pre-activations, one per layer
    a: list[np.ndarray]  # activations, one per layer; a[-1] is the output

    @property
    def output(self) -> np.ndarray:
        return self.a[-1]


class MLP:
    """A multilayer perceptron with explicit weights: ``a_l = f_l(a_{l−1} @ W_l + b_l)``.

    Args:
        weights: one kernel per layer, shape ``(n_in, n_out)`` (the Keras ``Dense`` layout).
        biases: one vector per layer, shape ``(n_out,)``.
        activations: one name or :class:`~course_lib.activations.Activation` for every
            layer, or a list with one per layer. Parameters can be given as
            ``("leaky_relu", {"alpha": 0.1})``.

    The weights are copied to float64. Any sizes and any number of layers work; the
    worked textbook examples are just particular weights.
    """

    def __init__(self, weights: Sequence, biases: Sequence, activations="sigmoid"):
        if not isinstance(weights, Sequence) or not weights:
            raise ValueError("weights must be a non-empty list of 2-D arrays, one per layer")
        if not isinstance(biases, Sequence) or len(biases) != len(weights):
            raise ValueError(f"biases must be a list with one vector per layer ({len(weights)}), got "
                             f"{len(biases) if isinstance(biases, Sequence) else type(biases).__name__}")
        self.weights = [np.array(W, dtype=np.float64) for W in weights]
        self.biases = [np.array(b, dtype=np.float64).reshape(-1) for b in biases]
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            if W.ndim != 2:
                raise ValueError(f"weights[{i}] must be 2-D (n_in, n_out), got shape {W.shape}")
            if b.shape != (W.shape[1],):
                raise ValueError(f"biases[{i}] must have shape ({W.shape[1]},) to match weights[{i}] "
                                 f"{W.shape}, got {b.shape}")
            if i and W.shape[0] != self.weights[i - 1].shape[1]:
                raise ValueError(f"weights[{i}] expects {W.shape[0]} inputs but layer {i - 1} has "
                                 f"{self.weights[i - 1].shape[1]} outputs")
        single = isinstance(activations, (str, _act.Activation)) or (
            isinstance(activations, tuple) and len(activations) == 2 and isinstance(activations[1], dict))
        specs = [activations] * len(weights) if single else list(activations)
        if len(specs) != len(weights):
            raise ValueError(f"activations must be one name or a list with one per layer ({len(weights)}), "
                             f"got {len(specs)}")
        self.activations = [_act.get(s[0], **s[1]) if isinstance(s, tuple) else _act.get(s) for s in specs]

    @classmethod
    def random(cls, layer_sizes: Sequence[int], activations="sigmoid", *, seed: int | None = None) -> "MLP":
        """Glorot-uniform kernels and small random biases for ``layer_sizes`` = [inputs, ..., outputs]."""
        sizes = list(layer_sizes)
        if len(sizes) < 2 or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 for n in sizes):
            raise ValueError(f"layer_sizes must list at least two positive ints, got {layer_sizes!r}")
        rng = np.random.default_rng(seed)
        weights, biases = [], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            limit = np.sqrt(6.0 / (n_in + n_out))
            weights.append(rng.uniform(-limit, limit, size=(n_in, n_out)))
            biases.append(rng.uniform(-0.1, 0.1, size=n_out))
        return cls(weights, biases, activations)

    @property
    def layer_sizes(self) -> list[int]:
        return [self.weights[0].shape[0]] + [W.shape[1] for W in self.weights]

    def copy(self) -> "MLP":
        return MLP(self.weights, self.biases, list(self.activations))

    def __repr__(self) -> str:
        return f"MLP(layer_sizes={self.layer_sizes}, activations={[a.name for a in self.activations]})"

    def _inputs(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        x = x[None, :] if x.ndim == 1 else x
        if x.ndim != 2 or x.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"x must have shape (n, {self.layer_sizes[0]}) or ({self.layer_sizes[0]},), "
                             f"got {np.shape(x)}")
        return x

    def forward_cache(self, x) -> ForwardCache:
        """Forward pass that keeps every layer's ``z`` and ``a`` for the backward pass."""
        a = self._inputs(x)
        cache = ForwardCache(a, [], [])
        for W, b, f in zip(self.weights, self.biases, self.activations):
            z = a @ W + b
            a = f(z)
            cache.z.append(z)
            cache.a.append(a)
        return cache

    def forward(self, x) -> np.ndarray:
        """The network's output for a batch of rows ``x`` (one sample of shape (d,) is also fine)."""
        return self.forward_cache(x).output

    __call__ = forward

    def backward(self, cache: ForwardCache, output_grad) -> Gradients:
        """Backpropagate ``output_grad`` = ∂L/∂(output) through the layers in ``cache``.

        Each layer's error term ``δ_l = ∂L/∂z_l`` is computed once, from ``δ_{l+1}``, and
        reused for that layer's weight gradient ``a_{l−1}ᵀ δ_l`` and for the layer below:
        this reuse (memoisation) is what makes backprop cost about one forward pass.
        """
        grad_a = np.asarray(output_grad, dtype=np.float64)
        if grad_a.shape != cache.output.shape:
            raise ValueError(f"output_grad must have the output's shape {cache.output.shape}, got {grad_a.shape}")
        n_layers = len(self.weights)
        grads_W, grads_b, deltas = [None] * n_layers, [None] * n_layers, [None] * n_layers
        for layer in reversed(range(n_layers)):
            delta = self.activations[layer].backward(cache.z[layer], grad_a)
            a_prev = cache.a[layer - 1] if layer else cache.inputs
            grads_W[layer] = a_prev.T @ delta
            grads_b[layer] = delta.sum(axis=0)
            deltas[layer] = delta
            grad_a = delta @ self.weights[layer].T
        return Gradients(float("nan"), grads_W, grads_b, deltas, grad_a)

    def gradients(self, x, y, loss="half_sse") -> Gradients:
        """Loss and all gradients for inputs ``x`` and targets ``y`` (shape of the output)."""
        cache = self.forward_cache(x)
        loss_fn = get_loss(loss)
        y = np.asarray(y, dtype=np.float64).reshape(cache.output.shape)
        grads = self.backward(cache, loss_fn.gradient(y, cache.output))
        grads.loss = loss_fn(y, cache.output)
        return grads

    def sgd_step(self, x, y, lr: float, loss="half_sse", *, update_biases: bool = True) -> Gradients:
        """One gradient-descent update of every weight (and bias, unless told not to).

        All gradients are computed first, with the old weights, and then applied together.
        Returns the gradients, whose ``loss`` is the loss *before* the update.
        """
        _positive(lr, "lr")
        grads = self.gradients(x, y, loss)
        for i in range(len(self.weights)):
            self.weights[i] = self.weights[i] - lr * grads.weights[i]
            if update_biases:
                self.biases[i] = self.biases[i] - lr * grads.biases[i]
        return grads

    def loss(self, x, y, loss="half_sse") -> float:
        out = self.forward(x)
        return get_loss(loss)(np.asarray(y, dtype=np.float64).reshape(out.shape), out)


# ----------------------------------------------------------------------------- gradient checking

def numerical_gradients(f: Callable[[], float], params: Sequence[np.ndarray], eps: float = 1e-6) -> list[np.ndarray]:
    """Central-difference estimates ``(f(θ+ε) − f(θ−ε)) / 2ε`` of ∂f/∂θ for every entry of ``params``.

    ``f`` takes no arguments and reads the arrays in ``params``, which are nudged in place
    (and restored).
    """
    _positive(eps, "eps", float)
    estimates = []
    for p in params:
        g = np.zeros_like(p, dtype=np.float64)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = f()
            p[idx] = old - eps
            down = f()
            p[idx] = old
            g[idx] = (up - down) / (2 * eps)
        estimates.append(g)
    return estimates


def relative_error(a, b, floor: float = 1e-12) -> float:
    """``max|a − b| / max(max|a|, max|b|)``: the worst disagreement relative to the arrays' scale.

    Scaling by the largest entry rather than entry by entry keeps gradients that are
    nearly zero (where finite differences are mostly round-off) from dominating.
    Around 1e-7 or below means two gradient computations agree.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if not a.size:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), floor))


def gradient_check(mlp: MLP, x, y, loss="half_sse", eps: float = 1e-6) -> float:
    """:func:`relative_error` between backprop's and finite differences' gradients of all parameters.

    All weights and biases are compared as one long vector, so a layer whose true
    gradient is zero does not turn round-off into a large relative error.
    """
    backprop = mlp.gradients(x, y, loss)
    params = mlp.weights + mlp.biases
    numeric = numerical_gradients(lambda: mlp.loss(x, y, loss), params, eps)
    flat = lambda arrays: np.concatenate([a.ravel() for a in arrays])  # noqa: E731
    return relative_error(flat(backprop.weights + backprop.biases), flat(numeric))
