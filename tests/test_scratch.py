"""course_lib.scratch: the from-scratch models against textbook numbers, Keras/TF and finite differences."""

import subprocess
import sys

import numpy as np
import pytest

from course_lib import scratch

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
GATES = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "nand": [1, 1, 1, 0], "nor": [1, 0, 0, 0], "xor": [0, 1, 1, 0]}


def worked_network():
    """The 2-2-2 sigmoid example: h1 = σ(w1·x1 + w2·x2 + b1), ..., o2 = σ(w7·h1 + w8·h2 + b2)."""
    w1, w2, w3, w4, w5, w6, w7, w8 = 0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55
    return scratch.MLP([[[w1, w3], [w2, w4]], [[w5, w7], [w6, w8]]], [[0.35, 0.35], [0.60, 0.60]], "sigmoid")


X_WORKED, T_WORKED = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])


# ----------------------------------------------------------------------------- neuron, least squares

def test_linear_unit_calories():
    assert scratch.neuron([5.0], [2.5], 90.0) == pytest.approx(102.5)
    assert scratch.neuron([0.0], [1.0], 0.0, "sigmoid") == pytest.approx(0.5)


def test_least_squares_line_matches_polyfit():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 15, 40)
    y = 2.5 * x + 90 + rng.normal(0, 3, 40)
    m, c = scratch.least_squares_line(x, y)
    np.testing.assert_allclose([m, c], np.polyfit(x, y, 1))
    with pytest.raises(ValueError, match="no spread"):
        scratch.least_squares_line([1, 1, 1], [1, 2, 3])


def test_normal_equation_matches_lstsq_and_refuses_singular_systems():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3))
    y = X @ [1.0, -2.0, 0.5] + 3 + rng.normal(0, 0.1, 50)
    w, b = scratch.normal_equation(X, y)
    coef = np.linalg.lstsq(np.c_[X, np.ones(50)], y, rcond=None)[0]
    np.testing.assert_allclose(np.r_[w, b], coef)
    w0, b0 = scratch.normal_equation(X, y, fit_intercept=False)
    assert b0 == 0.0 and w0.shape == (3,)
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        scratch.normal_equation(np.c_[X, 2 * X[:, 0]], y)


def test_fit_neuron_linear_reaches_the_least_squares_solution():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(100, 2))
    y = X @ [3.0, -1.0] + 0.5
    fit = scratch.fit_neuron(X, y, activation="linear", lr=0.1, steps=2000)
    np.testing.assert_allclose(np.r_[fit.w, fit.b], [3.0, -1.0, 0.5], atol=1e-6)
    assert fit.losses[-1] < 1e-10 < fit.losses[0]


def test_fit_neuron_sigmoid_matches_sklearn_logistic_regression():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    X = np.r_[rng.normal(-1, 1, (60, 2)), rng.normal(1, 1, (60, 2))]
    y = np.r_[np.zeros(60), np.ones(60)]
    fit = scratch.fit_neuron(X, y, activation="sigmoid", lr=1.0, steps=5000)
    ref = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(np.r_[fit.w, fit.b], np.r_[ref.coef_[0], ref.intercept_], rtol=1e-3)
    assert np.all(np.diff(fit.losses) <= 1e-12)  # GD with a safe step never increases this convex loss
    assert ((fit.predict(X) > 0.5) == y).mean() > 0.85


def test_fit_neuron_validates():
    with pytest.raises(ValueError, match="activation must be one of"):
        scratch.fit_neuron(INPUTS, GATES["and"], activation="relu")
    with pytest.raises(ValueError, match="lr must be a positive number"):
        scratch.fit_neuron(INPUTS, GATES["and"], lr=0)
    with pytest.raises(ValueError, match="shape \\(4,\\)"):
        scratch.fit_neuron(INPUTS, [0, 1])
    with pytest.raises(ValueError, match="2-D"):
        scratch.fit_neuron([1, 2, 3], [0, 1, 1])


# ----------------------------------------------------------------------------- perceptron, delta rule

@pytest.mark.parametrize("gate", ["and", "or", "nand", "nor"])
def test_perceptron_learns_linearly_separable_gates(gate):
    result = scratch.train_perceptron(INPUTS, GATES[gate])
    assert result.converged and not result.cycled
    assert result.errors[-1] == 0 and all(e > 0 for e in result.errors[:-1])
    np.testing.assert_array_equal(result.predict(INPUTS), GATES[gate])
    assert len(result.history) == result.epochs


def test_perceptron_cannot_learn_xor():
    result = scratch.train_perceptron(INPUTS, GATES["xor"], max_epochs=100)
    assert not result.converged and result.cycled
    assert result.epochs == 100 and min(result.errors) > 0
    assert (result.predict(INPUTS) == GATES["xor"]).mean() < 1
    stopped = scratch.train_perceptron(INPUTS, GATES["xor"], max_epochs=100, stop_on_cycle=True)
    assert stopped.cycled and stopped.epochs < 100


def test_perceptron_update_rule_by_hand():
    # From zero weights the first sample (0, 0) with target 0 is predicted 1 (step(0) = 1), so
    # only the bias moves, by −lr.
    result = scratch.train_perceptron(INPUTS[:1], [0], lr=0.5, max_epochs=1)
    np.testing.assert_array_equal(result.history[0][0], [0, 0])
    assert result.history[0][1] == -0.5


def test_perceptron_validates():
    with pytest.raises(ValueError, match="only 0 and 1"):
        scratch.train_perceptron(INPUTS, [0, 1, 2, 1])
    with pytest.raises(ValueError, match="max_epochs must be a positive int"):
        scratch.train_perceptron(INPUTS, GATES["and"], max_epochs=1.5)
    with pytest.raises(ValueError, match="w0 must have shape"):
        scratch.train_perceptron(INPUTS, GATES["and"], w0=[1, 2, 3])


def test_delta_rule_approaches_least_squares_and_applies_the_formula():
    t = 2.0 * np.array(GATES["and"]) - 1  # bipolar targets
    result = scratch.train_delta_rule(INPUTS, t, lr=0.02, epochs=3000)
    w_ls, b_ls = scratch.normal_equation(INPUTS, t)
    np.testing.assert_allclose(np.r_[result.w, result.b], np.r_[w_ls, b_ls], atol=0.05)
    assert result.mse[-1] < result.mse[0]
    assert np.all(np.sign(result.net_input(INPUTS)) == t)
    one = scratch.train_delta_rule(INPUTS[3:], [1.0], lr=0.1, epochs=1, w0=[0.2, 0.3], b0=0.1)
    # y_in = 0.6, error 0.4: Δw = 0.1 · 0.4 · (1, 1), Δb = 0.04
    np.testing.assert_allclose(one.w, [0.24, 0.34])
    assert one.b == pytest.approx(0.14)


def test_delta_rule_reports_divergence():
    with pytest.raises(FloatingPointError, match="smaller learning rate"):
        scratch.train_delta_rule(INPUTS * 100, [1, 2, 3, 4], lr=1.0, epochs=200)


# ----------------------------------------------------------------------------- the MLP: worked numbers

def test_worked_example_forward_pass():
    cache = worked_network().forward_cache(X_WORKED)
    np.testing.assert_allclose(cache.a[0][0], [0.593269992, 0.596884378], atol=1e-9)
    np.testing.assert_allclose(cache.a[1][0], [0.75136507, 0.772928465], atol=1e-8)
    assert worked_network().loss(X_WORKED, T_WORKED) == pytest.approx(0.298371109, abs=1e-9)


def test_worked_example_one_update():
    net = worked_network()
    grads = net.sgd_step(X_WORKED, T_WORKED, lr=0.5, update_biases=False)
    # The notes' 0.0821670407 multiplies rounded intermediate factors; exact arithmetic gives 0.08216704056.
    assert grads.weights[1][0, 0] == pytest.approx(0.0821670407, abs=2e-10)  # ∂E/∂w5
    np.testing.assert_allclose(net.weights[1].T.ravel(), [0.35891648, 0.408666186, 0.511301270, 0.561370121],
                               atol=1e-9)
    np.testing.assert_allclose(net.weights[0].T.ravel(), [0.149780716, 0.19956143, 0.24975114, 0.29950229],
                               atol=1e-8)
    np.testing.assert_array_equal(net.biases[0], [0.35, 0.35])
    assert net.loss(X_WORKED, T_WORKED) == pytest.approx(0.2910278, abs=1e-7)


def test_worked_example_ten_thousand_updates():
    net = worked_network()
    for _ in range(10_000):
        net.sgd_step(X_WORKED, T_WORKED, lr=0.5, update_biases=False)
    assert net.loss(X_WORKED, T_WORKED) == pytest.approx(3.51e-5, rel=0.01)
    np.testing.assert_allclose(net.forward(X_WORKED)[0], [0.0159, 0.9841], atol=5e-5)


def test_goodfellow_xor_network():
    net = scratch.MLP([[[1, 1], [1, 1]], [[1], [-2]]], [[0, -1], [0]], ["relu", "linear"])
    np.testing.assert_array_equal(net.forward(INPUTS).ravel(), GATES["xor"])
    without_bias = scratch.MLP([[[1, 1], [1, 1]], [[1], [-2]]], [[0, 0], [0]], ["relu", "linear"])
    assert not np.array_equal(without_bias.forward(INPUTS).ravel(), GATES["xor"])


# ----------------------------------------------------------------------------- the MLP: any sizes

CASES = [  # (layer sizes, activations, loss, output kind)
    ([3, 4, 2], "sigmoid", "half_sse", "real"),
    ([5, 7, 3, 4], ["tanh", "relu", "softmax"], "categorical_crossentropy", "onehot"),
    ([2, 6, 6, 6, 1], ["elu", ("leaky_relu", {"alpha": 0.1}), "softplus", "sigmoid"], "binary_crossentropy", "binary"),
    ([4, 3, 5], ["tanh", "linear"], "mse", "real"),
    ([6, 8, 3], ["relu", "linear"], "weston_watkins", "onehot"),
    ([6, 5, 1], ["tanh", "linear"], "hinge", "binary"),
    ([1, 9, 1], ["sigmoid", "linear"], "half_mse", "real"),
]


def _case_data(sizes, kind, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(6, sizes[0]))
    if kind == "real":
        y = rng.normal(size=(6, sizes[-1]))
    elif kind == "onehot":
        y = scratch.one_hot(rng.integers(0, sizes[-1], 6), sizes[-1])
    else:
        y = rng.integers(0, 2, (6, 1)).astype(float)
    return x, y


@pytest.mark.parametrize("sizes, activations, loss, kind", CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_backprop_matches_finite_differences(sizes, activations, loss, kind, seed):
    net = scratch.MLP.random(sizes, activations, seed=seed)
    x, y = _case_data(sizes, kind, seed)
    assert scratch.gradient_check(net, x, y, loss) < 1e-6
    grads = net.gradients(x, y, loss)
    numeric_input = scratch.numerical_gradients(lambda: net.loss(x, y, loss), [x])[0]
    assert scratch.relative_error(grads.inputs, numeric_input) < 1e-6


def test_random_layer_sizes_match_finite_differences():
    rng = np.random.default_rng(123)
    for trial in range(5):
        sizes = [int(n) for n in rng.integers(1, 7, size=rng.integers(2, 6))]
        acts = [str(a) for a in rng.choice(["sigmoid", "tanh", "softplus", "elu", "linear"], len(sizes) - 1)]
        net = scratch.MLP.random(sizes, acts, seed=trial)
        x, y = rng.normal(size=(3, sizes[0])), rng.normal(size=(3, sizes[-1]))
        assert scratch.gradient_check(net, x, y, "half_sse") < 1e-6, (sizes, acts)


def _keras_twin(net: scratch.MLP, keras_activations):
    import keras

    model = keras.Sequential([keras.Input((net.layer_sizes[0],), dtype="float64")] + [
        keras.layers.Dense(W.shape[1], activation=a, dtype="float64") for W, a in zip(net.weights, keras_activations)])
    for layer, W, b in zip(model.layers, net.weights, net.biases):
        layer.set_weights([W, b])
    return model


@pytest.mark.parametrize("sizes, ours, theirs, loss, keras_loss, kind", [
    ([3, 5, 4, 2], ["tanh", "relu", "sigmoid"], ["tanh", "relu", "sigmoid"], "binary_crossentropy",
     "binary_crossentropy", "binary2"),
    ([4, 6, 3], ["elu", "softmax"], ["elu", "softmax"], "categorical_crossentropy", "categorical_crossentropy",
     "onehot"),
    ([2, 3, 3, 2], ["sigmoid", "softplus", "linear"], ["sigmoid", "softplus", "linear"], "mse", "mse", "real"),
    # tanh outputs include negative scores, where categorical_hinge and Crammer–Singer part ways.
    ([5, 4, 3], ["tanh", "tanh"], ["tanh", "tanh"], "categorical_hinge", "categorical_hinge", "onehot"),
])
def test_backprop_matches_tf_gradient_tape(sizes, ours, theirs, loss, keras_loss, kind):
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(sum(sizes))
    net = scratch.MLP.random(sizes, ours, seed=7)
    x = rng.normal(size=(8, sizes[0]))
    if kind == "onehot":
        y = scratch.one_hot(rng.integers(0, sizes[-1], 8), sizes[-1])
    elif kind == "binary2":
        y = rng.integers(0, 2, (8, sizes[-1])).astype(float)
    else:
        y = rng.normal(size=(8, sizes[-1]))
    model = _keras_twin(net, theirs)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        value = keras.losses.get(keras_loss)(tf.constant(y), model(xt))
        value = tf.reduce_mean(value)
    tf_grads = tape.gradient(value, model.trainable_variables + [xt])
    grads = net.gradients(x, y, loss)
    assert grads.loss == pytest.approx(float(value), rel=1e-6)
    ours_flat = [g for pair in zip(grads.weights, grads.biases) for g in pair] + [grads.inputs]
    for mine, reference in zip(ours_flat, tf_grads):
        assert scratch.relative_error(mine, reference.numpy()) < 1e-9


def test_softmax_with_cross_entropy_gives_y_hat_minus_y():
    net = scratch.MLP.random([4, 3], "softmax", seed=0)
    x = np.random.default_rng(0).normal(size=(5, 4))
    y = scratch.one_hot(np.array([0, 1, 2, 1, 0]), 3)
    grads = net.gradients(x, y, "categorical_crossentropy")
    np.testing.assert_allclose(grads.deltas[-1], (net.forward(x) - y) / 5, atol=1e-12)


def test_sgd_step_descends_and_can_freeze_biases():
    net = scratch.MLP.random([2, 4, 1], ["tanh", "sigmoid"], seed=3)
    before = [b.copy() for b in net.biases]
    losses = [net.sgd_step(INPUTS, [[0], [1], [1], [0]], lr=0.5, update_biases=False).loss for _ in range(20)]
    assert losses[-1] < losses[0]
    for b, old in zip(net.biases, before):
        np.testing.assert_array_equal(b, old)
    net.sgd_step(INPUTS, [[0], [1], [1], [0]], lr=0.5)
    assert not np.array_equal(net.biases[0], before[0])


def test_mlp_copies_its_inputs_and_validates_shapes():
    W = np.array([[1.0, 2.0]])
    net = scratch.MLP([W], [[0.0, 0.0]], "linear")
    W[0, 0] = 99
    assert net.weights[0][0, 0] == 1.0
    assert net.copy().weights[0] is not net.weights[0]
    assert net.layer_sizes == [1, 2] and "linear" in repr(net)
    np.testing.assert_array_equal(net.forward([3.0]), [[3.0, 6.0]])
    with pytest.raises(ValueError, match="biases\\[0\\] must have shape \\(2,\\)"):
        scratch.MLP([W], [[0.0]], "linear")
    with pytest.raises(ValueError, match="weights\\[1\\] expects 3 inputs but layer 0 has 2"):
        scratch.MLP([W, np.ones((3, 1))], [[0, 0], [0]], "linear")
    with pytest.raises(ValueError, match="one per layer \\(2\\), got 3"):
        scratch.MLP([W, np.ones((2, 1))], [[0, 0], [0]], ["relu", "relu", "relu"])
    with pytest.raises(ValueError, match="x must have shape \\(n, 1\\)"):
        net.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match="layer_sizes"):
        scratch.MLP.random([3])
    with pytest.raises(ValueError, match="output_grad"):
        net.backward(net.forward_cache([1.0]), np.ones((1, 3)))


# ----------------------------------------------------------------------------- losses

@pytest.mark.parametrize("ours, theirs, kind", [
    ("mse", "mean_squared_error", "real"), ("binary_crossentropy", "binary_crossentropy", "prob"),
    ("categorical_crossentropy", "categorical_crossentropy", "onehot"), ("hinge", "hinge", "binary"),
    ("categorical_hinge", "categorical_hinge", "onehot"),
])
def test_losses_match_keras(ours, theirs, kind):
    import keras

    rng = np.random.default_rng(4)
    scores = rng.normal(size=(6, 3))
    if kind == "prob":
        y, y_hat = rng.integers(0, 2, (6, 3)).astype(float), rng.uniform(0.05, 0.95, (6, 3))
    elif kind == "onehot":
        y = scratch.one_hot(rng.integers(0, 3, 6), 3)
        y_hat = np.exp(scores) / np.exp(scores).sum(1, keepdims=True) if ours == "categorical_crossentropy" \
            else scores
    elif kind == "binary":
        y, y_hat = rng.integers(0, 2, (6, 3)).astype(float), scores
    else:
        y, y_hat = rng.normal(size=(6, 3)), scores
    reference = float(np.mean(keras.ops.convert_to_numpy(keras.losses.get(theirs)(y, y_hat))))
    assert scratch.get_loss(ours)(y, y_hat) == pytest.approx(reference, rel=1e-5)


@pytest.mark.parametrize("name", sorted(scratch.LOSSES))
def test_loss_gradients_match_finite_differences(name):
    rng = np.random.default_rng(5)
    y_hat = rng.uniform(0.1, 0.9, (4, 3))
    y = scratch.one_hot(rng.integers(0, 3, 4), 3)
    loss = scratch.get_loss(name)
    numeric = scratch.numerical_gradients(lambda: loss(y, y_hat), [y_hat])[0]
    assert scratch.relative_error(loss.gradient(y, y_hat), numeric) < 1e-6


@pytest.mark.parametrize("scores, crammer_singer, keras_value", [
    ([0.5, -0.2, -0.3], 0.3, 0.5),  # every rival negative: Keras's max((1 − y)·s) picks the true class's 0
    ([0.5, 0.2, -0.3], 0.7, 0.7),  # a rival >= 0: the two losses agree
    ([-0.4, -0.1, -0.9], 1.3, 1.4),  # the true class scores below zero too
])
def test_crammer_singer_differs_from_keras_categorical_hinge(scores, crammer_singer, keras_value):
    import keras

    y, s = np.array([[1.0, 0.0, 0.0]]), np.array([scores])
    keras_loss = float(keras.ops.convert_to_numpy(keras.losses.categorical_hinge(y, s))[0])
    assert scratch.get_loss("crammer_singer")(y, s) == pytest.approx(crammer_singer)
    assert keras_loss == pytest.approx(keras_value)
    assert scratch.get_loss("categorical_hinge")(y, s) == pytest.approx(keras_value)


def test_weston_watkins_by_hand_and_differs_from_crammer_singer():
    y = np.array([[0.0, 0.0, 1.0]])
    scores = np.array([[2.0, 1.5, 1.8]])  # true class 2; margins: 2 − 1.8 + 1 = 1.2 and 1.5 − 1.8 + 1 = 0.7
    assert scratch.get_loss("weston_watkins")(y, scores) == pytest.approx(1.9)
    assert scratch.get_loss("crammer_singer")(y, scores) == pytest.approx(1.2)
    np.testing.assert_allclose(scratch.get_loss("weston_watkins").gradient(y, scores), [[1, 1, -2]])


def test_cross_entropy_worked_numbers_and_sign():
    cce = scratch.get_loss("categorical_crossentropy")
    assert cce([0, 1, 0], [0.2, 0.7, 0.1]) == pytest.approx(0.357, abs=5e-4)
    assert cce([0, 1, 0], [0.01, 0.98, 0.01]) < cce([0, 1, 0], [0.2, 0.7, 0.1])  # better prediction, lower loss


def test_loss_helpers_validate():
    with pytest.raises(ValueError, match="unknown loss"):
        scratch.get_loss("l3")
    with pytest.raises(ValueError, match="same shape"):
        scratch.get_loss("mse")(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="lie in \\[0, 3\\)"):
        scratch.one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="integer"):
        scratch.one_hot(np.array([0.5]), 3)


# ----------------------------------------------------------------------------- helpers

def test_numerical_gradients_restores_parameters_and_relative_error_scales():
    p = np.array([1.0, 2.0, 3.0])
    g = scratch.numerical_gradients(lambda: float(np.sum(p ** 2)), [p])[0]
    np.testing.assert_allclose(g, 2 * p, atol=1e-6)
    np.testing.assert_array_equal(p, [1.0, 2.0, 3.0])
    assert scratch.relative_error([1.0, 0.0], [1.0, 1e-9]) < 1e-8
    assert scratch.relative_error([1.0], [2.0]) == pytest.approx(0.5)
    assert scratch.relative_error([], []) == 0.0


def test_scratch_imports_without_tensorflow():
    code = "import sys, course_lib.scratch, course_lib.plots, course_lib.data; assert 'tensorflow' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
