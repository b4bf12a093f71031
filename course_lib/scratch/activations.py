"""Activation functions and their derivatives, in NumPy, written to be read.

Each activation is an :class:`Activation`: call it on pre-activations ``z`` to get
``a = f(z)``, ask ``.derivative(z)`` for ``da/dz``, and use ``.backward(z, upstream)``
to pass a gradient back through it (the chain rule step that backprop needs).

>>> from course_lib.scratch import activations
>>> s = activations.get("sigmoid")
>>> float(s(0.0)), float(s.derivative(0.0))
(0.5, 0.25)
>>> activations.get("leaky_relu", alpha=0.1)(-2.0).item()
-0.2

This module only needs NumPy, so the from-scratch models import it without TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from .._validation import ArgumentTypeError, ArgumentValueError, ShapeError, check_number

NAMES = ("step", "linear", "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "softplus", "softmax")
_ALIASES = {"identity": "linear"}


def _f(z) -> np.ndarray:
    return np.asarray(z, dtype=np.float64)


def step(z):
    """Heaviside step: 1 where ``z >= 0``, else 0 (the perceptron's activation)."""
    return (_f(z) >= 0).astype(np.float64)


def linear(z):
    """The identity: a linear unit passes its net input straight through."""
    return _f(z).copy()


def sigmoid(z):
    """The logistic function 1 / (1 + e^(−z)), computed without overflow for large |z|."""
    z = _f(z)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def tanh(z):
    return np.tanh(_f(z))


def relu(z):
    return np.maximum(_f(z), 0.0)


def leaky_relu(z, alpha: float = 0.01):
    """``z`` for positive inputs, ``alpha·z`` otherwise; common slopes are 0.01 and 0.1."""
    z = _f(z)
    return np.where(z > 0, z, alpha * z)


def elu(z, alpha: float = 1.0):
    """``z`` for positive inputs, ``alpha·(e^z − 1)`` otherwise: smooth, and saturates at −alpha."""
    z = _f(z)
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))


def softplus(z):
    """ln(1 + e^z), a smooth ReLU; computed stably as max(z, 0) + ln(1 + e^(−|z|))."""
    z = _f(z)
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def softmax(z, axis: int = -1):
    """e^(z_i) / Σ_j e^(z_j) along ``axis``; subtracting the maximum first avoids overflow."""
    z = _f(z)
    shifted = np.exp(z - z.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def softmax_jacobian(z) -> np.ndarray:
    """The Jacobian ``∂softmax_i/∂z_j = s_i(δ_ij − s_j)`` of one vector ``z``: diag(s) − s sᵀ."""
    z = _f(z)
    if z.ndim != 1:
        raise ShapeError(f"softmax_jacobian expects one vector z of shape (k,), got shape {z.shape}")
    s = softmax(z)
    return np.diag(s) - np.outer(s, s)


class Activation:
    """An activation function with its derivative.

    Args:
        name: a name from :data:`NAMES`.
        function: ``z -> a``.
        derivative: ``z -> da/dz``, element by element. For softmax, whose output mixes
            all inputs, this is the diagonal of the Jacobian; :meth:`backward` uses the
            full Jacobian.
        elementwise: False for softmax.
        params: the parameters the function was built with, e.g. ``{"alpha": 0.01}``.
    """

    def __init__(self, name: str, function: Callable, derivative: Callable, *, elementwise: bool = True,
                 params: dict | None = None):
        self.name = name
        self.function = function
        self._derivative = derivative
        self.elementwise = elementwise
        self.params = dict(params or {})

    def __call__(self, z) -> np.ndarray:
        return self.function(z)

    def derivative(self, z) -> np.ndarray:
        """``da/dz`` at ``z`` (for softmax: the Jacobian's diagonal ``s(1 − s)``)."""
        return self._derivative(_f(z))

    def backward(self, z, upstream) -> np.ndarray:
        """Gradient with respect to ``z`` given ``upstream`` = gradient with respect to ``a``.

        Element-wise activations multiply by the derivative. Softmax uses its Jacobian
        along the last axis without building it: ``s ⊙ (g − (g·s))``.
        """
        z, upstream = _f(z), _f(upstream)
        if z.shape != upstream.shape:
            raise ShapeError(f"upstream must have the shape of z {z.shape}, got {upstream.shape}")
        if self.elementwise:
            return upstream * self.derivative(z)
        s = self.function(z)
        return s * (upstream - np.sum(upstream * s, axis=-1, keepdims=True))

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Activation({self.name!r}{extra})"


def get(name, **params) -> Activation:
    """The :class:`Activation` called ``name`` (an existing Activation is returned as is).

    Args:
        name: one of :data:`NAMES` (``"identity"`` is accepted for ``"linear"``).
        **params: ``alpha`` for ``leaky_relu`` (default 0.01), ``prelu`` (default 0.25,
            the learnable slope's usual starting value) and ``elu`` (default 1.0).
    """
    if isinstance(name, Activation):
        if params:
            raise ArgumentValueError(f"params {sorted(params)} given together with a ready Activation {name!r}")
        return name
    if not isinstance(name, str):
        raise ArgumentTypeError(f"activation must be a name from {NAMES} or an Activation, got {type(name).__name__}")
    key = _ALIASES.get(name.lower(), name.lower())
    takes_alpha = {"leaky_relu": 0.01, "prelu": 0.25, "elu": 1.0}
    allowed = {"alpha"} if key in takes_alpha else set()
    unknown = set(params) - allowed
    if key not in NAMES:
        raise ArgumentValueError(f"unknown activation {name!r}; expected one of {NAMES}")
    if unknown:
        raise ArgumentValueError(f"activation {key!r} takes parameters {sorted(allowed) or 'none'}, got {sorted(unknown)}")
    if key in takes_alpha:
        alpha = check_number(f"{key}: alpha", params.get("alpha", takes_alpha[key]))
        if key == "elu":
            return Activation(key, lambda z: elu(z, alpha),
                              lambda z: np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0))),
                              params={"alpha": alpha})
        return Activation(key, lambda z: leaky_relu(z, alpha), lambda z: np.where(z > 0, 1.0, alpha),
                          params={"alpha": alpha})
    table = {
        # The step's derivative is 0 wherever it exists: no gradient can flow through it,
        # which is why the perceptron has its own learning rule.
        "step": (step, lambda z: np.zeros_like(z)),
        "linear": (linear, lambda z: np.ones_like(z)),
        "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1.0 - sigmoid(z))),
        "tanh": (tanh, lambda z: 1.0 - np.tanh(z) ** 2),
        "relu": (relu, lambda z: (z > 0).astype(np.float64)),
        "softplus": (softplus, sigmoid),
        "softmax": (softmax, lambda z: softmax(z) * (1.0 - softmax(z))),
    }
    function, derivative = table[key]
    return Activation(key, function, derivative, elementwise=key != "softmax")
