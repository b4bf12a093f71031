"""Keras model factories, one module per family.

* :mod:`.mlp`: multilayer perceptrons (plain, batch-normalised, dropout, residual) and the
  MNIST series of Unit 2.
"""

from .mlp import MNIST_SERIES, mlp, mnist_series

__all__ = ["MNIST_SERIES", "mlp", "mnist_series"]
