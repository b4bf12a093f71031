"""course_lib.scratch.regularisation against Keras: dropout, batch norm, weight penalties, early stopping."""

import numpy as np
import pytest

from course_lib._validation import ArgumentTypeError, ArgumentValueError, ShapeError
from course_lib.scratch import regularisation as reg


# -- dropout ---------------------------------------------------------------------------------

def test_worked_example_six_units_one_third_dropped():
    keep = np.array([True, True, False, True, False, True])
    out = reg.dropout(np.ones(6), 1 / 3, training=True, mask=keep)
    assert keep.sum() == 4
    np.testing.assert_allclose(out, np.where(keep, 1.5, 0.0))
    np.testing.assert_allclose(reg.dropout(np.ones(6), 1 / 3, training=True, mask=keep, convention="classic"),
                               keep.astype(float))
    np.testing.assert_allclose(reg.dropout(np.ones(6), 1 / 3, training=False, convention="classic"), np.full(6, 2 / 3))
    np.testing.assert_allclose(reg.dropout(np.ones(6), 1 / 3, training=False), np.ones(6))


def test_dropout_matches_keras_given_keras_mask():
    import keras

    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 2.0, size=(64, 10)).astype("float32")   # no zeros, so the mask can be read back
    for rate in (0.1, 0.5, 0.8):
        y = keras.ops.convert_to_numpy(keras.layers.Dropout(rate, seed=3)(x, training=True))
        mask = y != 0
        assert 0 < mask.mean() < 1
        np.testing.assert_allclose(reg.dropout(x, rate, training=True, mask=mask), y, rtol=1e-6)
        y_test = keras.ops.convert_to_numpy(keras.layers.Dropout(rate)(x, training=False))
        np.testing.assert_allclose(reg.dropout(x, rate, training=False), y_test)


@pytest.mark.parametrize("convention", reg.CONVENTIONS)
def test_expected_training_output_equals_test_output(convention):
    x = np.linspace(-2, 3, 8)
    rate, n = 0.4, 20_000
    draws = reg.dropout(np.tile(x, (n, 1)), rate, training=True, convention=convention, seed=1)   # n masks
    test_time = reg.dropout(x, rate, training=False, convention=convention)
    keep = 1 - rate
    scale = 1 / keep if convention == "inverted" else 1.0
    standard_error = np.abs(x) * scale * np.sqrt(keep * (1 - keep) / n)
    assert np.all(np.abs(draws.mean(axis=0) - test_time) < 5 * standard_error + 1e-12)
    # ...and the wrong test-time behaviour of the other convention is far off
    other = reg.dropout(x, rate, training=False, convention="classic" if convention == "inverted" else "inverted")
    assert np.max(np.abs(draws.mean(axis=0) - other)) > 50 * standard_error.max()


def test_mask_is_seeded_and_keeps_about_one_minus_rate():
    a, b = reg.dropout_mask((200, 50), 0.3, seed=7), reg.dropout_mask((200, 50), 0.3, seed=7)
    assert a.dtype == bool and np.array_equal(a, b)
    assert not np.array_equal(a, reg.dropout_mask((200, 50), 0.3, seed=8))
    assert abs(a.mean() - 0.7) < 0.02
    assert reg.dropout_mask(5, 0.0).all()


def test_rate_zero_is_the_identity_in_both_modes():
    x = np.array([[1.0, -2.0], [3.0, 0.5]])
    for convention in reg.CONVENTIONS:
        for training in (True, False):
            np.testing.assert_array_equal(reg.dropout(x, 0.0, training=training, convention=convention), x)


@pytest.mark.parametrize("rate, error", [(1.0, ArgumentValueError), (1.5, ArgumentValueError),
                                         (-0.1, ArgumentValueError), ("0.5", ArgumentTypeError),
                                         (float("nan"), ArgumentValueError), (True, ArgumentTypeError)])
def test_bad_rates_are_refused(rate, error):
    with pytest.raises(error, match="rate must be a number in"):
        reg.dropout(np.ones(3), rate, training=True)
    with pytest.raises(error, match="rate"):
        reg.dropout_mask(3, rate)


def test_bad_dropout_arguments_name_themselves():
    with pytest.raises(ArgumentTypeError, match="training must be True or False, got 1"):
        reg.dropout(np.ones(3), 0.5, training=1)
    with pytest.raises(ArgumentValueError, match="convention must be one of"):
        reg.dropout(np.ones(3), 0.5, training=True, convention="scaled")
    with pytest.raises(ShapeError, match=r"mask must be a boolean array of x's shape \(3,\)"):
        reg.dropout(np.ones(3), 0.5, training=True, mask=np.ones(4, bool))
    with pytest.raises(ShapeError, match="mask must be a boolean array"):
        reg.dropout(np.ones(3), 0.5, training=True, mask=np.ones(3))
    with pytest.raises(ArgumentValueError, match="seed must be a non-negative int"):
        reg.dropout_mask(3, 0.5, seed=-1)
    with pytest.raises(ArgumentValueError, match=r"shape\[0\] must be a non-negative int"):
        reg.dropout_mask((-2, 3), 0.5)


# -- batch normalisation ---------------------------------------------------------------------

def test_batchnorm_matches_keras_in_training_and_inference():
    import keras

    rng = np.random.default_rng(1)
    features = 5
    x = rng.normal(3.0, 2.0, size=(32, features)).astype("float32")
    layer = keras.layers.BatchNormalization(momentum=0.9)
    layer.build((None, features))
    gamma, beta = rng.uniform(0.5, 2, features), rng.normal(size=features)
    moving_mean, moving_var = rng.normal(size=features), rng.uniform(0.5, 3, features)
    layer.set_weights([w.astype("float32") for w in (gamma, beta, moving_mean, moving_var)])

    ours = reg.batchnorm_forward(x, gamma, beta, moving_mean, moving_var, training=True, momentum=0.9)
    theirs = keras.ops.convert_to_numpy(layer(x, training=True))
    np.testing.assert_allclose(ours.y, theirs, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.moving_mean, keras.ops.convert_to_numpy(layer.moving_mean), rtol=1e-5)
    np.testing.assert_allclose(ours.moving_var, keras.ops.convert_to_numpy(layer.moving_variance), rtol=1e-5)
    # the batch's own statistics normalise it: each feature has mean β and std ≈ γ
    np.testing.assert_allclose(ours.y.mean(axis=0), beta, atol=1e-6)

    x_new = rng.normal(size=(4, features)).astype("float32")
    inference = reg.batchnorm_forward(x_new, gamma, beta, ours.moving_mean, ours.moving_var, training=False)
    np.testing.assert_allclose(inference.y, keras.ops.convert_to_numpy(layer(x_new, training=False)),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(inference.moving_mean, ours.moving_mean)   # inference leaves them alone


def test_batchnorm_uses_the_biased_variance_and_any_leading_axes():
    x = np.random.default_rng(2).normal(size=(3, 4, 2))
    out = reg.batchnorm_forward(x, np.ones(2), np.zeros(2), np.zeros(2), np.ones(2), training=True, epsilon=0.0)
    np.testing.assert_allclose(out.var, x.reshape(-1, 2).var(axis=0, ddof=0))
    np.testing.assert_allclose(out.y.reshape(-1, 2).std(axis=0), 1.0)


def test_batchnorm_with_gamma_std_and_beta_mean_gives_back_its_input():
    x = np.random.default_rng(3).normal(4, 3, size=(50, 3))
    eps = 1e-3
    gamma, beta = np.sqrt(x.var(axis=0) + eps), x.mean(axis=0)
    out = reg.batchnorm_forward(x, gamma, beta, np.zeros(3), np.ones(3), training=True, epsilon=eps)
    np.testing.assert_allclose(out.y, x)


def test_bad_batchnorm_arguments():
    ones = np.ones(3)
    with pytest.raises(ShapeError, match="x must be at least 2-D"):
        reg.batchnorm_forward(ones, ones, ones, ones, ones, training=True)
    with pytest.raises(ShapeError, match=r"gamma must have shape \(3,\), one per feature"):
        reg.batchnorm_forward(np.ones((2, 3)), np.ones(2), ones, ones, ones, training=True)
    with pytest.raises(ShapeError, match="moving_var must be non-negative"):
        reg.batchnorm_forward(np.ones((2, 3)), ones, ones, ones, -ones, training=True)
    with pytest.raises(ArgumentValueError, match="momentum must be a number in"):
        reg.batchnorm_forward(np.ones((2, 3)), ones, ones, ones, ones, training=True, momentum=1.5)
    with pytest.raises(ArgumentTypeError, match="training must be True or False"):
        reg.batchnorm_forward(np.ones((2, 3)), ones, ones, ones, ones, training="yes")


# -- weight penalties ------------------------------------------------------------------------

@pytest.mark.parametrize("l1, l2", [(0.01, 0.0), (0.0, 0.02), (0.03, 0.005)])
def test_penalty_and_gradient_match_keras(l1, l2):
    import keras
    import tensorflow as tf

    w = np.random.default_rng(4).normal(size=(6, 3))
    regulariser = keras.regularizers.L1L2(l1=l1, l2=l2)
    variable = tf.Variable(w)
    with tf.GradientTape() as tape:
        value = regulariser(variable)
    np.testing.assert_allclose(reg.weight_penalty(w, l1=l1, l2=l2), float(value), rtol=1e-6)
    np.testing.assert_allclose(reg.weight_penalty_gradient(w, l1=l1, l2=l2), tape.gradient(value, variable).numpy(),
                               rtol=1e-6)


def test_l1_subgradient_is_zero_at_zero_and_penalties_are_validated():
    np.testing.assert_array_equal(reg.weight_penalty_gradient(np.zeros(3), l1=0.5), np.zeros(3))
    assert reg.weight_penalty(np.zeros((2, 2)), l1=1.0, l2=1.0) == 0.0
    with pytest.raises(ArgumentValueError, match="l1 must be a non-negative number, got -0.1"):
        reg.weight_penalty(np.ones(2), l1=-0.1)
    with pytest.raises(ArgumentTypeError, match="l2 must be a non-negative number"):
        reg.weight_penalty_gradient(np.ones(2), l2="big")
    with pytest.raises(ShapeError, match="weights contains NaN"):
        reg.weight_penalty([np.nan], l2=1.0)
    with pytest.raises(ArgumentValueError, match="l1_ratio must be a number in"):
        reg.sklearn_penalty_to_keras(0.1, 1.2)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0])
def test_sklearn_elastic_net_solution_is_stationary_for_the_keras_objective(l1_ratio):
    # At scikit-learn's solution, the (sub)gradient of mse + L1L2(l1, l2) contains 0 (the KKT conditions).
    from sklearn.linear_model import ElasticNet

    rng = np.random.default_rng(5)
    X = rng.normal(size=(80, 8))
    y = X[:, :3] @ np.array([2.0, -1.0, 0.5]) + rng.normal(0, 0.3, 80)
    alpha = 0.1
    w = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(X, y).coef_
    l1, l2 = reg.sklearn_penalty_to_keras(alpha, l1_ratio)
    mse_grad = -2 / len(X) * X.T @ (y - X @ w)
    nonzero = w != 0
    total = mse_grad + reg.weight_penalty_gradient(w, l1=l1, l2=l2)
    np.testing.assert_allclose(total[nonzero], 0, atol=1e-8)
    assert np.all(np.abs(mse_grad[~nonzero]) <= l1 + 1e-8)
    if l1_ratio == 1.0:
        assert (~nonzero).sum() >= 3       # the lasso zeroes irrelevant features exactly


# -- early stopping --------------------------------------------------------------------------

def keras_decision(curve, mode="min", **kwargs):
    """Drive keras.callbacks.EarlyStopping over a curve as model.fit does: (best_epoch, stopped_epoch, epochs_run)."""
    import keras

    monitor = "val_loss" if mode == "min" else "val_accuracy"
    callback = keras.callbacks.EarlyStopping(monitor=monitor, mode=mode, **kwargs)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin()
    epochs_run = 0
    for epoch, value in enumerate(curve):
        callback.on_epoch_end(epoch, {monitor: float(value)})
        epochs_run = epoch + 1
        if model.stop_training:
            return callback.best_epoch, callback.stopped_epoch, epochs_run
    return callback.best_epoch, None, epochs_run


def ours(curve, **kwargs):
    choice = reg.early_stopping(curve, **kwargs)
    return choice.best_epoch, choice.stopped_epoch, choice.epochs_run


@pytest.mark.parametrize("curve, kwargs, want", [
    ([1.0, 0.8, 0.9, 0.7], {"patience": 0}, (1, 2, 3)),                 # patience 0: first non-improvement stops
    ([1.0, 0.8, 0.9, 0.7], {"patience": 1}, (1, 2, 3)),
    ([1.0, 0.8, 0.9, 0.7], {"patience": 2}, (3, None, 4)),
    ([1.0, 1.0, 1.0], {"patience": 1}, (0, 1, 2)),                       # a tie is no improvement
    ([1.0, 0.95, 0.9, 0.85, 0.8], {"patience": 1, "min_delta": 0.1}, (0, 1, 2)),
    ([1.0, 0.95, 0.9, 0.85, 0.8], {"patience": 3, "min_delta": 0.1}, (3, None, 5)),   # 0.85 beats 1.0 by > 0.1
    ([0.5], {"patience": 0}, (0, None, 1)),                              # epoch 0 never stops
    ([0.1, 0.9, 0.8, 0.05, 0.04], {"patience": 1, "start_from_epoch": 2}, (4, None, 5)),
])
def test_known_decisions_agree_with_keras(curve, kwargs, want):
    assert ours(curve, **kwargs) == want
    assert keras_decision(curve, **kwargs) == want


def test_random_curves_agree_with_keras_in_every_setting():
    rng = np.random.default_rng(6)
    for trial in range(120):
        n = int(rng.integers(1, 14))
        curve = np.round(np.cumsum(rng.normal(-0.02, 0.05, n)) + 1.0, 2)       # rounding makes ties
        mode = "min" if trial % 3 else "max"
        kwargs = {"patience": int(rng.integers(0, 4)), "min_delta": float(rng.choice([0.0, 0.01, 0.03])),
                  "start_from_epoch": int(rng.choice([0, 0, 2]))}
        if trial % 4 == 0:
            kwargs["baseline"] = float(curve[0] + rng.choice([-0.05, 0.05]))
        best, stopped, run = ours(curve, mode=mode, **kwargs)
        best = 0 if best is None else best               # no epoch looked at: Keras keeps its initial 0
        assert (best, stopped, run) == keras_decision(curve, mode=mode, **kwargs), (curve, mode, kwargs)


def test_float32_ties_like_keras():
    curve = [0.1, 0.1 - 1e-10, 0.1 - 2e-10]          # different in float64, equal in float32
    assert ours(curve, patience=1) == keras_decision(curve, patience=1) == (0, 1, 2)


def test_nan_never_improves():
    curve = [1.0, float("nan"), 0.9, float("nan"), float("nan")]
    assert ours(curve, patience=1) == keras_decision(curve, patience=1) == (0, 1, 2)
    assert ours(curve, patience=3) == keras_decision(curve, patience=3) == (2, None, 5)


def test_model_fit_restores_the_best_epoch_our_rule_picks():
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5)).astype("float32")
    y = (x[:, :1] + rng.normal(0, 1.0, (40, 1))).astype("float32")
    x_val, y_val = x[:10], y[:10]
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.03), loss="mse")
    stop = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(x[10:], y[10:], validation_data=(x_val, y_val), epochs=60, verbose=0, callbacks=[stop])
    choice = reg.early_stopping(history.history["val_loss"], patience=2)
    assert choice.stopped and choice.epochs_run == len(history.history["val_loss"]) < 60
    assert (choice.best_epoch, choice.stopped_epoch) == (stop.best_epoch, stop.stopped_epoch)
    assert np.isclose(model.evaluate(x_val, y_val, verbose=0), min(history.history["val_loss"]), rtol=1e-5)
    assert choice.epochs_to_retrain == choice.best_epoch + 1


def test_early_stopping_edge_cases_and_bad_arguments():
    assert reg.early_stopping([]) == reg.EarlyStoppingChoice(None, None, 0, None)
    assert reg.early_stopping([0.5, 0.4], start_from_epoch=5).best_epoch is None
    assert reg.early_stopping([0.1, 0.3, 0.2], mode="max", patience=0).best_epoch == 1
    with pytest.raises(ArgumentValueError, match="patience must be a non-negative int, got -1"):
        reg.early_stopping([1.0], patience=-1)
    with pytest.raises(ArgumentTypeError, match="patience must be a non-negative int, got 1.5"):
        reg.early_stopping([1.0], patience=1.5)
    with pytest.raises(ArgumentValueError, match="min_delta must be a non-negative number, got -0.01"):
        reg.early_stopping([1.0], min_delta=-0.01)
    with pytest.raises(ArgumentValueError, match="mode must be one of"):
        reg.early_stopping([1.0], mode="auto")
    with pytest.raises(ShapeError, match=r"curve must be a 1-D array of shape \(n_epochs,\)"):
        reg.early_stopping([[1.0, 2.0]])
