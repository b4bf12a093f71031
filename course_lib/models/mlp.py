"""Multilayer perceptrons: one factory for every MLP the course trains.

:func:`mlp` builds ``input → hidden layers → output`` with the choices Unit 2 compares:
the activation, batch normalisation (placed before the activation), dropout, a residual
connection around each hidden layer, and the initialisers. Hidden layers are named
``hidden_1``, ``hidden_2``, … and the output layer ``output``, so per-layer monitors
(gradient norms, dead units) can label what they measure.

>>> model = mlp((784,), hidden=(512, 128), outputs=10)
>>> model.count_params()
468874

:func:`mnist_series` builds the four models of the MNIST series (784 → 512 → 128 → 10):
sigmoid, ReLU, ReLU with batch normalisation, and that with dropout as well.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras

from .._validation import ArgumentValueError, check_int, check_number

#: The MNIST series: each model adds one idea to the one before it (after model 1's sigmoid).
MNIST_SERIES = {
    "1 sigmoid": dict(activation="sigmoid"),
    "2 ReLU": dict(activation="relu"),
    "3 ReLU + BatchNorm": dict(activation="relu", batchnorm=True),
    "4 ReLU + BatchNorm + Dropout": dict(activation="relu", batchnorm=True, dropout=0.2),
}


def _input_shape(input_shape) -> tuple[int, ...]:
    shape = (input_shape,) if not isinstance(input_shape, (tuple, list)) else tuple(input_shape)
    if not shape:
        raise ArgumentValueError(f"input_shape must be a non-empty tuple of positive ints, got {input_shape!r}")
    return tuple(check_int(f"input_shape[{i}]", d) for i, d in enumerate(shape))


def mlp(input_shape, hidden: Sequence[int] = (512, 128), outputs: int = 10, *, activation="relu",
        output_activation: str | None = "softmax", batchnorm: bool = False, dropout: float = 0.0,
        residual: bool = False, kernel_initializer="glorot_uniform", bias_initializer="zeros",
        name: str | None = None) -> keras.Model:
    """A Functional-API MLP.

    Args:
        input_shape: shape of one example; images are flattened first.
        hidden: the width of each hidden layer.
        outputs: units of the output layer.
        activation: the hidden activation (any Keras activation name or callable).
        output_activation: ``"softmax"`` for classification, ``None`` (linear) for regression.
        batchnorm: a ``BatchNormalization`` between each hidden ``Dense`` and its activation
            (the ``Dense`` then has no bias: β takes its place).
        dropout: the drop rate after each hidden activation, in [0, 1).
        residual: add each hidden layer's input to its output (``x + f(x)``); every hidden
            width must then equal the first one, and a projection maps the input to that width.
        kernel_initializer, bias_initializer: passed to every ``Dense``.
        name: the model name.
    """
    shape = _input_shape(input_shape)
    widths = tuple(check_int(f"hidden[{i}]", w) for i, w in enumerate(hidden))
    check_int("outputs", outputs)
    dropout = check_number("dropout", dropout, 0.0, 1.0, high_open=True)
    if residual and len(set(widths)) > 1:
        raise ArgumentValueError(f"residual=True needs equal hidden widths, got hidden={widths}")

    inputs = keras.Input(shape=shape, name="inputs")
    x = keras.layers.Flatten(name="flatten")(inputs) if len(shape) > 1 else inputs
    if residual and widths and (math.prod(shape) != widths[0]):
        x = keras.layers.Dense(widths[0], kernel_initializer=kernel_initializer, name="projection")(x)
    for i, width in enumerate(widths, start=1):
        y = keras.layers.Dense(width, use_bias=not batchnorm, kernel_initializer=kernel_initializer,
                               bias_initializer=bias_initializer, name=f"hidden_{i}")(x)
        if batchnorm:
            y = keras.layers.BatchNormalization(name=f"batchnorm_{i}")(y)
        y = keras.layers.Activation(activation, name=f"activation_{i}")(y)
        if dropout:
            y = keras.layers.Dropout(dropout, name=f"dropout_{i}")(y)
        x = keras.layers.Add(name=f"skip_{i}")([x, y]) if residual else y
    out = keras.layers.Dense(outputs, activation=output_activation, kernel_initializer=kernel_initializer,
                             name="output")(x)
    return keras.Model(inputs, out, name=name or "mlp")


def mnist_series(input_shape=(784,), hidden: Sequence[int] = (512, 128), outputs: int = 10) -> dict[str, keras.Model]:
    """The four models of the MNIST series, uncompiled, keyed by their name in :data:`MNIST_SERIES`."""
    return {label: mlp(input_shape, hidden, outputs, name=f"model_{label.split()[0]}", **options)
            for label, options in MNIST_SERIES.items()}
