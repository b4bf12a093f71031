"""Keras callbacks for teaching, one module per idea.

* :mod:`~course_lib.callbacks.live`: :class:`LivePlot`, learning curves redrawn after every epoch.

Unit 2 adds the gradient-norm and dead-unit monitors and the learning-rate range test here.

>>> model.fit(x, y, validation_split=0.2, epochs=10, verbose=0,
...           callbacks=[LivePlot()])                       # doctest: +SKIP
"""

from .live import LivePlot

__all__ = ["LivePlot"]
