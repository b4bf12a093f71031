"""Monitors of how gradients flow and which units still fire, measured once per epoch.

Both callbacks look at a fixed *probe batch*, the same samples every epoch, so that the numbers
change only because the weights did, and both cost one extra pass per epoch, not per batch.

* :class:`GradientNorms`: the L2 norm of the loss gradient with respect to each layer's kernel
  (vanishing gradients show as norms that shrink from the output layer towards the input).
* :class:`DeadUnits`: the fraction of a layer's ReLU units that output 0 on every probe sample,
  units that no longer pass any gradient back (the dying-ReLU problem).

>>> import keras, numpy as np
>>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu", name="h"),
...                           keras.layers.Dense(1, name="out")])
>>> model.compile(optimizer="sgd", loss="mse")
>>> x, y = np.ones((8, 3), "float32"), np.zeros((8, 1), "float32")
>>> norms, dead = GradientNorms(x, y), DeadUnits(x)
>>> _ = model.fit(x, y, epochs=2, verbose=0, callbacks=[norms, dead])
>>> sorted(norms.history), len(norms.history["h"])   # before training, then after each epoch
(['h', 'out'], 3)
>>> sorted(dead.history), dead.units
(['h'], {'h': 4})
"""

from __future__ import annotations

import math
import warnings

import keras
import numpy as np

from .._validation import ArgumentTypeError, ArgumentValueError, check_array, check_choice, check_number


def _probe(name: str, value, what: str) -> np.ndarray:
    array = check_array(name, value, dtype="float32", what=what)
    if array.ndim < 1 or not len(array):
        raise ArgumentValueError(f"{name} must hold at least one sample, got shape {array.shape}")
    return array


def _layer_names(name: str, value) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not items or not all(isinstance(v, str) for v in items):
        raise ArgumentTypeError(f"{name} must be None, a layer name or a non-empty list of layer names, "
                                f"got {value!r}")
    return tuple(items)


def _select(model, wanted: tuple[str, ...] | None, default, name: str, what: str) -> list:
    """The model's layers named in ``wanted``, or those that ``default(layer)`` accepts, in model order."""
    layers = list(_walk(model))
    if wanted is None:
        chosen = [layer for layer in layers if default(layer)]
        if not chosen:
            raise ArgumentValueError(f"{name}: the model {model.name!r} has no {what}; name the layers to watch "
                                     f"with {name}=[...] (its layers: {[layer.name for layer in layers]})")
        return chosen
    by_name = {layer.name: layer for layer in layers}
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise ArgumentValueError(f"{name} names layers {unknown} that the model {model.name!r} does not have; "
                                 f"its layers are {list(by_name)}")
    return [by_name[n] for n in wanted]


def _walk(model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):  # a nested model: watch its own layers
            yield from _walk(layer)
        else:
            yield layer


def _is_relu(layer) -> bool:
    if isinstance(layer, keras.layers.ReLU):
        return float(layer.negative_slope) == 0.0 and layer.threshold == 0.0
    activation = getattr(layer, "activation", None)
    return activation is keras.activations.relu or getattr(activation, "__name__", "") == "relu"


class _EpochMonitor(keras.callbacks.Callback):
    """Shared bookkeeping: measure before training and after every ``every`` epochs."""

    def __init__(self, every: int):
        super().__init__()
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ArgumentValueError(f"every must be a positive int, got {every!r}")
        self.every = every
        self.epochs: list[int] = []
        self.history: dict[str, list[float]] = {}

    def on_train_begin(self, logs=None):
        self.epochs, self.history = [], {}
        self._prepare()
        self._record(0)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self._record(epoch + 1)

    def _record(self, epoch: int):
        values = self._measure()
        self.epochs.append(epoch)
        for name, value in values.items():
            self.history.setdefault(name, []).append(float(value))
        self._after_record(epoch, values)

    def _after_record(self, epoch, values):
        pass

    def last(self) -> dict[str, float]:
        """The latest measurement of every layer."""
        return {name: values[-1] for name, values in self.history.items()}


class GradientNorms(_EpochMonitor):
    """Per-layer L2 norms of the loss gradient on a fixed probe batch, before training and after each epoch.

    For every watched layer the norm is ``sqrt(Σ g²)`` over the entries of the gradient of the
    model's compiled loss with respect to that layer's kernel (``weights="all"``: its kernel and
    bias together). The gradient is taken in training mode, as ``fit`` takes it, but the probe
    batch never updates the weights. One gradient computation per recorded epoch.

    Args:
        x, y: the probe batch (inputs and targets), used unchanged every epoch.
        layers: names of the layers to watch; default every layer that has a kernel, in model order.
        weights: ``"kernel"`` or ``"all"`` (kernel and bias).
        every: record every ``every`` epochs (the measurement before training is always made).

    Attributes:
        history: ``{layer name: [norm before training, after epoch every, ...]}``.
        epochs: the epoch of each entry (0 = before training).
    """

    def __init__(self, x, y, *, layers=None, weights: str = "kernel", every: int = 1):
        super().__init__(every)
        self.x = _probe("x", x, "(n_samples, ...)")
        self.y = check_array("y", y, dtype="float32")
        if len(self.y) != len(self.x):
            raise ArgumentValueError(f"x and y must hold the same number of samples, got {len(self.x)} and "
                                     f"{len(self.y)}")
        self.layer_names = _layer_names("layers", layers)
        self.weights = check_choice("weights", weights, ("kernel", "all"))
        self._step = None

    def _prepare(self):
        if not getattr(self.model, "compiled", False) or self.model.loss is None:
            raise ArgumentValueError("GradientNorms needs a compiled model: call model.compile(loss=...) first")
        chosen = _select(self.model, self.layer_names, lambda layer: hasattr(layer, "kernel"), "layers",
                         "layer with a kernel")
        groups = []
        for layer in chosen:
            if self.weights == "kernel":
                if not hasattr(layer, "kernel"):
                    raise ArgumentValueError(f"layers: layer {layer.name!r} has no kernel; watch it with "
                                             "weights='all' or choose layers that have one")
                groups.append((layer.name, [layer.kernel]))
            else:
                if not layer.trainable_weights:
                    raise ArgumentValueError(f"layers: layer {layer.name!r} has no trainable weights")
                groups.append((layer.name, list(layer.trainable_weights)))
        self._groups = groups
        self._step = self._gradient_function()

    def _gradient_function(self):
        import tensorflow as tf

        model, groups = self.model, self._groups
        variables = [v for _, vs in groups for v in vs]
        x, y = tf.constant(self.x), tf.constant(self.y)

        def norms():  # eager: one small pass per epoch costs less than tracing a graph for it
            with tf.GradientTape() as tape:
                y_pred = model(x, training=True)
                loss = model.compute_loss(x=x, y=y, y_pred=y_pred, training=True)
            grads = tape.gradient(loss, variables)
            out, i = [], 0
            for _, vs in groups:
                squares = [tf.reduce_sum(tf.square(tf.cast(g, tf.float32))) for g in grads[i:i + len(vs)]
                           if g is not None]
                out.append(float(tf.sqrt(tf.add_n(squares))) if squares else 0.0)
                i += len(vs)
            return out

        return norms

    def _measure(self) -> dict[str, float]:
        values = self._step()
        return {name: float(v) for (name, _), v in zip(self._groups, values)}

    def ratio(self, first: str | None = None, last: str | None = None) -> list[float]:
        """Per recorded epoch, the norm of layer ``first`` over that of layer ``last``.

        Defaults: the first and the last watched layer, i.e. input side over output side. A value
        far below 1 means the gradient vanishes on its way back; far above 1, it explodes.
        """
        names = list(self.history)
        if not names:
            raise ArgumentValueError("no gradient norms recorded yet: fit the model with this callback first")
        first = names[0] if first is None else check_choice("first", first, names)
        last = names[-1] if last is None else check_choice("last", last, names)
        return [a / b if b != 0 else math.inf for a, b in zip(self.history[first], self.history[last])]


class DeadUnits(_EpochMonitor):
    """Per layer, the fraction of units that output 0 (or less) on every sample of a probe batch.

    A ReLU unit whose input is negative for every sample outputs 0 and, because ReLU's slope is 0
    there, sends no gradient back to its weights: it cannot recover by gradient descent. The
    fraction is measured before training and after each epoch, in inference mode.

    Args:
        x: the probe inputs (a few hundred samples is plenty).
        layers: names of the layers to watch; default every ReLU layer (``Dense(activation="relu")``,
            ``Activation("relu")``, ``ReLU()``). A named non-ReLU layer is judged by the same rule:
            a unit counts as inactive when it is never positive on the probe batch.
        threshold: when the fraction of dead units over all watched layers reaches it, warn (or stop).
        action: ``"warn"`` (a ``RuntimeWarning``, once) or ``"stop"`` (also ends training).
        every: record every ``every`` epochs (the measurement before training is always made).

    Attributes:
        history: ``{layer name: [fraction before training, after epoch every, ...]}``.
        overall: the fraction over all watched units, per recorded epoch.
        units: ``{layer name: number of units}``.
        triggered_at: the epoch at which ``threshold`` was first reached, or ``None``.
    """

    def __init__(self, x, *, layers=None, threshold: float | None = None, action: str = "warn", every: int = 1):
        super().__init__(every)
        self.x = _probe("x", x, "(n_samples, ...)")
        self.layer_names = _layer_names("layers", layers)
        self.threshold = None if threshold is None else check_number("threshold", threshold, 0.0, 1.0,
                                                                     low_open=True)
        self.action = check_choice("action", action, ("warn", "stop"))
        self.overall: list[float] = []
        self.units: dict[str, int] = {}
        self.triggered_at: int | None = None

    def on_train_begin(self, logs=None):
        self.overall, self.triggered_at = [], None
        super().on_train_begin(logs)

    def _prepare(self):
        layers = _select(self.model, self.layer_names, _is_relu, "layers", "ReLU layer")
        self._names = [layer.name for layer in layers]
        inputs = self.model.inputs
        self._outputs = keras.Model(inputs[0] if len(inputs) == 1 else inputs, [layer.output for layer in layers])

    def _measure(self) -> dict[str, float]:
        outputs = self._outputs(self.x, training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        values, dead_total, units_total = {}, 0, 0
        for name, out in zip(self._names, outputs):
            active = np.asarray(out).reshape(len(self.x), -1) > 0
            dead = int(np.sum(~active.any(axis=0)))
            self.units[name] = active.shape[1]
            values[name] = dead / active.shape[1]
            dead_total, units_total = dead_total + dead, units_total + active.shape[1]
        self.overall.append(dead_total / units_total)
        return values

    def _after_record(self, epoch, values):
        if self.threshold is None or self.triggered_at is not None or self.overall[-1] < self.threshold:
            return
        self.triggered_at = epoch
        worst = max(values, key=values.get)
        message = (f"DeadUnits: {self.overall[-1]:.0%} of the watched ReLU units are dead at epoch {epoch} "
                   f"(threshold {self.threshold:.0%}; worst layer {worst!r}: {values[worst]:.0%}). "
                   "Lower the learning rate, check the biases, or try leaky ReLU.")
        warnings.warn(message, RuntimeWarning, stacklevel=2)
        if self.action == "stop":  # fit checks this after every batch
            self.model.stop_training = True
