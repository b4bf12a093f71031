"""The dataset registry: entries, the :class:`Dataset` they load, and the errors.

This module imports no data source, so any source module can import it without a cycle;
:mod:`course_lib.data.sources` registers the entries, and :mod:`course_lib.data` ties the
two together.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import pathlib
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import config
from .._validation import ArgumentTypeError, ArgumentValueError, check_choice

PREFER = ("auto", "full", "offline")

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
        check_choice("split", split, ("train", "test"))
        x, y = (self.x_train, self.y_train) if split == "train" else (self.x_test, self.y_test)
        if not isinstance(x, np.ndarray) or x.dtype == object or not isinstance(y, np.ndarray) or y.dtype == object:
            raise ArgumentTypeError(f"as_tf_dataset needs rectangular numeric arrays; {self.name!r} ({self.task}) has "
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
        raise ArgumentValueError(f"dataset {entry.name!r} is already registered")
    REGISTRY[entry.name] = entry
    return entry


def entry(name: str) -> Entry:
    """The registry entry for ``name``; the error lists the valid names."""
    if name not in REGISTRY:
        raise UnknownDatasetError(f"unknown dataset {name!r}; expected one of {sorted(REGISTRY)}")
    return REGISTRY[name]


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
    return pathlib.Path(list(spec.submodule_search_locations)[0])

