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


def _points_2d(X, y):
    import numpy as np

    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2) for a plane plot, got {X.shape}")
    y = None if y is None else np.asarray(y).reshape(-1)
    if y is not None and len(y) != len(X):
        raise ValueError(f"y must have one label per row of X ({len(X)}), got {len(y)}")
    return X, y


def _scatter_classes(ax, X, y):
    import numpy as np

    if y is None:
        ax.scatter(X[:, 0], X[:, 1], s=18, c="black")
        return
    markers = "os^vD<>p*h"
    for i, label in enumerate(np.unique(y)):
        pts = X[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], s=40 if len(X) <= 20 else 14, marker=markers[i % len(markers)],
                   color=plt.cm.tab10(i), edgecolor="black", linewidth=0.6, label=f"class {label}", zorder=3)


def _frame(X, padding: float, limits=None):
    if limits is not None:
        return limits
    lo, hi = X.min(axis=0) - padding, X.max(axis=0) + padding
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def _finish_plane(ax, X, y, xlim, ylim, title):
    """Scatter the points over a 2-D plot, fix its frame, label the axes."""
    _scatter_classes(ax, X, y)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)


def decision_boundary(predict, X, y=None, *, ax=None, resolution: int = 200, padding: float = 0.5,
                      threshold: float | None = 0.5, limits=None, title: str | None = None):
    """Shade the plane by a classifier's output and draw the data on top.

    Args:
        predict: a callable taking an array of shape (m, 2) (a Keras model, a
            ``scratch.MLP``, a lambda ...). If it returns one value per point (shape (m,)
            or (m, 1)), the value is shaded and the ``threshold`` contour is drawn (use 0
            for raw scores); if it returns one column per class, each point gets the
            colour of its arg-max class.
        X, y: the 2-D points and their labels (optional).
        limits: ``((xmin, xmax), (ymin, ymax))``; default: the data's range plus ``padding``.

    Returns the Figure.

    >>> fig = decision_boundary(lambda g: g[:, 0] + g[:, 1] - 1, [[0, 0], [1, 1]], [0, 1], threshold=0)
    """
    import numpy as np

    X, y = _points_2d(X, y)
    if not callable(predict):
        raise TypeError(f"predict must be callable on an (m, 2) array, got {type(predict).__name__}")
    if not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an int >= 2, got {resolution!r}")
    (x0, x1), (y0, y1) = _frame(X, padding, limits)
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.c_[gx.ravel(), gy.ravel()].astype("float32")
    out = np.asarray(predict(grid), dtype=float)
    if out.shape[0] != len(grid):
        raise ValueError(f"predict returned {out.shape[0]} rows for {len(grid)} grid points")
    fig, ax = (plt.subplots(figsize=(4.2, 3.8)) if ax is None else (ax.figure, ax))
    if out.ndim == 2 and out.shape[1] > 1:
        k = out.shape[1]
        classes = out.argmax(axis=1).reshape(gx.shape)
        colours = [plt.cm.tab10(i) for i in range(k)]
        ax.contourf(gx, gy, classes, levels=np.arange(k + 1) - 0.5,
                    colors=colours, alpha=0.25)
    else:
        values = out.reshape(gx.shape)
        # Probabilities keep a fixed 0..1 colour scale so that an undecided model looks undecided.
        levels = np.linspace(0, 1, 21) if 0 <= values.min() and values.max() <= 1 else 20
        shade = ax.contourf(gx, gy, values, levels=levels, cmap="RdBu_r", alpha=0.45)
        fig.colorbar(shade, ax=ax, fraction=0.046, pad=0.04)
        if threshold is not None and values.min() < threshold < values.max():
            ax.contour(gx, gy, values, levels=[threshold], colors="black", linewidths=1.5)
    _finish_plane(ax, X, y, (x0, x1), (y0, y1), title)
    return fig


def decision_lines(X, y, lines, *, ax=None, padding: float = 0.5, limits=None, title: str | None = None,
                   labels=None, shade: bool = True):
    """Points and one or more lines ``w·x + b = 0``, e.g. a perceptron's after each epoch.

    Args:
        lines: a list of ``(w, b)`` with ``w`` of length 2. Earlier lines are drawn
            fainter, the last one solid, so the sequence reads as training progress.
        labels: optional legend label for each line.
        shade: tint the side where the last line's ``w·x + b >= 0`` (class 1) in class 1's colour.

    >>> fig = decision_lines([[0, 0], [1, 1]], [0, 1], [((1.0, 1.0), -1.0)])
    """
    import numpy as np

    X, y = _points_2d(X, y)
    lines = list(lines)
    if labels is not None and len(labels) != len(lines):
        raise ValueError(f"labels must have one entry per line ({len(lines)}), got {len(labels)}")
    fig, ax = (plt.subplots(figsize=(3.6, 3.4)) if ax is None else (ax.figure, ax))
    (x0, x1), (y0, y1) = _frame(X, padding, limits)
    xs = np.linspace(x0, x1, 2)
    if shade and lines:
        gx, gy = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
        w_last, b_last = np.asarray(lines[-1][0], dtype=float).reshape(-1), float(lines[-1][1])
        if w_last.shape == (2,):
            positive = (w_last[0] * gx + w_last[1] * gy + b_last >= 0).astype(float)
            ax.contourf(gx, gy, positive, levels=[0.5, 1.5], colors=[plt.cm.tab10(1)], alpha=0.15)
    for i, (w, b) in enumerate(lines):
        w = np.asarray(w, dtype=float).reshape(-1)
        if w.shape != (2,):
            raise ValueError(f"lines[{i}] must be (w, b) with w of length 2, got w of shape {w.shape}")
        last = i == len(lines) - 1
        style = dict(color="black" if last else plt.cm.viridis(i / max(len(lines) - 1, 1)),
                     alpha=1.0 if last else 0.35 + 0.5 * i / max(len(lines), 1), lw=2 if last else 1,
                     label=None if labels is None else labels[i])
        if abs(w[1]) > 1e-12:
            ax.plot(xs, -(w[0] * xs + b) / w[1], **style)
        elif abs(w[0]) > 1e-12:
            ax.axvline(-b / w[0], **style)
    _finish_plane(ax, X, y, (x0, x1), (y0, y1), title)
    if labels is not None:
        ax.legend(fontsize=7)
    return fig


def activation_functions(names, *, z=None, ncols: int = 4, size: float = 2.6):
    """One panel per activation: the function (solid) and its derivative (dashed).

    Args:
        names: activation names or ``course_lib.activations.Activation`` objects;
            ``("leaky_relu", {"alpha": 0.1})`` passes parameters.
        z: the inputs to plot over (default: 401 points in [−5, 5]).

    Softmax mixes its inputs, so its panel shows the first output of ``softmax([z, 0])``
    and the diagonal of its Jacobian.

    >>> fig = activation_functions(["sigmoid", "relu"])
    """
    import numpy as np

    from . import activations as acts

    specs = list(names)
    if not specs:
        raise ValueError("names must list at least one activation")
    z = np.linspace(-5, 5, 401) if z is None else np.asarray(z, dtype=float)
    objs = [acts.get(s[0], **s[1]) if isinstance(s, tuple) else acts.get(s) for s in specs]
    ncols = max(1, min(ncols, len(objs)))
    nrows = -(-len(objs) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * 0.85 * nrows), squeeze=False)
    for ax in axes.flat[len(objs):]:
        ax.axis("off")
    for ax, act in zip(axes.flat, objs):
        if act.elementwise:
            value, slope, label = act(z), act.derivative(z), act.name
        else:
            pair = np.stack([z, np.zeros_like(z)], axis=-1)
            value, slope, label = act(pair)[:, 0], act.derivative(pair)[:, 0], "softmax([z, 0])₀"
        ax.plot(z, value, lw=2, label="f(z)")
        ax.plot(z, slope, "--", lw=1.5, label="f′(z)")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        extra = "".join(f", {k}={v:g}" for k, v in act.params.items())
        ax.set_title(f"{label}{extra}", fontsize=10)
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def network(weights, biases=None, *, ax=None, layer_names=None, decimals: int = 2, title: str | None = None):
    """A small fully connected network: nodes in columns, edges labelled with their weights.

    Args:
        weights: one kernel per layer, shape (n_in, n_out) (the Keras ``Dense`` layout).
        biases: optional, one vector per layer; shown under each node.
        layer_names: optional name for each column, inputs first.

    Meant for the textbook-sized networks of Unit 1; labels get crowded beyond ~6 nodes a layer.

    >>> fig = network([[[1, 1], [1, 1]], [[1], [-2]]], [[0, -1], [0]])
    """
    import numpy as np

    kernels = [np.asarray(W, dtype=float) for W in weights]
    if not kernels or any(W.ndim != 2 for W in kernels):
        raise ValueError("weights must be a non-empty list of 2-D arrays (n_in, n_out)")
    sizes = [kernels[0].shape[0]] + [W.shape[1] for W in kernels]
    for i in range(1, len(kernels)):
        if kernels[i].shape[0] != sizes[i]:
            raise ValueError(f"weights[{i}] expects {kernels[i].shape[0]} inputs, layer {i - 1} has {sizes[i]}")
    if biases is not None and len(biases) != len(kernels):
        raise ValueError(f"biases must have one vector per layer ({len(kernels)}), got {len(biases)}")
    hidden = ["hidden"] if len(kernels) == 2 else [f"hidden {i}" for i in range(1, len(kernels))]
    names = layer_names or (["input"] + hidden + ["output"])
    if len(names) != len(sizes):
        raise ValueError(f"layer_names must have {len(sizes)} entries, got {len(names)}")
    fig, ax = (plt.subplots(figsize=(1.9 * len(sizes) + 1, 0.9 * max(sizes) + 1.2)) if ax is None
               else (ax.figure, ax))
    ys = [np.linspace(1, 0, n) if n > 1 else np.array([0.5]) for n in sizes]  # first node on top
    for layer, W in enumerate(kernels):
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                p, q = (layer, ys[layer][i]), (layer + 1, ys[layer + 1][j])
                colour = "tab:red" if W[i, j] < 0 else "tab:blue"
                ax.plot([p[0], q[0]], [p[1], q[1]], color=colour, lw=0.8 + min(abs(W[i, j]), 3), alpha=0.6)
                t = 0.28 if W.shape[1] > 1 else 0.5
                ax.text(p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]), f"{W[i, j]:.{decimals}f}",
                        fontsize=8, ha="center", va="center",
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
    for layer, n in enumerate(sizes):
        ax.scatter([layer] * n, ys[layer], s=700, color="white", edgecolor="black", zorder=3)
        symbol = "x" if layer == 0 else ("o" if layer == len(sizes) - 1 else ("h" if len(sizes) == 3 else f"h{layer}."))
        for k in range(n):
            ax.text(layer, ys[layer][k], f"{symbol}{k + 1}", fontsize=9, ha="center", va="center", zorder=4)
            if layer and biases is not None:
                ax.text(layer, ys[layer][k] - 0.12, f"b={np.ravel(biases[layer - 1])[k]:.{decimals}f}", fontsize=7,
                        ha="center", va="top", zorder=4)
        ax.text(layer, -0.3, names[layer], ha="center", fontsize=9)
    ax.set_xlim(-0.4, len(sizes) - 0.6)
    ax.set_ylim(-0.36, 1.12)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return fig


def weight_images(kernel, image_shape, *, titles=None, ncols: int = 10, size: float = 1.1):
    """Each column of a ``Dense`` kernel shown as an image: the template that unit compares its input with.

    The colour scale is centred on 0 and shared by all panels, so red pixels push a unit's score
    up, blue pixels push it down, and white pixels do not matter.

    Args:
        kernel: array of shape (n_pixels, n_units), e.g. ``model.layers[-1].kernel``.
        image_shape: the shape the inputs had before flattening, e.g. ``(28, 28)``.
        titles: one title per unit (default: the unit index).

    >>> fig = weight_images([[1.0, -1.0], [0.5, 0.0], [0.0, 0.2], [-0.3, 0.1]], (2, 2))
    """
    import numpy as np

    kernel = np.asarray(kernel, dtype=float)
    if kernel.ndim != 2 or int(np.prod(image_shape)) != kernel.shape[0]:
        raise ValueError(f"kernel must have shape (prod(image_shape), n_units) = ({int(np.prod(image_shape))}, n), "
                         f"got {kernel.shape}")
    n = kernel.shape[1]
    titles = [str(i) for i in range(n)] if titles is None else list(titles)
    if len(titles) != n:
        raise ValueError(f"titles must have one entry per unit ({n}), got {len(titles)}")
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    limit = float(np.abs(kernel).max()) or 1.0
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(kernel[:, i].reshape(image_shape), cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(titles[i], fontsize=9)
    fig.tight_layout()
    return fig
