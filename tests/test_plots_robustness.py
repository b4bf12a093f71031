"""The robustness plots: labelled axes, one line per curve, the perturbation's colour bar, bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib._validation import ArgumentTypeError, ArgumentValueError, ShapeError  # noqa: E402
from course_lib.plots import robustness  # noqa: E402


def teardown_function():
    plt.close("all")


def test_accuracy_vs_epsilon_draws_one_labelled_line_per_curve():
    fig = robustness.accuracy_vs_epsilon([0, 0.1, 0.2], {"FGSM": [0.9, 0.5, 0.2], "BIM": [0.9, 0.3, 0.0]},
                                         chance=0.1, styles={"BIM": {"ls": "--"}}, title="t")
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("ε") and "accuracy" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["FGSM", "BIM", "chance"]
    assert ax.lines[1].get_linestyle() == "--"
    assert np.allclose(ax.lines[0].get_ydata(), [0.9, 0.5, 0.2])


def test_adversarial_examples_has_three_rows_and_a_colour_bar():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(5, 16)).astype("float32")
    x_adv = np.clip(x + 0.1 * np.sign(rng.normal(size=x.shape)), 0, 1)
    fig = robustness.adversarial_examples(x, x_adv, labels=[0, 1, 2, 3, 4], clean_predictions=[0, 1, 2, 3, 4],
                                          adversarial_predictions=[0, 7, 2, 3, 9], n=4, image_shape=(4, 4))
    assert sum(bool(ax.images) for ax in fig.axes) == 3 * 4 and len(fig.axes) == 3 * 4 + 1  # + the colour bar
    titles = [ax.get_title() for ax in fig.axes]
    assert "7 (1)" in titles and "9 (4)" not in titles  # only the first n = 4 columns
    assert any("x_adv" in ax.get_ylabel() for ax in fig.axes)  # the colour bar's label


@pytest.mark.parametrize("call, error, fragment", [
    (lambda: robustness.accuracy_vs_epsilon([0, 0.1], {}), ArgumentTypeError, "curves"),
    (lambda: robustness.accuracy_vs_epsilon([0, 0.1], {"a": [0.5]}), ShapeError, "curves"),
    (lambda: robustness.accuracy_vs_epsilon([0, 0.1], {"a": [0.5, 1.5]}), ArgumentValueError, r"\[0, 1\]"),
    (lambda: robustness.adversarial_examples(np.zeros((2, 4)), np.zeros((2, 5))), ShapeError, "x_adv"),
    (lambda: robustness.adversarial_examples(np.zeros((2, 4)), np.zeros((2, 4)), image_shape=(3, 3)),
     ShapeError, "image_shape"),
    (lambda: robustness.adversarial_examples(np.zeros((2, 4)), np.zeros((2, 4)), labels=[1], n=2,
                                             image_shape=(2, 2)), ShapeError, "labels"),
])
def test_bad_input_names_itself(call, error, fragment):
    with pytest.raises(error, match=fragment):
        call()
