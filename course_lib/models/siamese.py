"""Siamese networks: one encoder applied to two inputs, and the distance between the two embeddings.

The encoder is a single Keras model called twice, so both branches use the very same
weights: the Siamese model has the encoder's parameters once, and every gradient step moves
both branches together. Trained with the contrastive loss of Hadsell, Chopra and LeCun (2006),
it learns embeddings in which pairs of the same class are close and pairs of different
classes at least ``margin`` apart.

>>> import numpy as np
>>> encoder = mlp_encoder((4,), embedding_dim=2, hidden=(8,))
>>> model = siamese(encoder)
>>> model.count_params() == encoder.count_params()
True
>>> d = model.predict([np.zeros((3, 4)), np.zeros((3, 4))], verbose=0)
>>> d.shape, bool(np.allclose(d, 0.0, atol=1e-3))
((3, 1), True)

Labels follow this module's convention: ``1`` for a pair of the same class, ``0`` for a
pair of different classes (:func:`make_pairs` draws balanced pairs of both kinds).
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

from .._validation import ArgumentTypeError, ShapeError, check_array, check_choice, check_int, check_number, check_seed
from .mlp import mlp

DISTANCES = ("euclidean", "manhattan")


@keras.saving.register_keras_serializable(package="course_lib")
class PairDistance(keras.layers.Layer):
    """The distance between two batches of embeddings, one number per pair: shape ``(n, 1)``.

    ``euclidean`` adds a tiny constant under the square root so that its gradient stays
    finite when the two embeddings coincide.
    """

    def __init__(self, distance: str = "euclidean", **kwargs):
        super().__init__(**kwargs)
        self.distance = check_choice("distance", distance, DISTANCES)

    def call(self, inputs):
        a, b = inputs
        if self.distance == "manhattan":
            return ops.sum(ops.abs(a - b), axis=-1, keepdims=True)
        return ops.sqrt(ops.maximum(ops.sum(ops.square(a - b), axis=-1, keepdims=True), 1e-12))

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], 1)

    def get_config(self):
        return {**super().get_config(), "distance": self.distance}


def mlp_encoder(input_shape, embedding_dim: int = 16, hidden: Sequence[int] = (128,), *,
                activation="relu", name: str = "encoder") -> keras.Model:
    """An MLP from an input to a linear embedding of ``embedding_dim`` numbers (see :func:`~.mlp.mlp`)."""
    check_int("embedding_dim", embedding_dim)
    return mlp(input_shape, hidden, embedding_dim, activation=activation, output_activation=None, name=name)


def siamese(encoder: keras.Model, *, distance: str = "euclidean", name: str = "siamese") -> keras.Model:
    """Two inputs ``left`` and ``right``, one shared ``encoder``, and their :class:`PairDistance`.

    Args:
        encoder: a Keras model from one input to an embedding vector; its input shape gives the pair's.
        distance: ``"euclidean"`` or ``"manhattan"``.
        name: the model name.
    """
    if not isinstance(encoder, keras.Model):
        raise ArgumentTypeError(f"encoder must be a keras.Model, got {type(encoder).__name__}")
    check_choice("distance", distance, DISTANCES)
    shape = tuple(encoder.input_shape[1:])
    left, right = keras.Input(shape, name="left"), keras.Input(shape, name="right")
    out = PairDistance(distance, name="distance")([encoder(left), encoder(right)])
    return keras.Model([left, right], out, name=name)


def contrastive_loss(margin: float = 1.0):
    """The contrastive loss ``y·d² + (1 − y)·max(margin − d, 0)²`` for distances ``d`` and labels
    ``y`` (1: same class, 0: different), as a Keras loss function.

    Same-class pairs are pulled together; different-class pairs are pushed apart until they are
    ``margin`` away, and then left alone.

    >>> import numpy as np
    >>> loss = contrastive_loss(margin=1.0)
    >>> per_pair = loss(np.array([[1.0], [0.0], [0.0]]), np.array([[0.5], [0.25], [2.0]]))
    >>> np.round(keras.ops.convert_to_numpy(per_pair), 4).tolist()  # 0.5², (1 − 0.25)², and 0 past the margin
    [0.25, 0.5625, 0.0]
    """
    margin = check_number("margin", margin, 0, low_open=True)

    def contrastive(y_true, distances):
        y = ops.cast(ops.reshape(y_true, ops.shape(distances)), distances.dtype)
        apart = ops.square(ops.maximum(margin - distances, 0.0))
        return ops.mean(y * ops.square(distances) + (1.0 - y) * apart, axis=-1)

    contrastive.__name__ = f"contrastive_margin_{margin:g}"
    return contrastive


def make_pairs(x, y, n_pairs: int, *, seed: int | None = 0):
    """``n_pairs`` pairs drawn from ``(x, y)``, half of the same class and half of different classes.

    Returns:
        ``(left, right, same)``: two arrays shaped like ``x[:n_pairs]`` and the labels, 1.0 where
        ``y[left] == y[right]``; the pairs come shuffled.
    """
    n_pairs = check_int("n_pairs", n_pairs, minimum=2)
    x = np.asarray(x)
    y = check_array("y", y, ndim=1, dtype="int64", what="(n_samples,)")
    if len(x) != len(y):
        raise ShapeError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ShapeError(f"y must hold at least two classes to make pairs of different classes, got {classes}")
    rng = np.random.default_rng(check_seed("seed", seed))
    by_class = {c: np.flatnonzero(y == c) for c in classes}
    n_same = n_pairs // 2
    first = rng.integers(0, len(y), size=n_pairs)
    second = np.empty(n_pairs, dtype=np.int64)
    for k, i in enumerate(first):
        if k < n_same:  # any member of the same class (itself only when the class has one member)
            second[k] = rng.choice(by_class[y[i]])
        else:
            others = classes[classes != y[i]]
            second[k] = rng.choice(by_class[rng.choice(others)])
    order = rng.permutation(n_pairs)
    first, second = first[order], second[order]
    same = (y[first] == y[second]).astype("float32")
    return x[first], x[second], same
