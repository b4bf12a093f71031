"""GradientNorms and DeadUnits (course_lib.callbacks.gradients) and their plots, on tiny models."""

import warnings

import keras
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
import tensorflow as tf

from course_lib import callbacks, plots
from course_lib.models import mlp


def data(n=48, d=5, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0.5)
    return x, y % classes


def tiny_model(activation="relu", hidden=(6, 6), bias_initializer="zeros", seed=1, **kwargs):
    keras.utils.set_random_seed(seed)
    model = mlp((5,), hidden=hidden, outputs=3, activation=activation, bias_initializer=bias_initializer, **kwargs)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy")
    return model


def manual_norms(model, x, y, weights="kernel"):
    """The same quantity, computed independently: one tape, per-layer sqrt of the sum of squares."""
    layers = [layer for layer in model.layers if hasattr(layer, "kernel")]
    with tf.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy()(y, model(x, training=True))
    variables = [layer.kernel if weights == "kernel" else layer.trainable_weights for layer in layers]
    grads = tape.gradient(loss, variables)
    out = {}
    for layer, g in zip(layers, grads):
        g = g if isinstance(g, list) else [g]
        out[layer.name] = float(np.sqrt(sum(np.sum(np.square(t.numpy())) for t in g)))
    return out


@pytest.mark.parametrize("weights", ["kernel", "all"])
def test_gradient_norms_match_a_manual_tape_before_and_after_training(weights):
    x, y = data()
    model = tiny_model()
    before = manual_norms(model, x, y, weights)
    cb = callbacks.GradientNorms(x, y, weights=weights)
    model.fit(x, y, epochs=3, batch_size=16, verbose=0, callbacks=[cb])
    after = manual_norms(model, x, y, weights)
    assert cb.epochs == [0, 1, 2, 3]
    assert list(cb.history) == ["hidden_1", "hidden_2", "output"]
    for name in cb.history:
        assert len(cb.history[name]) == 4
        assert cb.history[name][0] == pytest.approx(before[name], rel=1e-5)
        assert cb.history[name][-1] == pytest.approx(after[name], rel=1e-5)
    assert cb.history["output"][0] != pytest.approx(cb.history["output"][-1], rel=1e-3)  # training changed them
    kernel_only = manual_norms(model, x, y, "kernel")
    if weights == "all":  # the bias adds to the norm
        assert all(cb.history[n][-1] > kernel_only[n] for n in cb.history)


def test_gradient_norms_are_computed_once_per_recorded_epoch(monkeypatch):
    x, y = data()
    model = tiny_model()
    cb = callbacks.GradientNorms(x, y, every=2, layers=["hidden_1", "output"])
    calls = []
    original = callbacks.GradientNorms._measure
    monkeypatch.setattr(callbacks.GradientNorms, "_measure", lambda self: calls.append(1) or original(self))
    model.fit(x, y, epochs=5, batch_size=8, verbose=0, callbacks=[cb])  # 6 batches per epoch
    assert len(calls) == 3 and cb.epochs == [0, 2, 4]
    assert list(cb.history) == ["hidden_1", "output"]
    ratio = cb.ratio()
    assert ratio == pytest.approx([a / b for a, b in zip(cb.history["hidden_1"], cb.history["output"])])
    assert cb.ratio("output", "output") == pytest.approx([1.0, 1.0, 1.0])


def test_gradient_norms_vanish_through_a_deep_sigmoid_stack():
    x, y = data(n=64)
    sigmoid, relu = tiny_model("sigmoid", hidden=(16,) * 8), tiny_model("relu", hidden=(16,) * 8,
                                                                        kernel_initializer="he_normal")
    ratios = {}
    for name, model in (("sigmoid", sigmoid), ("relu", relu)):
        cb = callbacks.GradientNorms(x, y)
        model.fit(x, y, epochs=1, verbose=0, callbacks=[cb])
        ratios[name] = cb.ratio("hidden_1", "output")[0]
    assert ratios["sigmoid"] < 1e-2 * ratios["relu"]


def test_dead_units_detects_a_bias_of_minus_100():
    x, y = data()
    dead_model = tiny_model(bias_initializer=keras.initializers.Constant(-100.0))
    healthy_model = tiny_model()
    dead, healthy = callbacks.DeadUnits(x), callbacks.DeadUnits(x)
    dead_model.fit(x, y, epochs=2, verbose=0, callbacks=[dead])
    healthy_model.fit(x, y, epochs=2, verbose=0, callbacks=[healthy])
    assert list(dead.history) == ["activation_1", "activation_2"] and dead.units == {"activation_1": 6,
                                                                                      "activation_2": 6}
    assert dead.overall == [1.0, 1.0, 1.0] and all(v == [1.0, 1.0, 1.0] for v in dead.history.values())
    assert max(healthy.overall) < 0.5
    # the same count by hand: a unit is dead when it is zero on every probe sample
    hidden = keras.Model(healthy_model.inputs[0], healthy_model.get_layer("activation_1").output)(x).numpy()
    assert healthy.history["activation_1"][-1] == pytest.approx(np.mean(~(hidden > 0).any(axis=0)))


def test_dead_units_finds_relu_inside_dense_layers_and_watches_named_layers():
    x, _ = data()
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="relu", name="a"),
                              keras.layers.Dense(3, activation="tanh", name="b"), keras.layers.ReLU(name="c"),
                              keras.layers.LeakyReLU(name="leaky")])
    cb = callbacks.DeadUnits(x)
    cb.set_model(model)
    cb.on_train_begin()
    assert list(cb.history) == ["a", "c"]
    named = callbacks.DeadUnits(x, layers=["leaky"])
    named.set_model(model)
    named.on_train_begin()
    assert list(named.history) == ["leaky"] and named.units == {"leaky": 3}


def test_dead_units_warns_or_stops_at_its_threshold():
    x, y = data()
    cb = callbacks.DeadUnits(x, threshold=0.9)
    with pytest.warns(RuntimeWarning, match="100% of the watched ReLU units are dead at epoch 0"):
        tiny_model(bias_initializer=keras.initializers.Constant(-100.0)).fit(x, y, epochs=2, verbose=0,
                                                                             callbacks=[cb])
    assert cb.triggered_at == 0 and len(cb.epochs) == 3  # warned once, kept training
    stop = callbacks.DeadUnits(x, threshold=0.9, action="stop")
    with pytest.warns(RuntimeWarning):
        history = tiny_model(bias_initializer=keras.initializers.Constant(-100.0)).fit(
            x, y, epochs=5, batch_size=8, verbose=0, callbacks=[stop])
    assert len(history.history["loss"]) == 1 and stop.triggered_at == 0
    quiet = callbacks.DeadUnits(x, threshold=0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tiny_model().fit(x, y, epochs=1, verbose=0, callbacks=[quiet])
    assert quiet.triggered_at is None


@pytest.mark.parametrize("make, message", [
    (lambda x, y: callbacks.GradientNorms(x, y[:5]), "x and y must hold the same number of samples, got 48 and 5"),
    (lambda x, y: callbacks.GradientNorms(x, y, weights="bias"), "weights must be one of ('kernel', 'all'), got 'bias'"),
    (lambda x, y: callbacks.GradientNorms(x, y, every=0), "every must be a positive int, got 0"),
    (lambda x, y: callbacks.GradientNorms(x, y, layers=[3]), "layers must be None, a layer name or a non-empty list"),
    (lambda x, y: callbacks.GradientNorms(np.zeros((0, 5)), y), "x must hold at least one sample, got shape (0, 5)"),
    (lambda x, y: callbacks.GradientNorms("pixels", y), "x must be an array of numbers, got str"),
    (lambda x, y: callbacks.DeadUnits(x, threshold=1.5), "threshold must be a number in (0, 1], got 1.5"),
    (lambda x, y: callbacks.DeadUnits(x, threshold="high"), "threshold must be a number in (0, 1], got 'high' (str)"),
    (lambda x, y: callbacks.DeadUnits(x, action="halt"), "action must be one of ('warn', 'stop'), got 'halt'"),
    (lambda x, y: callbacks.DeadUnits(x * np.nan), "x contains NaN or infinite values"),
])
def test_bad_arguments_are_named(make, message):
    x, y = data()
    with pytest.raises(ValueError) as info:
        make(x, y)
    assert message in str(info.value)


def test_bad_layers_and_models_are_reported_when_training_starts():
    x, y = data()
    with pytest.raises(ValueError, match=r"layers names layers \['hidden_9'\] that the model 'mlp' does not have"):
        tiny_model().fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.GradientNorms(x, y, layers="hidden_9")])
    with pytest.raises(ValueError, match="has no ReLU layer; name the layers to watch"):
        tiny_model("tanh").fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.DeadUnits(x)])
    cb = callbacks.GradientNorms(x, y)
    cb.set_model(mlp((5,), hidden=(4,), outputs=3))
    with pytest.raises(ValueError, match="needs a compiled model"):
        cb.on_train_begin()
    with pytest.raises(ValueError, match="no gradient norms recorded yet"):
        callbacks.GradientNorms(x, y).ratio()


def test_plots_draw_what_the_callbacks_recorded():
    x, y = data()
    model = tiny_model()
    norms, dead = callbacks.GradientNorms(x, y), callbacks.DeadUnits(x)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[norms, dead])
    fig = plots.gradient_norms(norms, title="tiny")
    left, right = fig.axes
    assert len(left.lines) == 3 and len(right.lines) == 3  # 3 recorded epochs; 3 layers
    assert np.allclose(right.lines[0].get_ydata(), norms.history["hidden_1"])
    assert left.get_yscale() == "log"
    fig = plots.layer_profiles({"a": norms, "b": {k: [v[0]] for k, v in norms.history.items()}})
    assert len(fig.axes[0].lines) == 2
    assert np.allclose(fig.axes[0].lines[1].get_ydata(), [v[0] for v in norms.history.values()])
    fig = plots.dead_units(dead)
    assert len(fig.axes[0].lines) == 2 and fig.axes[0].get_ylabel() == "dead fraction of the layer"
    fig = plots.dead_units({"relu": dead, "again": dead})
    assert np.allclose(fig.axes[0].lines[0].get_ydata(), dead.overall)


def test_plots_reject_bad_data():
    with pytest.raises(TypeError, match="data must be a GradientNorms/DeadUnits callback or a mapping"):
        plots.gradient_norms([1, 2])
    with pytest.raises(ValueError, match="every layer needs the same, non-zero number of values"):
        plots.gradient_norms({"a": [1.0, 2.0], "b": [1.0]})
    with pytest.raises(ValueError, match="epochs must have one entry per value"):
        plots.gradient_norms({"a": [1.0, 2.0]}, epochs=[0, 1, 2])
    with pytest.raises(ValueError, match=r"models\['b'\] has no layers \['x'\]"):
        plots.layer_profiles({"a": {"x": [1.0]}, "b": {"y": [1.0]}})
    with pytest.raises(ValueError, match="epoch must index the 1 recorded entries, got 3"):
        plots.layer_profiles({"a": {"x": [1.0]}}, epoch=3)
    with pytest.raises(TypeError, match="models must be a non-empty mapping"):
        plots.layer_profiles({})
