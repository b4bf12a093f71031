"""Run modes, budgets, seeding and cache paths.

One environment variable, ``COURSE_MODE``, selects the scale of every notebook:

* ``smoke``: tiny data and one or two epochs, for CI; each notebook runs in seconds.
* ``default``: real results on a CPU laptop in minutes. Committed outputs use it.
* ``full``: full datasets and epochs, for a GPU or Colab.

Notebooks never hard-code epochs or sample counts; they ask for the budget:

>>> from course_lib import config
>>> b = config.budget("smoke")
>>> b.epochs
2
>>> b.take(10_000)          # how many of 10,000 samples this mode uses
512

An environment variable with a value that cannot be used raises :class:`ConfigError`
(a ``ValueError``) naming the variable, what it accepts and what it holds; the ``course``
command turns that into ``course: error: ...`` and exit status 2.

This module must stay importable without TensorFlow: the ``course`` command uses it.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
import random

from ._validation import ArgumentValueError, check_seed

MODES = ("smoke", "default", "full")
MODE_ENV = "COURSE_MODE"
SEED_ENV = "COURSE_SEED"
CACHE_ENV = "COURSE_CACHE"
DEFAULT_SEED = 42


class ConfigError(ValueError):
    """An environment variable (``COURSE_MODE``, ``COURSE_SEED``, ``COURSE_CACHE``...) holds an unusable value."""


@dataclasses.dataclass(frozen=True)
class Budget:
    """How much work a notebook may do in one run mode.

    Attributes:
        mode: the run mode this budget belongs to.
        epochs: training epochs for a typical model.
        max_train: cap on training samples (``None`` means the whole set).
        max_test: cap on evaluation samples (``None`` means the whole set).
        batch_size: mini-batch size for typical training.
        image_size: side length, in pixels, for images that may be resized.
        trials: hyperparameter-search trials.
        steps: iterations for from-scratch loops (gradient descent, RL episodes).
    """

    mode: str
    epochs: int
    max_train: int | None
    max_test: int | None
    batch_size: int
    image_size: int
    trials: int
    steps: int

    def take(self, n_available: int, *, split: str = "train") -> int:
        """Number of samples to use out of ``n_available`` for ``split`` ('train' or 'test')."""
        if split not in ("train", "test"):
            raise ArgumentValueError(f"split must be 'train' or 'test', got {split!r}")
        if not isinstance(n_available, int) or n_available < 0:
            raise ArgumentValueError(f"n_available must be a non-negative int, got {n_available!r}")
        cap = self.max_train if split == "train" else self.max_test
        return n_available if cap is None else min(cap, n_available)

    def scaled(self, **factors: float) -> "Budget":
        """A copy with integer fields multiplied by ``factors``, e.g. ``scaled(epochs=3)``.

        Lets a notebook that needs more (or less) than the typical budget say so
        relative to the mode, instead of hard-coding a number.
        """
        changes = {}
        for name, factor in factors.items():
            value = getattr(self, name, None)
            if name == "mode" or not isinstance(value, (int, type(None))):
                raise ArgumentValueError(f"cannot scale budget field {name!r}; expected one of "
                                 f"{[f.name for f in dataclasses.fields(self) if f.name != 'mode']}")
            if factor <= 0:
                raise ArgumentValueError(f"scale factor for {name!r} must be > 0, got {factor!r}")
            changes[name] = None if value is None else max(1, round(value * factor))
        return dataclasses.replace(self, **changes)


BUDGETS: dict[str, Budget] = {
    "smoke": Budget("smoke", epochs=2, max_train=512, max_test=256, batch_size=64,
                    image_size=32, trials=2, steps=200),
    "default": Budget("default", epochs=10, max_train=10_000, max_test=2_000, batch_size=64,
                      image_size=64, trials=8, steps=5_000),
    "full": Budget("full", epochs=30, max_train=None, max_test=None, batch_size=128,
                   image_size=224, trials=30, steps=50_000),
}


def mode() -> str:
    """The current run mode, from ``COURSE_MODE`` (default ``'default'``)."""
    value = os.environ.get(MODE_ENV, "default").strip().lower() or "default"
    if value not in MODES:
        raise ConfigError(f"environment variable {MODE_ENV} must be one of {MODES}, got {value!r}")
    return value


def budget(mode_name: str | None = None) -> Budget:
    """The :class:`Budget` for ``mode_name`` (default: the current mode)."""
    name = mode() if mode_name is None else mode_name
    if name not in BUDGETS:
        raise ArgumentValueError(f"mode must be one of {MODES}, got {name!r}")
    return BUDGETS[name]


def seed() -> int:
    """The course-wide seed, from ``COURSE_SEED`` (default 42)."""
    raw = os.environ.get(SEED_ENV, str(DEFAULT_SEED))
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"environment variable {SEED_ENV} must be an integer, got {raw!r}") from None


def set_seed(value: int | None = None, *, deterministic: bool = False) -> int:
    """Seed Python, NumPy and Keras (and so TensorFlow); return the seed used.

    Args:
        value: the seed; defaults to :func:`seed`.
        deterministic: also enable TensorFlow op determinism. Results then repeat
            exactly on the same machine, at some cost in speed, and ops without a
            deterministic kernel raise instead of running.
    """
    value = check_seed("seed", value, default=seed())
    random.seed(value)
    import numpy as np

    np.random.seed(value)
    import keras  # imported here so that this module stays TensorFlow-free until seeding

    keras.utils.set_random_seed(value)
    # Keras >= 3.11 also drops its global SeedGenerator here, so that unseeded keras.random calls
    # repeat after re-seeding; the floor's Keras 3.10 does not, so do it for every version.
    try:
        from keras.src.backend.common import global_state

        global_state.set_global_attribute("global_seed_generator", None)  # the name in Keras 3.10-3.15
    except ImportError:  # a future Keras may move it; its own reset then applies
        pass
    if deterministic:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    return value


def cache_dir() -> pathlib.Path:
    """Where downloaded and parsed data is cached (``COURSE_CACHE`` or ``~/.cache/course_lib``), created if needed.

    Raises :class:`ConfigError` when that path is a file, or lies under one, or cannot be created.
    """
    root = os.environ.get(CACHE_ENV)
    path = pathlib.Path(root).expanduser() if root else pathlib.Path.home() / ".cache" / "course_lib"
    where = f"environment variable {CACHE_ENV} is {root!r}" if root else \
        f"the default cache folder {str(path)!r} (set {CACHE_ENV} to use another)"
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{where}, which is a file, not a folder; expected a folder for the data cache")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):  # a file on the way (notes.txt/cache), or a dangling link
        raise ConfigError(f"{where}, which lies under a file or is a broken link; expected a folder for the "
                          "data cache") from None
    except OSError as exc:
        raise ConfigError(f"{where}, which cannot be created as the data cache folder: {exc.strerror or exc}") \
            from None
    return path


def headless() -> bool:
    """True when notebooks run unattended (nbval, ``course run``): no live redraws."""
    return os.environ.get("COURSE_HEADLESS", "").strip().lower() in ("1", "true", "yes")


def by_mode(*, smoke, default, full, mode_name: str | None = None):
    """The value for the current mode, e.g. an accuracy threshold each scale honestly reaches.

    >>> by_mode(smoke=0.5, default=0.9, full=0.95, mode_name="smoke")
    0.5
    """
    values = {"smoke": smoke, "default": default, "full": full}
    name = mode() if mode_name is None else mode_name
    if name not in values:
        raise ArgumentValueError(f"mode must be one of {MODES}, got {name!r}")
    return values[name]
