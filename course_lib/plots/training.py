"""Training pictures: learning curves from a Keras History or a dict of metric lists.

>>> fig = learning_curves({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt

from .._validation import ArgumentTypeError, ArgumentValueError


def _history_dict(history) -> dict[str, list[float]]:
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping):
        raise ArgumentTypeError(f"history must be a keras History or a mapping of metric name to values, "
                        f"got {type(history).__name__}")
    out = {}
    for name, values in data.items():
        if not isinstance(values, Sequence) or isinstance(values, str):
            raise ArgumentTypeError(f"history[{name!r}] must be a sequence of numbers, got {type(values).__name__}")
        out[name] = [float(v) for v in values]
    return out


def learning_curves(history, metrics: Sequence[str] | None = None, *, fig=None, title: str | None = None):
    """Training (solid) and validation (dashed) curves, one panel per metric.

    Args:
        history: a ``keras.callbacks.History`` or a dict like ``{"loss": [...], "val_loss": [...]}``.
        metrics: base metric names to show (default: every metric without the ``val_`` prefix).
        fig: a Figure to redraw into (used by the live plot); a new one by default.
    """
    data = _history_dict(history)
    names = list(metrics) if metrics is not None else [k for k in data if not k.startswith("val_")]
    unknown = [m for m in names if m not in data and f"val_{m}" not in data]
    if unknown:
        raise ArgumentValueError(f"metrics {unknown} are not in the history; it has {sorted(data)}")
    if not names:
        raise ArgumentValueError("history has no metrics to plot")
    if fig is None:
        fig = plt.figure(figsize=(4.2 * len(names), 3.2))
    fig.clear()
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names):
        for key, style, label in ((name, "-", "train"), (f"val_{name}", "--", "validation")):
            if key in data:
                epochs = range(1, len(data[key]) + 1)
                ax.plot(epochs, data[key], style, marker="o", markersize=3, label=label)
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
