"""Private NumPy references shared by the judges (never sent to a student's process).

Each is written for accuracy, not speed: float64 throughout, and stable for any input
(no overflow at ±1000), so a judge can compare a student's answer with it at a tight
tolerance. Checks modules import these instead of redefining them.

>>> float(sigmoid(-1000.0)), float(sigmoid(0.0))
(0.0, 0.5)
>>> softmax(np.array([1000.0, 1000.0])).tolist()
[0.5, 0.5]
"""

from __future__ import annotations

import numpy as np

#: The clip Keras applies to probabilities inside its cross-entropies.
KERAS_EPSILON = 1e-7


def sigmoid(x):
    """σ(x) = 1 / (1 + e^−x), through e^−|x| so that nothing overflows."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_softmax(z):
    """log softmax over the last axis: z − max(z) − log Σ exp(z − max(z))."""
    z = np.asarray(z, dtype=np.float64)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(z):
    """Softmax over the last axis, stable for any logits."""
    return np.exp(log_softmax(z))


def cross_entropy(y, p):
    """Per-example categorical cross-entropy −Σ y log p over the last axis (p > 0 where y > 0)."""
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    return -(y * np.log(np.where(y > 0, p, 1.0))).sum(axis=-1)


def binary_cross_entropy(y, p, epsilon: float = KERAS_EPSILON) -> float:
    """Mean binary cross-entropy with p clipped to [ε, 1 − ε], as Keras computes it."""
    p = np.clip(np.asarray(p, dtype=np.float64), epsilon, 1 - epsilon)
    y = np.asarray(y, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def step(z):
    """The unit step: 1 where z ≥ 0, else 0."""
    return (np.asarray(z, dtype=np.float64) >= 0).astype(np.float64)
