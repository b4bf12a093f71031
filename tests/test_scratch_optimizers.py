"""course_lib.scratch.optimizers: step for step against keras.optimizers, schedules, Nesterov's two forms."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import plots  # noqa: E402
from course_lib._validation import ArgumentTypeError, ArgumentValueError, ShapeError  # noqa: E402
from course_lib.scratch import optimizers as so  # noqa: E402

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 5))
Y = (RNG.uniform(size=32) < 0.5).astype(float)
START = [RNG.normal(size=(5, 1)), np.array([0.3])]
STEPS = 50


def logistic_grad(params):
    """Gradients of the mean binary cross-entropy of a logistic regression: two parameters of two shapes."""
    W, b = params
    error = (1 / (1 + np.exp(-(X @ W + b))) - Y[:, None]) / len(X)
    return [X.T @ error, error.sum(axis=0)]


# Keras's defaults, except where a default learning rate would barely move in 50 steps.
DEFAULTS = {
    "sgd": (lambda: so.SGD(0.1), lambda: keras.optimizers.SGD(0.1)),
    "momentum": (lambda: so.SGD(0.1, momentum=0.9), lambda: keras.optimizers.SGD(0.1, momentum=0.9)),
    "nesterov": (lambda: so.SGD(0.1, momentum=0.9, nesterov=True),
                 lambda: keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True)),
    "adagrad": (lambda: so.Adagrad(0.1), lambda: keras.optimizers.Adagrad(0.1)),
    "rmsprop": (lambda: so.RMSprop(0.01), lambda: keras.optimizers.RMSprop(0.01)),
    "adadelta": (lambda: so.Adadelta(1.0), lambda: keras.optimizers.Adadelta(learning_rate=1.0)),
    "adam": (lambda: so.Adam(0.01), lambda: keras.optimizers.Adam(0.01)),
}

# Hyperparameters that float32 holds exactly, so that Keras's float32 learning-rate variable loses nothing.
LR, MU, RHO, B2, EPS = 0.125, 0.875, 0.875, 1 - 2 ** -10, 2 ** -20
EXACT = {
    "sgd": (lambda: so.SGD(LR), lambda: keras.optimizers.SGD(LR)),
    "momentum": (lambda: so.SGD(LR, momentum=MU), lambda: keras.optimizers.SGD(LR, momentum=MU)),
    "nesterov": (lambda: so.SGD(LR, momentum=MU, nesterov=True),
                 lambda: keras.optimizers.SGD(LR, momentum=MU, nesterov=True)),
    "adagrad": (lambda: so.Adagrad(LR, initial_accumulator_value=0.125, epsilon=EPS),
                lambda: keras.optimizers.Adagrad(LR, initial_accumulator_value=0.125, epsilon=EPS)),
    "rmsprop": (lambda: so.RMSprop(LR / 8, rho=RHO, epsilon=EPS),
                lambda: keras.optimizers.RMSprop(LR / 8, rho=RHO, epsilon=EPS)),
    "adadelta": (lambda: so.Adadelta(1.0, rho=RHO, epsilon=EPS),
                 lambda: keras.optimizers.Adadelta(1.0, rho=RHO, epsilon=EPS)),
    "adam": (lambda: so.Adam(LR / 8, beta_1=MU, beta_2=B2, epsilon=EPS),
             lambda: keras.optimizers.Adam(LR / 8, beta_1=MU, beta_2=B2, epsilon=EPS)),
}


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_step_for_step_against_keras_in_float32(name):
    ours, theirs = DEFAULTS[name]
    path = so.trajectory(ours(), logistic_grad, START, STEPS)
    keras_path = so.trajectory(theirs(), logistic_grad, START, STEPS, dtype="float32")
    assert np.abs(path[0][-1] - path[0][0]).max() > 1e-2      # the run really moved
    assert so.max_relative_difference(path, keras_path) < 1e-5


@pytest.mark.parametrize("name", sorted(EXACT))
def test_step_for_step_against_keras_to_the_last_bit_in_float64(name):
    ours, theirs = EXACT[name]
    path = so.trajectory(ours(), logistic_grad, START, STEPS)
    keras_path = so.trajectory(theirs(), logistic_grad, START, STEPS, dtype="float64")
    assert so.max_relative_difference(path, keras_path) < 1e-15


def test_a_wrong_convention_is_seen_by_the_comparison():
    """The comparison can fail: Algorithm 1's ε, Keras's Adadelta default rate, no bias correction."""
    small = lambda params: [1e-4 * g for g in logistic_grad(params)]  # noqa: E731 - gradients near ε/√(1 − β₂ᵗ)
    keras_adam = so.trajectory(keras.optimizers.Adam(0.01, epsilon=1e-6), small, START, 20)
    hat = so.trajectory(so.Adam(0.01, epsilon=1e-6), small, START, 20)
    paper = so.trajectory(so.Adam(0.01, epsilon=1e-6, epsilon_hat=False), small, START, 20)
    assert so.max_relative_difference(hat, keras_adam) < 1e-5
    assert so.max_relative_difference(paper, keras_adam) > 1e-3
    no_eta = so.trajectory(so.Adadelta(), logistic_grad, START, 20)
    keras_default = so.trajectory(keras.optimizers.Adadelta(), logistic_grad, START, 20)
    assert so.max_relative_difference(no_eta, keras_default) > 1e-3
    uncorrected = so.trajectory(so.Adam(0.01, bias_correction=False), logistic_grad, START, 20)
    assert so.max_relative_difference(uncorrected, so.trajectory(so.Adam(0.01), logistic_grad, START, 20)) > 1e-3


def test_a_schedule_as_learning_rate_matches_keras():
    ours = so.SGD(so.schedule("inverse_time", initial_learning_rate=0.2, decay_rate=1.0), momentum=0.5)
    theirs = keras.optimizers.SGD(keras.optimizers.schedules.InverseTimeDecay(0.2, 1, 1.0), momentum=0.5)
    a = so.trajectory(ours, logistic_grad, START, 10)
    b = so.trajectory(theirs, logistic_grad, START, 10, dtype="float32")
    assert so.max_relative_difference(a, b) < 1e-6
    assert ours.current_learning_rate() == pytest.approx(0.2 / 11)


def test_plain_gd_nesterov_and_momentum_formulas():
    w, g = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    assert np.allclose(so.SGD(0.1).step(w, g), w - 0.1 * g)
    opt = so.SGD(0.1, momentum=0.9)
    w1 = opt.step(w, g)
    w2 = opt.step(w1, g)
    assert np.allclose(w2, w1 - (0.9 * 0.1 * g + 0.1 * g))              # V = γV + ηg, w − V
    nag = so.SGD(0.1, momentum=0.9, nesterov=True)
    assert np.allclose(nag.step(w, g), w - (0.9 * 0.1 * g + 0.1 * g))   # w − (γV + ηg)


def test_adagrad_rate_only_decays_and_adam_bias_correction():
    opt = so.Adagrad(0.5)
    w = np.array([3.0])
    rates = []
    for _ in range(20):
        w = opt.step(w, 2 * w)
        rates.append(0.5 / np.sqrt(opt.slots[0]["accumulator"][0] + opt.epsilon))
    assert all(a > b for a, b in zip(rates, rates[1:]))
    # At t = 1 Adam's corrected step is η·g/(|g| + ε): about η whatever the size of g.
    for scale in (1e-3, 1.0, 1e3):
        step = 1.0 - so.Adam(0.01, epsilon_hat=False).step(np.array([1.0]), np.array([scale]))[0]
        assert step == pytest.approx(0.01, rel=1e-3)
    uncorrected = 1.0 - so.Adam(0.01, bias_correction=False).step(np.array([1.0]), np.array([1.0]))[0]
    assert uncorrected == pytest.approx(0.01 * 0.1 / np.sqrt(0.001), rel=1e-4)   # (1 − β₁)/√(1 − β₂) ≈ 3.16 η


def test_step_is_functional_and_keeps_state_per_parameter():
    opt = so.Adam(0.1)
    params = [np.ones(3), np.zeros((2, 2))]
    grads = [np.ones(3), np.ones((2, 2))]
    before = [p.copy() for p in params]
    new = opt.step(params, grads)
    assert all(np.array_equal(a, b) for a, b in zip(params, before))        # inputs untouched
    assert [n.shape for n in new] == [(3,), (2, 2)] and opt.iterations == 1
    assert len(opt.slots) == 2 and opt.slots[1]["m"].shape == (2, 2)
    with pytest.raises(ShapeError, match="keep the shapes"):
        opt.step([np.ones(4), np.zeros((2, 2))], [np.ones(4), np.ones((2, 2))])
    opt.reset()
    assert opt.iterations == 0 and opt.step(np.ones(4), np.ones(4)).shape == (4,)


def test_bad_arguments_name_what_was_expected():
    with pytest.raises(ArgumentValueError, match="learning_rate must be a positive number, got 0"):
        so.SGD(0)
    with pytest.raises(ArgumentTypeError, match="learning_rate"):
        so.Adam("fast")
    with pytest.raises(ArgumentValueError, match=r"momentum must be a number in \[0, 1\), got 1"):
        so.SGD(0.1, momentum=1)
    with pytest.raises(ArgumentTypeError, match="nesterov must be True or False"):
        so.SGD(0.1, momentum=0.9, nesterov=1)
    with pytest.raises(ArgumentValueError, match="rho"):
        so.RMSprop(rho=-0.1)
    with pytest.raises(ArgumentValueError, match="epsilon"):
        so.Adadelta(epsilon=0)
    with pytest.raises(ArgumentValueError, match="beta_2"):
        so.Adam(beta_2=1.0)
    with pytest.raises(ArgumentTypeError, match="epsilon_hat must be True or False"):
        so.Adam(epsilon_hat="keras")
    with pytest.raises(ArgumentValueError, match="initial_accumulator_value"):
        so.Adagrad(initial_accumulator_value=-1)
    with pytest.raises(ArgumentValueError, match="grads must match params: 2 array"):
        so.SGD().step([np.ones(2), np.ones(2)], np.ones(2))
    with pytest.raises(ShapeError, match=r"grads\[0\] must have shape"):
        so.SGD().step(np.ones(3), np.ones(2))
    with pytest.raises(ArgumentValueError, match="name must be one of"):
        so.get_optimizer("lbfgs")
    with pytest.raises(ArgumentValueError, match="steps must be a non-negative int"):
        so.trajectory(so.SGD(), lambda w: w, np.ones(2), -1)
    with pytest.raises(ArgumentTypeError, match="optimizer must be"):
        so.trajectory("sgd", lambda w: w, np.ones(2), 3)
    with pytest.raises(ArgumentValueError, match="kind must be one of"):
        so.schedule("linear", initial_learning_rate=0.1)
    with pytest.raises(ArgumentValueError, match="decay_rate"):
        so.schedule("exponential", initial_learning_rate=0.1, decay_rate=1.5)
    with pytest.raises(ArgumentValueError, match="every must be a positive int"):
        so.step_decay(0.1, 0.5, 0, 3)
    with pytest.raises(ShapeError, match="b must have shape"):
        so.max_relative_difference(np.ones((3, 2)), np.ones((3, 1)))


# ----------------------------------------------------------------------------- schedules

def test_the_worked_decay_table_and_keras_inverse_time_decay():
    epochs = np.array([1, 2, 3, 4])
    ours = so.inverse_time_decay(0.2, 1.0, epochs)
    assert np.round(ours, 4).tolist() == [0.1, 0.0667, 0.05, 0.04]
    keras_decay = keras.optimizers.schedules.InverseTimeDecay(0.2, decay_steps=1, decay_rate=1.0)
    assert np.allclose(ours, [float(keras_decay(e)) for e in epochs], rtol=1e-6)
    assert so.inverse_time_decay(0.2, 1.0, 0) == pytest.approx(0.2)


@pytest.mark.parametrize("kind", ["inverse_time", "exponential", "step", "cosine"])
def test_schedules_match_keras(kind):
    steps = np.arange(0, 60)
    S = keras.optimizers.schedules
    ours, theirs = {
        "inverse_time": (so.schedule("inverse_time", initial_learning_rate=0.1, decay_rate=0.5, decay_steps=10,
                                     staircase=True), S.InverseTimeDecay(0.1, 10, 0.5, staircase=True)),
        "exponential": (so.schedule("exponential", initial_learning_rate=0.1, decay_rate=0.9, decay_steps=5),
                        S.ExponentialDecay(0.1, 5, 0.9)),
        "step": (so.schedule("step", initial_learning_rate=0.1, drop=0.5, every=20),
                 S.ExponentialDecay(0.1, 20, 0.5, staircase=True)),
        "cosine": (so.schedule("cosine", initial_learning_rate=0.1, decay_steps=40, alpha=0.1),
                   S.CosineDecay(0.1, 40, alpha=0.1)),
    }[kind]
    assert np.allclose(ours(steps), [float(theirs(int(s))) for s in steps], rtol=1e-6)
    assert isinstance(ours(3), float) and "schedule(" in repr(ours)


# ----------------------------------------------------------------------------- Nesterov in its forms

def quadratic(n=40, seed=0):
    rng = np.random.default_rng(seed)
    eigenvalues = np.linspace(0.01, 1.0, n)
    return eigenvalues, (lambda x: eigenvalues * x), rng.normal(size=n)


def test_keras_form_is_the_lookahead_form_shifted_to_the_lookahead_point():
    _, grad, x0 = quadratic()
    lr, mu = 0.5, 0.9
    w = so.nesterov_lookahead_path(grad, x0, lr, mu, 30)
    lookahead = np.vstack([w[:1], w[1:] + mu * (w[1:] - w[:-1])])     # u = w + μ·v
    keras_form = so.trajectory(so.SGD(lr, momentum=mu, nesterov=True), grad, x0, 30)
    assert np.allclose(keras_form, lookahead, rtol=0, atol=1e-12)
    assert not np.allclose(keras_form, w, atol=1e-3)


def test_bubeck_form_is_lookahead_nesterov_with_a_growing_momentum():
    eigenvalues, grad, x0 = quadratic()
    beta, steps = float(eigenvalues.max()), 200
    lam = so.bubeck_lambdas(steps + 1)
    assert lam[1] == 1 and np.all(np.diff(lam) > 0)
    gammas = (1 - lam[1:-1]) / lam[2:]
    assert np.all(gammas <= 0)
    y, x = so.bubeck_nesterov_path(grad, x0, beta, steps)
    w = so.nesterov_lookahead_path(grad, x0, 1 / beta, lambda s: (lam[s - 1] - 1) / lam[s], steps)
    assert np.allclose(y, w, rtol=0, atol=1e-12)
    f = lambda z: 0.5 * np.sum(eigenvalues * z ** 2, axis=-1)  # noqa: E731 - minimum 0 at 0
    t = np.arange(1, steps + 2)
    assert np.all(f(y) <= 2 * beta * np.sum(x0 ** 2) / t ** 2 + 1e-15)  # Bubeck's bound on f(y_t) − f(x*)


# ----------------------------------------------------------------------------- the contour plot

def test_optimizer_paths_draws_contours_a_colour_bar_and_every_path():
    bowl = lambda p: p[..., 0] ** 2 + 10 * p[..., 1] ** 2 + 0.1  # noqa: E731
    path = so.trajectory(so.SGD(0.05), lambda w: np.array([2 * w[0], 20 * w[1]]), np.array([1.5, 1.0]), 20)
    fig = plots.optimizer_paths(bowl, {"GD": path, "far away": np.array([[5.0, 5.0], [6.0, 6.0]])},
                                xlim=(-2, 2), ylim=(-1.5, 1.5), log_levels=True, minimum=(0, 0), title="bowl")
    ax, colour_bar = fig.axes
    assert colour_bar.get_ylabel() == "loss" and ax.get_xlabel() and ax.get_ylabel()
    labels = [line.get_label() for line in ax.get_lines()]
    assert {"GD", "far away", "minimum"} <= set(labels)
    assert ax.get_xlim() == (-2, 2)
    plt.close(fig)
    with pytest.raises(ArgumentValueError, match="xlim must be"):
        plots.optimizer_paths(bowl, xlim=(1, 0))
    with pytest.raises(ShapeError, match=r"paths\['bad'\] must have shape \(steps \+ 1, 2\)"):
        plots.optimizer_paths(bowl, {"bad": np.ones((4, 3))})
    with pytest.raises(ShapeError, match="f must map points"):
        plots.optimizer_paths(lambda p: p.sum())
    with pytest.raises(ArgumentValueError, match="log_levels=True needs f > 0"):
        plots.optimizer_paths(lambda p: p[..., 0], log_levels=True)
    plt.close("all")
