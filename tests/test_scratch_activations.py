"""course_lib.scratch.activations: values against Keras, derivatives against finite differences."""

import numpy as np
import pytest

from course_lib.scratch import activations as acts

Z = np.linspace(-4, 4, 81) + 0.013  # avoid sitting exactly on the kinks at 0


def _central_difference(f, z, eps=1e-6):
    return (f(z + eps) - f(z - eps)) / (2 * eps)


@pytest.mark.parametrize("spec", ["linear", "sigmoid", "tanh", "relu", ("leaky_relu", {"alpha": 0.1}),
                                  ("leaky_relu", {"alpha": 0.01}), ("prelu", {"alpha": 0.3}), ("elu", {"alpha": 0.7}),
                                  "softplus", "step"])
def test_derivative_matches_finite_differences(spec):
    act = acts.get(spec[0], **spec[1]) if isinstance(spec, tuple) else acts.get(spec)
    np.testing.assert_allclose(act.derivative(Z), _central_difference(act, Z), atol=1e-6)


@pytest.mark.parametrize("name, keras_name, kwargs", [
    ("linear", "linear", {}), ("sigmoid", "sigmoid", {}), ("tanh", "tanh", {}), ("relu", "relu", {}),
    ("leaky_relu", "leaky_relu", {"negative_slope": 0.1}), ("elu", "elu", {"alpha": 1.0}),
    ("softplus", "softplus", {}),
])
def test_values_match_keras(name, keras_name, kwargs):
    import keras

    ours = acts.get(name, **({"alpha": 0.1} if name == "leaky_relu" else {}))
    theirs = keras.ops.convert_to_numpy(getattr(keras.activations, keras_name)(Z.astype("float32"), **kwargs))
    np.testing.assert_allclose(ours(Z), theirs, rtol=1e-5, atol=1e-6)


def test_softmax_matches_keras_and_sums_to_one():
    import keras

    z = np.random.default_rng(0).normal(size=(5, 7)) * 3
    s = acts.softmax(z)
    np.testing.assert_allclose(s.sum(axis=-1), 1.0)
    np.testing.assert_allclose(s, keras.ops.convert_to_numpy(keras.activations.softmax(z)), rtol=1e-6)
    assert np.all(np.isfinite(acts.softmax([1000.0, 0.0, -1000.0])))  # max-subtraction keeps it finite


def test_softmax_jacobian_and_backward_agree_with_finite_differences_and_tape():
    import tensorflow as tf

    rng = np.random.default_rng(1)
    z, g = rng.normal(size=4), rng.normal(size=4)
    jac = acts.softmax_jacobian(z)
    cols = []
    for j in range(4):
        e = np.zeros(4)
        e[j] = 1e-6
        cols.append((acts.softmax(z + e) - acts.softmax(z - e)) / 2e-6)
    np.testing.assert_allclose(jac, np.stack(cols, axis=1), atol=1e-8)
    ours = acts.get("softmax").backward(z, g)
    np.testing.assert_allclose(ours, jac.T @ g, atol=1e-12)
    zt = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(zt)
        out = tf.reduce_sum(tf.nn.softmax(zt) * g)
    np.testing.assert_allclose(ours, tape.gradient(out, zt).numpy(), atol=1e-12)


def test_syllabus_facts_about_derivatives():
    sig = acts.get("sigmoid")
    zs = np.linspace(-10, 10, 20001)
    d = sig.derivative(zs)
    assert d.max() == pytest.approx(0.25) and zs[d.argmax()] == pytest.approx(0.0, abs=1e-9)
    assert d[np.abs(zs) > 3].max() < 0.05
    np.testing.assert_allclose(acts.get("softplus").derivative(zs), acts.sigmoid(zs))
    np.testing.assert_allclose(acts.get("tanh").derivative(zs), 1 - np.tanh(zs) ** 2)


def test_sigmoid_is_stable_for_huge_inputs():
    with np.errstate(over="raise"):
        out = acts.sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0])


def test_backward_is_upstream_times_derivative_for_elementwise():
    g = np.random.default_rng(2).normal(size=Z.shape)
    tanh = acts.get("tanh")
    np.testing.assert_allclose(tanh.backward(Z, g), g * (1 - np.tanh(Z) ** 2))
    with pytest.raises(ValueError, match="upstream"):
        tanh.backward(Z, g[:-1])


def test_get_validates_its_arguments():
    assert acts.get("identity").name == "linear"
    assert acts.get("ReLU").name == "relu"
    assert acts.get("leaky_relu").params == {"alpha": 0.01}
    ready = acts.get("elu", alpha=0.5)
    assert acts.get(ready) is ready
    with pytest.raises(ValueError, match="unknown activation 'swishy'"):
        acts.get("swishy")
    with pytest.raises(ValueError, match="takes parameters none"):
        acts.get("relu", alpha=0.1)
    with pytest.raises(ValueError, match="alpha must be a finite number"):
        acts.get("elu", alpha="big")
    with pytest.raises(TypeError):
        acts.get(3)
    with pytest.raises(ValueError, match="one vector"):
        acts.softmax_jacobian(np.zeros((2, 2)))
