"""Images and filters: a labelled grid of images, and first-layer weights drawn as images.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .._validation import ArgumentValueError, ShapeError


def image_grid(images, labels=None, *, predictions=None, class_names=None, ncols: int = 8, cmap="gray_r",
               size: float = 1.2):
    """A grid of images titled with labels; with ``predictions``, wrong ones are titled in red.

    Args:
        images: array of shape (n, h, w) or (n, h, w, channels).
        labels: true labels (ints), optional.
        predictions: predicted labels, optional; needs ``labels``.
        class_names: names to show instead of label numbers.
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ShapeError(f"images must have shape (n, h, w) or (n, h, w, c), got {images.shape}")
    if predictions is not None and labels is None:
        raise ArgumentValueError("predictions need labels to compare against")
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




def weight_images(kernel, image_shape, *, titles=None, ncols: int = 10, size: float = 1.1, colorbar: bool = True,
                  label: str = "weight"):
    """Each column of a ``Dense`` kernel shown as an image: the template that unit compares its input with.

    The colour scale is centred on 0 and shared by all panels, so red pixels push a unit's score
    up, blue pixels push it down, and white pixels do not matter.

    Args:
        kernel: array of shape (n_pixels, n_units), e.g. ``model.layers[-1].kernel``.
        image_shape: the shape the inputs had before flattening, e.g. ``(28, 28)``.
        titles: one title per unit (default: the unit index).
        colorbar: add one colour bar for all panels, labelled ``label``.

    >>> fig = weight_images([[1.0, -1.0], [0.5, 0.0], [0.0, 0.2], [-0.3, 0.1]], (2, 2))
    """
    kernel = np.asarray(kernel, dtype=float)
    if kernel.ndim != 2 or int(np.prod(image_shape)) != kernel.shape[0]:
        raise ShapeError(f"kernel must have shape (prod(image_shape), n_units) = ({int(np.prod(image_shape))}, n), "
                         f"got {kernel.shape}")
    n = kernel.shape[1]
    titles = [str(i) for i in range(n)] if titles is None else list(titles)
    if len(titles) != n:
        raise ArgumentValueError(f"titles must have one entry per unit ({n}), got {len(titles)}")
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
    if colorbar and n:
        fig.colorbar(axes.flat[0].images[0], ax=axes.ravel().tolist(), shrink=0.8, pad=0.01, label=label)
    return fig
