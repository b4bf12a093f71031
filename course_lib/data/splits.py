"""Seeded, stratified splits and subsets, and sliding windows for series.

MNIST's offline copy is sorted by label, so it is split with :func:`stratified_split`,
never sliced.
"""

from __future__ import annotations

import numpy as np

from .. import config
from .._validation import ArgumentValueError, check_array, check_int, check_number, check_seed


def seed_or_default(seed: int | None) -> int:
    """``seed``, or ``COURSE_SEED`` when it is ``None``, checked."""
    return check_seed("seed", seed, default=config.seed())


def stratified_split(x: np.ndarray, y: np.ndarray, *, test_fraction: float = 0.2, seed: int | None = None):
    """Split into train and test so each class keeps its share. Never slices sorted data.

    Returns ``x_train, x_test, y_train, y_test`` like scikit-learn's ``train_test_split``.
    """
    from sklearn.model_selection import train_test_split

    check_number("test_fraction", test_fraction, 0, 1, low_open=True, high_open=True)
    return train_test_split(x, y, test_size=test_fraction, stratify=y, random_state=seed_or_default(seed))


def stratified_subset(x: np.ndarray, y: np.ndarray, n: int, *, seed: int | None = None):
    """At most ``n`` samples, keeping class proportions; all of them if ``n >= len(x)``."""
    n = check_int("n", n, 1)
    if n >= len(x):
        return x, y
    classes = len(np.unique(y))
    if n < classes:
        raise ArgumentValueError(f"n must be at least the number of classes ({classes}) for a stratified subset, got {n!r}")
    from sklearn.model_selection import train_test_split

    x_small, _, y_small, _ = train_test_split(x, y, train_size=int(n), stratify=y, random_state=seed_or_default(seed))
    return x_small, y_small


def random_split(n: int, *, test_fraction: float = 0.2, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Seeded, shuffled train and test index arrays for ``n`` rows (for data without classes)."""
    check_number("test_fraction", test_fraction, 0, 1, low_open=True, high_open=True)
    order = np.random.default_rng(seed_or_default(seed)).permutation(n)
    n_test = max(1, round(n * test_fraction))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def _take(items, index):
    if isinstance(items, np.ndarray):
        return items[index]
    return [items[i] for i in index]


def random_subset(x, y, n: int, seed: int):
    """At most ``n`` rows of ``x`` and ``y`` (arrays or lists) chosen at random, in their original order."""
    if n >= len(x):
        return x, y
    index = np.sort(np.random.default_rng(seed).choice(len(x), size=n, replace=False))
    return _take(x, index), (None if y is None else _take(y, index))


def windows(series: np.ndarray, lookback: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Sliding windows for forecasting: ``X[i] = series[i:i+lookback]``, ``y[i]`` the next ``horizon`` values.

    >>> X, y = windows(np.arange(6.0), lookback=3)
    >>> X.tolist(), y.ravel().tolist()
    ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]], [3.0, 4.0, 5.0])
    """
    series = check_array("series", series, ndim=1, dtype=None, finite=False)
    lookback, horizon = check_int("lookback", lookback), check_int("horizon", horizon)
    if len(series) < lookback + horizon:
        raise ArgumentValueError(f"series must have at least lookback + horizon = {lookback + horizon} values, "
                         f"got {len(series)}")
    view = np.lib.stride_tricks.sliding_window_view(series, lookback + horizon)
    return view[:, :lookback].copy(), view[:, lookback:].copy()

