"""Keras callbacks for teaching, one module per idea.

* :mod:`.live`: :class:`LivePlot`, learning curves that redraw in place.

>>> import course_lib as cl
>>> cl.callbacks.LivePlot                                    # doctest: +SKIP
"""

from .live import LivePlot

__all__ = ["LivePlot"]
