"""Keras callbacks for teaching.

:class:`LivePlot` redraws the learning curves in place after every epoch in an
interactive Jupyter session. When notebooks run unattended (``course run``,
nbval: ``COURSE_HEADLESS=1``) it stays quiet during training and shows the
finished curves once, so executed notebooks still contain the picture.

>>> model.fit(x, y, validation_split=0.2, epochs=10, verbose=0,
...           callbacks=[LivePlot()])                       # doctest: +SKIP
"""

from __future__ import annotations

import keras
import matplotlib.pyplot as plt

from .. import config, plots
from .._validation import ArgumentValueError


class LivePlot(keras.callbacks.Callback):
    """Learning curves that update in place each epoch.

    Args:
        metrics: base metric names to plot (default: all that the model logs).
        every: redraw every ``every`` epochs in interactive mode.
        title: a figure title.
        live: force live redraws on (True) or off (False); default: on unless headless.
    """

    def __init__(self, metrics=None, *, every: int = 1, title: str | None = None, live: bool | None = None):
        super().__init__()
        if not isinstance(every, int) or every < 1:
            raise ArgumentValueError(f"every must be a positive int, got {every!r}")
        self.metrics = metrics
        self.every = every
        self.title = title
        self.live = (not config.headless()) if live is None else bool(live)
        self.history: dict[str, list[float]] = {}
        self.redraws = 0
        self._handle = None
        self._fig = None
        self._drawn_epochs = 0

    def on_train_begin(self, logs=None):
        self.history = {}
        self.redraws = 0
        self._handle = None
        self._fig = None
        self._drawn_epochs = 0

    def on_epoch_end(self, epoch, logs=None):
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        if self.live and (epoch + 1) % self.every == 0:
            self._draw()

    def on_train_end(self, logs=None):
        if not self.history:
            return
        if self.live:
            if self._drawn_epochs < len(next(iter(self.history.values()))):
                self._draw()  # the last epochs fell between redraws
        else:
            from IPython.display import display

            fig = plots.learning_curves(self.history, self.metrics, title=self.title)
            display(fig)
            plt.close(fig)  # already shown; stops the inline backend from drawing it twice
            self.redraws += 1
        if self._fig is not None:
            plt.close(self._fig)
        self._fig = None

    def _draw(self):
        from IPython.display import display

        self._fig = plots.learning_curves(self.history, self.metrics, fig=self._fig, title=self.title)
        if self._handle is None:
            self._handle = display(self._fig, display_id=True)
        else:
            self._handle.update(self._fig)
        self.redraws += 1
        self._drawn_epochs = len(next(iter(self.history.values())))
