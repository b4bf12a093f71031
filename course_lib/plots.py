"""One function per picture. Each returns the matplotlib Figure it drew on.

>>> from course_lib import plots
>>> fig = plots.learning_curves({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt


def _history_dict(history) -> dict[str, list[float]]:
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping):
        raise TypeError(f"history must be a keras History or a mapping of metric name to values, "
                        f"got {type(history).__name__}")
    out = {}
    for name, values in data.items():
        if not isinstance(values, Sequence) or isinstance(values, str):
            raise TypeError(f"history[{name!r}] must be a sequence of numbers, got {type(values).__name__}")
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
        raise ValueError(f"metrics {unknown} are not in the history; it has {sorted(data)}")
    if not names:
        raise ValueError("history has no metrics to plot")
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


def image_grid(images, labels=None, *, predictions=None, class_names=None, ncols: int = 8, cmap="gray_r",
               size: float = 1.2):
    """A grid of images titled with labels; with ``predictions``, wrong ones are titled in red.

    Args:
        images: array of shape (n, h, w) or (n, h, w, channels).
        labels: true labels (ints), optional.
        predictions: predicted labels, optional; needs ``labels``.
        class_names: names to show instead of label numbers.
    """
    import numpy as np

    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"images must have shape (n, h, w) or (n, h, w, c), got {images.shape}")
    if predictions is not None and labels is None:
        raise ValueError("predictions need labels to compare against")
    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3 * nrows), squeeze=False)
    name = (lambda k: class_names[int(k)]) if class_names is not None else (lambda k: str(int(k)))
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        img = images[i]
        ax.imshow(img.squeeze(-1) if img.ndim == 3 and img.shape[-1] == 1 else img,
                  cmap=cmap if img.ndim == 2 or img.shape[-1] == 1 else None)
        if labels is not None:
            if predictions is None:
                ax.set_title(name(labels[i]), fontsize=9)
            else:
                ok = int(predictions[i]) == int(labels[i])
                ax.set_title(f"{name(predictions[i])}" + ("" if ok else f" ({name(labels[i])})"),
                             fontsize=9, color="black" if ok else "red")
    fig.tight_layout()
    return fig
