"""Adversarial examples: FGSM, BIM and MIM under an L∞ budget, and FGSM adversarial training.

Every attack takes a classifier, inputs ``x`` with their true labels ``y`` and a budget
``eps``, and returns adversarial inputs ``x_adv`` with ``max |x_adv − x| ≤ eps`` per pixel,
clipped to the valid pixel range (``clip_range``, ``[0, 1]`` by default):

* :func:`fgsm`, the fast gradient sign method (Goodfellow et al., 2015): one step
  ``x + eps · sign(∇ₓ loss)``;
* :func:`bim`, the basic iterative method (Kurakin et al., 2017): ``steps`` FGSM steps of
  size ``alpha``, each followed by a projection back onto the ε-ball around the *original*
  ``x`` and onto the pixel range;
* :func:`mim`, the momentum iterative method (Dong et al., 2018): BIM whose step follows
  the sign of an accumulated gradient ``g ← decay · g + ∇ / ‖∇‖₁``.

The loss is the one the attacker pushes up, per example: by default sparse categorical
cross-entropy on the model's probabilities (Keras recovers the logits of a softmax layer,
so confident predictions still have a gradient). :class:`AdversarialTraining` trains a
classifier on a mix of clean and FGSM examples made on the fly from each batch.

>>> import keras, numpy as np
>>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
>>> x = np.full((4, 3), 0.5, dtype="float32")
>>> x_adv = fgsm(model, x, np.array([0, 1, 0, 1]), eps=0.1)
>>> bool(np.all(np.abs(x_adv - x) <= 0.1 + 1e-6))
True
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ._validation import ArgumentTypeError, ArgumentValueError, ShapeError, check_array, check_int, check_number

_SLACK = 1e-6  # float32 rounding when a perturbation sits exactly on the ε-ball's surface


def _default_loss(y_true, y_pred):
    return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)


def _loss_function(loss):
    if loss is None:
        return _default_loss
    if not callable(loss):
        raise ArgumentTypeError(f"loss must be a callable loss(y_true, y_pred) or None, got {loss!r} "
                                f"({type(loss).__name__})")
    return loss


def _pixel_range(clip_range) -> tuple[float, float] | None:
    if clip_range is None:
        return None
    if not isinstance(clip_range, (tuple, list)) or len(clip_range) != 2:
        raise ArgumentValueError(f"clip_range must be a pair (low, high) or None, got {clip_range!r}")
    low = check_number("clip_range[0]", clip_range[0])
    high = check_number("clip_range[1]", clip_range[1])
    if not low < high:
        raise ArgumentValueError(f"clip_range must have low < high, got {clip_range!r}")
    return low, high


def _batch_and_labels(model, x, y, clip_range):
    if not callable(model):
        raise ArgumentTypeError(f"model must be a Keras model (a callable), got {type(model).__name__}")
    x = check_array("x", x, dtype="float32")
    if x.ndim < 2:
        raise ShapeError(f"x must be a batch of inputs, shape (n_samples, ...), got shape {x.shape}")
    y = np.asarray(y)
    if y.ndim < 1 or len(y) != len(x):
        raise ShapeError(f"y must hold one label per input ({len(x)}), got shape {y.shape}")
    if clip_range is not None and x.size and (x.min() < clip_range[0] or x.max() > clip_range[1]):
        raise ArgumentValueError(f"x must lie in clip_range [{clip_range[0]:g}, {clip_range[1]:g}], got values in "
                                 f"[{x.min():g}, {x.max():g}]")
    return x, y


def _batches(n: int, batch_size: int):
    for start in range(0, n, batch_size):
        yield slice(start, min(start + batch_size, n))


def _gradient(model, x, y, loss_fn):
    """∇ₓ of the summed per-example loss (the sum keeps each example's gradient its own)."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(loss_fn(y, model(x, training=False)))
    return tape.gradient(loss, x)


def _project(x_adv, x, eps, clip_range):
    """Back onto the ε-ball around the original x, then onto the pixel range (which x lies in, so the
    second clip never leaves the ball)."""
    x_adv = tf.clip_by_value(x_adv, x - eps, x + eps)
    return x_adv if clip_range is None else tf.clip_by_value(x_adv, clip_range[0], clip_range[1])


def _fgsm_batch(model, x, y, eps, loss_fn, clip_range):
    return _project(x + eps * tf.sign(_gradient(model, x, y, loss_fn)), x, eps, clip_range)


def _iterative_batch(model, x, y, eps, alpha, steps, decay, loss_fn, clip_range):
    x_adv, momentum = x, tf.zeros_like(x)
    axes = list(range(1, len(x.shape)))
    for _ in range(steps):
        grad = _gradient(model, x_adv, y, loss_fn)
        if decay is None:  # BIM
            direction = grad
        else:  # MIM: each example's gradient scaled to unit L1 norm before it joins the momentum
            l1 = tf.reduce_sum(tf.abs(grad), axis=axes, keepdims=True)
            momentum = decay * momentum + grad / tf.maximum(l1, 1e-12)
            direction = momentum
        x_adv = _project(x_adv + alpha * tf.sign(direction), x, eps, clip_range)
    return x_adv


def _run(batch_fn, model, x, y, batch_size, **kwargs):
    batch_size = check_int("batch_size", batch_size)
    out = np.empty_like(x)
    for rows in _batches(len(x), batch_size):
        out[rows] = batch_fn(model, tf.constant(x[rows]), tf.constant(y[rows]), **kwargs).numpy()
    return out


def input_gradient(model, x, y, *, loss=None, batch_size: int = 256) -> np.ndarray:
    """∇ₓ loss(y, model(x)) for every input, the direction FGSM takes the sign of."""
    x, y = _batch_and_labels(model, x, y, None)
    loss_fn = _loss_function(loss)
    batch_size = check_int("batch_size", batch_size)
    out = np.empty_like(x)
    for rows in _batches(len(x), batch_size):
        out[rows] = _gradient(model, tf.constant(x[rows]), tf.constant(y[rows]), loss_fn).numpy()
    return out


def fgsm(model, x, y, eps: float, *, loss=None, clip_range=(0.0, 1.0), batch_size: int = 256) -> np.ndarray:
    """The fast gradient sign method: ``clip(x + eps · sign(∇ₓ loss))``.

    Args:
        model: a classifier; ``model(x)`` gives what ``loss`` expects (probabilities by default).
        x: a batch of inputs inside ``clip_range``.
        y: their true labels (integers for the default loss).
        eps: the L∞ budget, ≥ 0 (``eps=0`` returns ``x``).
        loss: per-example ``loss(y_true, y_pred)`` to increase; default sparse categorical cross-entropy.
        clip_range: the valid input range ``(low, high)``, or ``None`` for no clipping.
        batch_size: how many inputs to attack at once.
    """
    eps = check_number("eps", eps, 0)
    clip_range = _pixel_range(clip_range)
    x, y = _batch_and_labels(model, x, y, clip_range)
    return _run(_fgsm_batch, model, x, y, batch_size, eps=eps, loss_fn=_loss_function(loss), clip_range=clip_range)


def _step_size(alpha, eps, steps):
    return eps / steps if alpha is None else check_number("alpha", alpha, 0, low_open=True)


def bim(model, x, y, eps: float, *, alpha: float | None = None, steps: int = 10, loss=None, clip_range=(0.0, 1.0),
        batch_size: int = 256) -> np.ndarray:
    """The basic iterative method: ``steps`` FGSM steps of size ``alpha``, each projected back
    onto the ε-ball around the original ``x`` and onto ``clip_range``.

    ``alpha`` defaults to ``eps / steps`` (the choice of Dong et al., 2018), so that the steps
    can just reach the surface of the ball. The other arguments are those of :func:`fgsm`.
    """
    eps = check_number("eps", eps, 0)
    steps = check_int("steps", steps)
    alpha = _step_size(alpha, eps, steps)
    clip_range = _pixel_range(clip_range)
    x, y = _batch_and_labels(model, x, y, clip_range)
    return _run(_iterative_batch, model, x, y, batch_size, eps=eps, alpha=alpha, steps=steps, decay=None,
                loss_fn=_loss_function(loss), clip_range=clip_range)


def mim(model, x, y, eps: float, *, alpha: float | None = None, steps: int = 10, decay: float = 1.0, loss=None,
        clip_range=(0.0, 1.0), batch_size: int = 256) -> np.ndarray:
    """The momentum iterative method: BIM stepping along ``sign(g)``, where
    ``g ← decay · g + ∇ₓ loss / ‖∇ₓ loss‖₁`` accumulates each example's normalised gradients.

    ``decay=0`` is BIM again; Dong et al. (2018) use ``decay=1``. The other arguments are those of :func:`bim`.
    """
    eps = check_number("eps", eps, 0)
    steps = check_int("steps", steps)
    alpha = _step_size(alpha, eps, steps)
    decay = check_number("decay", decay, 0)
    clip_range = _pixel_range(clip_range)
    x, y = _batch_and_labels(model, x, y, clip_range)
    return _run(_iterative_batch, model, x, y, batch_size, eps=eps, alpha=alpha, steps=steps, decay=decay,
                loss_fn=_loss_function(loss), clip_range=clip_range)


#: The attacks by name, as the notebooks and :func:`accuracy_under_attack` use them.
ATTACKS = {"FGSM": fgsm, "BIM": bim, "MIM": mim}


def accuracy_under_attack(model, x, y, eps_values, attack: str = "FGSM", *, batch_size: int = 256,
                          **options) -> np.ndarray:
    """Accuracy on ``attack``'s adversarial examples for each ε in ``eps_values`` (ε = 0: clean accuracy).

    ``options`` go to the attack (``steps``, ``alpha``, ``decay``, ``loss``, ``clip_range``).
    """
    if attack not in ATTACKS:
        raise ArgumentValueError(f"attack must be one of {tuple(ATTACKS)}, got {attack!r}")
    eps_values = check_array("eps_values", eps_values, ndim=1)
    if not len(eps_values) or eps_values.min() < 0:
        raise ArgumentValueError(f"eps_values must be a non-empty list of numbers >= 0, got {eps_values.tolist()}")
    labels = np.asarray(y)
    accuracies = []
    for eps in eps_values:
        x_adv = ATTACKS[attack](model, x, labels, float(eps), batch_size=batch_size, **options)
        predicted = np.concatenate([np.asarray(model(x_adv[rows], training=False)).argmax(axis=-1)
                                    for rows in _batches(len(x_adv), batch_size)])
        accuracies.append(float(np.mean(predicted == labels.reshape(predicted.shape))))
    return np.array(accuracies)


class AdversarialTraining(keras.Model):
    """Train ``classifier`` on ``clean_weight · loss(x) + (1 − clean_weight) · loss(x_fgsm)``.

    Each batch's FGSM examples are made from the classifier as it is at that step (Goodfellow
    et al., 2015, use ``clean_weight=0.5``). ``compile`` it like the classifier: the compiled loss
    is the one trained, and the metrics are measured on the clean batch. The classifier's weights
    are the ones updated, so after ``fit`` the classifier itself is the robust model.

    Args:
        classifier: the Keras model to train.
        eps: the FGSM budget of the training examples, > 0.
        clean_weight: the share of the clean loss, in [0, 1].
        attack_loss: the per-example loss FGSM increases (default: sparse categorical cross-entropy).
        clip_range: the valid input range, as for :func:`fgsm`.
    """

    def __init__(self, classifier, eps: float, *, clean_weight: float = 0.5, attack_loss=None,
                 clip_range=(0.0, 1.0), **kwargs):
        super().__init__(**kwargs)
        if not isinstance(classifier, keras.Model):
            raise ArgumentTypeError(f"classifier must be a keras.Model, got {type(classifier).__name__}")
        self.classifier = classifier
        self.eps = check_number("eps", eps, 0, low_open=True)
        self.clean_weight = check_number("clean_weight", clean_weight, 0, 1)
        self.attack_loss = _loss_function(attack_loss)
        self.clip_range = _pixel_range(clip_range)

    def call(self, inputs, training=False):
        return self.classifier(inputs, training=training)

    def train_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        x_adv = tf.stop_gradient(_fgsm_batch(self.classifier, x, y, self.eps, self.attack_loss, self.clip_range))
        with tf.GradientTape() as tape:
            y_clean = self(x, training=True)
            y_adv = self(x_adv, training=True)
            loss = (self.clean_weight * self.compute_loss(x=x, y=y, y_pred=y_clean)
                    + (1.0 - self.clean_weight) * self.compute_loss(x=x_adv, y=y, y_pred=y_adv))
        self.optimizer.apply(tape.gradient(loss, self.trainable_variables), self.trainable_variables)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_clean)
        return self.get_metrics_result()
