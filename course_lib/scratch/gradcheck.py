"""Finite-difference gradient checking: the test every hand-written backward pass must pass.

>>> import numpy as np
>>> w = np.array([1.0, -2.0])
>>> [g.round(6).tolist() for g in numerical_gradients(lambda: float((w ** 2).sum()), [w])]
[[2.0, -4.0]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .._validation import ShapeError, check_number
from .mlp import MLP


def numerical_gradients(f: Callable[[], float], params: Sequence[np.ndarray], eps: float = 1e-6) -> list[np.ndarray]:
    """Central-difference estimates ``(f(θ+ε) − f(θ−ε)) / 2ε`` of ∂f/∂θ for every entry of ``params``.

    ``f`` takes no arguments and reads the arrays in ``params``, which are nudged in place
    (and restored).
    """
    check_number("eps", eps, 0, low_open=True)
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
        raise ShapeError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
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
