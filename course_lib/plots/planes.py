"""Decision planes for 2-D data: a model's decision regions, and linear decision lines.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .._validation import ArgumentTypeError, ArgumentValueError, ShapeError


def _points_2d(X, y):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ShapeError(f"X must have shape (n, 2) for a plane plot, got {X.shape}")
    y = None if y is None else np.asarray(y).reshape(-1)
    if y is not None and len(y) != len(X):
        raise ArgumentValueError(f"y must have one label per row of X ({len(X)}), got {len(y)}")
    return X, y


def _scatter_classes(ax, X, y):
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
    X, y = _points_2d(X, y)
    if not callable(predict):
        raise ArgumentTypeError(f"predict must be callable on an (m, 2) array, got {type(predict).__name__}")
    if not isinstance(resolution, int) or resolution < 2:
        raise ArgumentValueError(f"resolution must be an int >= 2, got {resolution!r}")
    (x0, x1), (y0, y1) = _frame(X, padding, limits)
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.c_[gx.ravel(), gy.ravel()].astype("float32")
    out = np.asarray(predict(grid), dtype=float)
    if out.shape[0] != len(grid):
        raise ShapeError(f"predict returned {out.shape[0]} rows for {len(grid)} grid points")
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
    X, y = _points_2d(X, y)
    lines = list(lines)
    if labels is not None and len(labels) != len(lines):
        raise ArgumentValueError(f"labels must have one entry per line ({len(lines)}), got {len(labels)}")
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
            raise ShapeError(f"lines[{i}] must be (w, b) with w of length 2, got w of shape {w.shape}")
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
