"""Robustness pictures: accuracy against the attack budget ε, and adversarial examples with their perturbations.

>>> fig = accuracy_vs_epsilon([0.0, 0.1, 0.2], {"FGSM": [0.95, 0.4, 0.1], "BIM": [0.95, 0.2, 0.0]}, chance=0.1)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .._validation import ArgumentTypeError, ArgumentValueError, ShapeError, check_array, check_int


def accuracy_vs_epsilon(eps_values, curves, *, ax=None, chance: float | None = None, title: str | None = None,
                        styles=None):
    """One line per attack (or model): accuracy on adversarial examples against the budget ε.

    Args:
        eps_values: the budgets, shape (n,).
        curves: ``{label: accuracies}``, each of shape (n,), in [0, 1].
        chance: draw the accuracy of guessing as a dotted line.
        styles: optional ``{label: dict of matplotlib line options}``, e.g. dashed lines for a second model.
    """
    eps = check_array("eps_values", eps_values, ndim=1, what="(n_eps,)")
    if not isinstance(curves, dict) or not curves:
        raise ArgumentTypeError(f"curves must be a non-empty dict {{label: accuracies}}, got {type(curves).__name__}")
    styles = styles or {}
    fig, ax = plt.subplots(figsize=(5.5, 3.5)) if ax is None else (ax.figure, ax)
    for label, values in curves.items():
        acc = check_array(f"curves[{label!r}]", values, shape=(len(eps),), what=f"({len(eps)},), one per ε")
        if acc.min() < 0 or acc.max() > 1:
            raise ArgumentValueError(f"curves[{label!r}] must hold accuracies in [0, 1], got values in "
                                     f"[{acc.min():g}, {acc.max():g}]")
        ax.plot(eps, acc, marker="o", ms=4, label=str(label), **styles.get(label, {}))
    if chance is not None:
        ax.axhline(chance, color="grey", ls=":", lw=1, label="chance")
    ax.set_xlabel("ε (L∞ budget per pixel)")
    ax.set_ylabel("accuracy on adversarial inputs")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return fig


def adversarial_examples(x, x_adv, *, labels=None, clean_predictions=None, adversarial_predictions=None,
                         n: int = 8, image_shape=None, size: float = 1.3, title: str | None = None):
    """Three rows: the clean images, the perturbations ``x_adv − x`` (colour bar) and the adversarial images.

    Predictions, when given, title the clean and adversarial rows; a wrong one is shown in red
    with the true label in brackets.

    Args:
        x, x_adv: clean and adversarial inputs of the same shape, (n_images, ...).
        labels, clean_predictions, adversarial_predictions: optional integer labels, shape (n_images,).
        n: how many images to show (the first ``n``).
        image_shape: the shape to reshape each input to, e.g. (28, 28) for flattened MNIST.
    """
    x = check_array("x", x)
    x_adv = check_array("x_adv", x_adv)
    if x.shape != x_adv.shape:
        raise ShapeError(f"x_adv must have the shape of x, {x.shape}, got {x_adv.shape}")
    n = min(check_int("n", n), len(x))
    shape = tuple(image_shape) if image_shape is not None else x.shape[1:]
    if int(np.prod(shape)) != int(np.prod(x.shape[1:])):
        raise ShapeError(f"image_shape {shape} does not hold the {int(np.prod(x.shape[1:]))} values of one input")
    if len(shape) == 3 and shape[-1] == 1:
        shape = shape[:2]
    for name, values in (("labels", labels), ("clean_predictions", clean_predictions),
                         ("adversarial_predictions", adversarial_predictions)):
        if values is not None and len(values) < n:
            raise ShapeError(f"{name} must have at least n = {n} entries, got {len(values)}")
    delta = x_adv[:n] - x[:n]
    limit = float(np.abs(delta).max()) or 1.0
    fig, axes = plt.subplots(3, n, figsize=(size * n + 1.0, size * 3 + 0.6), squeeze=False)
    rows = (("clean", x, clean_predictions), ("perturbation", None, None),
            ("adversarial", x_adv, adversarial_predictions))
    for r, (name, images, predicted) in enumerate(rows):
        for i in range(n):
            ax = axes[r, i]
            ax.set_xticks([])
            ax.set_yticks([])
            if images is None:
                shown = ax.imshow(delta[i].reshape(shape), cmap="RdBu_r", vmin=-limit, vmax=limit)
            else:
                ax.imshow(images[i].reshape(shape), cmap="gray_r", vmin=0, vmax=1)
                if predicted is not None:
                    wrong = labels is not None and int(predicted[i]) != int(labels[i])
                    text = f"{int(predicted[i])}" + (f" ({int(labels[i])})" if wrong else "")
                    ax.set_title(text, fontsize=9, color="red" if wrong else "black")
            if i == 0:
                ax.set_ylabel(name, fontsize=9)
    fig.colorbar(shown, ax=axes[1, :].tolist(), shrink=0.9, pad=0.01, label="x_adv − x")
    if title:
        fig.suptitle(title)
    return fig
