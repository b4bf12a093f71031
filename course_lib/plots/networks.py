"""Network diagrams: a small dense network drawn with its weights on the edges.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .._validation import ArgumentValueError, ShapeError


def network(weights, biases=None, *, ax=None, layer_names=None, decimals: int = 2, title: str | None = None):
    """A small fully connected network: nodes in columns, edges labelled with their weights.

    Args:
        weights: one kernel per layer, shape (n_in, n_out) (the Keras ``Dense`` layout).
        biases: optional, one vector per layer; shown under each node.
        layer_names: optional name for each column, inputs first.

    Meant for the textbook-sized networks of Unit 1; labels get crowded beyond ~6 nodes a layer.

    >>> fig = network([[[1, 1], [1, 1]], [[1], [-2]]], [[0, -1], [0]])
    """
    kernels = [np.asarray(W, dtype=float) for W in weights]
    if not kernels or any(W.ndim != 2 for W in kernels):
        raise ShapeError("weights must be a non-empty list of 2-D arrays (n_in, n_out)")
    sizes = [kernels[0].shape[0]] + [W.shape[1] for W in kernels]
    for i in range(1, len(kernels)):
        if kernels[i].shape[0] != sizes[i]:
            raise ShapeError(f"weights[{i}] expects {kernels[i].shape[0]} inputs, layer {i - 1} has {sizes[i]}")
    if biases is not None and len(biases) != len(kernels):
        raise ArgumentValueError(f"biases must have one vector per layer ({len(kernels)}), got {len(biases)}")
    hidden = ["hidden"] if len(kernels) == 2 else [f"hidden {i}" for i in range(1, len(kernels))]
    names = layer_names or (["input"] + hidden + ["output"])
    if len(names) != len(sizes):
        raise ArgumentValueError(f"layer_names must have {len(sizes)} entries, got {len(names)}")
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
