"""Keras callbacks for teaching, one module per idea.

* :mod:`.live`: :class:`LivePlot`, learning curves that redraw in place.
* :mod:`.gradients`: :class:`GradientNorms` (per-layer gradient norms on a probe batch) and
  :class:`DeadUnits` (the fraction of ReLU units that no longer fire), once per epoch.

>>> import course_lib as cl
>>> cl.callbacks.LivePlot                                    # doctest: +SKIP
"""

from .gradients import DeadUnits, GradientNorms
from .live import LivePlot

__all__ = ["DeadUnits", "GradientNorms", "LivePlot"]
