"""Pictures of gradient flow: per-layer gradient norms and the fraction of dead units, epoch by epoch.

Each function takes a :class:`~course_lib.callbacks.GradientNorms` or
:class:`~course_lib.callbacks.DeadUnits` after training, or the same data as a dict
``{layer name: [value per recorded epoch]}`` (epochs 0, 1, 2, … unless ``epochs`` is given).

>>> fig = gradient_norms({"hidden_1": [1e-6, 2e-6], "output": [0.1, 0.2]})
>>> [ax.get_xlabel() for ax in fig.axes]
['layer (input → output)', 'epoch']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .._validation import ArgumentTypeError, ArgumentValueError


def _series(data, epochs=None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """``({layer: values}, epochs)`` from a monitor callback or a mapping, checked."""
    history = getattr(data, "history", data)
    if not isinstance(history, Mapping):
        raise ArgumentTypeError(f"data must be a GradientNorms/DeadUnits callback or a mapping of layer name to "
                                f"values, got {type(data).__name__}")
    if not history:
        raise ArgumentValueError("data holds no layers: fit the model with the callback first")
    series = {}
    for name, values in history.items():
        if not isinstance(values, Sequence) or isinstance(values, str):
            raise ArgumentTypeError(f"data[{name!r}] must be a sequence of numbers, got {type(values).__name__}")
        series[str(name)] = np.asarray(values, dtype=np.float64)
    lengths = {len(v) for v in series.values()}
    if len(lengths) != 1 or 0 in lengths:
        raise ArgumentValueError(f"every layer needs the same, non-zero number of values, got lengths "
                                 f"{ {n: len(v) for n, v in series.items()} }")
    epochs = getattr(data, "epochs", None) if epochs is None else epochs
    n = lengths.pop()
    epochs = np.arange(n) if epochs is None or not len(epochs) else np.asarray(epochs)
    if len(epochs) != n:
        raise ArgumentValueError(f"epochs must have one entry per value ({n}), got {len(epochs)}")
    return series, epochs


def _epoch_colours(n: int):
    return plt.cm.viridis(np.linspace(0.0, 0.9, n))


def gradient_norms(data, *, epochs=None, title: str | None = None, fig=None):
    """Two panels: the norm per layer (one line per recorded epoch), and each layer's norm over the epochs.

    The y axes are logarithmic, so a gradient that shrinks by the same factor in every layer
    shows as a straight slope in the left panel.
    """
    series, epochs = _series(data, epochs)
    names = list(series)
    values = np.array([series[n] for n in names])  # (layers, epochs)
    if fig is None:
        fig = plt.figure(figsize=(10, 3.6))
    fig.clear()
    by_layer, by_epoch = fig.subplots(1, 2)
    for j, colour in zip(range(len(epochs)), _epoch_colours(len(epochs))):
        by_layer.plot(range(len(names)), values[:, j], marker="o", markersize=3, color=colour,
                      label=f"epoch {epochs[j]}")
    by_layer.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
    by_layer.set_xlabel("layer (input → output)")
    by_layer.set_ylabel("‖∂L/∂W‖₂")
    for i, (name, colour) in enumerate(zip(names, plt.cm.plasma(np.linspace(0.0, 0.9, len(names))))):
        by_epoch.plot(epochs, values[i], marker="o", markersize=3, color=colour, label=name)
    by_epoch.set_xlabel("epoch")
    by_epoch.set_ylabel("‖∂L/∂W‖₂")
    for ax in (by_layer, by_epoch):
        if np.all(values[np.isfinite(values)] > 0):
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    by_layer.legend(fontsize=7)
    by_epoch.legend(fontsize=6, ncol=2)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def layer_profiles(models: Mapping, *, epoch: int = -1, layers: Sequence[str] | None = None,
                   ylabel: str = "‖∂L/∂W‖₂ on the probe batch", log: bool = True, title: str | None = None,
                   ax=None):
    """One line per model across its layers, at one recorded epoch: gradient norms, activation variances...

    Args:
        models: ``{label: GradientNorms callback, or mapping {layer: [value per epoch]}}``.
        epoch: which recorded entry to show (an index into the history; -1 = the last).
        layers: the layers to show, in order (default: those of the first model); every model
            must have them.
        ylabel: what the values are.
        log: a logarithmic y axis (values must be positive).
    """
    if not isinstance(models, Mapping) or not models:
        raise ArgumentTypeError(f"models must be a non-empty mapping of label to per-layer values, got "
                                f"{type(models).__name__}")
    all_series = {label: _series(data) for label, data in models.items()}
    names = list(layers) if layers is not None else list(next(iter(all_series.values()))[0])
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.6))
    for label, (series, epochs) in all_series.items():
        missing = [n for n in names if n not in series]
        if missing:
            raise ArgumentValueError(f"models[{label!r}] has no layers {missing}; it has {list(series)}")
        if not -len(epochs) <= epoch < len(epochs):
            raise ArgumentValueError(f"epoch must index the {len(epochs)} recorded entries, got {epoch}")
        suffix = f" (epoch {epochs[epoch]})" if len(epochs) > 1 else ""
        ax.plot(range(len(names)), [series[n][epoch] for n in names], marker="o", markersize=4,
                label=f"{label}{suffix}")
    if log:
        ax.set_yscale("log")
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
    ax.set_xlabel("layer (input → output)")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    ax.figure.tight_layout()
    return ax.figure


def dead_units(data, *, epochs=None, title: str | None = None, ax=None):
    """The fraction of dead units of each layer over the epochs (0 = all alive, 1 = all dead).

    ``data`` may also be a mapping ``{label: DeadUnits}``: one line per model, showing each
    model's fraction over all its watched units.
    """
    if isinstance(data, Mapping) and data and all(hasattr(v, "overall") for v in data.values()):
        curves = {label: (np.asarray(cb.overall, dtype=np.float64), np.asarray(cb.epochs)) for label, cb in
                  data.items()}
        ylabel = "dead fraction (all watched units)"
    else:
        series, epochs = _series(data, epochs)
        curves = {name: (values, epochs) for name, values in series.items()}
        ylabel = "dead fraction of the layer"
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.4))
    for label, (values, x) in curves.items():
        ax.plot(x, values, marker="o", markersize=3, label=label)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    ax.figure.tight_layout()
    return ax.figure
