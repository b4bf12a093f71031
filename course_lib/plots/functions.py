"""Functions of one variable: activation functions next to their derivatives.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .._validation import ArgumentValueError


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
