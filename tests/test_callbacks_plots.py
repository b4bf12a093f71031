import keras
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from course_lib import callbacks, plots


def tiny_fit(cb, epochs=3):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, validation_split=0.25, epochs=epochs, verbose=0, callbacks=[cb])
    return cb


def test_liveplot_redraws_every_epoch_when_live(capsys):
    cb = tiny_fit(callbacks.LivePlot(live=True), epochs=3)
    assert cb.redraws == 3
    assert set(cb.history) >= {"loss", "val_loss", "accuracy", "val_accuracy"}
    assert all(len(v) == 3 for v in cb.history.values())


def test_liveplot_every_n_still_shows_last_epoch():
    cb = tiny_fit(callbacks.LivePlot(live=True, every=2), epochs=3)
    assert cb.redraws == 2  # epoch 2, then the final epoch 3 at train end


def test_liveplot_is_quiet_when_headless(monkeypatch):
    monkeypatch.setenv("COURSE_HEADLESS", "1")
    cb = tiny_fit(callbacks.LivePlot(), epochs=3)
    assert cb.live is False and cb.redraws == 1  # one finished picture, no per-epoch redraws


def test_liveplot_validates_every():
    with pytest.raises(ValueError, match="every must be a positive int, got 0"):
        callbacks.LivePlot(every=0)


def test_learning_curves_panels_and_errors():
    fig = plots.learning_curves({"loss": [1, 0.5], "val_loss": [1.2, 0.7], "acc": [0.5, 0.8]})
    assert len(fig.axes) == 2 and [a.get_title() for a in fig.axes] == ["loss", "acc"]
    assert len(fig.axes[0].lines) == 2  # train and validation
    with pytest.raises(ValueError, match=r"\['f1'\] are not in the history"):
        plots.learning_curves({"loss": [1]}, metrics=["f1"])
    with pytest.raises(TypeError, match="history must be"):
        plots.learning_curves([1, 2])


def test_image_grid_marks_wrong_predictions_red():
    images = np.zeros((5, 4, 4))
    fig = plots.image_grid(images, labels=[0, 1, 2, 3, 4], predictions=[0, 1, 9, 3, 4], ncols=3)
    titled = [a for a in fig.axes if a.get_title()]
    assert len(fig.axes) == 6 and len(titled) == 5
    red = [a.get_title() for a in titled if a.title.get_color() == "red"]
    assert red == ["9 (2)"]
    with pytest.raises(ValueError, match="images must have shape"):
        plots.image_grid(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="predictions need labels"):
        plots.image_grid(images, predictions=[0] * 5)
