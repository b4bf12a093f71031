"""A multilayer perceptron with explicit weights, for any layer sizes: forward, backward, and a GD step.

Weights follow the Keras ``Dense`` convention: a layer's kernel has shape
``(n_inputs, n_outputs)`` and a batch of row vectors goes through it as ``a @ W + b``.
So a textbook example can be typed in, and checked against Keras, weight for weight.

>>> import numpy as np
>>> net = MLP([np.array([[1., 1.], [1., 1.]]), np.array([[1.], [-2.]])],
...           [np.array([0., -1.]), np.array([0.])], activations=["relu", "linear"])
>>> net.forward(np.array([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])).ravel().tolist()
[0.0, 1.0, 1.0, 0.0]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from .._validation import ArgumentValueError, ShapeError, check_number
from . import activations as _act
from .losses import get_loss


@dataclasses.dataclass
class Gradients:
    """Everything one backward pass produces, layer by layer (index 0 = first layer)."""

    loss: float
    weights: list[np.ndarray]  # ∂L/∂W, same shapes as the kernels
    biases: list[np.ndarray]  # ∂L/∂b
    deltas: list[np.ndarray]  # ∂L/∂z for each layer: the "error terms" δ of the textbooks
    inputs: np.ndarray  # ∂L/∂x: how the loss responds to each input feature (saliency)


@dataclasses.dataclass
class ForwardCache:
    """What the forward pass remembers so the backward pass need not recompute it."""

    inputs: np.ndarray
    z: list[np.ndarray]  # pre-activations, one per layer
    a: list[np.ndarray]  # activations, one per layer; a[-1] is the output

    @property
    def output(self) -> np.ndarray:
        return self.a[-1]


class MLP:
    """A multilayer perceptron with explicit weights: ``a_l = f_l(a_{l−1} @ W_l + b_l)``.

    Args:
        weights: one kernel per layer, shape ``(n_in, n_out)`` (the Keras ``Dense`` layout).
        biases: one vector per layer, shape ``(n_out,)``.
        activations: one name or :class:`~course_lib.activations.Activation` for every
            layer, or a list with one per layer. Parameters can be given as
            ``("leaky_relu", {"alpha": 0.1})``.

    The weights are copied to float64. Any sizes and any number of layers work; the
    worked textbook examples are just particular weights.
    """

    def __init__(self, weights: Sequence, biases: Sequence, activations="sigmoid"):
        if not isinstance(weights, Sequence) or not weights:
            raise ShapeError("weights must be a non-empty list of 2-D arrays, one per layer")
        if not isinstance(biases, Sequence) or len(biases) != len(weights):
            raise ArgumentValueError(f"biases must be a list with one vector per layer ({len(weights)}), got "
                             f"{len(biases) if isinstance(biases, Sequence) else type(biases).__name__}")
        self.weights = [np.array(W, dtype=np.float64) for W in weights]
        self.biases = [np.array(b, dtype=np.float64).reshape(-1) for b in biases]
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            if W.ndim != 2:
                raise ShapeError(f"weights[{i}] must be 2-D (n_in, n_out), got shape {W.shape}")
            if b.shape != (W.shape[1],):
                raise ShapeError(f"biases[{i}] must have shape ({W.shape[1]},) to match weights[{i}] "
                                 f"{W.shape}, got {b.shape}")
            if i and W.shape[0] != self.weights[i - 1].shape[1]:
                raise ShapeError(f"weights[{i}] expects {W.shape[0]} inputs but layer {i - 1} has "
                                 f"{self.weights[i - 1].shape[1]} outputs")
        single = isinstance(activations, (str, _act.Activation)) or (
            isinstance(activations, tuple) and len(activations) == 2 and isinstance(activations[1], dict))
        specs = [activations] * len(weights) if single else list(activations)
        if len(specs) != len(weights):
            raise ArgumentValueError(f"activations must be one name or a list with one per layer ({len(weights)}), "
                             f"got {len(specs)}")
        self.activations = [_act.get(s[0], **s[1]) if isinstance(s, tuple) else _act.get(s) for s in specs]

    @classmethod
    def random(cls, layer_sizes: Sequence[int], activations="sigmoid", *, seed: int | None = None) -> "MLP":
        """Glorot-uniform kernels and small random biases for ``layer_sizes`` = [inputs, ..., outputs]."""
        sizes = list(layer_sizes)
        if len(sizes) < 2 or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 for n in sizes):
            raise ArgumentValueError(f"layer_sizes must list at least two positive ints, got {layer_sizes!r}")
        rng = np.random.default_rng(seed)
        weights, biases = [], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            limit = np.sqrt(6.0 / (n_in + n_out))
            weights.append(rng.uniform(-limit, limit, size=(n_in, n_out)))
            biases.append(rng.uniform(-0.1, 0.1, size=n_out))
        return cls(weights, biases, activations)

    @property
    def layer_sizes(self) -> list[int]:
        return [self.weights[0].shape[0]] + [W.shape[1] for W in self.weights]

    def copy(self) -> "MLP":
        return MLP(self.weights, self.biases, list(self.activations))

    def __repr__(self) -> str:
        return f"MLP(layer_sizes={self.layer_sizes}, activations={[a.name for a in self.activations]})"

    def _inputs(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        x = x[None, :] if x.ndim == 1 else x
        if x.ndim != 2 or x.shape[1] != self.layer_sizes[0]:
            raise ShapeError(f"x must have shape (n, {self.layer_sizes[0]}) or ({self.layer_sizes[0]},), "
                             f"got {np.shape(x)}")
        return x

    def forward_cache(self, x) -> ForwardCache:
        """Forward pass that keeps every layer's ``z`` and ``a`` for the backward pass."""
        a = self._inputs(x)
        cache = ForwardCache(a, [], [])
        for W, b, f in zip(self.weights, self.biases, self.activations):
            z = a @ W + b
            a = f(z)
            cache.z.append(z)
            cache.a.append(a)
        return cache

    def forward(self, x) -> np.ndarray:
        """The network's output for a batch of rows ``x`` (one sample of shape (d,) is also fine)."""
        return self.forward_cache(x).output

    __call__ = forward

    def backward(self, cache: ForwardCache, output_grad) -> Gradients:
        """Backpropagate ``output_grad`` = ∂L/∂(output) through the layers in ``cache``.

        Each layer's error term ``δ_l = ∂L/∂z_l`` is computed once, from ``δ_{l+1}``, and
        reused for that layer's weight gradient ``a_{l−1}ᵀ δ_l`` and for the layer below:
        this reuse (memoisation) is what makes backprop cost about one forward pass.
        """
        grad_a = np.asarray(output_grad, dtype=np.float64)
        if grad_a.shape != cache.output.shape:
            raise ShapeError(f"output_grad must have the output's shape {cache.output.shape}, got {grad_a.shape}")
        n_layers = len(self.weights)
        grads_W, grads_b, deltas = [None] * n_layers, [None] * n_layers, [None] * n_layers
        for layer in reversed(range(n_layers)):
            delta = self.activations[layer].backward(cache.z[layer], grad_a)
            a_prev = cache.a[layer - 1] if layer else cache.inputs
            grads_W[layer] = a_prev.T @ delta
            grads_b[layer] = delta.sum(axis=0)
            deltas[layer] = delta
            grad_a = delta @ self.weights[layer].T
        return Gradients(float("nan"), grads_W, grads_b, deltas, grad_a)

    def gradients(self, x, y, loss="half_sse") -> Gradients:
        """Loss and all gradients for inputs ``x`` and targets ``y`` (shape of the output)."""
        cache = self.forward_cache(x)
        loss_fn = get_loss(loss)
        y = np.asarray(y, dtype=np.float64).reshape(cache.output.shape)
        grads = self.backward(cache, loss_fn.gradient(y, cache.output))
        grads.loss = loss_fn(y, cache.output)
        return grads

    def sgd_step(self, x, y, lr: float, loss="half_sse", *, update_biases: bool = True) -> Gradients:
        """One gradient-descent update of every weight (and bias, unless told not to).

        All gradients are computed first, with the old weights, and then applied together.
        Returns the gradients, whose ``loss`` is the loss *before* the update.
        """
        check_number("lr", lr, 0, low_open=True)
        grads = self.gradients(x, y, loss)
        for i in range(len(self.weights)):
            self.weights[i] = self.weights[i] - lr * grads.weights[i]
            if update_biases:
                self.biases[i] = self.biases[i] - lr * grads.biases[i]
        return grads

    def loss(self, x, y, loss="half_sse") -> float:
        out = self.forward(x)
        return get_loss(loss)(np.asarray(y, dtype=np.float64).reshape(out.shape), out)
