"""The MLP factory: parameter counts, layer names, the residual path and bad arguments."""

import numpy as np
import pytest

from course_lib import models
from course_lib._validation import ArgumentValueError


def test_the_worked_mnist_mlp_has_468874_parameters():
    # 784·512 + 512 + 512·128 + 128 + 128·10 + 10
    assert models.mlp((784,), (512, 128), 10).count_params() == 468_874
    assert models.mlp((28, 28), (512, 128), 10).count_params() == 468_874  # flattened first


def test_the_series_differs_only_where_it_says():
    series = models.mnist_series()
    assert list(series) == list(models.MNIST_SERIES)
    counts = {label: m.count_params() for label, m in series.items()}
    assert counts["1 sigmoid"] == counts["2 ReLU"] == 468_874
    # BatchNorm drops the Dense biases (512 + 128) and adds γ, β and two moving statistics per unit.
    assert counts["3 ReLU + BatchNorm"] == 468_874 - 640 + 4 * 640
    assert counts["4 ReLU + BatchNorm + Dropout"] == counts["3 ReLU + BatchNorm"]
    names = [layer.name for layer in series["4 ReLU + BatchNorm + Dropout"].layers]
    assert {"hidden_1", "batchnorm_1", "activation_1", "dropout_1", "hidden_2", "output"} <= set(names)
    assert names.index("batchnorm_1") < names.index("activation_1")  # before the activation


def test_residual_mlp_adds_its_input():
    model = models.mlp((8,), (8, 8), 3, residual=True, output_activation=None,
                       kernel_initializer="zeros")
    # With zero weights every hidden layer's f(x) is act(0): relu(0) = 0, so the skips carry x unchanged.
    assert not any(layer.name == "projection" for layer in model.layers)
    assert any(layer.name == "skip_2" for layer in model.layers)
    x = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    hidden = models.mlp((8,), (8, 8), 3, residual=True, kernel_initializer="zeros")
    assert np.allclose(model.predict(x, verbose=0), 0.0)
    assert hidden.count_params() == model.count_params()
    projected = models.mlp((5,), (8, 8), 3, residual=True)
    assert any(layer.name == "projection" for layer in projected.layers)


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(input_shape=0), "input_shape"),
    (dict(input_shape=(784,), hidden=(512, 0)), "hidden"),
    (dict(input_shape=(784,), outputs=0), "outputs"),
    (dict(input_shape=(784,), dropout=1.0), "dropout"),
    (dict(input_shape=(784,), hidden=(16, 8), residual=True), "residual"),
])
def test_bad_arguments_name_themselves(kwargs, fragment):
    with pytest.raises((ArgumentValueError, TypeError), match=fragment):
        models.mlp(**kwargs)
