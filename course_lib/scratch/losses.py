"""Losses with their gradients, as NumPy: MSE in three scalings, cross-entropies, hinge losses.

>>> import numpy as np
>>> round(get_loss("categorical_crossentropy")(np.array([0., 1., 0.]), np.array([.2, .7, .1])), 3)
0.357
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from .._validation import ArgumentValueError, ShapeError


def one_hot(labels, n_classes: int) -> np.ndarray:
    """Integer labels of shape (n,) as one-hot rows of shape (n, n_classes)."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ShapeError(f"labels must be a 1-D integer array, got dtype {labels.dtype} and shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ArgumentValueError(f"labels must lie in [0, {n_classes}), got range [{labels.min()}, {labels.max()}]")
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


def _keras_hinge_parts(y, scores):
    true_score = np.sum(y * scores, axis=-1)
    masked = (1 - y) * scores  # 0 at the true class, which therefore competes as a rival
    best = masked.argmax(axis=-1)
    rival_is_score = (np.take_along_axis(masked, best[:, None], axis=-1)[:, 0] > 0)
    # ∂/∂s of the rival term: one at the arg-max wrong class when it beat the 0, else nothing.
    rival_grad = np.eye(y.shape[-1])[best] * (1 - y) * rival_is_score[:, None]
    return true_score, rival_grad, np.maximum(0.0, 1.0 + masked.max(axis=-1) - true_score)


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
            raise ShapeError(f"{self.name}: y and y_hat must have the same shape, got {y.shape} and {y_hat.shape}")
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
    # Crammer–Singer: only the worst wrong class counts, max(0, 1 + max_{j≠y} s_j − s_y).
    Loss("crammer_singer", lambda y, s: _crammer_singer_parts(y, s)[2],
         lambda y, s: (lambda parts: (parts[2] > 0)[:, None] * (np.eye(_k(y))[parts[1]] - y))(
             _crammer_singer_parts(y, s))),
    # Keras's categorical_hinge is *not* Crammer–Singer: it takes max((1 − y)·s), a maximum that
    # includes the 0 standing at the true class, so the rival score is max(0, max_{j≠y} s_j).
    # The two agree whenever some wrong class scores ≥ 0; with every wrong score negative, Keras
    # gives more: y = [1, 0, 0], s = [0.5, −0.2, −0.3] costs 0.50 here and 0.30 in Crammer–Singer.
    Loss("categorical_hinge", lambda y, s: _keras_hinge_parts(y, s)[2],
         lambda y, s: (lambda parts: (parts[2] > 0)[:, None] * (parts[1] - y))(_keras_hinge_parts(y, s))),
]}


def get_loss(name) -> Loss:
    """The :class:`Loss` called ``name``, one of :data:`LOSSES` (a Loss is returned as is)."""
    if isinstance(name, Loss):
        return name
    if name not in LOSSES:
        raise ArgumentValueError(f"unknown loss {name!r}; expected one of {sorted(LOSSES)}")
    return LOSSES[name]
