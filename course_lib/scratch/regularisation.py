"""Regularisation from scratch: dropout, batch normalisation, weight penalties, early stopping.

Each function follows a Keras 3 counterpart exactly, so that the notebook can check one
against the other:

* :func:`dropout` and :func:`dropout_mask`: inverted dropout (Keras's ``Dropout``: kept units
  ×1/(1 − rate) while training, nothing at test time) and classic dropout (Srivastava et al.
  2014: nothing while training, ×(1 − rate) at test time, i.e. ×p for a *keep* probability p);
* :func:`batchnorm_forward`: ``BatchNormalization`` in training mode (batch mean and biased
  variance, moving averages updated with ``momentum``) and in inference mode (moving averages);
* :func:`weight_penalty` and :func:`weight_penalty_gradient`: ``keras.regularizers.L1L2``,
  ``l1·Σ|w| + l2·Σw²`` (no ½ in front of the L2 term), and its (sub)gradient;
  :func:`sklearn_penalty_to_keras` converts scikit-learn's ``alpha``/``l1_ratio`` to it;
* :func:`early_stopping`: the epochs ``keras.callbacks.EarlyStopping`` picks from a curve
  of monitored values (patience, ``min_delta``, ``baseline``, ``start_from_epoch``).

Rates are *drop* probabilities, as in Keras: ``rate=0.25`` keeps each unit with probability 0.75.

>>> import numpy as np
>>> x = np.arange(1.0, 7.0)
>>> keep = np.array([True, False, True, True, False, True])      # 6 units, 2 of them dropped
>>> dropout(x, 1 / 3, training=True, mask=keep).round(2).tolist()  # the 4 kept ×1.5
[1.5, 0.0, 4.5, 6.0, 0.0, 9.0]
>>> choice = early_stopping([0.9, 0.7, 0.72, 0.71, 0.75], patience=2)
>>> choice.best_epoch, choice.epochs_run, choice.stopped
(1, 4, True)

Only NumPy is imported, so this module loads without TensorFlow.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .._validation import (ArgumentTypeError, ShapeError, check_array, check_choice, check_int, check_number,
                           check_seed)

CONVENTIONS = ("inverted", "classic")


def _rate(rate) -> float:
    return check_number("rate", rate, 0.0, 1.0, high_open=True)


def _training(training) -> bool:
    if not isinstance(training, (bool, np.bool_)):
        raise ArgumentTypeError(f"training must be True or False, got {training!r} ({type(training).__name__})")
    return bool(training)


# -- dropout ---------------------------------------------------------------------------------

def dropout_mask(shape, rate: float, seed: int = 0) -> np.ndarray:
    """A boolean keep-mask of ``shape``: each entry ``True`` (kept) with probability ``1 − rate``.

    >>> dropout_mask((2, 4), 0.5, seed=1).shape
    (2, 4)
    """
    rate = _rate(rate)
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    shape = tuple(check_int(f"shape[{i}]", d, minimum=0) for i, d in enumerate(shape))
    rng = np.random.default_rng(check_seed("seed", seed))
    return rng.random(shape) >= rate


def dropout(x, rate: float, *, training: bool, convention: str = "inverted", mask=None, seed: int = 0) -> np.ndarray:
    """Dropout of the activations ``x`` at drop probability ``rate``.

    Args:
        x: activations, any shape.
        rate: the probability of *dropping* a unit, in [0, 1) (Keras's ``rate``); the keep
            probability is ``1 − rate``.
        training: ``True`` drops units; ``False`` is the test-time behaviour.
        convention: ``"inverted"`` (Keras): kept units ×1/(1 − rate) while training, the
            identity at test time. ``"classic"``: kept units unchanged while training,
            every unit ×(1 − rate) at test time.
        mask: a boolean keep-mask of ``x``'s shape (``True`` = kept); drawn by
            :func:`dropout_mask` from ``seed`` when ``None``. Ignored at test time.
        seed: the seed of the drawn mask.

    Both conventions give a training output whose expected value equals the test-time output.
    """
    x = check_array("x", x)
    rate = _rate(rate)
    training = _training(training)
    convention = check_choice("convention", convention, CONVENTIONS)
    if not training:
        return x.copy() if convention == "inverted" else x * (1.0 - rate)
    if mask is None:
        mask = dropout_mask(x.shape, rate, seed)
    else:
        mask = np.asarray(mask)
        if mask.shape != x.shape or mask.dtype != bool:
            raise ShapeError(f"mask must be a boolean array of x's shape {x.shape}, got {mask.dtype} "
                             f"of shape {mask.shape}")
    kept = np.where(mask, x, 0.0)
    return kept / (1.0 - rate) if convention == "inverted" else kept


# -- batch normalisation ---------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class BatchNormResult:
    """The output of :func:`batchnorm_forward` and the statistics it used and updated.

    Attributes:
        y: the normalised, scaled and shifted activations.
        mean, var: the statistics that normalised ``x`` (the batch's in training mode,
            the moving ones at inference).
        moving_mean, moving_var: the moving averages after this call (unchanged at inference).
    """

    y: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    moving_mean: np.ndarray
    moving_var: np.ndarray


def batchnorm_forward(x, gamma, beta, moving_mean, moving_var, *, training: bool, momentum: float = 0.99,
                      epsilon: float = 1e-3) -> BatchNormResult:
    """Batch normalisation over every axis but the last (the features), as Keras does.

    Training: ``y = γ·(x − μ_B)/√(σ²_B + ε) + β`` with the batch mean μ_B and the *biased*
    batch variance σ²_B (divided by n, not n − 1), and each moving average becomes
    ``momentum·moving + (1 − momentum)·batch``. Inference: the same formula with the
    moving averages instead of the batch statistics. The defaults are Keras's.

    >>> import numpy as np
    >>> x = np.array([[1.0], [3.0]])
    >>> out = batchnorm_forward(x, [1.0], [0.0], [0.0], [1.0], training=True, epsilon=0.0)
    >>> out.y.ravel().tolist(), out.moving_mean.round(6).tolist()
    ([-1.0, 1.0], [0.02])
    """
    x = check_array("x", x)
    if x.ndim < 2:
        raise ShapeError(f"x must be at least 2-D, (batch, ..., features), got shape {x.shape}")
    features = x.shape[-1]
    arrays = {}
    for name, value in (("gamma", gamma), ("beta", beta), ("moving_mean", moving_mean), ("moving_var", moving_var)):
        arrays[name] = check_array(name, value, shape=(features,), what=f"({features},), one per feature")
    if np.any(arrays["moving_var"] < 0):
        raise ShapeError("moving_var must be non-negative")
    training = _training(training)
    momentum = check_number("momentum", momentum, 0.0, 1.0)
    epsilon = check_number("epsilon", epsilon, 0.0)
    moving_mean, moving_var = arrays["moving_mean"], arrays["moving_var"]
    if training:
        axes = tuple(range(x.ndim - 1))
        mean, var = x.mean(axis=axes), x.var(axis=axes)
        moving_mean = momentum * moving_mean + (1.0 - momentum) * mean
        moving_var = momentum * moving_var + (1.0 - momentum) * var
    else:
        mean, var = moving_mean.copy(), moving_var.copy()
    y = arrays["gamma"] * (x - mean) / np.sqrt(var + epsilon) + arrays["beta"]
    return BatchNormResult(y, mean, var, moving_mean, moving_var)


# -- weight penalties ------------------------------------------------------------------------

def weight_penalty(weights, *, l1: float = 0.0, l2: float = 0.0) -> float:
    """``l1·Σ|w| + l2·Σw²`` over every entry of the array ``weights``.

    This is ``keras.regularizers.L1L2(l1, l2)``: L1 alone is the lasso's penalty, L2 alone
    ridge's (weight decay), both together the elastic net. There is no ½ before the L2 term.

    >>> weight_penalty([1.0, -2.0], l1=0.1, l2=0.5)
    2.8
    """
    w = check_array("weights", weights)
    l1 = check_number("l1", l1, 0.0)
    l2 = check_number("l2", l2, 0.0)
    return float(l1 * np.abs(w).sum() + l2 * np.square(w).sum())


def weight_penalty_gradient(weights, *, l1: float = 0.0, l2: float = 0.0) -> np.ndarray:
    """The gradient ``l1·sign(w) + 2·l2·w`` of :func:`weight_penalty`, shaped like ``weights``.

    At ``w = 0`` the L1 term has no derivative; ``sign(0) = 0`` is the subgradient that
    automatic differentiation uses too, so plain gradient descent rarely lands on an exact zero.

    >>> weight_penalty_gradient([1.0, 0.0, -2.0], l1=0.1, l2=0.5).tolist()
    [1.1, 0.0, -2.1]
    """
    w = check_array("weights", weights)
    l1 = check_number("l1", l1, 0.0)
    l2 = check_number("l2", l2, 0.0)
    return l1 * np.sign(w) + 2.0 * l2 * w


def sklearn_penalty_to_keras(alpha: float, l1_ratio: float = 1.0) -> tuple[float, float]:
    """Keras's ``(l1, l2)`` for scikit-learn's elastic-net ``alpha`` and ``l1_ratio``, with ``loss="mse"``.

    scikit-learn's ``ElasticNet`` (and ``Lasso``, ``l1_ratio=1``) minimises
    ``(1/2n)·‖y − Xw‖² + α·ρ·‖w‖₁ + ½·α·(1 − ρ)·‖w‖²``. Twice that is Keras's mean squared
    error plus ``L1L2(l1=2αρ, l2=α(1 − ρ))``: the same minimiser. (``Ridge(alpha=a)`` instead
    minimises ``‖y − Xw‖² + a·‖w‖²``, with no 1/n: that is Keras's ``L2(a/n)``.)

    >>> sklearn_penalty_to_keras(0.1, 0.5)
    (0.1, 0.05)
    """
    alpha = check_number("alpha", alpha, 0.0)
    l1_ratio = check_number("l1_ratio", l1_ratio, 0.0, 1.0)
    return 2.0 * alpha * l1_ratio, alpha * (1.0 - l1_ratio)


# -- early stopping --------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class EarlyStoppingChoice:
    """What :func:`early_stopping` decided. Epochs are 0-based, like Keras's attributes.

    Attributes:
        best_epoch: the epoch with the best monitored value (Keras's ``best_epoch``); with
            ``restore_best_weights=True`` Keras restores the weights from the end of it.
            ``None`` when no epoch was looked at (Keras then reports 0).
        stopped_epoch: the epoch after which training stopped, or ``None`` if it ran to the end.
        epochs_run: how many epochs were trained, ``stopped_epoch + 1`` or the whole curve.
        best_value: the monitored value at ``best_epoch``.
    """

    best_epoch: int | None
    stopped_epoch: int | None
    epochs_run: int
    best_value: float | None

    @property
    def stopped(self) -> bool:
        return self.stopped_epoch is not None

    @property
    def epochs_to_retrain(self) -> int | None:
        """How many epochs reach the best one: ``best_epoch + 1`` (the 1-based number Keras prints)."""
        return None if self.best_epoch is None else self.best_epoch + 1


def _improved(current: float, reference: float | None, min_delta: float, mode: str) -> bool:
    if reference is None:
        return True
    # Keras compares with keras.ops on Python floats, which become float32 tensors.
    if mode == "min":
        return bool(np.float32(current + min_delta) < np.float32(reference))
    return bool(np.float32(current - min_delta) > np.float32(reference))


def early_stopping(curve, *, patience: int = 0, min_delta: float = 0.0, mode: str = "min",
                   baseline: float | None = None, start_from_epoch: int = 0) -> EarlyStoppingChoice:
    """The decisions of ``keras.callbacks.EarlyStopping`` on the monitored values ``curve``.

    ``curve[e]`` is the value logged at the end of epoch ``e`` (0-based), e.g.
    ``history.history["val_loss"]``; the curve may be longer than the training that
    patience allows, and the rest of it is then never looked at.

    The rule, epoch by epoch from ``start_from_epoch`` on: a value is an *improvement* when it
    beats the best so far by more than ``min_delta`` (strictly: a tie is no improvement; the
    first value always is). An improvement becomes the best and resets the wait, unless a
    ``baseline`` is given that it fails to beat. Otherwise the wait grows by one, and when it
    reaches ``patience`` (and this is not epoch 0) training stops after this epoch. So
    ``patience=0`` stops at the first epoch that does not improve.

    Args:
        curve: the monitored values, one per epoch.
        patience: epochs without improvement to wait for; a non-negative int.
        min_delta: the smallest change that counts as an improvement, ≥ 0.
        mode: ``"min"`` for losses, ``"max"`` for accuracies.
        baseline: a value the monitored quantity must beat for the wait to reset.
        start_from_epoch: epochs to ignore entirely at the start (warm-up).
    """
    curve = check_array("curve", curve, ndim=1, what="(n_epochs,)", finite=False)
    patience = check_int("patience", patience, minimum=0)
    min_delta = check_number("min_delta", min_delta, 0.0)
    mode = check_choice("mode", mode, ("min", "max"))
    baseline = None if baseline is None else check_number("baseline", baseline)
    start_from_epoch = check_int("start_from_epoch", start_from_epoch, minimum=0)
    best, best_epoch, wait = None, None, 0
    for epoch, current in enumerate(curve.tolist()):
        if epoch < start_from_epoch:
            continue
        wait += 1
        if _improved(current, best, min_delta, mode):
            best, best_epoch = current, epoch
            if baseline is None or _improved(current, baseline, min_delta, mode):
                wait = 0
            continue
        if wait >= patience and epoch > 0:
            return EarlyStoppingChoice(best_epoch, epoch, epoch + 1, best)
    return EarlyStoppingChoice(best_epoch, None, len(curve), best)
