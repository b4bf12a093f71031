"""A registry of datasets. Every loader says where its data came from.

>>> from course_lib import data
>>> ds = data.load("digits")
>>> ds.source, ds.x_train.shape[1:]
('bundled:sklearn', (8, 8))

Each entry names an offline source (a file shipped inside an installed package,
or a generator) and, where one exists, a full online source. Loaders honour the
run mode: smoke and default modes take stratified, seeded subsets.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from . import config, results


@dataclasses.dataclass
class Dataset:
    """Arrays plus provenance. ``x_*`` are float32 in [0, 1] for images; ``y_*`` are int labels."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    source: str
    licence: str
    citation: str

    @property
    def n_samples(self) -> int:
        return len(self.x_train) + len(self.x_test)

    def describe(self) -> str:
        return (f"{self.name}: {len(self.x_train)} train + {len(self.x_test)} test, "
                f"x{self.x_train.shape[1:]}, {len(self.class_names)} classes, source={self.source}")


@dataclasses.dataclass(frozen=True)
class Entry:
    name: str
    description: str
    offline_source: str
    full_source: str | None
    licence: str
    citation: str
    offline_available: Callable[[], bool]
    loader: Callable[..., Dataset]


REGISTRY: dict[str, Entry] = {}


def register(entry: Entry) -> Entry:
    if entry.name in REGISTRY:
        raise ValueError(f"dataset {entry.name!r} is already registered")
    REGISTRY[entry.name] = entry
    return entry


def stratified_split(x: np.ndarray, y: np.ndarray, *, test_fraction: float = 0.2, seed: int | None = None):
    """Split into train and test so each class keeps its share. Never slices sorted data."""
    from sklearn.model_selection import train_test_split

    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    return train_test_split(x, y, test_size=test_fraction, stratify=y,
                            random_state=config.seed() if seed is None else seed)


def stratified_subset(x: np.ndarray, y: np.ndarray, n: int, *, seed: int | None = None):
    """At most ``n`` samples, keeping class proportions; all of them if ``n >= len(x)``."""
    if n >= len(x):
        return x, y
    from sklearn.model_selection import train_test_split

    x_small, _, y_small, _ = train_test_split(x, y, train_size=n, stratify=y,
                                              random_state=config.seed() if seed is None else seed)
    return x_small, y_small


def _fit_to_budget(ds: Dataset, budget: config.Budget, seed: int | None) -> Dataset:
    ds.x_train, ds.y_train = stratified_subset(ds.x_train, ds.y_train, budget.take(len(ds.x_train)), seed=seed)
    ds.x_test, ds.y_test = stratified_subset(ds.x_test, ds.y_test, budget.take(len(ds.x_test), split="test"),
                                             seed=seed)
    return ds


def load(name: str, *, mode: str | None = None, seed: int | None = None) -> Dataset:
    """Load dataset ``name`` at the size the run mode allows and record its source."""
    if name not in REGISTRY:
        raise KeyError(f"unknown dataset {name!r}; expected one of {sorted(REGISTRY)}")
    ds = _fit_to_budget(REGISTRY[name].loader(seed=seed), config.budget(mode), seed)
    results.note_data_source(ds.source)
    return ds


def offline_report() -> dict[str, bool]:
    """For each dataset, whether its offline source is present on this machine."""
    return {name: entry.offline_available() for name, entry in sorted(REGISTRY.items())}


def _sklearn_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("sklearn") is not None


def _load_digits(seed: int | None = None) -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images / 16.0).astype("float32")
    x_train, x_test, y_train, y_test = stratified_split(images, bunch.target.astype("int64"), seed=seed)
    return Dataset("digits", x_train, y_train, x_test, y_test, [str(d) for d in range(10)],
                   source="bundled:sklearn", licence="CC BY 4.0 (UCI ML repository); shipped with scikit-learn",
                   citation="Alpaydin & Kaynak (1998), Optical Recognition of Handwritten Digits, UCI ML repository")


register(Entry("digits", "1,797 handwritten digits, 8×8 grey levels, 10 classes", "bundled:sklearn", None,
               "CC BY 4.0", "Alpaydin & Kaynak (1998), UCI ML repository", _sklearn_available, _load_digits))
