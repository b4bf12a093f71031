"""Pictures of functions: activations next to their derivatives, and losses of two parameters with
the paths optimizers take across them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .._validation import ArgumentValueError, ShapeError, check_array, check_int


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
    from ..scratch import activations as acts

    specs = list(names)
    if not specs:
        raise ArgumentValueError("names must list at least one activation")
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


_PATH_COLOURS = ("white", "tab:orange", "tab:red", "tab:cyan", "tab:pink", "gold", "lime")  # readable on viridis


def optimizer_paths(f, paths=None, *, xlim=(-2.0, 2.0), ylim=(-2.0, 2.0), levels: int = 30, log_levels: bool = False,
                    resolution: int = 200, minimum=None, ax=None, title: str | None = None,
                    xlabel: str = "$w_1$", ylabel: str = "$w_2$"):
    """Filled contours of a loss of two parameters, with optimizer paths drawn over them.

    Args:
        f: the loss, vectorised over a last axis of length 2: ``f(points)`` with ``points`` of
            shape ``(..., 2)`` returns the values of shape ``(...)``.
        paths: a mapping from a label to the points an optimizer visited, shape ``(steps + 1, 2)``;
            each is drawn from its start (a circle) to its end (a cross). Points outside the
            axes (a diverging run) are clipped by the axes, not dropped.
        xlim, ylim: the region shown.
        levels: the number of contour levels.
        log_levels: space the levels logarithmically (for losses spanning decades; ``f`` must
            then be positive on the region).
        minimum: a point ``(w1, w2)`` to mark with a star, such as the known minimum.
        ax: an Axes to draw into; a new figure by default.

    >>> import numpy as np
    >>> bowl = lambda p: p[..., 0] ** 2 + 10 * p[..., 1] ** 2
    >>> fig = optimizer_paths(bowl, {"GD": np.array([[1.5, 1.0], [1.2, -0.8], [0.9, 0.6]])}, minimum=(0, 0))
    """
    from matplotlib import colors

    for name, lim in (("xlim", xlim), ("ylim", ylim)):
        if len(lim) != 2 or not float(lim[0]) < float(lim[1]):
            raise ArgumentValueError(f"{name} must be (low, high) with low < high, got {lim!r}")
    check_int("levels", levels, minimum=2)
    check_int("resolution", resolution, minimum=10)
    paths = {} if paths is None else dict(paths)
    checked = {}
    for label, points in paths.items():
        checked[label] = check_array(f"paths[{label!r}]", points, ndim=2, finite=False, what="(steps + 1, 2)")
        if checked[label].shape[1] != 2 or not len(checked[label]):
            raise ShapeError(f"paths[{label!r}] must have shape (steps + 1, 2), got shape {checked[label].shape}")
    xs = np.linspace(float(xlim[0]), float(xlim[1]), resolution)
    ys = np.linspace(float(ylim[0]), float(ylim[1]), resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    values = np.asarray(f(np.stack([grid_x, grid_y], axis=-1)), dtype=float)
    if values.shape != grid_x.shape:
        raise ShapeError(f"f must map points of shape (..., 2) to values of shape (...): on a {grid_x.shape} grid "
                         f"it returned shape {values.shape}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.6, 4.4))
    else:
        fig = ax.figure
    if log_levels:
        if not np.all(values > 0):
            raise ArgumentValueError("log_levels=True needs f > 0 on the whole region; got values down to "
                                     f"{float(values.min()):.3g}")
        bounds = np.geomspace(values.min(), values.max(), levels)
        filled = ax.contourf(grid_x, grid_y, values, levels=bounds, norm=colors.LogNorm(), cmap="viridis")
        ax.contour(grid_x, grid_y, values, levels=bounds, colors="white", linewidths=0.3, alpha=0.5)
    else:
        filled = ax.contourf(grid_x, grid_y, values, levels=levels, cmap="viridis")
        ax.contour(grid_x, grid_y, values, levels=levels, colors="white", linewidths=0.3, alpha=0.5)
    fig.colorbar(filled, ax=ax, label="loss")
    for i, (label, points) in enumerate(checked.items()):
        colour = _PATH_COLOURS[i % len(_PATH_COLOURS)]
        ax.plot(points[:, 0], points[:, 1], "-", color=colour, lw=1.4, marker=".", markersize=4, label=label)
        ax.plot(*points[0], "o", color=colour, markersize=6, markeredgecolor="black")
        ax.plot(*points[-1], "X", color=colour, markersize=8, markeredgecolor="black")
    if minimum is not None:
        ax.plot(*np.asarray(minimum, dtype=float), "*", color="white", markersize=14, markeredgecolor="black",
                label="minimum")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if checked or minimum is not None:
        ax.legend(fontsize=8, loc="upper right", framealpha=0.8)
    return fig
