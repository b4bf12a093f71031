"""FGSM, BIM, MIM and adversarial training: the L∞ budget, the pixel range, the closed-form
direction on a logistic model, agreement between the attacks where they must agree, and bad arguments."""

import keras
import numpy as np
import pytest

from course_lib import attacks
from course_lib._validation import ArgumentTypeError, ArgumentValueError, ShapeError

RNG = np.random.default_rng(0)
W = np.array([0.8, -1.5, 0.3, -0.2, 2.0, -0.7], dtype="float32")
B = 0.1


def logistic_model():
    """p = σ(w·x + b), with the known w and b."""
    model = keras.Sequential([keras.Input((len(W),)), keras.layers.Dense(1, activation="sigmoid")])
    model.layers[0].set_weights([W.reshape(-1, 1), np.array([B], dtype="float32")])
    return model


def bce(y_true, y_pred):
    return keras.losses.binary_crossentropy(y_true, y_pred)


@pytest.fixture(scope="module")
def classifier():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((4, 4)), keras.layers.Flatten(), keras.layers.Dense(8, activation="relu"),
                             keras.layers.Dense(3, activation="softmax")])


@pytest.fixture(scope="module")
def images():
    x = RNG.uniform(0, 1, size=(20, 4, 4)).astype("float32")
    x[:, 0, 0], x[:, 0, 1] = 0.0, 1.0  # pixels on the edges of the range, which a step must not leave
    return x, RNG.integers(0, 3, size=20)


ALL = [("fgsm", {}), ("bim", {"steps": 4}), ("mim", {"steps": 4}), ("bim", {"steps": 3, "alpha": 0.5}),
       ("mim", {"steps": 3, "alpha": 0.5, "decay": 0.5})]


@pytest.mark.parametrize("name, options", ALL)
@pytest.mark.parametrize("eps", [0.03, 0.2])
def test_perturbation_stays_in_the_eps_ball_and_the_pixel_range(classifier, images, name, options, eps):
    x, y = images
    x_adv = getattr(attacks, name)(classifier, x, y, eps, **options)
    assert x_adv.shape == x.shape and x_adv.dtype == np.float32
    assert np.max(np.abs(x_adv - x)) <= eps + 1e-6
    assert x_adv.min() >= 0.0 and x_adv.max() <= 1.0
    assert np.max(np.abs(x_adv - x)) > 0.5 * eps  # it did move


@pytest.mark.parametrize("label, direction", [(0, 1.0), (1, -1.0)])
def test_fgsm_on_a_logistic_model_steps_along_sign_w(label, direction):
    # Binary cross-entropy of σ(w·x + b): ∇ₓ = (p − y)·w, so sign(∇ₓ) = sign(w) for y = 0 and −sign(w) for y = 1.
    model = logistic_model()
    x = RNG.uniform(0.2, 0.8, size=(5, len(W))).astype("float32")
    y = np.full((5, 1), label, dtype="float32")
    x_adv = attacks.fgsm(model, x, y, 0.1, loss=bce)
    assert np.allclose(x_adv - x, direction * 0.1 * np.sign(W), atol=1e-6)
    grad = attacks.input_gradient(model, x, y, loss=bce)
    p = 1 / (1 + np.exp(-(x @ W + B)))
    assert np.allclose(grad, (p - label)[:, None] * W, atol=1e-5)


def test_fgsm_clips_to_the_range_and_not_without_one():
    model = logistic_model()
    x = np.where(W > 0, 0.97, 0.02)[None].astype("float32")   # a step along sign(w) would leave [0, 1]
    y = np.zeros((1, 1), dtype="float32")
    clipped = attacks.fgsm(model, x, y, 0.1, loss=bce)
    assert np.allclose(clipped, np.where(W > 0, 1.0, 0.0)[None])
    free = attacks.fgsm(model, x, y, 0.1, loss=bce, clip_range=None)
    assert np.allclose(free - x, 0.1 * np.sign(W), atol=1e-6)


@pytest.mark.parametrize("name", ["bim", "mim"])
def test_iterative_attacks_on_a_logistic_model_reach_the_corner_of_the_ball(name):
    # The gradient's sign never changes on a logistic model, so steps of eps/steps add up to eps·sign(w).
    model = logistic_model()
    x = RNG.uniform(0.3, 0.7, size=(4, len(W))).astype("float32")
    y = np.zeros((4, 1), dtype="float32")
    x_adv = getattr(attacks, name)(model, x, y, 0.15, steps=5, loss=bce)
    assert np.allclose(x_adv - x, 0.15 * np.sign(W), atol=1e-5)


def test_one_bim_step_of_size_eps_is_fgsm_and_mim_without_momentum_is_bim(classifier, images):
    x, y = images
    assert np.allclose(attacks.bim(classifier, x, y, 0.1, alpha=0.1, steps=1), attacks.fgsm(classifier, x, y, 0.1))
    assert np.allclose(attacks.mim(classifier, x, y, 0.1, steps=6, decay=0.0),
                       attacks.bim(classifier, x, y, 0.1, steps=6))


def test_projection_is_around_the_original_input(classifier, images):
    # Large steps: every step would leave the ball; the projection is onto the ball around x, not the last iterate.
    x, y = images
    x_adv = attacks.bim(classifier, x, y, 0.05, alpha=0.05, steps=8)
    assert np.max(np.abs(x_adv - x)) <= 0.05 + 1e-6


def test_eps_zero_returns_the_input_and_batches_do_not_matter(classifier, images):
    x, y = images
    assert np.array_equal(attacks.fgsm(classifier, x, y, 0.0), x)
    assert np.allclose(attacks.mim(classifier, x, y, 0.1, batch_size=3), attacks.mim(classifier, x, y, 0.1))


def test_accuracy_under_attack_starts_at_the_clean_accuracy(classifier, images):
    x, y = images
    acc = attacks.accuracy_under_attack(classifier, x, y, [0.0, 0.1, 0.3], "BIM", steps=3)
    clean = np.mean(classifier.predict(x, verbose=0).argmax(axis=1) == y)
    assert acc.shape == (3,) and acc[0] == pytest.approx(clean)
    assert np.all((acc >= 0) & (acc <= 1)) and acc[-1] <= acc[0]


def test_adversarial_training_updates_the_classifier():
    keras.utils.set_random_seed(1)
    classifier = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, activation="softmax")])
    before = classifier.layers[0].kernel.numpy().copy()
    trainer = attacks.AdversarialTraining(classifier, eps=0.1)
    trainer.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = RNG.uniform(0, 1, size=(32, 6)).astype("float32")
    history = trainer.fit(x, RNG.integers(0, 3, size=32), batch_size=8, epochs=2, verbose=0)
    assert {"loss", "accuracy"} <= set(history.history) and np.isfinite(history.history["loss"]).all()
    assert not np.allclose(classifier.layers[0].kernel.numpy(), before)
    assert np.allclose(trainer.predict(x, verbose=0), classifier.predict(x, verbose=0))


@pytest.mark.parametrize("call, error, fragment", [
    (lambda m, x, y: attacks.fgsm(m, x, y, -0.1), ArgumentValueError, "eps"),
    (lambda m, x, y: attacks.fgsm(m, x, y, "0.1"), ArgumentTypeError, "eps"),
    (lambda m, x, y: attacks.bim(m, x, y, 0.1, steps=0), ArgumentValueError, "steps"),
    (lambda m, x, y: attacks.bim(m, x, y, 0.1, steps=2.5), ArgumentTypeError, "steps"),
    (lambda m, x, y: attacks.bim(m, x, y, 0.1, alpha=0.0), ArgumentValueError, "alpha"),
    (lambda m, x, y: attacks.mim(m, x, y, 0.1, decay=-1.0), ArgumentValueError, "decay"),
    (lambda m, x, y: attacks.fgsm(m, x, y, 0.1, clip_range=(1.0, 0.0)), ArgumentValueError, "clip_range"),
    (lambda m, x, y: attacks.fgsm(m, x, y, 0.1, clip_range=1.0), ArgumentValueError, "clip_range"),
    (lambda m, x, y: attacks.fgsm(m, x * 255, y, 0.1), ArgumentValueError, r"x must lie in clip_range \[0, 1\]"),
    (lambda m, x, y: attacks.fgsm(m, x, y[:-1], 0.1), ShapeError, "one label per input"),
    (lambda m, x, y: attacks.fgsm(m, x[0, 0], y, 0.1), ShapeError, "batch of inputs"),
    (lambda m, x, y: attacks.fgsm(m, x, y, 0.1, loss="mse"), ArgumentTypeError, "loss"),
    (lambda m, x, y: attacks.fgsm("model", x, y, 0.1), ArgumentTypeError, "model"),
    (lambda m, x, y: attacks.fgsm(m, x, y, 0.1, batch_size=0), ArgumentValueError, "batch_size"),
    (lambda m, x, y: attacks.accuracy_under_attack(m, x, y, [0.1], "PGD"), ArgumentValueError, "attack"),
    (lambda m, x, y: attacks.accuracy_under_attack(m, x, y, [-0.1], "FGSM"), ArgumentValueError, "eps_values"),
    (lambda m, x, y: attacks.AdversarialTraining(m, eps=0.0), ArgumentValueError, "eps"),
    (lambda m, x, y: attacks.AdversarialTraining(m, eps=0.1, clean_weight=1.5), ArgumentValueError, "clean_weight"),
    (lambda m, x, y: attacks.AdversarialTraining(lambda t: t, eps=0.1), ArgumentTypeError, "classifier"),
])
def test_bad_arguments_name_themselves(classifier, images, call, error, fragment):
    x, y = images
    with pytest.raises(error, match=fragment):
        call(classifier, x, y)
