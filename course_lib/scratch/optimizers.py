"""Gradient-descent optimizers and learning-rate schedules in NumPy, written to match ``keras.optimizers``.

Every optimizer keeps its own state (velocities, accumulators, moments) per parameter and
is used the same way: ``new_params = opt.step(params, grads)``. ``params`` is one array or a
list of arrays; the arrays passed in are never changed, new ones are returned.

>>> import numpy as np
>>> opt = SGD(learning_rate=0.1, momentum=0.9)
>>> w = np.array([1.0, -2.0])
>>> w = opt.step(w, 2 * w)                # the gradient of |w|²
>>> w.round(6).tolist()
[0.8, -1.6]
>>> opt.step(w, 2 * w).round(6).tolist()  # V = 0.9·V + 0.1·g, then w − V
[0.46, -0.92]

Conventions, each chosen so that the same arguments give Keras's numbers step for step:

* **SGD with momentum** keeps the course's ``V ← γV + ηg, w ← w − V``; Keras stores
  ``m = −V`` and adds it, which is the same update.
* **Nesterov** (``SGD(nesterov=True)``) uses Keras's form ``w ← w − (γV + ηg)`` with ``V``
  already updated. The parameters it holds are the *look-ahead* point ``w + γ·v`` of the
  textbook form, which evaluates the gradient ahead of the current point
  (:func:`nesterov_lookahead_path`); the two produce the same points up to that shift.
* **Adagrad** starts its accumulator at ``initial_accumulator_value`` (Keras: 0.1, not 0) and
  adds ``epsilon`` inside the square root: ``w ← w − η g / √(G + ε)``.
* **RMSprop** also adds ``epsilon`` inside the root: ``w ← w − η g / √(E[g²] + ε)``.
* **Adadelta** is Zeiler's algorithm, which needs no learning rate: the default
  ``learning_rate=1.0`` means "no η". Keras multiplies the step by its ``learning_rate``, whose
  default there is 0.001, so ``keras.optimizers.Adadelta()`` takes steps 1000 times smaller.
* **Adam** by default (``epsilon_hat=True``) does what Keras does: the bias corrections are
  folded into the step size, ``η_t = η √(1 − β₂ᵗ)/(1 − β₁ᵗ)``, and ``w ← w − η_t m / (√v + ε̂)``.
  This is the "more efficient" ordering of Kingma and Ba's paper, in which Keras's ``epsilon``
  is their ε̂: it equals Algorithm 1 with ε = ε̂ / √(1 − β₂ᵗ), a larger ε in the first steps.
  ``epsilon_hat=False`` gives Algorithm 1 itself, ``w ← w − η m̂ / (√v̂ + ε)``. Either way
  ε is outside the square root.
* Keras keeps its learning rate in a float32 variable and rounds some hyperparameters to
  float32, so even on float64 variables the two agree only to about 1e-6 unless the
  hyperparameters are exactly representable in float32 (0.125, 0.875, 2⁻²⁰...); then they agree
  to the last bit.
* A ``learning_rate`` may be a schedule: a callable of the step number, which counts the
  updates already made (0 for the first), as Keras calls its schedules.

Only NumPy is imported; :func:`trajectory` imports Keras when it is handed a Keras optimizer.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .._validation import ArgumentTypeError, ArgumentValueError, ShapeError, check_array, check_choice, check_int, \
    check_number
from .gradcheck import relative_error

__all__ = ["Adadelta", "Adagrad", "Adam", "OPTIMIZERS", "Optimizer", "RMSprop", "SGD", "SCHEDULES", "Schedule",
           "bubeck_lambdas", "bubeck_nesterov_path", "cosine_decay", "exponential_decay", "get_optimizer",
           "inverse_time_decay", "max_relative_difference", "nesterov_lookahead_path", "schedule", "step_decay",
           "trajectory"]


def _unit_interval(name: str, value, *, closed_low: bool = True) -> float:
    """A decay rate such as momentum, rho or beta: in [0, 1) (or (0, 1))."""
    return check_number(name, value, 0.0, 1.0, low_open=not closed_low, high_open=True)


def _learning_rate(value):
    if callable(value):
        return value
    return check_number("learning_rate", value, 0, low_open=True)


# ----------------------------------------------------------------------------- the optimizers

class Optimizer:
    """The common machinery: per-parameter state, the step counter and the learning rate.

    Subclasses define ``_slots(param)`` (the state arrays of one parameter, at zero) and
    ``_update(param, grad, slots, lr, t)``, which returns the new parameter and updates
    ``slots`` in place; ``t`` is the number of this update, 1 for the first.
    """

    name = "optimizer"

    def __init__(self, learning_rate):
        self.learning_rate = _learning_rate(learning_rate)
        self.iterations = 0
        self.slots: list[dict[str, np.ndarray]] | None = None
        self._shapes: list[tuple] | None = None

    def current_learning_rate(self) -> float:
        """The learning rate the next step uses (a schedule is evaluated at :attr:`iterations`)."""
        if callable(self.learning_rate):
            return float(self.learning_rate(self.iterations))
        return self.learning_rate

    def reset(self) -> None:
        """Forget all state: the next step is a first step again."""
        self.iterations, self.slots, self._shapes = 0, None, None

    def step(self, params, grads):
        """One update of every parameter; returns the new parameters in the form given (array or list).

        Args:
            params: one array, or a list/tuple of arrays (the same shapes on every call).
            grads: the gradients of the loss with respect to ``params``, in the same form.
        """
        single = not isinstance(params, (list, tuple))
        p_list = [params] if single else list(params)
        g_list = [grads] if single else (list(grads) if isinstance(grads, (list, tuple)) else None)
        if g_list is None or len(g_list) != len(p_list):
            got = "one array" if not isinstance(grads, (list, tuple)) else f"{len(grads)} arrays"
            raise ArgumentValueError(f"grads must match params: {len(p_list)} array(s), got {got}")
        p_list = [check_array(f"params[{i}]", p, finite=False) for i, p in enumerate(p_list)]
        g_list = [check_array(f"grads[{i}]", g, shape=p.shape, finite=False) for i, (p, g) in
                  enumerate(zip(p_list, g_list))]
        shapes = [p.shape for p in p_list]
        if self.slots is None:
            self.slots, self._shapes = [self._slots(p) for p in p_list], shapes
        elif shapes != self._shapes:
            raise ShapeError(f"params must keep the shapes of the first step, {self._shapes}, got {shapes}; "
                             "call reset() to start on new parameters")
        lr = self.current_learning_rate()
        t = self.iterations + 1
        new = [self._update(p, g, s, lr, t) for p, g, s in zip(p_list, g_list, self.slots)]
        self.iterations = t
        return new[0] if single else new

    def _slots(self, param: np.ndarray) -> dict[str, np.ndarray]:
        return {}

    def _update(self, param, grad, slots, lr, t):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _settings(self) -> dict:
        return {}

    def __repr__(self) -> str:
        lr = self.learning_rate
        extra = "".join(f", {k}={v!r}" for k, v in self._settings().items())
        return f"{type(self).__name__}(learning_rate={lr!r}{extra})"


class SGD(Optimizer):
    """Gradient descent, with optional (Nesterov) momentum: ``V ← γV + ηg``, ``w ← w − V``.

    ``momentum=0`` is plain gradient descent ``w ← w − ηg``. ``nesterov=True`` steps by
    ``γV + ηg`` after updating ``V`` (Keras's form of Nesterov's look-ahead gradient).
    Keras's default learning rate, 0.01, is the default here.
    """

    name = "sgd"

    def __init__(self, learning_rate=0.01, momentum: float = 0.0, nesterov: bool = False):
        super().__init__(learning_rate)
        self.momentum = _unit_interval("momentum", momentum)
        if not isinstance(nesterov, bool):
            raise ArgumentTypeError(f"nesterov must be True or False, got {nesterov!r} ({type(nesterov).__name__})")
        self.nesterov = nesterov

    def _slots(self, param):
        return {"velocity": np.zeros_like(param)} if self.momentum else {}

    def _update(self, param, grad, slots, lr, t):
        if not self.momentum:
            return param - lr * grad
        velocity = self.momentum * slots["velocity"] + lr * grad
        slots["velocity"] = velocity
        if self.nesterov:
            return param - (self.momentum * velocity + lr * grad)
        return param - velocity

    def _settings(self):
        return {"momentum": self.momentum, "nesterov": self.nesterov}


class Adagrad(Optimizer):
    """Per-parameter rates that only shrink: ``G ← G + g²``, ``w ← w − η g / √(G + ε)``.

    ``G`` starts at ``initial_accumulator_value`` (Keras's 0.1 by default; the textbook form has 0).
    Because ``G`` only grows, the effective rate ``η / √(G + ε)`` decays towards 0.
    """

    name = "adagrad"

    def __init__(self, learning_rate=0.001, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7):
        super().__init__(learning_rate)
        self.initial_accumulator_value = check_number("initial_accumulator_value", initial_accumulator_value, 0)
        self.epsilon = check_number("epsilon", epsilon, 0)

    def _slots(self, param):
        return {"accumulator": np.full_like(param, self.initial_accumulator_value)}

    def _update(self, param, grad, slots, lr, t):
        slots["accumulator"] = slots["accumulator"] + grad ** 2
        return param - lr * grad / np.sqrt(slots["accumulator"] + self.epsilon)

    def _settings(self):
        return {"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}


class RMSprop(Optimizer):
    """A moving average of squared gradients instead of Adagrad's sum.

    ``E ← ρE + (1 − ρ)g²``, ``w ← w − η g / √(E + ε)`` (ε inside the root, as Keras has it).
    """

    name = "rmsprop"

    def __init__(self, learning_rate=0.001, rho: float = 0.9, epsilon: float = 1e-7):
        super().__init__(learning_rate)
        self.rho = _unit_interval("rho", rho)
        self.epsilon = check_number("epsilon", epsilon, 0)

    def _slots(self, param):
        return {"mean_square": np.zeros_like(param)}

    def _update(self, param, grad, slots, lr, t):
        slots["mean_square"] = self.rho * slots["mean_square"] + (1 - self.rho) * grad ** 2
        return param - lr * grad / np.sqrt(slots["mean_square"] + self.epsilon)

    def _settings(self):
        return {"rho": self.rho, "epsilon": self.epsilon}


class Adadelta(Optimizer):
    """Zeiler's Adadelta: the step's size comes from past steps, so no learning rate is needed.

    ``E_g ← ρE_g + (1 − ρ)g²``; ``Δ = −√(E_Δ + ε) / √(E_g + ε) · g``; ``E_Δ ← ρE_Δ + (1 − ρ)Δ²``;
    ``w ← w + η Δ``. The real algorithm has η = 1, the default here; Keras's default is 0.001.
    """

    name = "adadelta"

    def __init__(self, learning_rate=1.0, rho: float = 0.95, epsilon: float = 1e-7):
        super().__init__(learning_rate)
        self.rho = _unit_interval("rho", rho)
        self.epsilon = check_number("epsilon", epsilon, 0, low_open=True)  # with ε = 0 the first step is 0 forever

    def _slots(self, param):
        return {"mean_square_grad": np.zeros_like(param), "mean_square_delta": np.zeros_like(param)}

    def _update(self, param, grad, slots, lr, t):
        slots["mean_square_grad"] = self.rho * slots["mean_square_grad"] + (1 - self.rho) * grad ** 2
        delta = -np.sqrt(slots["mean_square_delta"] + self.epsilon) / np.sqrt(
            slots["mean_square_grad"] + self.epsilon) * grad
        slots["mean_square_delta"] = self.rho * slots["mean_square_delta"] + (1 - self.rho) * delta ** 2
        return param + lr * delta

    def _settings(self):
        return {"rho": self.rho, "epsilon": self.epsilon}


class Adam(Optimizer):
    """Momentum (first moment) and RMSprop (second moment) with bias correction.

    ``m ← β₁m + (1 − β₁)g``, ``v ← β₂v + (1 − β₂)g²``, ``m̂ = m/(1 − β₁ᵗ)``, ``v̂ = v/(1 − β₂ᵗ)``
    with ``t`` counting updates from 1. ``epsilon_hat=True`` (Keras) steps by
    ``η √(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)``; ``epsilon_hat=False`` by ``η m̂ / (√v̂ + ε)``.
    ``bias_correction=False`` drops both corrections (to show what they are for).
    """

    name = "adam"

    def __init__(self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7, *,
                 epsilon_hat: bool = True, bias_correction: bool = True):
        super().__init__(learning_rate)
        self.beta_1 = _unit_interval("beta_1", beta_1)
        self.beta_2 = _unit_interval("beta_2", beta_2)
        self.epsilon = check_number("epsilon", epsilon, 0)
        for flag, value in (("epsilon_hat", epsilon_hat), ("bias_correction", bias_correction)):
            if not isinstance(value, bool):
                raise ArgumentTypeError(f"{flag} must be True or False, got {value!r} ({type(value).__name__})")
        self.epsilon_hat, self.bias_correction = epsilon_hat, bias_correction

    def _slots(self, param):
        return {"m": np.zeros_like(param), "v": np.zeros_like(param)}

    def _update(self, param, grad, slots, lr, t):
        slots["m"] = slots["m"] + (grad - slots["m"]) * (1 - self.beta_1)
        slots["v"] = slots["v"] + (grad ** 2 - slots["v"]) * (1 - self.beta_2)
        m, v = slots["m"], slots["v"]
        if not self.bias_correction:
            return param - lr * m / (np.sqrt(v) + self.epsilon)
        c1, c2 = 1 - self.beta_1 ** t, 1 - self.beta_2 ** t
        if self.epsilon_hat:
            return param - m * (lr * math.sqrt(c2) / c1) / (np.sqrt(v) + self.epsilon)
        return param - lr * (m / c1) / (np.sqrt(v / c2) + self.epsilon)

    def _settings(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "epsilon_hat": self.epsilon_hat, "bias_correction": self.bias_correction}


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.name: cls for cls in (SGD, Adagrad, RMSprop, Adadelta, Adam)}


def get_optimizer(name: str, **settings) -> Optimizer:
    """An optimizer by its Keras name (``"sgd"``, ``"adagrad"``, ``"rmsprop"``, ``"adadelta"``, ``"adam"``).

    >>> get_optimizer("adam", learning_rate=0.01)
    Adam(learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-07, epsilon_hat=True, bias_correction=True)
    """
    check_choice("name", name, tuple(OPTIMIZERS))
    return OPTIMIZERS[name](**settings)


# ----------------------------------------------------------------------------- running them

def _as_structure(params):
    single = not isinstance(params, (list, tuple))
    arrays = [params] if single else list(params)
    return single, [check_array(f"params[{i}]", p, finite=False).copy() for i, p in enumerate(arrays)]


def trajectory(optimizer, grad_fn: Callable, params, steps: int, *, dtype: str = "float64"):
    """The parameters after 0, 1, ..., ``steps`` updates, each at the gradient of the current point.

    ``optimizer`` is one of this module's optimizers or a ``keras.optimizers.Optimizer``; Keras's
    runs on ``keras.Variable``\\ s of ``dtype``, and ``grad_fn`` sees their values as float64
    arrays, so the two follow the same problem with the same gradient code.

    Args:
        grad_fn: maps parameters (in the form of ``params``: one array or a list) to their gradients.
        params: the starting point, one array or a list of arrays.

    Returns:
        For one array, an array of shape ``(steps + 1, *params.shape)``; for a list, a list of such arrays.

    >>> import numpy as np
    >>> trajectory(SGD(0.25), lambda w: 2 * w, np.array([1.0]), 3).ravel().tolist()
    [1.0, 0.5, 0.25, 0.125]
    """
    steps = check_int("steps", steps, minimum=0)
    single, start = _as_structure(params)
    pack = (lambda arrays: arrays[0]) if single else list
    history = [[p.copy() for p in start]]
    if isinstance(optimizer, Optimizer):
        current = start
        for _ in range(steps):
            grads = grad_fn(pack([p.copy() for p in current]))
            current = optimizer.step(current, [grads] if single else list(grads))
            history.append([np.asarray(p, dtype=np.float64).copy() for p in current])
    elif hasattr(optimizer, "apply_gradients"):
        import keras

        check_choice("dtype", dtype, ("float16", "bfloat16", "float32", "float64"))
        variables = [keras.Variable(p.astype(dtype), dtype=dtype) for p in start]
        for _ in range(steps):
            values = [np.array(v.numpy(), dtype=np.float64) for v in variables]
            grads = grad_fn(pack(values))
            grads = [grads] if single else list(grads)
            optimizer.apply_gradients([(keras.ops.convert_to_tensor(np.asarray(g, dtype=dtype)), v)
                                       for g, v in zip(grads, variables)])
            history.append([np.array(v.numpy(), dtype=np.float64) for v in variables])
    else:
        raise ArgumentTypeError("optimizer must be a course_lib.scratch.optimizers.Optimizer or a Keras optimizer, "
                                f"got {type(optimizer).__name__}")
    stacked = [np.stack([h[i] for h in history]) for i in range(len(start))]
    return stacked[0] if single else stacked


def max_relative_difference(a, b) -> float:
    """The worst step of two trajectories: max over steps of ``relative_error`` of all parameters at that step.

    ``a`` and ``b`` are what :func:`trajectory` returns (an array, or a list of arrays, with
    the step along the first axis).

    >>> import numpy as np
    >>> max_relative_difference(np.array([[1.0], [2.0]]), np.array([[1.0], [2.002]]))  # doctest: +ELLIPSIS
    0.000999...
    """
    a_list = [a] if not isinstance(a, (list, tuple)) else list(a)
    b_list = [b] if not isinstance(b, (list, tuple)) else list(b)
    if len(a_list) != len(b_list):
        raise ArgumentValueError(f"a and b must hold the same number of parameters, got {len(a_list)} and "
                                 f"{len(b_list)}")
    a_list = [check_array("a", x, finite=False) for x in a_list]
    b_list = [check_array("b", y, shape=x.shape, finite=False) for x, y in zip(a_list, b_list)]
    n_steps = a_list[0].shape[0]
    flat = lambda arrays, k: np.concatenate([x[k].ravel() for x in arrays])  # noqa: E731
    return max(relative_error(flat(a_list, k), flat(b_list, k)) for k in range(n_steps))


# ----------------------------------------------------------------------------- Nesterov, two ways

def nesterov_lookahead_path(grad_fn: Callable, w0, learning_rate: float, momentum, steps: int) -> np.ndarray:
    """Nesterov's method in its look-ahead form: the gradient is taken where the momentum is about to carry us.

    ``v ← μ v − η ∇f(w + μ v)``, ``w ← w + v``, from ``v = 0``. ``momentum`` is a number or a
    callable ``μ(s)`` of the step number ``s = 1, 2, ...``. Returns the points ``w`` (not the
    look-ahead points), shape ``(steps + 1, *w0.shape)``.
    """
    lr = check_number("learning_rate", learning_rate, 0, low_open=True)
    steps = check_int("steps", steps, minimum=0)
    if not callable(momentum):
        constant = _unit_interval("momentum", momentum)
        momentum = lambda s: constant  # noqa: E731
    w = check_array("w0", w0).copy()
    v = np.zeros_like(w)
    path = [w.copy()]
    for s in range(1, steps + 1):
        mu = float(momentum(s))
        v = mu * v - lr * np.asarray(grad_fn(w + mu * v), dtype=np.float64)
        w = w + v
        path.append(w.copy())
    return np.stack(path)


def bubeck_lambdas(steps: int) -> np.ndarray:
    """``λ_0 = 0``, ``λ_s = (1 + √(1 + 4λ²_{s−1}))/2`` for s = 1..steps (so λ_1 = 1 and λ_s ≈ s/2 later).

    >>> bubeck_lambdas(3).round(4).tolist()
    [0.0, 1.0, 1.618, 2.1935]
    """
    steps = check_int("steps", steps, minimum=0)
    lam = [0.0]
    for _ in range(steps):
        lam.append((1 + math.sqrt(1 + 4 * lam[-1] ** 2)) / 2)
    return np.array(lam)


def bubeck_nesterov_path(grad_fn: Callable, x1, beta: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Nesterov's accelerated gradient descent as Bubeck writes it, for a β-smooth convex f.

    ``y_{s+1} = x_s − ∇f(x_s)/β`` and ``x_{s+1} = (1 − γ_s) y_{s+1} + γ_s y_s`` with
    ``γ_s = (1 − λ_s)/λ_{s+1}`` (≤ 0), from ``x_1 = y_1``. Then
    ``f(y_t) − f(x*) ≤ 2β‖x_1 − x*‖² / t²``.

    Returns ``(y, x)``: arrays of shape ``(steps + 1, *x1.shape)``, ``y[0]`` and ``x[0]`` being ``y_1 = x_1``.
    """
    beta = check_number("beta", beta, 0, low_open=True)
    steps = check_int("steps", steps, minimum=0)
    x = check_array("x1", x1).copy()
    lam = bubeck_lambdas(steps + 1)
    ys, xs = [x.copy()], [x.copy()]
    y = x.copy()
    for s in range(1, steps + 1):
        gamma = (1 - lam[s]) / lam[s + 1]
        y_next = x - np.asarray(grad_fn(x), dtype=np.float64) / beta
        x = (1 - gamma) * y_next + gamma * y
        y = y_next
        ys.append(y.copy())
        xs.append(x.copy())
    return np.stack(ys), np.stack(xs)


# ----------------------------------------------------------------------------- learning-rate schedules

def _steps_array(step):
    return check_array("step", step, finite=True)


def _out(value: np.ndarray):
    """A float for a single step, an array for an array of steps."""
    return float(value) if np.ndim(value) == 0 else value


def inverse_time_decay(initial_learning_rate: float, decay_rate: float, step, *, decay_steps: int = 1,
                       staircase: bool = False):
    """``α = α₀ / (1 + decay_rate · step / decay_steps)`` (Keras's ``InverseTimeDecay``).

    With ``step`` counted in epochs, this is the notes' ``α0/(1 + decay·epoch)``:

    >>> inverse_time_decay(0.2, 1.0, [1, 2, 3, 4]).round(4).tolist()
    [0.1, 0.0667, 0.05, 0.04]
    """
    a0 = check_number("initial_learning_rate", initial_learning_rate, 0, low_open=True)
    rate = check_number("decay_rate", decay_rate, 0)
    p = _steps_array(step) / check_int("decay_steps", decay_steps)
    p = np.floor(p) if staircase else p
    return _out(a0 / (1 + rate * p))


def exponential_decay(initial_learning_rate: float, decay_rate: float, step, *, decay_steps: int = 1,
                      staircase: bool = False):
    """``α = α₀ · decay_rate^(step / decay_steps)`` (Keras's ``ExponentialDecay``).

    >>> exponential_decay(0.1, 0.5, [0, 1, 2]).tolist()
    [0.1, 0.05, 0.025]
    """
    a0 = check_number("initial_learning_rate", initial_learning_rate, 0, low_open=True)
    rate = check_number("decay_rate", decay_rate, 0, 1, low_open=True)
    p = _steps_array(step) / check_int("decay_steps", decay_steps)
    p = np.floor(p) if staircase else p
    return _out(a0 * rate ** p)


def step_decay(initial_learning_rate: float, drop: float, every: int, step):
    """``α = α₀ · drop^⌊step / every⌋``: the rate falls by the factor ``drop`` every ``every`` steps.

    >>> step_decay(0.1, 0.5, 10, [0, 9, 10, 25]).tolist()
    [0.1, 0.1, 0.05, 0.025]
    """
    a0 = check_number("initial_learning_rate", initial_learning_rate, 0, low_open=True)
    drop = check_number("drop", drop, 0, 1, low_open=True)
    every = check_int("every", every)
    return _out(a0 * drop ** np.floor(_steps_array(step) / every))


def cosine_decay(initial_learning_rate: float, decay_steps: int, step, *, alpha: float = 0.0):
    """Half a cosine from α₀ down to ``alpha·α₀`` over ``decay_steps``, then flat (Keras's ``CosineDecay``).

    >>> cosine_decay(1.0, 10, [0, 5, 10, 20]).round(6).tolist()
    [1.0, 0.5, 0.0, 0.0]
    """
    a0 = check_number("initial_learning_rate", initial_learning_rate, 0, low_open=True)
    decay_steps = check_int("decay_steps", decay_steps)
    alpha = check_number("alpha", alpha, 0, 1)
    progress = np.minimum(_steps_array(step), decay_steps) / decay_steps
    return _out(a0 * ((1 - alpha) * 0.5 * (1 + np.cos(np.pi * progress)) + alpha))


SCHEDULES: dict[str, Callable] = {"inverse_time": inverse_time_decay, "exponential": exponential_decay,
                                  "step": step_decay, "cosine": cosine_decay}


class Schedule:
    """A learning-rate schedule bound to its settings: ``Schedule(step)`` gives the rate at that step.

    Pass it as ``learning_rate`` to an optimizer, which calls it with the number of updates made so far.
    """

    def __init__(self, kind: str, **settings):
        self.kind = check_choice("kind", kind, tuple(SCHEDULES))
        self.settings = settings
        SCHEDULES[kind](step=0, **settings)  # validates the settings now, not at the first step

    def __call__(self, step):
        return SCHEDULES[self.kind](step=step, **self.settings)

    def __repr__(self) -> str:
        return f"schedule({self.kind!r}" + "".join(f", {k}={v!r}" for k, v in self.settings.items()) + ")"


def schedule(kind: str, **settings) -> Schedule:
    """A :class:`Schedule` of ``kind`` (``"inverse_time"``, ``"exponential"``, ``"step"``, ``"cosine"``).

    >>> decay = schedule("inverse_time", initial_learning_rate=0.2, decay_rate=1.0)
    >>> round(decay(3), 4)
    0.05
    """
    return Schedule(kind, **settings)

