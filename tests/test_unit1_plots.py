"""The Unit 1 pictures in course_lib.plots: decision boundaries, lines, activations, networks."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import plots, scratch  # noqa: E402

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y_XOR = np.array([0, 1, 1, 0])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_decision_boundary_shades_scores_and_draws_the_threshold_contour():
    calls = []

    def predict(grid):
        calls.append(grid.shape)
        return grid[:, 0] + grid[:, 1] - 1.0

    fig = plots.decision_boundary(predict, X, Y_XOR, resolution=50, threshold=0.0, title="score")
    ax = fig.axes[0]
    assert calls == [(2500, 2)]
    assert ax.get_title() == "score"
    assert len(ax.collections) >= 2 + 2  # filled contour + threshold line + two classes of points
    assert ax.get_xlim() == pytest.approx((-0.5, 1.5))


def test_decision_boundary_takes_an_mlp_and_multiclass_outputs():
    xor = scratch.MLP([[[1, 1], [1, 1]], [[1], [-2]]], [[0, -1], [0]], ["relu", "linear"])
    fig = plots.decision_boundary(xor, X, Y_XOR, resolution=30)
    assert fig.axes
    three = plots.decision_boundary(lambda g: np.stack([g[:, 0], g[:, 1], 1 - g.sum(1)], axis=1), X, None,
                                    resolution=30, limits=((0, 1), (0, 1)))
    assert three.axes[0].get_ylim() == (0, 1)


def test_decision_boundary_validates():
    with pytest.raises(ValueError, match="shape \\(n, 2\\)"):
        plots.decision_boundary(lambda g: g[:, 0], np.zeros((3, 3)))
    with pytest.raises(ValueError, match="one label per row"):
        plots.decision_boundary(lambda g: g[:, 0], X, [0, 1])
    with pytest.raises(TypeError, match="callable"):
        plots.decision_boundary("model", X, Y_XOR)
    with pytest.raises(ValueError, match="returned 1 rows"):
        plots.decision_boundary(lambda g: np.zeros(1), X, Y_XOR, resolution=10)


def test_decision_lines_draws_one_line_per_weight_vector():
    lines = [((1.0, 1.0), -1.5), ((1.0, 0.0), -0.5), ((0.0, 0.0), 0.0)]  # normal, vertical, none
    fig = plots.decision_lines(X, Y_XOR, lines, labels=["a", "b", "c"])
    ax = fig.axes[0]
    assert len(ax.lines) == 2  # the all-zero weight vector has no line
    assert ax.lines[0].get_ydata() == pytest.approx([1.5 - (-0.5), 1.5 - 1.5])
    with pytest.raises(ValueError, match="length 2"):
        plots.decision_lines(X, Y_XOR, [((1.0, 1.0, 1.0), 0.0)])
    with pytest.raises(ValueError, match="one entry per line"):
        plots.decision_lines(X, Y_XOR, lines, labels=["a"])


def test_activation_functions_one_panel_each_with_function_and_derivative():
    fig = plots.activation_functions(["sigmoid", ("leaky_relu", {"alpha": 0.1}), "softmax"], ncols=2)
    visible = [ax for ax in fig.axes if ax.axison]
    assert len(visible) == 3 and len(fig.axes) == 4
    sig = visible[0]
    assert len(sig.lines) >= 2
    assert max(sig.lines[1].get_ydata()) == pytest.approx(0.25, abs=1e-3)
    assert visible[1].get_title() == "leaky_relu, alpha=0.1"
    with pytest.raises(ValueError, match="at least one"):
        plots.activation_functions([])


def test_network_draws_every_edge_and_validates():
    fig = plots.network([[[0.15, 0.25], [0.2, 0.3]], [[0.4, 0.5], [0.45, 0.55]]], [[0.35, 0.35], [0.6, 0.6]])
    ax = fig.axes[0]
    assert len(ax.lines) == 8
    texts = {t.get_text() for t in ax.texts}
    assert {"0.15", "0.55", "b=0.35", "x1", "h2", "o1", "hidden"} <= texts
    with pytest.raises(ValueError, match="expects 3 inputs"):
        plots.network([np.ones((2, 2)), np.ones((3, 1))])
    with pytest.raises(ValueError, match="one vector per layer"):
        plots.network([np.ones((2, 2))], [[0, 0], [0]])


def test_weight_images_share_a_symmetric_colour_scale():
    kernel = np.array([[1.0, -4.0], [0.5, 0.0], [0.0, 0.2], [-0.3, 0.1]])
    fig = plots.weight_images(kernel, (2, 2), titles=["a", "b"])
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 2
    assert all(im.get_clim() == (-4.0, 4.0) for im in images)
    np.testing.assert_array_equal(images[1].get_array(), [[-4.0, 0.0], [0.2, 0.1]])
    colour_bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(colour_bars) == 1 and colour_bars[0].get_ylabel() == "weight"
    assert not [ax for ax in plots.weight_images(kernel, (2, 2), colorbar=False).axes if ax.get_label() == "<colorbar>"]
    with pytest.raises(ValueError, match="prod\\(image_shape\\)"):
        plots.weight_images(kernel, (3, 3))
    with pytest.raises(ValueError, match="one entry per unit"):
        plots.weight_images(kernel, (2, 2), titles=["a"])
